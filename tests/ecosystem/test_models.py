import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from ecosystem.models import Actor, FinancialFlow, RedFlag, Stage
from ecosystem.services import red_flag_create, red_flag_submit
from tests.ecosystem.factories import (
    ActorFactory,
    CategoryFactory,
    FlowFactory,
    StageFactory,
    citation,
    publisher,
    red_flag,
)

pytestmark = pytest.mark.django_db


def test_stages_are_ordered_within_their_category_and_the_order_is_unique():
    category = CategoryFactory()
    third = StageFactory(category=category, order=3, name="Laundering")
    first = StageFactory(category=category, order=1, name="Recruitment")
    assert list(category.stages.all()) == [first, third]
    with pytest.raises(IntegrityError), transaction.atomic():
        StageFactory(category=category, order=3, name="Repatriation")
    StageFactory(order=3)  # another category may use the same position


def test_actors_are_listed_in_stage_order():
    category = CategoryFactory()
    late, early = StageFactory(category=category, order=2), StageFactory(category=category, order=1)
    banker = ActorFactory(stage=late, name="Bank")
    recruiter = ActorFactory(stage=early, name="Recruiter")
    assert list(Actor.objects.filter(category=category)) == [recruiter, banker]


def test_a_flow_between_actors_of_another_category_is_refused():
    flow = FlowFactory()
    stranger = ActorFactory()  # a new category
    flow.to_actor = stranger
    with pytest.raises(ValidationError) as error:
        flow.full_clean()
    assert "to_actor" in error.value.message_dict
    assert "belongs to" in error.value.message_dict["to_actor"][0]


def test_a_flow_in_a_stage_of_another_category_is_refused():
    flow = FlowFactory()
    flow.stage = StageFactory()
    with pytest.raises(ValidationError) as error:
        flow.full_clean()
    assert "stage" in error.value.message_dict


def test_an_actor_placed_in_another_categorys_stage_is_refused():
    actor = ActorFactory()
    actor.stage = StageFactory()
    with pytest.raises(ValidationError):
        actor.full_clean()


def test_a_flow_goes_between_two_different_actors():
    flow = FlowFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        FinancialFlow.objects.filter(pk=flow.pk).update(to_actor=flow.from_actor)


@pytest.mark.postgresql_only
def test_postgres_refuses_a_flow_across_categories_whatever_code_writes_it():
    flow = FlowFactory()
    stranger = ActorFactory()
    with transaction.atomic():
        FinancialFlow.objects.filter(pk=flow.pk).update(from_actor=stranger)
        # The composite foreign keys are deferred: check them now rather than at commit.
        with pytest.raises(IntegrityError):
            connection.check_constraints()
        transaction.set_rollback(True)


@pytest.mark.postgresql_only
def test_postgres_refuses_moving_an_actor_to_another_category_under_its_flows():
    flow = FlowFactory()
    other = CategoryFactory()
    with transaction.atomic():
        Actor.objects.filter(pk=flow.from_actor_id).update(category=other)
        with pytest.raises(IntegrityError):
            connection.check_constraints()
        transaction.set_rollback(True)


def test_a_red_flag_takes_the_category_of_what_it_is_attached_to():
    flow = FlowFactory()
    flag = red_flag(flow=flow, publish=False)
    assert flag.category_id == flow.category_id


def test_a_red_flag_is_attached_to_exactly_one_part():
    actor = ActorFactory()
    with pytest.raises(ValidationError, match="exactly one"):
        red_flag_create(stage=actor.stage, actor=actor, indicator="x", citations=[citation()])
    with pytest.raises(IntegrityError), transaction.atomic():
        RedFlag.objects.create(category=actor.category, indicator="x")


def test_no_red_flag_without_a_located_quoted_source():
    stage = StageFactory()
    with pytest.raises(ValidationError) as error:
        red_flag_create(stage=stage, indicator="Structured deposits", citations=[])
    assert "citations" in error.value.message_dict
    with pytest.raises(ValidationError, match="Quote the passage"):
        red_flag_create(stage=stage, indicator="Structured deposits", citations=[citation(quote="  ")])
    with pytest.raises(ValidationError, match="Say where in"):
        red_flag_create(stage=stage, indicator="Structured deposits", citations=[citation(locator="")])
    assert not RedFlag.objects.exists()


def test_a_flag_with_an_unquoted_citation_cannot_be_published():
    """Citations carried over from the free-text sources have no passage yet: they keep the flag from members."""
    flag = red_flag(publish=False)
    flag.citations.update(quote="")
    with pytest.raises(ValidationError, match="verbatim passage"):
        red_flag_submit(red_flag=flag, by=publisher())


def test_a_red_flag_cannot_be_published_without_a_revision():
    flag = red_flag(publish=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        RedFlag.objects.filter(pk=flag.pk).update(review_state="published")


def test_in_stage_includes_the_flags_of_its_actors_and_flows():
    stage = StageFactory()
    actor = ActorFactory(stage=stage)
    flow = FlowFactory(stage=stage)
    elsewhere = StageFactory(category=stage.category)
    flags = [red_flag(stage=stage), red_flag(actor=actor), red_flag(flow=flow)]
    red_flag(stage=elsewhere)
    assert set(RedFlag.objects.in_stage(stage.pk)) == set(flags)
    assert Stage.objects.count() == 2
