"""Writes of outcome reports: filing one or a batch, staff decisions on the review queue, and law
enforcement's word that a referral was useful."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ecosystem.models import Confidence, IndicatorSet, RedFlag, ReviewState
from ecosystem.selectors import INDICATOR_SET_SHARING, RED_FLAG_SHARING
from ecosystem.services import red_flag_review_confidence
from members.languages import in_member_language
from members.models import Member, NotificationKind, Organisation, Source, User, Verb
from members.services import notification_create, record_activity
from outcomes.models import COUNT_FIELDS, OutcomeReport, ReferralFeedback, ReviewDecision, ReviewRule
from outcomes.screening import personal_data_problems
from personas.models import Sector
from sharing.selectors import may_see

# The activity an outcome report records (a contribution in engagement's verb table), its details naming the report.
OUTCOME_ACTIVITY_VERB = Verb.OUTCOME_REPORTED
OUTCOME_ACTIVITY_DETAIL = "outcome_report"
FEEDBACK_NOTIFICATION_KIND = NotificationKind.OUTCOME_FEEDBACK
# Sectors whose members may say that a referral was useful.
FEEDBACK_SECTORS = frozenset({Sector.LAW_ENFORCEMENT, Sector.PROSECUTOR})
BATCH_LIMIT = 200


@dataclass(frozen=True)
class OutcomeInput:
    """One report as a caller gives it: the red flag or the indicator set, the period, the counts and an
    optional note."""

    red_flag: RedFlag | None
    period_start: date
    period_end: date
    counts: dict[str, int | None] = field(default_factory=dict)
    note: str = ""
    client_id: uuid.UUID | None = None
    indicator_set: IndicatorSet | None = None

    @property
    def subject(self) -> RedFlag | IndicatorSet | None:
        return self.red_flag or self.indicator_set

    def subject_filter(self) -> dict[str, Any]:
        return {"red_flag": self.red_flag} if self.red_flag is not None else {"indicator_set": self.indicator_set}


def _reporting_organisation(member: Member) -> Organisation:
    if not member.is_approved or member.organisation_id is None:
        raise ValidationError(_("Only an approved member of an organisation can report outcomes."))
    return Organisation.objects.get(pk=member.organisation_id)


def _problems(item: OutcomeInput, *, member: Member) -> dict[str, list[str]]:
    """Every problem of one report, by field; empty when it may be stored."""
    problems: dict[str, list[str]] = {}
    if (item.red_flag is None) == (item.indicator_set is None):
        problems["red_flag"] = [_("Report outcomes of one red flag or one indicator set.")]
    elif item.red_flag is not None and (
        item.red_flag.review_state != ReviewState.PUBLISHED
        or not may_see(user=member.user, obj=item.red_flag, spec=RED_FLAG_SHARING)
    ):
        problems["red_flag"] = [_("Report outcomes of a published red flag you can see.")]
    elif item.indicator_set is not None and (
        item.indicator_set.review_state != ReviewState.PUBLISHED
        or not may_see(user=member.user, obj=item.indicator_set, spec=INDICATOR_SET_SHARING)
    ):
        problems["indicator_set"] = [_("Report outcomes of a published indicator set you can see.")]
    if item.period_end < item.period_start:
        problems["period_end"] = [_("The period ends before it starts.")]
    if item.period_end > timezone.localdate():
        problems["period_end"] = [_("The period cannot end in the future.")]
    unknown = set(item.counts) - set(COUNT_FIELDS)
    if unknown:
        problems["counts"] = [_("Unknown counts: %(names)s.") % {"names": ", ".join(sorted(unknown))}]
    for name, value in item.counts.items():
        if value is None and name == "false_positives":
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            problems[name] = [_("Give a whole number, 0 or more.")]
    if item.note and (found := personal_data_problems(item.note)):
        problems["note"] = found
    return problems


def _new_report(item: OutcomeInput, *, member: Member, organisation: Organisation) -> OutcomeReport:
    counts = {name: item.counts.get(name, None if name == "false_positives" else 0) for name in COUNT_FIELDS}
    return OutcomeReport(
        red_flag=item.red_flag,
        indicator_set=item.indicator_set,
        organisation=organisation,
        member=member,
        sector=organisation.sector,
        jurisdiction=organisation.country,
        period_start=item.period_start,
        period_end=item.period_end,
        note=item.note.strip(),
        client_id=item.client_id,
        **counts,
    )


def _record(report: OutcomeReport, *, member: Member, source: str) -> None:
    record_activity(
        member=member,
        verb=OUTCOME_ACTIVITY_VERB,
        subject=report.subject,
        source=source,
        details={OUTCOME_ACTIVITY_DETAIL: report.pk},
    )


@transaction.atomic
def outcome_report_submit(
    *,
    member: Member,
    red_flag: RedFlag | None = None,
    indicator_set: IndicatorSet | None = None,
    period_start: date,
    period_end: date,
    counts: dict[str, int | None],
    note: str = "",
    source: Source | str = Source.WEB,
) -> OutcomeReport:
    """Files one report, of a red flag or an indicator set, for the member's organisation; any bad field refuses
    it whole, naming each problem."""
    organisation = _reporting_organisation(member)
    item = OutcomeInput(
        red_flag=red_flag,
        indicator_set=indicator_set,
        period_start=period_start,
        period_end=period_end,
        counts=counts,
        note=note,
    )
    if problems := _problems(item, member=member):
        raise ValidationError(problems)
    if OutcomeReport.objects.filter(
        organisation=organisation, period_start=period_start, period_end=period_end, **item.subject_filter()
    ).exists():
        raise ValidationError({"period_start": [_("Your organisation has already reported this for this period.")]})
    report = _new_report(item, member=member, organisation=organisation)
    report.save()
    _record(report, member=member, source=source)
    return report


@transaction.atomic
def outcome_report_batch(
    *, member: Member, items: Sequence[OutcomeInput], source: Source | str = Source.API
) -> tuple[int, dict[str, dict[str, list[str]]]]:
    """Files many reports for the member's organisation, all checked before any is stored; a report whose
    client id the organisation already sent is skipped, so a resent batch stores nothing twice. Returns how
    many were new, and the problems by position (nothing is stored when there are any)."""
    organisation = _reporting_organisation(member)
    if not items or len(items) > BATCH_LIMIT:
        raise ValidationError(_("Send 1 to %(limit)d reports in a batch.") % {"limit": BATCH_LIMIT})
    client_ids = [item.client_id for item in items]
    known = set(
        OutcomeReport.objects.filter(organisation=organisation, client_id__in=client_ids).values_list(
            "client_id", flat=True
        )
    )
    periods: set[tuple[int | None, int | None, date, date]] = {
        (red_flag_id, indicator_set_id, start, end)
        for red_flag_id, indicator_set_id, start, end in OutcomeReport.objects.filter(
            Q(red_flag__in=[item.red_flag for item in items if item.red_flag])
            | Q(indicator_set__in=[item.indicator_set for item in items if item.indicator_set]),
            organisation=organisation,
        ).values_list("red_flag_id", "indicator_set_id", "period_start", "period_end")
    }
    errors: dict[str, dict[str, list[str]]] = {}
    seen: set[Any] = set()
    fresh: list[OutcomeInput] = []
    for index, item in enumerate(items):
        problems = _problems(item, member=member)
        if item.client_id is None:
            problems["client_id"] = [_("Give each report a client id.")]
        elif item.client_id in seen:
            problems["client_id"] = [_("This client id appears twice in the batch.")]
        seen.add(item.client_id)
        period = (
            item.red_flag.pk if item.red_flag else None,
            item.indicator_set.pk if item.indicator_set else None,
            item.period_start,
            item.period_end,
        )
        if item.client_id not in known:
            if period in periods:
                problems["period_start"] = [_("Your organisation has already reported this for this period.")]
            periods.add(period)
            fresh.append(item)
        if problems:
            errors[str(index)] = problems
    if errors:
        return 0, errors
    OutcomeReport.objects.bulk_create(
        [_new_report(item, member=member, organisation=organisation) for item in fresh], ignore_conflicts=True
    )
    stored = list(
        OutcomeReport.objects.filter(
            organisation=organisation, client_id__in=[item.client_id for item in fresh]
        ).select_related("red_flag", "indicator_set")
    )
    for report in stored:
        _record(report, member=member, source=source)
    return len(stored), {}


@transaction.atomic
def outcome_review_decide(
    *,
    red_flag: RedFlag,
    rule: ReviewRule | str,
    proposed_confidence: str,
    accept: bool,
    reason: str,
    by: User,
) -> ReviewDecision:
    """Staff accept or dismiss a proposal of the review queue; the reason goes to the red flag's revisions
    (accepted: with the new confidence; dismissed: with the confidence unchanged)."""
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why: the reason is kept in the red flag's versions.")]})
    if proposed_confidence not in Confidence.values:
        raise ValidationError({"proposed_confidence": [_("Choose high, medium or low.")]})
    previous = red_flag.confidence
    rule_label = ReviewRule(rule).label
    if accept:
        summary = _("Outcome review (%(rule)s): confidence %(before)s → %(after)s. %(reason)s") % {
            "rule": rule_label,
            "before": previous,
            "after": proposed_confidence,
            "reason": reason.strip(),
        }
    else:
        summary = _("Outcome review (%(rule)s): proposal of confidence %(after)s dismissed. %(reason)s") % {
            "rule": rule_label,
            "after": proposed_confidence,
            "reason": reason.strip(),
        }
    red_flag_review_confidence(
        red_flag=red_flag, confidence=proposed_confidence if accept else previous, by=by, reason=summary
    )
    return ReviewDecision.objects.create(
        red_flag=red_flag,
        rule=rule,
        proposed_confidence=proposed_confidence,
        previous_confidence=previous,
        accepted=accept,
        reason=reason.strip(),
        decided_by=by,
    )


def may_give_feedback(member: Member | None) -> bool:
    return bool(
        member is not None
        and member.is_approved
        and member.organisation is not None
        and member.organisation.sector in FEEDBACK_SECTORS
    )


@transaction.atomic
def referral_feedback_give(
    *, member: Member, red_flag: RedFlag, referring_organisation: Organisation
) -> ReferralFeedback:
    """A law-enforcement or prosecutor member says a referral citing `red_flag` from `referring_organisation`
    was useful; the referring organisation's members are told in their inbox, without any case detail."""
    if not may_give_feedback(member):
        raise ValidationError(_("Only law-enforcement and prosecutor members can say a referral was useful."))
    if red_flag.review_state != ReviewState.PUBLISHED:
        raise ValidationError({"red_flag": [_("Choose a published red flag.")]})
    if referring_organisation.pk == member.organisation_id:
        raise ValidationError({"referring_organisation": [_("Choose the organisation that referred the case.")]})
    feedback = ReferralFeedback.objects.create(
        red_flag=red_flag, referring_organisation=referring_organisation, given_by=member
    )
    url = reverse("ecosystem:red_flag", args=[red_flag.pk])
    for recipient in Member.objects.approved().filter(organisation=referring_organisation):
        with in_member_language(recipient.language):  # each reads it in their own language
            title = _("A referral citing red flag #%(number)s was useful") % {"number": red_flag.pk}
            body = _(
                "A law-enforcement or prosecutor member of The Knoble told us that a referral from your organisation "
                "citing this red flag was useful. Thank you for reporting."
            )
            notification_create(member=recipient, kind=FEEDBACK_NOTIFICATION_KIND, title=title, body=body, url=url)
    return feedback
