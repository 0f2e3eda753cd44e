import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.timezone import now

from ecosystem.models import (
    RedFlag,
    ReviewState,
    SourceKind,
    Suggestion,
    SuggestionKind,
    SuggestionStatus,
)
from ecosystem.services import (
    red_flag_publish,
    red_flag_rate,
    red_flag_retire,
    red_flag_send_back,
    red_flag_submit,
    red_flag_update,
    red_flag_verify,
    suggestion_accept,
    suggestion_reject,
    suggestion_submit,
)
from ecosystem.tasks import send_suggestion_outcome_email
from members.models import Activity, Member, Verb
from tests.ecosystem.factories import StageFactory, citation, red_flag, verifier
from tests.members.factories import MemberFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return staff_user(email="reviewer@knoble.example")


def _verified(flag, *, author, verifier):
    red_flag_submit(red_flag=flag, by=author)
    return red_flag_verify(red_flag=flag, by=verifier)


def test_publishing_keeps_a_revision_with_its_author_verifier_and_reason(staff):
    flag = red_flag(publish=False, sectors=["bank"])
    checker = verifier()
    _verified(flag, author=staff, verifier=checker)
    revision = red_flag_publish(red_flag=flag, by=staff, reason="Checked against FIN-2014-A008")
    flag.refresh_from_db()
    assert (flag.review_state, flag.version, flag.author, flag.verified_by) == (
        ReviewState.PUBLISHED,
        1,
        staff,
        checker,
    )
    assert (revision.number, revision.author, revision.verified_by) == (1, staff, checker)
    assert revision.reason == "Checked against FIN-2014-A008"
    assert revision.snapshot["observed_by"] == ["bank"]
    assert (revision.snapshot["author"], revision.snapshot["verified_by"]) == (staff.email, checker.email)


def test_a_red_flag_cannot_be_published_unverified(staff):
    flag = red_flag(publish=False)
    with pytest.raises(ValidationError, match="not verified"):
        red_flag_publish(red_flag=flag, by=staff, reason="ok")
    red_flag_submit(red_flag=flag, by=staff)
    with pytest.raises(ValidationError, match="not verified"):
        red_flag_publish(red_flag=flag, by=staff, reason="ok")
    # Nor by writing the row directly: the database refuses a published flag nobody verified.
    with pytest.raises(IntegrityError), transaction.atomic():
        RedFlag.objects.filter(pk=flag.pk).update(review_state=ReviewState.PUBLISHED, version=1, published_at=now())
    flag.refresh_from_db()
    assert flag.review_state == ReviewState.IN_REVIEW


def test_the_author_cannot_verify_their_own_red_flag(staff):
    flag = red_flag(publish=False)
    red_flag_submit(red_flag=flag, by=staff)
    with pytest.raises(ValidationError, match="its author cannot"):
        red_flag_verify(red_flag=flag, by=staff)
    with pytest.raises(IntegrityError), transaction.atomic():
        RedFlag.objects.filter(pk=flag.pk).update(review_state=ReviewState.VERIFIED, verified_by=staff)
    red_flag_verify(red_flag=flag, by=verifier())


def test_publishing_needs_a_reason_and_is_done_once(staff):
    flag = red_flag(publish=False)
    _verified(flag, author=staff, verifier=verifier())
    with pytest.raises(ValidationError, match="Say why"):
        red_flag_publish(red_flag=flag, by=staff, reason="  ")
    red_flag_publish(red_flag=flag, by=staff, reason="ok")
    with pytest.raises(ValidationError, match="not verified"):
        red_flag_publish(red_flag=flag, by=staff, reason="again")


def test_a_reviewer_sends_a_flag_back_to_draft(staff):
    flag = red_flag(publish=False)
    red_flag_submit(red_flag=flag, by=staff)
    red_flag_send_back(red_flag=flag, by=verifier())
    flag.refresh_from_db()
    assert (flag.review_state, flag.verified_by) == (ReviewState.DRAFT, None)


def test_editing_a_published_flag_keeps_the_old_text_public_until_the_new_one_is_verified(staff):
    flag = red_flag(by=staff, sectors=["bank"])
    change = red_flag_update(
        red_flag=flag,
        fields={"indicator": "Card charges concentrated between 22:00 and 04:00"},
        sectors=["bank", "payment_processor"],
        citations=[citation(quote="A second passage.")],
        by=staff,
    )
    assert change.pk != flag.pk
    assert (change.revises, change.review_state) == (flag, ReviewState.DRAFT)
    flag.refresh_from_db()
    public = RedFlag.objects.published().get()
    assert public == flag
    assert public.indicator == "Card transactions concentrated late at night"
    assert list(public.citations.values_list("quote", flat=True)) == ["A quoted passage of the source."]

    # A second edit goes to the same pending draft.
    assert red_flag_update(red_flag=flag, fields={"detail": "Why"}, by=staff) == change
    _verified(change, author=staff, verifier=verifier())
    assert RedFlag.objects.published().get().indicator == "Card transactions concentrated late at night"

    red_flag_publish(red_flag=change, by=staff, reason="Acquirers see this first")
    flag.refresh_from_db()
    assert (flag.indicator, flag.detail, flag.version) == (
        "Card charges concentrated between 22:00 and 04:00",
        "Why",
        2,
    )
    assert sorted(flag.observers.values_list("sector", flat=True)) == ["bank", "payment_processor"]
    assert list(flag.citations.values_list("quote", flat=True)) == ["A second passage."]
    assert not RedFlag.objects.filter(pk=change.pk).exists()
    assert RedFlag.objects.count() == 1
    first, second = flag.revisions.order_by("number")
    assert first.snapshot["indicator"] == "Card transactions concentrated late at night"
    assert second.changed_fields(first) == ["citations", "detail", "indicator", "observed_by"]
    assert (second.reason, second.verified_by) == ("Acquirers see this first", verifier())


def test_a_change_to_a_flag_in_review_sends_it_back_to_draft(staff):
    flag = red_flag(publish=False)
    _verified(flag, author=staff, verifier=verifier())
    red_flag_update(red_flag=flag, fields={"indicator": "Changed"}, by=staff)
    flag.refresh_from_db()
    assert (flag.indicator, flag.review_state, flag.verified_by) == ("Changed", ReviewState.DRAFT, None)


def test_retiring_keeps_a_version_and_hides_the_flag(staff):
    flag = red_flag(by=staff)
    red_flag_retire(red_flag=flag, by=staff, reason="Superseded by FIN-2020-A008")
    flag.refresh_from_db()
    assert flag.review_state == ReviewState.RETIRED
    assert flag.revisions.first().review_state == ReviewState.RETIRED
    assert not RedFlag.objects.published().exists()


def test_retiring_drops_a_pending_change_which_is_not_itself_retired(staff):
    flag = red_flag(by=staff)
    change = red_flag_update(red_flag=flag, fields={"detail": "More"}, by=staff)
    with pytest.raises(ValidationError, match="delete it instead"):
        red_flag_retire(red_flag=change, by=staff, reason="No")
    red_flag_retire(red_flag=flag, by=staff, reason="Superseded")
    assert list(RedFlag.objects.all()) == [flag]


def test_rating_is_one_per_member_and_flag_and_is_recorded_as_activity():
    member, flag = MemberFactory(), red_flag()
    red_flag_rate(member=member, red_flag=flag, usefulness=4)
    red_flag_rate(member=member, red_flag=flag, usefulness=2)
    assert list(flag.ratings.values_list("usefulness", flat=True)) == [2]
    assert Activity.objects.filter(member=member, verb=Verb.RED_FLAG_RATED).count() == 2


@pytest.mark.parametrize("usefulness", [0, 6])
def test_rating_is_from_1_to_5(usefulness):
    with pytest.raises(ValidationError):
        red_flag_rate(member=MemberFactory(), red_flag=red_flag(), usefulness=usefulness)


def test_drafts_cannot_be_rated():
    with pytest.raises(ValidationError, match="published"):
        red_flag_rate(member=MemberFactory(), red_flag=red_flag(publish=False), usefulness=3)


def test_suggesting_is_recorded_as_activity():
    member = MemberFactory()
    suggestion = suggestion_submit(
        member=member, kind=SuggestionKind.NEW, text="Cashier's cheques bought with cash", stage=StageFactory()
    )
    activity = Activity.objects.get(member=member, verb=Verb.RED_FLAG_SUGGESTED)
    assert activity.subject == suggestion
    assert suggestion.status == SuggestionStatus.PENDING


def test_a_change_needs_a_published_flag_and_pending_members_cannot_suggest():
    with pytest.raises(ValidationError):
        suggestion_submit(
            member=MemberFactory(), kind=SuggestionKind.CHANGE, text="x", red_flag=red_flag(publish=False)
        )
    with pytest.raises(ValidationError, match="approved"):
        suggestion_submit(
            member=MemberFactory(status=Member.Status.PENDING), kind="new", text="x", stage=StageFactory()
        )


def test_accepting_a_new_flag_makes_a_draft_and_tells_the_member(staff, mailoutbox, django_capture_on_commit_callbacks):
    member = MemberFactory(user__email="rosa@bank.example", organisation__name="Harbour Credit Union")
    suggestion = suggestion_submit(
        member=member, kind="new", text="Cash bought cashier's cheques", evidence="Two cases", stage=StageFactory()
    )
    with django_capture_on_commit_callbacks(execute=True):
        suggestion_accept(suggestion=suggestion, by=staff, response="Thank you, drafted.")
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.ACCEPTED
    draft = suggestion.resulting_red_flag
    assert draft.review_state == ReviewState.DRAFT
    assert draft.stage == suggestion.stage
    (evidence,) = draft.citations.select_related("source")
    assert (evidence.source.kind, evidence.source.issuer) == (SourceKind.MEMBER_EVIDENCE, "Harbour Credit Union")
    assert (evidence.locator, evidence.quote) == ("the suggestion's evidence", "Two cases")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["rosa@bank.example"]
    assert "accepted" in mailoutbox[0].subject
    assert "Thank you, drafted." in mailoutbox[0].body
    assert suggestion.outcome_emailed_at is not None


def test_rejecting_needs_a_reason_and_tells_the_member_once(staff, mailoutbox, django_capture_on_commit_callbacks):
    suggestion = suggestion_submit(member=MemberFactory(), kind="change", text="Drop it", red_flag=red_flag())
    with pytest.raises(ValidationError):
        suggestion_reject(suggestion=suggestion, by=staff, response="")
    with django_capture_on_commit_callbacks(execute=True):
        suggestion_reject(suggestion=suggestion, by=staff, response="Still in the 2020 advisory.")
    send_suggestion_outcome_email.delay(suggestion.pk)  # a retried task sends nothing more
    assert len(mailoutbox) == 1
    assert "Still in the 2020 advisory." in mailoutbox[0].body
    with pytest.raises(ValidationError, match="already"):
        suggestion_accept(suggestion=suggestion, by=staff)
    assert Suggestion.objects.get().status == SuggestionStatus.REJECTED


def history_authors(instance) -> list[tuple[object, str]]:
    return [(row.history_user, row.history_change_reason) for row in instance.history.order_by("history_id")]


def test_the_red_flag_history_names_who_published_edited_and_retired_it(staff):
    other = staff_user()
    flag = red_flag(publish=False)
    red_flag_submit(red_flag=flag, by=staff)
    red_flag_verify(red_flag=flag, by=other)
    red_flag_publish(red_flag=flag, by=staff, reason="Checked")
    red_flag_retire(red_flag=flag, by=staff, reason="Superseded")
    assert history_authors(flag)[-4:] == [
        (staff, "admin"),  # sent for review
        (other, "admin"),  # verified
        (staff, "admin"),  # published
        (staff, "admin"),  # retired
    ]


def test_a_decided_suggestion_names_the_member_of_staff_in_its_history(staff):
    suggestion = suggestion_submit(member=MemberFactory(), kind="change", text="Drop it", red_flag=red_flag())
    suggestion_reject(suggestion=suggestion, by=staff, response="Still current.")
    assert history_authors(suggestion)[-1] == (staff, "admin")
