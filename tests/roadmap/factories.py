import datetime

import factory

from roadmap.models import (
    Criterion,
    Direction,
    Formula,
    IdeationSession,
    Opportunity,
    OpportunityStatus,
    PrioritisationModel,
    Rating,
)


class IdeationSessionFactory(factory.django.DjangoModelFactory[IdeationSession]):
    class Meta:
        model = IdeationSession

    title = factory.Sequence(lambda n: f"Ideation session {n}")
    held_on = datetime.date(2026, 3, 12)


class OpportunityFactory(factory.django.DjangoModelFactory[Opportunity]):
    class Meta:
        model = Opportunity

    title = factory.Sequence(lambda n: f"Opportunity {n:03d}")
    status = OpportunityStatus.SHORTLISTED
    effort_weeks = 8


class PrioritisationModelFactory(factory.django.DjangoModelFactory[PrioritisationModel]):
    class Meta:
        model = PrioritisationModel

    name = factory.Sequence(lambda n: f"Model {n}")
    formula = Formula.WEIGHTED


class CriterionFactory(factory.django.DjangoModelFactory[Criterion]):
    class Meta:
        model = Criterion

    model = factory.SubFactory(PrioritisationModelFactory)
    name = factory.Sequence(lambda n: f"Criterion {n}")
    weight = 1
    direction = Direction.BENEFIT
    scale_min = 0
    scale_max = 10


class RatingFactory(factory.django.DjangoModelFactory[Rating]):
    class Meta:
        model = Rating

    opportunity = factory.SubFactory(OpportunityFactory)
    criterion = factory.SubFactory(CriterionFactory)
    value = 5


def make_roadmap(**kwargs):
    """A fresh 18-month roadmap with its three default horizons (60 person-weeks each)."""
    from roadmap.services import roadmap_create

    kwargs.setdefault("title", "Knoble roadmap 2027")
    kwargs.setdefault("first_month", datetime.date(2027, 1, 1))
    kwargs.setdefault("by", None)
    return roadmap_create(**kwargs)


def place(roadmap, start, end, **kwargs):
    from roadmap.services import roadmap_item_place

    opportunity = kwargs.pop("opportunity", None) or OpportunityFactory()
    return roadmap_item_place(roadmap=roadmap, opportunity=opportunity, start_month=start, end_month=end, **kwargs)
