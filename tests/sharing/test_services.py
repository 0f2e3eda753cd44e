import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction

from ecosystem.models import Suggestion, SuggestionKind
from ecosystem.selectors import SUGGESTION_SHARING
from sharing.models import AccessLog, Channel, Label, LabelChange
from sharing.services import access_record, label_change
from tests.ecosystem.factories import StageFactory
from tests.members.factories import MemberFactory, staff_user

pytestmark = pytest.mark.django_db


def suggestion(**kwargs):
    kwargs.setdefault("member", MemberFactory())
    return Suggestion.objects.create(kind=SuggestionKind.NEW, stage=StageFactory(), text="x", **kwargs)


def test_a_colleague_may_tighten_and_the_change_is_kept_with_its_reason():
    item = suggestion(label=Label.AMBER)
    colleague = MemberFactory(organisation=item.member.organisation).user
    change = label_change(
        obj=item, spec=SUGGESTION_SHARING, by=colleague, label=Label.AMBER_STRICT, reason="Names a case"
    )
    item.refresh_from_db()
    assert item.label == Label.AMBER_STRICT
    assert (change.old_label, change.new_label, change.by, change.reason) == (
        "amber",
        "amber_strict",
        colleague,
        "Names a case",
    )


def test_only_the_author_or_staff_may_loosen():
    item = suggestion()
    colleague = MemberFactory(organisation=item.member.organisation).user
    with pytest.raises(PermissionDenied):
        label_change(obj=item, spec=SUGGESTION_SHARING, by=colleague, label=Label.GREEN, reason="Useful to all")
    label_change(obj=item, spec=SUGGESTION_SHARING, by=item.member.user, label=Label.AMBER, reason="Useful to partners")
    label_change(obj=item, spec=SUGGESTION_SHARING, by=staff_user(), label=Label.GREEN, reason="Anonymised")
    assert list(LabelChange.objects.values_list("new_label", flat=True)) == ["green", "amber"]


def test_a_change_needs_a_reason_and_someone_who_may_see_the_object():
    item = suggestion()
    with pytest.raises(ValidationError):
        label_change(obj=item, spec=SUGGESTION_SHARING, by=item.member.user, label=Label.RED, reason=" ")
    with pytest.raises(PermissionDenied):
        label_change(obj=item, spec=SUGGESTION_SHARING, by=MemberFactory().user, label=Label.RED, reason="Mine")


def test_the_access_log_records_amber_and_tighter_only():
    viewer = staff_user()
    items = [suggestion(label=label) for label in Label]
    access_record(user=viewer, objects=items, spec=SUGGESTION_SHARING, channel=Channel.CSV)
    logged = AccessLog.objects.all()
    assert sorted(entry.label for entry in logged) == sorted(["amber", "amber_strict", "red"])
    assert {(entry.channel, entry.user) for entry in logged} == {("csv", viewer)}


def test_the_access_log_refuses_updates():
    item = suggestion()
    access_record(user=item.member.user, objects=[item], spec=SUGGESTION_SHARING, channel=Channel.PAGE)
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLog.objects.update(channel=Channel.API)


def test_the_label_history_refuses_updates():
    item = suggestion()
    label_change(obj=item, spec=SUGGESTION_SHARING, by=item.member.user, label=Label.RED, reason="Mine")
    with pytest.raises(DatabaseError), transaction.atomic():
        LabelChange.objects.update(reason="Nothing")


@pytest.mark.postgresql_only
def test_the_logs_refuse_deletes_on_postgresql():
    item = suggestion()
    access_record(user=item.member.user, objects=[item], spec=SUGGESTION_SHARING, channel=Channel.PAGE)
    label_change(obj=item, spec=SUGGESTION_SHARING, by=item.member.user, label=Label.RED, reason="Mine")
    for model in (AccessLog, LabelChange):
        with pytest.raises(DatabaseError), transaction.atomic():
            model.objects.all().delete()
