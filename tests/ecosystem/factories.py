import factory

from ecosystem.models import (
    Actor,
    ActorKind,
    FinancialFlow,
    IndicatorSet,
    Instrument,
    RedFlag,
    Source,
    SourceKind,
    Stage,
    TraffickingCategory,
)
from ecosystem.services import (
    CitationInput,
    indicator_set_create,
    indicator_set_publish,
    indicator_set_submit,
    indicator_set_verify,
    red_flag_create,
    red_flag_publish,
    red_flag_submit,
    red_flag_verify,
)
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


def indicator_set(*, red_flags: list[RedFlag] | None = None, publish: bool = True, **kwargs) -> IndicatorSet:
    """An indicator set through the services: two new published red flags of one category unless told otherwise."""
    if red_flags is None:
        stage = StageFactory()
        red_flags = [red_flag(stage=stage), red_flag(stage=stage, indicator="Frequent payments for lodging")]
    kwargs.setdefault("category", red_flags[0].category)
    kwargs.setdefault("name", "Front business")
    kwargs.setdefault("rationale", "Weighed together, as the source says.")
    kwargs.setdefault("minimum", 2)
    kwargs.setdefault("citations", [citation()])
    label = kwargs.pop("publish_label", None)
    created = indicator_set_create(red_flags=red_flags, **kwargs)
    if publish:
        indicator_set_submit(indicator_set=created, by=publisher())
        indicator_set_verify(indicator_set=created, by=verifier())
        indicator_set_publish(indicator_set=created, by=publisher(), reason="First published", label=label)
        created.refresh_from_db()
    return created
