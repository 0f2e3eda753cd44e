"""Validation of roadmaps, horizons and items; planning; publishing and revision diffs."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from roadmap.models import Horizon, ItemStatus, OpportunityStatus, RoadmapItem
from roadmap.planning import plan_accept, plan_from_priorities, rating_set
from roadmap.revisions import revision_diff
from roadmap.services import horizon_update, roadmap_create, roadmap_item_move, roadmap_publish
from roadmap.validation import validate_horizon_spans
from tests.members.factories import staff_user
from tests.roadmap.factories import (
    CriterionFactory,
    OpportunityFactory,
    PrioritisationModelFactory,
    RatingFactory,
    make_roadmap,
    place,
)

pytestmark = pytest.mark.django_db


def spans(roadmap):
    return list(roadmap.horizons.order_by("start_month").values_list("name", "start_month", "end_month"))


def test_a_new_roadmap_has_three_horizons_covering_18_months():
    roadmap = make_roadmap()
    assert roadmap.months == 18
    assert spans(roadmap) == [("Now", 1, 6), ("Next", 7, 12), ("Later", 13, 18)]


def test_a_roadmap_starts_on_the_first_of_a_month():
    with pytest.raises(ValidationError, match="first day"):
        roadmap_create(title="Mid-month", first_month=datetime.date(2027, 1, 15), by=None)


def test_moving_a_horizon_end_moves_the_next_start_and_rehomes_items():
    roadmap = make_roadmap()
    item = place(roadmap, 7, 8)
    assert item.horizon.name == "Next"
    horizon_update(horizon=roadmap.horizons.get(name="Now"), end_month=7, theme="Foundations")
    assert spans(roadmap) == [("Now", 1, 7), ("Next", 8, 12), ("Later", 13, 18)]
    item.refresh_from_db()
    assert item.horizon.name == "Now"


@pytest.mark.parametrize(
    ("horizon", "end_month", "message"),
    [
        ("Now", 12, "ends"),  # swallows all of Next
        ("Later", 17, "in no horizon"),  # the last horizon must reach the end
        ("Now", 0, "ends"),
    ],
)
def test_horizon_changes_that_break_coverage_are_refused(horizon, end_month, message):
    roadmap = make_roadmap()
    with pytest.raises(ValidationError, match=message):
        horizon_update(horizon=roadmap.horizons.get(name=horizon), end_month=end_month)
    assert spans(roadmap) == [("Now", 1, 6), ("Next", 7, 12), ("Later", 13, 18)]


def test_overlapping_and_gapped_horizons_are_refused():
    with pytest.raises(ValidationError, match="overlaps"):
        validate_horizon_spans(months=18, spans=[("A", 1, 7), ("B", 7, 12), ("C", 13, 18)])
    with pytest.raises(ValidationError, match="Months 7–8 are in no horizon"):
        validate_horizon_spans(months=18, spans=[("A", 1, 6), ("B", 9, 12), ("C", 13, 18)])
    validate_horizon_spans(months=18, spans=[("A", 1, 5), ("B", 6, 12), ("C", 13, 18)])


def test_the_database_refuses_a_second_horizon_starting_in_the_same_month():
    roadmap = make_roadmap()
    with pytest.raises(IntegrityError), transaction.atomic():
        Horizon.objects.create(roadmap=roadmap, name="Dup", start_month=1, end_month=2)


@pytest.mark.parametrize(("start", "end"), [(0, 3), (17, 19), (5, 4)])
def test_items_must_lie_inside_the_roadmap(start, end):
    roadmap = make_roadmap()
    with pytest.raises(ValidationError, match="inside the roadmap"):
        place(roadmap, start, end)
    assert not RoadmapItem.objects.exists()


def test_an_item_cannot_start_before_its_dependency_ends():
    roadmap = make_roadmap()
    first = place(roadmap, 1, 4)
    with pytest.raises(ValidationError, match="month 5 at the earliest"):
        place(roadmap, 4, 6, dependencies=[first])
    second = place(roadmap, 5, 6, dependencies=[first])
    with pytest.raises(ValidationError, match="must end by month 4"):
        roadmap_item_move(item=first, start_month=1, end_month=5)
    with pytest.raises(ValidationError, match="month 5 at the earliest"):
        roadmap_item_move(item=second, start_month=3, end_month=6)
    moved = roadmap_item_move(item=second, start_month=13, end_month=14)
    assert moved.horizon.name == "Later"


def test_dependency_cycles_are_refused():
    from roadmap.validation import validate_item_placement

    roadmap = make_roadmap()
    a = place(roadmap, 1, 2)
    b = place(roadmap, 3, 4, dependencies=[a])
    c = place(roadmap, 5, 6, dependencies=[b])
    with pytest.raises(ValidationError, match="cycle"):
        validate_item_placement(roadmap=roadmap, start_month=7, end_month=8, dependencies=[c], item=a)


def test_an_opportunity_is_placed_once_per_roadmap_and_becomes_planned():
    roadmap = make_roadmap()
    opportunity = OpportunityFactory(status=OpportunityStatus.SHORTLISTED)
    place(roadmap, 1, 2, opportunity=opportunity)
    opportunity.refresh_from_db()
    assert opportunity.status == OpportunityStatus.PLANNED
    with pytest.raises(ValidationError, match="already on this roadmap"):
        place(roadmap, 3, 4, opportunity=opportunity)


def test_ratings_off_the_scale_are_refused():
    criterion = CriterionFactory(scale_min=1, scale_max=5)
    opportunity = OpportunityFactory()
    with pytest.raises(ValidationError, match="outside the scale"):
        rating_set(opportunity=opportunity, criterion=criterion, value=Decimal(6), by=None)
    rating = rating_set(opportunity=opportunity, criterion=criterion, value=Decimal(4), by=None)
    assert rating_set(opportunity=opportunity, criterion=criterion, value=Decimal(5), by=None).pk == rating.pk


def test_narrowing_a_scale_below_existing_ratings_is_refused():
    rating = RatingFactory(value=9)
    criterion = rating.criterion
    criterion.scale_max = 5
    with pytest.raises(ValidationError, match="outside the new scale"):
        criterion.full_clean()


def test_a_rated_criterion_cannot_switch_to_being_fed_from_jobs():
    criterion = RatingFactory().criterion
    criterion.source = "jobs"
    with pytest.raises(ValidationError, match="has ratings"):
        criterion.full_clean()


def test_a_criterion_fed_from_jobs_cannot_be_rated():
    criterion = CriterionFactory(source="jobs", scale_max=20)
    with pytest.raises(ValidationError, match="fed from the jobs"):
        rating_set(opportunity=OpportunityFactory(), criterion=criterion, value=Decimal(3), by=None)


@pytest.fixture
def one_criterion_model():
    model = PrioritisationModelFactory()
    return model, CriterionFactory(model=model, name="Value")


def shortlisted(model_and_criterion, value, **kwargs):
    _, criterion = model_and_criterion
    opportunity = OpportunityFactory(status=OpportunityStatus.SHORTLISTED, **kwargs)
    RatingFactory(opportunity=opportunity, criterion=criterion, value=value)
    return opportunity


def test_plan_from_priorities_respects_rank_and_capacity_and_saves_nothing(one_criterion_model):
    model, _ = one_criterion_model
    roadmap = make_roadmap(capacity_weeks=Decimal(20))
    best = shortlisted(one_criterion_model, 9, title="Best", effort_weeks=16)
    second = shortlisted(one_criterion_model, 8, title="Second", effort_weeks=8)
    third = shortlisted(one_criterion_model, 7, title="Third", effort_weeks=4)
    huge = shortlisted(one_criterion_model, 6, title="Huge", effort_weeks=30)
    unrated = OpportunityFactory(status=OpportunityStatus.SHORTLISTED, title="Unrated")
    OpportunityFactory(status=OpportunityStatus.IDEA, title="Only an idea")
    proposal = plan_from_priorities(roadmap=roadmap, model=model)
    placed = {item.title: (item.horizon_name, item.start_month, item.end_month, item.rank) for item in proposal.items}
    # Best takes 16 of Now's 20; Second (8) no longer fits and goes to Next; Third (4) fits the 4 left in Now.
    assert placed == {"Best": ("Now", 1, 2, 1), "Second": ("Next", 7, 7, 2), "Third": ("Now", 1, 1, 3)}
    reasons = {skipped.title: skipped.reason for skipped in proposal.skipped}
    assert "No horizon has 30" in reasons["Huge"]
    assert reasons["Unrated"].startswith("Unrated")
    assert "Only an idea" not in reasons
    assert not RoadmapItem.objects.exists()
    assert {best.pk, second.pk, third.pk, huge.pk, unrated.pk}


def test_plan_from_priorities_places_after_dependencies(one_criterion_model):
    model, _ = one_criterion_model
    roadmap = make_roadmap()
    foundation = OpportunityFactory(status=OpportunityStatus.PLANNED, title="Foundation")
    place(roadmap, 1, 8, opportunity=foundation)
    follow_up = shortlisted(one_criterion_model, 9, title="Follow-up", effort_weeks=8)
    follow_up.depends_on.add(foundation)
    base = shortlisted(one_criterion_model, 2, title="Base", effort_weeks=16)
    top = shortlisted(one_criterion_model, 10, title="Top", effort_weeks=8)
    top.depends_on.add(base)  # ranked first but waits for Base, which ranks last
    orphan = shortlisted(one_criterion_model, 5, title="Orphan")
    orphan.depends_on.add(OpportunityFactory(status=OpportunityStatus.IDEA, title="Not planned"))
    proposal = plan_from_priorities(roadmap=roadmap, model=model)
    placed = {item.title: (item.start_month, item.end_month) for item in proposal.items}
    assert placed["Follow-up"] == (9, 9)
    assert placed["Base"] == (1, 2)
    assert placed["Top"] == (3, 3)
    assert "Not planned" in {s.title: s.reason for s in proposal.skipped}["Orphan"]


def test_accepting_a_plan_places_the_items_with_their_dependencies(one_criterion_model):
    model, _ = one_criterion_model
    roadmap = make_roadmap()
    base = shortlisted(one_criterion_model, 2, title="Base", effort_weeks=16)
    top = shortlisted(one_criterion_model, 10, title="Top", effort_weeks=8)
    top.depends_on.add(base)
    proposal = plan_from_priorities(roadmap=roadmap, model=model)
    items = plan_accept(roadmap=roadmap, proposal=proposal, by=None)
    assert len(items) == 2
    top_item = RoadmapItem.objects.get(opportunity=top)
    assert [d.opportunity for d in top_item.dependencies.all()] == [base]
    top.refresh_from_db()
    assert top.status == OpportunityStatus.PLANNED


def test_accepting_a_stale_plan_changes_nothing(one_criterion_model):
    model, _ = one_criterion_model
    roadmap = make_roadmap()
    first = shortlisted(one_criterion_model, 9, title="First")
    shortlisted(one_criterion_model, 8, title="Second")
    proposal = plan_from_priorities(roadmap=roadmap, model=model)
    place(roadmap, 10, 11, opportunity=first)  # someone placed it meanwhile
    with pytest.raises(ValidationError, match="changed since"):
        plan_accept(roadmap=roadmap, proposal=proposal, by=None)
    assert RoadmapItem.objects.count() == 1


def test_publishing_keeps_numbered_revisions_and_diffs_show_every_change():
    staff = staff_user()
    roadmap = make_roadmap()
    stays = place(roadmap, 1, 3)
    moves = place(roadmap, 4, 5)
    goes = place(roadmap, 7, 8)
    first = roadmap_publish(roadmap=roadmap, by=staff, note="First cut")
    assert (first.number, first.published_by, first.note) == (1, staff, "First cut")
    roadmap_item_move(item=moves, start_month=13, end_month=15)
    RoadmapItem.objects.filter(pk=stays.pk).update(status=ItemStatus.IN_PROGRESS)
    goes.delete()
    added = place(roadmap, 16, 18)
    second = roadmap_publish(roadmap=roadmap, by=staff, note="After the board")
    assert second.number == 2
    roadmap.refresh_from_db()
    assert roadmap.published_at == second.published_at
    diff = revision_diff(old=first, new=second)
    assert diff.added == [added.opportunity.title]
    assert diff.removed == [goes.opportunity.title]
    assert [(m.title, m.from_months, m.to_months) for m in diff.moved] == [(moves.opportunity.title, (4, 5), (13, 15))]
    assert [(c.title, c.from_status, c.to_status) for c in diff.status_changes] == [
        (stays.opportunity.title, "Planned", "In progress")
    ]
    assert revision_diff(old=second, new=second).is_empty


def test_snapshots_hold_no_scores_or_ratings():
    roadmap = make_roadmap()
    RatingFactory(opportunity=place(roadmap, 1, 2).opportunity)
    snapshot = roadmap_publish(roadmap=roadmap, by=None).snapshot
    assert set(snapshot["items"][0]) == {
        "opportunity_id",
        "title",
        "summary",
        "start_month",
        "end_month",
        "status",
        "horizon",
        "depends_on",
    }


def test_an_empty_roadmap_cannot_be_published():
    with pytest.raises(ValidationError, match="at least one item"):
        roadmap_publish(roadmap=make_roadmap(), by=None)


def latest_author(instance) -> tuple[object, str]:
    row = instance.history.order_by("history_id").last()
    return row.history_user, row.history_change_reason


def test_every_planning_write_names_its_author(one_criterion_model):
    model, criterion = one_criterion_model
    staff = staff_user()
    roadmap = make_roadmap(by=staff)
    assert latest_author(roadmap) == (staff, "admin")
    assert {latest_author(horizon) for horizon in roadmap.horizons.all()} == {(staff, "admin")}
    idea = OpportunityFactory(status=OpportunityStatus.IDEA)
    rating = rating_set(opportunity=idea, criterion=criterion, value=Decimal(4), by=staff)
    assert latest_author(rating) == (staff, "admin")
    shortlisted(one_criterion_model, 9, title="Planned")
    (item,) = plan_accept(roadmap=roadmap, proposal=plan_from_priorities(roadmap=roadmap, model=model), by=staff)
    assert latest_author(item) == (staff, "admin")
    roadmap_publish(roadmap=roadmap, by=staff)
    roadmap.refresh_from_db()
    assert latest_author(roadmap) == (staff, "admin")


def test_a_system_call_names_no_author_but_says_it_was_the_system(one_criterion_model):
    model, _ = one_criterion_model
    roadmap = make_roadmap(by=None)
    shortlisted(one_criterion_model, 9, title="Planned")
    (item,) = plan_accept(roadmap=roadmap, proposal=plan_from_priorities(roadmap=roadmap, model=model), by=None)
    roadmap_publish(roadmap=roadmap, by=None)
    roadmap.refresh_from_db()
    assert latest_author(item) == latest_author(roadmap) == (None, "system")
