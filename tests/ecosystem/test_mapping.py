"""The mapping workflow: states and their moves, contributors, the two-sector panel's sign-off, the editor's
validation, undo through revisions."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ecosystem.mapping import (
    map_actor_place,
    map_comment,
    map_contributor_add,
    map_flow_draw,
    map_panelist_add,
    map_sign_off,
    map_stage_add,
    map_stage_move,
    map_start,
    map_transition,
    map_undo,
)
from ecosystem.models import CategoryMap, CategoryStatus, MapState, PartCitation, RevisionKind, Stage
from members.models import Sector
from tests.ecosystem.factories import CategoryFactory, SourceFactory
from tests.members.factories import MemberFactory, OrganisationFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return staff_user()


@pytest.fixture
def cmap(owner):
    return map_start(category=CategoryFactory(status=CategoryStatus.NOT_STARTED), owner=owner, by=owner)


def _panelist(cmap, owner, sector):
    member = MemberFactory(organisation=OrganisationFactory(sector=sector))
    map_panelist_add(cmap=cmap, member=member, by=owner)
    return member


def _to_review(cmap, owner):
    map_transition(cmap=cmap, to=MapState.DRAFTING, by=owner)
    return map_transition(cmap=cmap, to=MapState.EXPERT_REVIEW, by=owner)


def test_a_map_starts_in_scoping_and_the_category_is_in_progress(cmap):
    assert cmap.state == MapState.SCOPING
    cmap.category.refresh_from_db()
    assert cmap.category.status == CategoryStatus.IN_PROGRESS
    assert cmap.revisions.get().kind == RevisionKind.STATE


def test_only_the_allowed_moves(cmap, owner):
    with pytest.raises(ValidationError, match="cannot go from"):
        map_transition(cmap=cmap, to=MapState.PUBLISHED, by=owner)
    with pytest.raises(ValidationError, match="cannot go from"):
        map_transition(cmap=cmap, to=MapState.EXPERT_REVIEW, by=owner)
    with pytest.raises(ValidationError, match="cannot go from"):
        map_transition(cmap=cmap, to="retired", by=owner)
    _to_review(cmap, owner)
    with pytest.raises(ValidationError, match="cannot go from"):
        map_transition(cmap=cmap, to=MapState.UNDER_REVISION, by=owner)


def test_no_publication_without_a_panel_of_two_sectors(cmap, owner):
    bank = _panelist(cmap, owner, Sector.FINANCIAL_INSTITUTION)
    _to_review(cmap, owner)
    map_sign_off(cmap=cmap, member=bank)
    with pytest.raises(ValidationError, match="at least 2 sectors"):
        map_transition(cmap=cmap, to=MapState.PUBLISHED, by=owner)
    police = _panelist(cmap, owner, Sector.LAW_ENFORCEMENT)
    with pytest.raises(ValidationError, match="must sign off"):
        map_transition(cmap=cmap, to=MapState.PUBLISHED, by=owner)
    map_sign_off(cmap=cmap, member=police)
    map_transition(cmap=cmap, to=MapState.PUBLISHED, by=owner, note="Panel agreed")
    cmap.refresh_from_db()
    cmap.category.refresh_from_db()
    assert cmap.state == MapState.PUBLISHED
    assert cmap.published_at
    assert cmap.signed_off_at
    assert cmap.category.status == CategoryStatus.MAPPED
    sign_offs = cmap.revisions.filter(kind=RevisionKind.SIGN_OFF)
    assert {r.made_by for r in sign_offs} == {bank.user, police.user}


def test_a_contributor_who_is_not_staff_cannot_publish(cmap, owner):
    expert = MemberFactory()
    map_contributor_add(cmap=cmap, user=expert.user, by=owner)
    a = _panelist(cmap, owner, Sector.FINANCIAL_INSTITUTION)
    b = _panelist(cmap, owner, Sector.NGO)
    map_transition(cmap=cmap, to=MapState.DRAFTING, by=expert.user)
    map_transition(cmap=cmap, to=MapState.EXPERT_REVIEW, by=expert.user)
    map_sign_off(cmap=cmap, member=a)
    map_sign_off(cmap=cmap, member=b)
    with pytest.raises(ValidationError, match="Only a staff member publishes"):
        map_transition(cmap=cmap, to=MapState.PUBLISHED, by=expert.user)


def test_the_database_refuses_a_published_map_without_sign_off(cmap):
    with pytest.raises(IntegrityError), transaction.atomic():
        CategoryMap.objects.filter(pk=cmap.pk).update(state=MapState.PUBLISHED)


def test_the_database_refuses_a_move_the_workflow_does_not_allow(cmap):
    with pytest.raises(IntegrityError), transaction.atomic():
        CategoryMap.objects.filter(pk=cmap.pk).update(state=MapState.UNDER_REVISION)
    CategoryMap.objects.filter(pk=cmap.pk).update(state=MapState.DRAFTING)


def test_a_new_review_asks_the_panel_again(cmap, owner):
    a = _panelist(cmap, owner, Sector.FINANCIAL_INSTITUTION)
    b = _panelist(cmap, owner, Sector.NGO)
    _to_review(cmap, owner)
    map_sign_off(cmap=cmap, member=a)
    map_sign_off(cmap=cmap, member=b)
    map_transition(cmap=cmap, to=MapState.PUBLISHED, by=owner)
    map_transition(cmap=cmap, to=MapState.UNDER_REVISION, by=owner)
    map_transition(cmap=cmap, to=MapState.EXPERT_REVIEW, by=owner)
    with pytest.raises(ValidationError, match="must sign off"):
        map_transition(cmap=cmap, to=MapState.PUBLISHED, by=owner)


def test_panel_comments_are_kept_with_the_revision(cmap, owner):
    stage = map_stage_add(cmap=cmap, name="Recruitment", by=owner)
    member = _panelist(cmap, owner, Sector.NGO)
    comment = map_comment(cmap=cmap, by=member.user, text="Add the recruitment fee.", stage=stage)
    assert comment.revision == cmap.revisions.order_by("-number").first()
    with pytest.raises(ValidationError, match="Only the panel"):
        map_comment(cmap=cmap, by=MemberFactory().user, text="Hello")


def test_only_contributors_edit_and_only_while_editable(cmap, owner):
    outsider = staff_user()
    with pytest.raises(ValidationError, match="owner and contributors"):
        map_stage_add(cmap=cmap, name="Recruitment", by=outsider)
    map_contributor_add(cmap=cmap, user=outsider, by=owner)
    map_stage_add(cmap=cmap, name="Recruitment", by=outsider)
    _to_review(cmap, owner)
    with pytest.raises(ValidationError, match="cannot be edited"):
        map_stage_add(cmap=cmap, name="Transport", by=owner)


def test_editor_validation_and_stage_order(cmap, owner):
    first = map_stage_add(cmap=cmap, name="Recruitment", by=owner)
    second = map_stage_add(cmap=cmap, name="Revenue", by=owner)
    map_stage_move(cmap=cmap, stage=second, earlier=True, by=owner)
    assert list(Stage.objects.filter(category=cmap.category).values_list("name", flat=True)) == [
        "Revenue",
        "Recruitment",
    ]
    with pytest.raises(ValidationError, match="cannot move further"):
        map_stage_move(cmap=cmap, stage=second, earlier=True, by=owner)
    with pytest.raises(ValidationError):
        map_stage_add(cmap=cmap, name="Revenue", by=owner)
    a = map_actor_place(cmap=cmap, name="Recruiter", kind="recruiter", stage=first, by=owner)
    other = map_start(category=CategoryFactory(), owner=owner, by=owner)
    elsewhere = map_actor_place(
        cmap=other, name="Buyer", kind="buyer", stage=map_stage_add(cmap=other, name="S", by=owner), by=owner
    )
    with pytest.raises(ValidationError, match="belongs to"):
        map_flow_draw(
            cmap=cmap,
            label="Fees",
            from_actor=a,
            to_actor=elsewhere,
            instrument="cash",
            direction="domestic",
            stage=first,
            by=owner,
        )
    with pytest.raises(ValidationError, match="from one actor to another"):
        map_flow_draw(
            cmap=cmap, label="Fees", from_actor=a, to_actor=a, instrument="cash", direction="domestic",
            stage=first, by=owner,
        )  # fmt: skip


def test_undo_puts_back_the_map_before_the_last_change(cmap, owner):
    first = map_stage_add(cmap=cmap, name="Recruitment", by=owner)
    second = map_stage_add(cmap=cmap, name="Revenue", by=owner)
    map_stage_move(cmap=cmap, stage=second, earlier=True, by=owner)
    map_undo(cmap=cmap, by=owner)
    assert list(Stage.objects.filter(category=cmap.category).values_list("pk", flat=True)) == [first.pk, second.pk]
    map_actor_place(cmap=cmap, name="Recruiter", kind="recruiter", stage=first, by=owner)
    map_undo(cmap=cmap, by=owner)
    assert not cmap.category.actors.exists()
    assert cmap.revisions.filter(kind=RevisionKind.UNDO).count() == 2


def test_a_part_citation_is_located_quoted_and_of_one_part(cmap, owner):
    stage = map_stage_add(cmap=cmap, name="Recruitment", by=owner)
    source = SourceFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        PartCitation.objects.create(stage=stage, source=source, locator="p. 3", quote=" ")
    actor = map_actor_place(cmap=cmap, name="Recruiter", kind="recruiter", stage=stage, by=owner)
    with pytest.raises(IntegrityError), transaction.atomic():
        PartCitation.objects.create(stage=stage, actor=actor, source=source, locator="p. 3", quote="Words.")
