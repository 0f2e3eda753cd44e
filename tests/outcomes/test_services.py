import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ecosystem.models import RedFlagRevision
from members.models import Activity, Member, Notification, Origin, Sector, Verb
from outcomes.models import OutcomeReport, ReferralFeedback, ReviewRule
from outcomes.services import (
    OUTCOME_ACTIVITY_DETAIL,
    OutcomeInput,
    outcome_report_batch,
    outcome_report_submit,
    outcome_review_decide,
    referral_feedback_give,
)
from sharing.models import Label
from tests.ecosystem.factories import red_flag
from tests.members.factories import MemberFactory, staff_user
from tests.outcomes.factories import last_quarter, report, reporter

pytestmark = pytest.mark.django_db


def test_a_report_copies_the_organisation_and_records_member_caused_activity():
    member = reporter(sector=Sector.FINANCIAL_INSTITUTION, country="CA")
    flag = red_flag()
    filed = report(member=member, red_flag=flag, alerts_reviewed=40, escalated=6, reports_filed=2)
    assert (filed.sector, filed.jurisdiction.code, filed.label) == ("financial_institution", "CA", Label.AMBER_STRICT)
    assert filed.false_positives is None
    activity = Activity.objects.get(member=member, details__has_key=OUTCOME_ACTIVITY_DETAIL)
    assert (activity.verb, activity.origin) == (Verb.OUTCOME_REPORTED, Origin.MEMBER)
    assert activity.subject == flag


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("note", "Ask jane.doe@bank.example"),
        ("note", "Phone +1 202 555 0143"),
        ("note", "IBAN GB82 WEST 1234 5698 7654 32"),
        ("note", "Subject born 04/07/1990"),
        ("escalated", -1),
        ("reports_filed", "3"),
    ],
)
def test_a_bad_field_refuses_the_report_and_changes_nothing(field, value):
    member = reporter()
    flag = red_flag()
    start, end = last_quarter()
    counts = {"alerts_reviewed": 5}
    note = ""
    if field == "note":
        note = value
    else:
        counts[field] = value
    with pytest.raises(ValidationError) as error:
        outcome_report_submit(
            member=member, red_flag=flag, period_start=start, period_end=end, counts=counts, note=note
        )
    assert field in error.value.message_dict
    assert not OutcomeReport.objects.exists()
    assert not Activity.objects.filter(member=member, details__has_key=OUTCOME_ACTIVITY_DETAIL).exists()


def test_periods_must_be_ordered_and_past_and_reported_once():
    member = reporter()
    flag = red_flag()
    start, end = last_quarter()
    with pytest.raises(ValidationError):
        report(member=member, red_flag=flag, period=(end, start))
    report(member=member, red_flag=flag)
    with pytest.raises(ValidationError):
        report(member=member, red_flag=flag)
    assert OutcomeReport.objects.count() == 1


def test_the_database_holds_counts_and_periods():
    filed = report(member=reporter(), red_flag=red_flag())
    with transaction.atomic(), pytest.raises(IntegrityError):
        OutcomeReport.objects.filter(pk=filed.pk).update(prosecutions=-1)
    with transaction.atomic(), pytest.raises(IntegrityError):
        OutcomeReport.objects.filter(pk=filed.pk).update(period_end=filed.period_start.replace(year=2000))


def test_only_approved_members_of_an_organisation_report_and_only_published_flags():
    flag = red_flag()
    with pytest.raises(ValidationError):
        report(member=MemberFactory(status=Member.Status.PENDING), red_flag=flag)
    with pytest.raises(ValidationError):
        report(member=reporter(), red_flag=red_flag(publish=False))


def test_a_batch_is_idempotent_by_client_id_and_all_or_nothing():
    member = reporter()
    flags = [red_flag(), red_flag()]
    start, end = last_quarter()
    items = [
        OutcomeInput(red_flag=flag, period_start=start, period_end=end, counts={"escalated": 3}, client_id=uuid.uuid4())
        for flag in flags
    ]
    assert outcome_report_batch(member=member, items=items) == (2, {})
    assert outcome_report_batch(member=member, items=items) == (0, {})
    assert OutcomeReport.objects.count() == 2
    bad = [
        OutcomeInput(red_flag=red_flag(), period_start=start, period_end=end, client_id=uuid.uuid4()),
        OutcomeInput(
            red_flag=red_flag(), period_start=start, period_end=end, note="x@y.example", client_id=uuid.uuid4()
        ),
    ]
    stored, errors = outcome_report_batch(member=member, items=bad)
    assert stored == 0
    assert set(errors) == {"1"}
    assert OutcomeReport.objects.count() == 2


def test_accepting_a_proposal_changes_confidence_and_records_a_revision():
    flag = red_flag(confidence="high")
    staff = staff_user()
    decision = outcome_review_decide(
        red_flag=flag,
        rule=ReviewRule.FALSE_POSITIVES,
        proposed_confidence="medium",
        accept=True,
        reason="Noisy",
        by=staff,
    )
    flag.refresh_from_db()
    assert flag.confidence == "medium"
    assert decision.accepted
    revision = RedFlagRevision.objects.filter(red_flag=flag).order_by("-number").first()
    assert revision.number == flag.version == 2
    assert "Noisy" in revision.reason
    assert revision.snapshot["confidence"] == "medium"


def test_dismissing_keeps_confidence_and_records_the_reason():
    flag = red_flag(confidence="high")
    outcome_review_decide(
        red_flag=flag,
        rule=ReviewRule.NO_OUTCOMES,
        proposed_confidence="medium",
        accept=False,
        reason="Seasonal",
        by=staff_user(),
    )
    flag.refresh_from_db()
    assert flag.confidence == "high"
    assert "Seasonal" in flag.revisions.order_by("-number").first().reason
    with pytest.raises(ValidationError):
        outcome_review_decide(
            red_flag=flag,
            rule=ReviewRule.NO_OUTCOMES,
            proposed_confidence="low",
            accept=True,
            reason=" ",
            by=staff_user(),
        )


def test_law_enforcement_feedback_tells_the_referring_organisation_without_detail():
    bank_member = reporter()
    colleague = MemberFactory(organisation=bank_member.organisation)
    outsider = reporter()
    police = reporter(sector=Sector.LAW_ENFORCEMENT)
    flag = red_flag()
    referral_feedback_give(member=police, red_flag=flag, referring_organisation=bank_member.organisation)
    assert ReferralFeedback.objects.count() == 1
    told = Notification.objects.filter(url=f"/ecosystem/red-flags/{flag.pk}/")
    assert set(told.values_list("member", flat=True)) == {bank_member.pk, colleague.pk}
    assert not Notification.objects.filter(member=outsider).exists()
    with pytest.raises(ValidationError):
        referral_feedback_give(member=outsider, red_flag=flag, referring_organisation=bank_member.organisation)
