import factory

from ecosystem.models import (
    Actor,
    ActorKind,
    FinancialFlow,
    Instrument,
    RedFlag,
    Source,
    SourceKind,
    Stage,
    TraffickingCategory,
)
from ecosystem.services import CitationInput, red_flag_create, red_flag_publish, red_flag_submit, red_flag_verify
from members.models import User
from tests.members.factories import staff_user


class CategoryFactory(factory.django.DjangoModelFactory[TraffickingCategory]):
    class Meta:
        model = TraffickingCategory

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    status = "mapped"
    order = factory.Sequence(lambda n: n)


class StageFactory(factory.django.DjangoModelFactory[Stage]):
    class Meta:
        model = Stage

    category = factory.SubFactory(CategoryFactory)
    order = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Stage {n}")


class ActorFactory(factory.django.DjangoModelFactory[Actor]):
    class Meta:
        model = Actor

    stage = factory.SubFactory(StageFactory)
    category = factory.SelfAttribute("stage.category")
    name = factory.Sequence(lambda n: f"Actor {n}")
    kind = ActorKind.OPERATOR


class FlowFactory(factory.django.DjangoModelFactory[FinancialFlow]):
    class Meta:
        model = FinancialFlow

    stage = factory.SubFactory(StageFactory)
    category = factory.SelfAttribute("stage.category")
    from_actor = factory.SubFactory(ActorFactory, stage=factory.SelfAttribute("..stage"))
    to_actor = factory.SubFactory(ActorFactory, stage=factory.SelfAttribute("..stage"))
    label = factory.Sequence(lambda n: f"Flow {n}")
    instrument = Instrument.CASH


class SourceFactory(factory.django.DjangoModelFactory[Source]):
    class Meta:
        model = Source

    key = factory.Sequence(lambda n: f"source-{n}")
    kind = SourceKind.REGULATOR_ADVISORY
    issuer = "FinCEN"
    title = factory.Sequence(lambda n: f"Advisory {n}")
    document_number = factory.Sequence(lambda n: f"FIN-2014-A{n:03d}")
    jurisdiction = "United States"


def citation(source: Source | None = None, **kwargs: str) -> CitationInput:
    """A located, quoted passage (test wording, not a real advisory's)."""
    return CitationInput(
        source=source or SourceFactory.create(),
        locator=kwargs.get("locator", "Section 2"),
        quote=kwargs.get("quote", "A quoted passage of the source."),
    )


def publisher() -> User:
    """The staff member who publishes test red flags, unless a test names another."""
    return User.objects.filter(email="publisher@knoble.example").first() or staff_user(email="publisher@knoble.example")


def verifier() -> User:
    """The second staff member who verifies test red flags."""
    return User.objects.filter(email="verifier@knoble.example").first() or staff_user(email="verifier@knoble.example")


def red_flag(*, publish: bool = True, by: User | None = None, **kwargs) -> RedFlag:
    """A red flag through the services, as staff make them: attached to a new stage unless told otherwise."""
    if not any(kwargs.get(part) for part in ("stage", "actor", "flow")):
        kwargs["stage"] = StageFactory()
    kwargs.setdefault("indicator", "Card transactions concentrated late at night")
    kwargs.setdefault("citations", [citation()])
    created = red_flag_create(**kwargs)
    if publish:
        red_flag_submit(red_flag=created, by=by or publisher())
        red_flag_verify(red_flag=created, by=verifier())
        red_flag_publish(red_flag=created, by=by or publisher(), reason="First published")
        created.refresh_from_db()
    return created
