"""Writes of the ecosystem map: red flags and their revisions, ratings, and members' suggestions."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecosystem.models import (
    Actor,
    Citation,
    Confidence,
    FinancialFlow,
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
)
from ecosystem.models import (
    Source as EvidenceSource,
)
from ecosystem.tasks import send_suggestion_outcome_email
from members.history import attribute_change
from members.models import Member, Source, User, Verb
from members.services import record_activity
from personas.models import Persona


def _require_reason(reason: str) -> str:
    if not reason.strip():
        raise ValidationError({"reason": "Say why: every published change is kept with its reason."})
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
            raise ValidationError({"sectors": f"Unknown sector(s): {', '.join(sorted(unknown))}."})
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
    )
    red_flag.full_clean()
    red_flag.save()
    _set_citations(red_flag, citations)
    _set_observers_and_personas(red_flag, sectors, personas)
    return red_flag


@transaction.atomic
def red_flag_update(
    *,
    red_flag: RedFlag,
    fields: dict[str, Any],
    sectors: Iterable[str] | None = None,
    personas: Iterable[Persona] | None = None,
    citations: Sequence[CitationInput] | None = None,
    by: User,
    reason: str,
) -> RedFlag:
    """Changes a red flag (its citations too, when given); a published one gets a new revision with the
    author and the reason."""
    if citations is not None:
        _check_citations(citations)
    locked = RedFlag.objects.select_for_update().get(pk=red_flag.pk)
    for name, value in fields.items():
        setattr(locked, name, value)
    if "stage" in fields or "actor" in fields or "flow" in fields:
        part = locked.stage or locked.actor or locked.flow
        locked.category_id = part.category_id if part is not None else locked.category_id
    locked.full_clean()
    attribute_change(locked, by=by, origin=Source.ADMIN)
    locked.save()
    _set_observers_and_personas(locked, sectors, personas)
    if citations is not None:
        _set_citations(locked, citations)
    red_flag_revise(red_flag=locked, by=by, reason=reason)
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
        "review_state": red_flag.review_state,
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
        reason=reason,
    )


@transaction.atomic
def red_flag_publish(*, red_flag: RedFlag, by: User, reason: str) -> RedFlagRevision:
    """Publishes a draft or retired red flag; keeps the revision with who published it and why."""
    reason = _require_reason(reason)
    locked = RedFlag.objects.select_for_update().get(pk=red_flag.pk)
    if locked.review_state == ReviewState.PUBLISHED:
        raise ValidationError(f"“{locked}” is already published; edit it to publish a change.")
    locked.full_clean()
    _require_complete_citations(locked)
    locked.review_state = ReviewState.PUBLISHED
    locked.published_at = timezone.now()
    locked.version += 1
    attribute_change(locked, by=by, origin=Source.ADMIN)
    locked.save(update_fields=["review_state", "published_at", "version", "updated_at"])
    return _write_revision(locked, by=by, reason=reason)


@transaction.atomic
def red_flag_revise(*, red_flag: RedFlag, by: User, reason: str) -> RedFlagRevision | None:
    """Keeps a revision of a published red flag whose content changed since its last revision."""
    locked = RedFlag.objects.select_for_update().get(pk=red_flag.pk)
    if locked.review_state != ReviewState.PUBLISHED:
        return None
    latest = locked.revisions.order_by("-number").first()
    if latest is not None and latest.snapshot == red_flag_snapshot(locked):
        return None
    reason = _require_reason(reason)
    locked.published_at = timezone.now()
    locked.version += 1
    attribute_change(locked, by=by, origin=Source.ADMIN)
    locked.save(update_fields=["published_at", "version", "updated_at"])
    return _write_revision(locked, by=by, reason=reason)


@transaction.atomic
def red_flag_retire(*, red_flag: RedFlag, by: User, reason: str) -> RedFlagRevision:
    """Withdraws a red flag from members; the retirement is kept as a revision with its reason."""
    reason = _require_reason(reason)
    locked = RedFlag.objects.select_for_update().get(pk=red_flag.pk)
    if locked.review_state == ReviewState.RETIRED:
        raise ValidationError(f"“{locked}” is already retired.")
    locked.review_state = ReviewState.RETIRED
    locked.version += 1
    attribute_change(locked, by=by, origin=Source.ADMIN)
    locked.save(update_fields=["review_state", "version", "updated_at"])
    return _write_revision(locked, by=by, reason=reason)


@transaction.atomic
def red_flag_rate(*, member: Member, red_flag: RedFlag, usefulness: int) -> RedFlagRating:
    """Rates (or re-rates) a published red flag's usefulness from 1 to 5; recorded as activity."""
    if not 1 <= usefulness <= 5:
        raise ValidationError({"usefulness": "Rate usefulness from 1 (not useful) to 5 (very useful)."})
    if red_flag.review_state != ReviewState.PUBLISHED:
        raise ValidationError("Only published red flags can be rated.")
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
        raise ValidationError("Only approved members can make suggestions.")
    if kind == SuggestionKind.NEW and stage is None:
        raise ValidationError({"stage": "Choose the stage where the new red flag shows."})
    if kind == SuggestionKind.CHANGE and (red_flag is None or red_flag.review_state != ReviewState.PUBLISHED):
        raise ValidationError({"red_flag": "Choose the published red flag you suggest changing."})
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
        raise ValidationError(f"Suggestion #{locked.pk} was already {locked.get_status_display().lower()}.")
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
        raise ValidationError({"staff_response": "Tell the member why the suggestion is not accepted."})
    locked = _decide(suggestion=suggestion, by=by, status=SuggestionStatus.REJECTED, response=response)
    locked.save()
    _email_outcome_on_commit(locked)
    return locked


def _email_outcome_on_commit(suggestion: Suggestion) -> None:
    send_suggestion_outcome_email.delay_on_commit(suggestion.pk)
