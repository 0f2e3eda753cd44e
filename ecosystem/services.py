"""Writes of the ecosystem map: red flags and their revisions, ratings, and members' suggestions."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecosystem.models import (
    GLOBAL,
    Actor,
    Citation,
    Confidence,
    FinancialFlow,
    IndicatorSet,
    IndicatorSetCitation,
    IndicatorSetFlag,
    ObservingSector,
    RedFlag,
    RedFlagObserver,
    RedFlagRating,
    RedFlagRevision,
    ReviewState,
    SourceKind,
    Stage,
    Suggestion,
    SuggestionKind,
    SuggestionStatus,
    TraffickingCategory,
)
from ecosystem.models import (
    Source as EvidenceSource,
)
from ecosystem.selectors import INDICATOR_SET_SHARING, RED_FLAG_SHARING
from ecosystem.tasks import send_suggestion_outcome_email
from members.history import attribute_change
from members.models import Activity, Member, Source, User, Verb
from members.services import record_activity
from personas.models import Persona
from sharing.models import Label
from sharing.services import label_choose


def _require_reason(reason: str) -> str:
    if not reason.strip():
        raise ValidationError({"reason": _("Say why: every published change is kept with its reason.")})
    return reason.strip()


@dataclass(frozen=True)
class CitationInput:
    """A passage a red flag restates: the source, where in it, and its words verbatim."""

    source: EvidenceSource
    locator: str
    quote: str


def _check_citations(citations: Sequence[CitationInput]) -> None:
    if not citations:
        raise ValidationError({"citations": _("Cite at least one source: a red flag restates a source's passage.")})
    for citation in citations:
        if not citation.locator.strip():
            raise ValidationError(
                {"citations": _("Say where in %(source)s the passage is.") % {"source": citation.source}}
            )
        if not citation.quote.strip():
            raise ValidationError(
                {"citations": _("Quote the passage of %(source)s, verbatim.") % {"source": citation.source}}
            )


def _set_citations(red_flag: RedFlag, citations: Sequence[CitationInput]) -> None:
    red_flag.citations.all().delete()
    Citation.objects.bulk_create(
        Citation(red_flag=red_flag, source=c.source, locator=c.locator.strip(), quote=c.quote.strip())
        for c in citations
    )


def _require_complete_citations(red_flag: RedFlag) -> None:
    """Before members see it: every citation located and quoted (those carried over from free text are not)."""
    citations = list(red_flag.citations.all())
    if not citations or not all(citation.is_complete for citation in citations):
        raise ValidationError(
            _("“%(flag)s” needs at least one citation, each with a locator and the verbatim passage.")
            % {"flag": red_flag}
        )


def _set_observers_and_personas(
    red_flag: RedFlag, sectors: Iterable[str] | None, personas: Iterable[Persona] | None
) -> None:
    if sectors is not None:
        wanted = set(sectors)
        if unknown := wanted - set(ObservingSector.values):
            raise ValidationError(
                {"sectors": _("Unknown sector(s): %(unknown)s.") % {"unknown": ", ".join(sorted(unknown))}}
            )
        red_flag.observers.exclude(sector__in=wanted).delete()
        existing = set(red_flag.observers.values_list("sector", flat=True))
        RedFlagObserver.objects.bulk_create(
            RedFlagObserver(red_flag=red_flag, sector=sector) for sector in sorted(wanted - existing)
        )
    if personas is not None:
        red_flag.personas.set(personas)


@transaction.atomic
def red_flag_create(
    *,
    indicator: str,
    citations: Sequence[CitationInput],
    stage: Stage | None = None,
    actor: Actor | None = None,
    flow: FinancialFlow | None = None,
    detail: str = "",
    confidence: Confidence | str = Confidence.MEDIUM,
    jurisdiction: str = GLOBAL,
    threshold: str = "",
    sectors: Iterable[str] = (),
    personas: Iterable[Persona] = (),
) -> RedFlag:
    """A new red flag, always a draft, with the passages it restates: members see it once staff publish it."""
    _check_citations(citations)
    red_flag = RedFlag(
        stage=stage,
        actor=actor,
        flow=flow,
        indicator=indicator,
        detail=detail,
        confidence=confidence,
        jurisdiction=jurisdiction.strip(),
        threshold=threshold.strip(),
    )
    red_flag.full_clean()
    red_flag.save()
    _set_citations(red_flag, citations)
    _set_observers_and_personas(red_flag, sectors, personas)
    return red_flag


_CONTENT_FIELDS = (
    "category",
    "stage",
    "actor",
    "flow",
    "indicator",
    "detail",
    "confidence",
    "jurisdiction",
    "threshold",
)


def _pending_change(original: RedFlag, *, by: User) -> RedFlag:
    """The draft that will replace a published red flag once verified: the published one stays as it is
    for members meanwhile. One per published flag; made from the published text on the first edit."""
    existing = RedFlag.objects.select_for_update().filter(revises=original).first()
    if existing is not None:
        return existing
    copy = RedFlag(revises=original, **{name: getattr(original, name) for name in _CONTENT_FIELDS})
    attribute_change(copy, by=by, origin=Source.ADMIN)
    copy.save()
    copy.personas.set(original.personas.all())
    RedFlagObserver.objects.bulk_create(
        RedFlagObserver(red_flag=copy, sector=sector) for sector in original.observers.values_list("sector", flat=True)
    )
    Citation.objects.bulk_create(
        Citation(red_flag=copy, source_id=c.source_id, locator=c.locator, quote=c.quote)
        for c in original.citations.all()
    )
    return copy


@transaction.atomic
def red_flag_update(
    *,
    red_flag: RedFlag,
    fields: dict[str, Any],
    sectors: Iterable[str] | None = None,
    personas: Iterable[Persona] | None = None,
    citations: Sequence[CitationInput] | None = None,
    by: User,
) -> RedFlag:
    """Changes a red flag's text, place or sources, and returns the red flag that holds the change.

    A published flag is not changed: the change goes to its pending draft (`revises`), which needs a second
    staff member's verification before it replaces the published text. A flag in review or verified goes
    back to draft, since what was checked is no longer what is there."""
    if citations is not None:
        _check_citations(citations)
    locked = RedFlag.objects.select_for_update().get(pk=red_flag.pk)
    if locked.review_state == ReviewState.RETIRED:
        raise ValidationError(_("“%(flag)s” is retired; it cannot be changed.") % {"flag": locked})
    if locked.review_state == ReviewState.PUBLISHED:
        locked = _pending_change(locked, by=by)
    for name, value in fields.items():
        setattr(locked, name, value)
    if "stage" in fields or "actor" in fields or "flow" in fields:
        part = locked.stage or locked.actor or locked.flow
        locked.category_id = part.category_id if part is not None else locked.category_id
    locked.full_clean()
    locked.review_state = ReviewState.DRAFT
    locked.author = None
    locked.verified_by = None
    attribute_change(locked, by=by, origin=Source.ADMIN)
    locked.save()
    _set_observers_and_personas(locked, sectors, personas)
    if citations is not None:
        _set_citations(locked, citations)
    return locked


@transaction.atomic
def red_flag_submit(*, red_flag: RedFlag, by: User) -> RedFlag:
    """Sends a draft for review; `by` becomes its author, whom the verifier must not be."""
    locked = RedFlag.objects.select_for_update().get(pk=red_flag.pk)
    if locked.review_state != ReviewState.DRAFT:
        raise ValidationError(_("Only a draft can be sent for review."))
    _require_complete_citations(locked)
    locked.review_state = ReviewState.IN_REVIEW
    locked.author = by
    locked.verified_by = None
    attribute_change(locked, by=by, origin=Source.ADMIN)
    locked.save(update_fields=["review_state", "author", "verified_by", "updated_at"])
    return locked


@transaction.atomic
def red_flag_verify(*, red_flag: RedFlag, by: User) -> RedFlag:
    """A second staff member confirms the red flag says no more than the passages it cites."""
    locked = RedFlag.objects.select_for_update().get(pk=red_flag.pk)
    if locked.review_state != ReviewState.IN_REVIEW:
        raise ValidationError(_("Only a red flag in review can be verified."))
    if locked.author_id == by.pk:
        raise ValidationError(_("A second staff member verifies a red flag: its author cannot."))
    _require_complete_citations(locked)
    locked.review_state = ReviewState.VERIFIED
    locked.verified_by = by
    attribute_change(locked, by=by, origin=Source.ADMIN)
    locked.save(update_fields=["review_state", "verified_by", "updated_at"])
    return locked


@transaction.atomic
def red_flag_send_back(*, red_flag: RedFlag, by: User) -> RedFlag:
    """The reviewer returns a red flag in review (or verified, not yet published) to draft."""
    locked = RedFlag.objects.select_for_update().get(pk=red_flag.pk)
    if locked.review_state not in (ReviewState.IN_REVIEW, ReviewState.VERIFIED):
        raise ValidationError(_("Only a red flag in review or verified can be sent back."))
    locked.review_state = ReviewState.DRAFT
    locked.verified_by = None
    attribute_change(locked, by=by, origin=Source.ADMIN)
    locked.save(update_fields=["review_state", "verified_by", "updated_at"])
    return locked


def red_flag_snapshot(red_flag: RedFlag) -> dict[str, Any]:
    """What a revision keeps: the text members see and where the flag sits, by name (ids can be reused)."""
    part = red_flag.attached_to
    return {
        "indicator": red_flag.indicator,
        "detail": red_flag.detail,
        "category": red_flag.category.slug,
        "attached_to": f"{red_flag.attachment_kind}: {part}",
        "observed_by": sorted(red_flag.observers.values_list("sector", flat=True)),
        "personas": sorted(red_flag.personas.values_list("name", flat=True)),
        "citations": [
            {"source": citation.source.key, "locator": citation.locator, "quote": citation.quote}
            for citation in red_flag.citations.select_related("source").order_by("pk")
        ],
        "confidence": red_flag.confidence,
        "jurisdiction": red_flag.jurisdiction,
        "threshold": red_flag.threshold,
        "review_state": red_flag.review_state,
        "author": red_flag.author.email if red_flag.author else None,
        "verified_by": red_flag.verified_by.email if red_flag.verified_by else None,
    }


def _write_revision(red_flag: RedFlag, *, by: User, reason: str) -> RedFlagRevision:
    """The caller has locked `red_flag` and saved it with `version` raised to the new revision's number,
    so the number is taken once and a published flag never lacks its revision (a constraint)."""
    return RedFlagRevision.objects.create(
        red_flag=red_flag,
        number=red_flag.version,
        snapshot=red_flag_snapshot(red_flag),
        review_state=red_flag.review_state,
        author=by,
        verified_by=red_flag.verified_by,
        reason=reason,
    )


@transaction.atomic
def red_flag_publish(*, red_flag: RedFlag, by: User, reason: str, label: Label | None = None) -> RedFlagRevision:
    """Publishes a verified red flag and keeps the revision with who published it, who verified it and why.

    `label` is the TLP label staff publish it under (its current one, GREEN by default, when not given); a
    change of label is kept in the label's history with the same reason.

    A verified pending change replaces the text, place and sources of the published flag it revises (whose
    id members and initiatives know) and is then deleted."""
    reason = _require_reason(reason)
    locked = RedFlag.objects.select_for_update().get(pk=red_flag.pk)
    if locked.review_state != ReviewState.VERIFIED:
        raise ValidationError(
            _("“%(flag)s” is not verified: a second staff member verifies it before it is published.")
            % {"flag": locked}
        )
    locked.full_clean()
    _require_complete_citations(locked)
    target = locked
    if locked.revises_id is not None:
        target = RedFlag.objects.select_for_update().get(pk=locked.revises_id)
        for name in _CONTENT_FIELDS:
            setattr(target, name, getattr(locked, name))
        target.personas.set(locked.personas.all())
        target.observers.all().delete()
        locked.observers.update(red_flag=target)
        target.citations.all().delete()
        locked.citations.update(red_flag=target)
    target.review_state = ReviewState.PUBLISHED
    target.author = locked.author
    target.verified_by = locked.verified_by
    target.published_before_review = False
    target.published_at = timezone.now()
    target.version += 1
    if target is not locked:
        locked.delete()
    attribute_change(target, by=by, origin=Source.ADMIN)
    target.save()
    if label is not None:
        label_choose(obj=target, spec=RED_FLAG_SHARING, by=by, label=label, reason=reason)
    return _write_revision(target, by=by, reason=reason)


@transaction.atomic
def red_flag_retire(*, red_flag: RedFlag, by: User, reason: str) -> RedFlagRevision:
    """Withdraws a red flag from members; the retirement is kept as a revision with its reason. A change
    waiting to replace it is dropped with it, so that it cannot bring the flag back."""
    reason = _require_reason(reason)
    locked = RedFlag.objects.select_for_update().get(pk=red_flag.pk)
    if locked.review_state == ReviewState.RETIRED:
        raise ValidationError(_("“%(locked)s” is already retired.") % {"locked": locked})
    if locked.revises_id is not None:
        raise ValidationError(_("This is a pending change of a published red flag: delete it instead."))
    RedFlag.objects.filter(revises=locked).delete()
    locked.review_state = ReviewState.RETIRED
    locked.version += 1
    attribute_change(locked, by=by, origin=Source.ADMIN)
    locked.save(update_fields=["review_state", "version", "updated_at"])
    return _write_revision(locked, by=by, reason=reason)


@transaction.atomic
def red_flag_rate(*, member: Member, red_flag: RedFlag, usefulness: int) -> RedFlagRating:
    """Rates (or re-rates) a published red flag's usefulness from 1 to 5; recorded as activity."""
    if not 1 <= usefulness <= 5:
        raise ValidationError({"usefulness": _("Rate usefulness from 1 (not useful) to 5 (very useful).")})
    if red_flag.review_state != ReviewState.PUBLISHED:
        raise ValidationError(_("Only published red flags can be rated."))
    rating, created = RedFlagRating.objects.update_or_create(
        member=member, red_flag=red_flag, defaults={"usefulness": usefulness}
    )
    record_activity(
        member=member,
        verb=Verb.RED_FLAG_RATED,
        subject=red_flag,
        details={"usefulness": usefulness, "first_rating": created},
    )
    return rating


def red_flag_viewed(*, member: Member, red_flag: RedFlag) -> bool:
    """A member opened a red flag's page: recorded as `resource_viewed` on the red flag, at most once per member,
    red flag and day (a reload is no new use). The quarterly outcomes invitation reads it (`campaigns.segments`'s
    `used_red_flag_within_days`). True when recorded."""
    today = timezone.localdate()
    seen = Activity.objects.filter(
        member=member,
        verb=Verb.RESOURCE_VIEWED,
        subject_type=ContentType.objects.get_for_model(RedFlag),
        subject_id=red_flag.pk,
        occurred_at__date=today,
    ).exists()
    if not seen:
        record_activity(member=member, verb=Verb.RESOURCE_VIEWED, subject=red_flag, details={"page": "red_flag"})
    return not seen


@transaction.atomic
def suggestion_submit(
    *,
    member: Member,
    kind: SuggestionKind | str,
    text: str,
    evidence: str = "",
    stage: Stage | None = None,
    red_flag: RedFlag | None = None,
) -> Suggestion:
    """A member proposes a new red flag for a stage, or a change to a published one; staff review it."""
    if not member.is_approved:
        raise ValidationError(_("Only approved members can make suggestions."))
    if kind == SuggestionKind.NEW and stage is None:
        raise ValidationError({"stage": _("Choose the stage where the new red flag shows.")})
    if kind == SuggestionKind.CHANGE and (red_flag is None or red_flag.review_state != ReviewState.PUBLISHED):
        raise ValidationError({"red_flag": _("Choose the published red flag you suggest changing.")})
    suggestion = Suggestion(
        member=member,
        kind=kind,
        text=text.strip(),
        evidence=evidence.strip(),
        stage=stage if kind == SuggestionKind.NEW else None,
        red_flag=red_flag if kind == SuggestionKind.CHANGE else None,
    )
    suggestion.full_clean()
    suggestion.save()
    record_activity(member=member, verb=Verb.RED_FLAG_SUGGESTED, subject=suggestion, details={"kind": kind})
    return suggestion


def _decide(*, suggestion: Suggestion, by: User, status: SuggestionStatus, response: str) -> Suggestion:
    locked = (
        Suggestion.objects.select_for_update(of=("self",)).select_related("member__organisation").get(pk=suggestion.pk)
    )
    if locked.status != SuggestionStatus.PENDING:
        raise ValidationError(
            _("Suggestion #%(locked)s was already %(status)s.")
            % {"locked": locked.pk, "status": locked.get_status_display().lower()}
        )
    locked.status = status
    locked.staff_response = response.strip()
    locked.decided_by = by
    locked.decided_at = timezone.now()
    attribute_change(locked, by=by, origin=Source.ADMIN)
    return locked


@transaction.atomic
def suggestion_accept(*, suggestion: Suggestion, by: User, response: str = "") -> Suggestion:
    """Accepts a suggestion and tells the member. A new red flag becomes a draft for staff to edit and publish."""
    locked = _decide(suggestion=suggestion, by=by, status=SuggestionStatus.ACCEPTED, response=response)
    if locked.kind == SuggestionKind.NEW and locked.stage is not None:
        organisation = locked.member.organisation
        # The member's own words are the evidence: a source of its own, quoted verbatim, never an advisory.
        evidence = EvidenceSource.objects.create(
            key=f"member-suggestion-{locked.pk}",
            kind=SourceKind.MEMBER_EVIDENCE,
            issuer=str(organisation or _("a member")),
            title=_("Member suggestion #%(number)s") % {"number": locked.pk},
            published_on=locked.created_at.date(),
        )
        locked.resulting_red_flag = red_flag_create(
            stage=locked.stage,
            indicator=locked.text[:300],
            detail=locked.evidence,
            citations=[
                CitationInput(
                    source=evidence,
                    locator=_("the suggestion's evidence") if locked.evidence else _("the suggestion's text"),
                    quote=locked.evidence or locked.text,
                )
            ],
            confidence=Confidence.LOW,
        )
    locked.save()
    _email_outcome_on_commit(locked)
    return locked


@transaction.atomic
def suggestion_reject(*, suggestion: Suggestion, by: User, response: str) -> Suggestion:
    """Declines a suggestion with the reason the member will read."""
    if not response.strip():
        raise ValidationError({"staff_response": _("Tell the member why the suggestion is not accepted.")})
    locked = _decide(suggestion=suggestion, by=by, status=SuggestionStatus.REJECTED, response=response)
    locked.save()
    _email_outcome_on_commit(locked)
    return locked


def _email_outcome_on_commit(suggestion: Suggestion) -> None:
    send_suggestion_outcome_email.delay_on_commit(suggestion.pk)


# Indicator sets: the same review as red flags (draft → in review → verified by a second staff member →
# published → retired). A set has no pending copy: a change to a published set takes it back to draft, out
# of members' sight, until it is verified again; its red flags stay published on their own meanwhile.


def indicator_set_check(*, category: TraffickingCategory, minimum: int, red_flags: Sequence[RedFlag]) -> None:
    """1 ≤ minimum ≤ the number of red flags (the database holds the first half), all of the set's category."""
    if minimum < 1:
        raise ValidationError({"minimum": _("The minimum is at least 1.")})
    if len({red_flag.pk for red_flag in red_flags}) < 2:
        raise ValidationError({"red_flags": _("An indicator set combines at least two red flags.")})
    if minimum > len({red_flag.pk for red_flag in red_flags}):
        raise ValidationError(
            {"minimum": _("The minimum (%(minimum)d) is more than the set's red flags.") % {"minimum": minimum}}
        )
    for red_flag in red_flags:
        if red_flag.category_id != category.pk:
            raise ValidationError({"red_flags": _("“%(flag)s” belongs to another category.") % {"flag": red_flag}})
        if red_flag.revises_id is not None or red_flag.review_state == ReviewState.RETIRED:
            raise ValidationError(
                {
                    "red_flags": _("“%(flag)s” is a pending change or retired: choose the red flag itself.")
                    % {"flag": red_flag}
                }
            )


def _set_indicator_set_parts(
    indicator_set: IndicatorSet, red_flags: Sequence[RedFlag] | None, citations: Sequence[CitationInput] | None
) -> None:
    if red_flags is not None:
        indicator_set.members.all().delete()
        IndicatorSetFlag.objects.bulk_create(
            IndicatorSetFlag(indicator_set=indicator_set, red_flag=red_flag)
            for red_flag in {red_flag.pk: red_flag for red_flag in red_flags}.values()
        )
    if citations is not None:
        indicator_set.citations.all().delete()
        IndicatorSetCitation.objects.bulk_create(
            IndicatorSetCitation(
                indicator_set=indicator_set, source=c.source, locator=c.locator.strip(), quote=c.quote.strip()
            )
            for c in citations
        )


@transaction.atomic
def indicator_set_create(
    *,
    category: TraffickingCategory,
    name: str,
    rationale: str,
    minimum: int,
    red_flags: Sequence[RedFlag],
    citations: Sequence[CitationInput],
    label: Label = Label.GREEN,
) -> IndicatorSet:
    """A new indicator set, always a draft, with the passages behind the combination."""
    indicator_set_check(category=category, minimum=minimum, red_flags=red_flags)
    _check_citations(citations)
    indicator_set = IndicatorSet(
        category=category, name=name.strip(), rationale=rationale.strip(), minimum=minimum, label=label
    )
    indicator_set.full_clean()
    indicator_set.save()
    _set_indicator_set_parts(indicator_set, red_flags, citations)
    return indicator_set


@transaction.atomic
def indicator_set_update(
    *,
    indicator_set: IndicatorSet,
    fields: dict[str, Any],
    red_flags: Sequence[RedFlag] | None = None,
    citations: Sequence[CitationInput] | None = None,
    by: User,
) -> IndicatorSet:
    """Changes a set's name, rationale, minimum, red flags or sources; it goes back to draft (a published set
    leaves members' sight until verified again), since what was checked is no longer what is there."""
    locked = IndicatorSet.objects.select_for_update().get(pk=indicator_set.pk)
    if locked.review_state == ReviewState.RETIRED:
        raise ValidationError(_("“%(set)s” is retired; it cannot be changed.") % {"set": locked})
    for name, value in fields.items():
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    flags = list(red_flags) if red_flags is not None else list(locked.red_flags.all())
    indicator_set_check(category=locked.category, minimum=locked.minimum, red_flags=flags)
    if citations is not None:
        _check_citations(citations)
    locked.full_clean()
    locked.review_state = ReviewState.DRAFT
    locked.author = None
    locked.verified_by = None
    attribute_change(locked, by=by, origin=Source.ADMIN)
    locked.save()
    _set_indicator_set_parts(locked, red_flags, citations)
    return locked


def _require_complete_set(indicator_set: IndicatorSet) -> None:
    flags = list(indicator_set.red_flags.all())
    indicator_set_check(category=indicator_set.category, minimum=indicator_set.minimum, red_flags=flags)
    if not indicator_set.citations.exists():
        raise ValidationError(
            _("“%(set)s” needs at least one citation: the passage behind the combination.") % {"set": indicator_set}
        )


def _indicator_set_move(
    *, indicator_set: IndicatorSet, allowed: tuple[str, ...], to: str, message: str
) -> IndicatorSet:
    locked = IndicatorSet.objects.select_for_update().get(pk=indicator_set.pk)
    if locked.review_state not in allowed:
        raise ValidationError(message)
    locked.review_state = to
    return locked


@transaction.atomic
def indicator_set_submit(*, indicator_set: IndicatorSet, by: User) -> IndicatorSet:
    """Sends a draft for review; `by` becomes its author, whom the verifier must not be."""
    locked = _indicator_set_move(
        indicator_set=indicator_set,
        allowed=(ReviewState.DRAFT,),
        to=ReviewState.IN_REVIEW,
        message=_("Only a draft can be sent for review."),
    )
    _require_complete_set(locked)
    locked.author = by
    locked.verified_by = None
    attribute_change(locked, by=by, origin=Source.ADMIN)
    locked.save()
    return locked


@transaction.atomic
def indicator_set_verify(*, indicator_set: IndicatorSet, by: User) -> IndicatorSet:
    """A second staff member confirms the combination says no more than the passages it cites."""
    locked = _indicator_set_move(
        indicator_set=indicator_set,
        allowed=(ReviewState.IN_REVIEW,),
        to=ReviewState.VERIFIED,
        message=_("Only an indicator set in review can be verified."),
    )
    if locked.author_id == by.pk:
        raise ValidationError(_("A second staff member verifies an indicator set: its author cannot."))
    _require_complete_set(locked)
    locked.verified_by = by
    attribute_change(locked, by=by, origin=Source.ADMIN)
    locked.save()
    return locked


@transaction.atomic
def indicator_set_send_back(*, indicator_set: IndicatorSet, by: User) -> IndicatorSet:
    """Returns a set in review, verified or published to draft (a published one leaves members' sight)."""
    locked = _indicator_set_move(
        indicator_set=indicator_set,
        allowed=(ReviewState.IN_REVIEW, ReviewState.VERIFIED, ReviewState.PUBLISHED),
        to=ReviewState.DRAFT,
        message=_("Only an indicator set in review, verified or published can be sent back."),
    )
    locked.verified_by = None
    attribute_change(locked, by=by, origin=Source.ADMIN)
    locked.save()
    return locked


@transaction.atomic
def indicator_set_publish(
    *, indicator_set: IndicatorSet, by: User, reason: str, label: Label | None = None
) -> IndicatorSet:
    """Publishes a verified set under `label` (its current one, GREEN by default, when not given); it needs at
    least `minimum` published red flags. A change of label is kept in its history with the reason."""
    reason = _require_reason(reason)
    locked = IndicatorSet.objects.select_for_update().get(pk=indicator_set.pk)
    if locked.review_state != ReviewState.VERIFIED:
        raise ValidationError(
            _("“%(set)s” is not verified: a second staff member verifies it before it is published.") % {"set": locked}
        )
    _require_complete_set(locked)
    published = locked.red_flags.filter(review_state=ReviewState.PUBLISHED).count()
    if published < locked.minimum:
        raise ValidationError(
            _("“%(set)s” has %(published)d published red flag(s), fewer than its minimum of %(minimum)d.")
            % {"set": locked, "published": published, "minimum": locked.minimum}
        )
    locked.review_state = ReviewState.PUBLISHED
    locked.published_at = timezone.now()
    attribute_change(locked, by=by, origin=reason)
    locked.save()
    if label is not None:
        label_choose(obj=locked, spec=INDICATOR_SET_SHARING, by=by, label=label, reason=reason)
    return locked


@transaction.atomic
def indicator_set_retire(*, indicator_set: IndicatorSet, by: User, reason: str) -> IndicatorSet:
    """Withdraws a set from members for good; the reason is kept in its history."""
    reason = _require_reason(reason)
    locked = IndicatorSet.objects.select_for_update().get(pk=indicator_set.pk)
    if locked.review_state == ReviewState.RETIRED:
        raise ValidationError(_("“%(set)s” is already retired.") % {"set": locked})
    locked.review_state = ReviewState.RETIRED
    attribute_change(locked, by=by, origin=reason)
    locked.save()
    return locked


@transaction.atomic
def red_flag_review_confidence(*, red_flag: RedFlag, confidence: str, by: User, reason: str) -> RedFlagRevision:
    """Staff's decision on a published red flag's confidence after reviewing evidence about it (members'
    outcome reports): the confidence changes, or stays as it is when the proposal is dismissed, and either
    way the decision and its reason are kept as a new revision. A change waiting to replace the flag takes the
    new confidence too, so publishing it later does not undo the decision."""
    reason = _require_reason(reason)
    if confidence not in Confidence.values:
        raise ValidationError({"confidence": _("Choose high, medium or low.")})
    locked = RedFlag.objects.select_for_update().get(pk=red_flag.pk)
    if locked.review_state != ReviewState.PUBLISHED:
        raise ValidationError(_("Only a published red flag's confidence is reviewed."))
    locked.confidence = confidence
    locked.version += 1
    attribute_change(locked, by=by, origin=Source.ADMIN)
    locked.save(update_fields=["confidence", "version", "updated_at"])
    RedFlag.objects.filter(revises=locked).update(confidence=confidence)
    return _write_revision(locked, by=by, reason=reason)
