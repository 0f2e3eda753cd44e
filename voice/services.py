"""Writes of the voice: ideas submitted, votes and follows, comments, and staff triage (merging, taking an idea
into an opportunity, declining)."""

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from members.history import attribute_change
from members.models import Member, Source, User
from personas.models import JobToBeDone
from roadmap.models import Opportunity, OpportunityStatus
from voice.activity import IDEA_SUBMITTED, IDEA_VOTED, record_voice_activity
from voice.models import Comment, Follow, Idea, IdeaStatus, Importance, Vote

MAX_COMMENT = 5000


def _require_approved(member: Member) -> None:
    if not member.is_approved:
        raise ValidationError(_("Only approved members can take part."))


def idea_submit(
    *, member: Member, title: str, problem: str, jobs: Sequence[JobToBeDone] = (), source: str = Source.WEB
) -> Idea:
    """A member's idea; its author follows it. The jobs it serves must be jobs of the member's persona."""
    _require_approved(member)
    title, problem = title.strip(), problem.strip()
    if not title or not problem:
        raise ValidationError(_("An idea needs a title and the problem it solves."))
    if any(job.persona_id != member.persona_id for job in jobs):
        raise ValidationError({"jobs": _("Choose among the jobs of your own persona.")})
    with transaction.atomic():
        idea = Idea(author=member, title=title, problem=problem)
        idea.full_clean(exclude=["jobs"])
        idea.save()
        idea.jobs.set(jobs)
        Follow.objects.create(member=member, idea=idea)
        record_voice_activity(member=member, verb=IDEA_SUBMITTED, subject=idea, source=source)
    return idea


def _target(idea: Idea | None, opportunity: Opportunity | None) -> dict[str, Any]:
    if (idea is None) == (opportunity is None):
        raise ValidationError(_("Vote for an idea or for a roadmap item."))
    if idea is not None:
        # The stored status, not the caller's copy: a merge or a decline may have happened since it was read.
        idea.status = Idea.objects.values_list("status", flat=True).get(pk=idea.pk)
        if idea.status == IdeaStatus.MERGED:
            raise ValidationError(_("This idea was merged into another one; vote there."))
        if idea.status == IdeaStatus.DECLINED:
            raise ValidationError(_("This idea was declined."))
        return {"idea": idea}
    return {"opportunity": opportunity}


def vote_cast(
    *,
    member: Member,
    idea: Idea | None = None,
    opportunity: Opportunity | None = None,
    importance: str = "",
    source: str = Source.WEB,
) -> Vote:
    """One vote per member and item, whatever happens at once: a second vote (a double click, two tabs) only
    changes how important it is. The database's unique constraint decides, not a read before the write."""
    _require_approved(member)
    if importance not in ("", *Importance.values):
        raise ValidationError({"importance": _("Choose nice to have, important or critical.")})
    target = _target(idea, opportunity)
    with transaction.atomic():
        try:
            with transaction.atomic():
                vote = Vote.objects.create(member=member, importance=importance, **target)
        except IntegrityError:
            vote = Vote.objects.select_for_update().get(member=member, **target)
            if vote.importance != importance:
                vote.importance = importance
                vote.save(update_fields=["importance"])
            return vote
        record_voice_activity(member=member, verb=IDEA_VOTED, subject=next(iter(target.values())), source=source)
    return vote


def vote_withdraw(*, member: Member, idea: Idea | None = None, opportunity: Opportunity | None = None) -> bool:
    if (idea is None) == (opportunity is None):
        raise ValidationError(_("Withdraw a vote for an idea or for a roadmap item."))
    target: dict[str, Any] = {"idea": idea} if idea is not None else {"opportunity": opportunity}
    deleted, _rows = Vote.objects.filter(member=member, **target).delete()
    return bool(deleted)


def follow_set(
    *, member: Member, follow: bool, idea: Idea | None = None, opportunity: Opportunity | None = None
) -> bool:
    """Follows or stops following; idempotent and safe when two requests race. Returns whether they follow."""
    _require_approved(member)
    if (idea is None) == (opportunity is None):
        raise ValidationError(_("Follow an idea or a roadmap item."))
    target: dict[str, Any] = {"idea": idea} if idea is not None else {"opportunity": opportunity}
    if not follow:
        Follow.objects.filter(member=member, **target).delete()
        return False
    Follow.objects.bulk_create([Follow(member=member, **target)], ignore_conflicts=True)
    return True


def comment_add(*, member: Member, idea: Idea, body: str) -> Comment:
    _require_approved(member)
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("Write a comment first.")})
    if len(body) > MAX_COMMENT:
        raise ValidationError({"body": _("A comment is at most %(n)d characters.") % {"n": MAX_COMMENT}})
    if idea.status == IdeaStatus.MERGED:
        raise ValidationError(_("This idea was merged into another one; comment there."))
    return Comment.objects.create(idea=idea, author=member, body=body)


def _move_support(*, source: Idea, target: Idea) -> None:
    """Moves the votes and follows of `source` to `target`: a member who supported both keeps one, on the target."""
    for model in (Vote, Follow):
        already = model.objects.filter(idea=target).values("member_id")
        model.objects.filter(idea=source, member_id__in=already).delete()
        model.objects.filter(idea=source).update(idea=target)


@transaction.atomic
def idea_merge(*, idea: Idea, into: Idea, by: User | None) -> Idea:
    """Staff merge a duplicate: every vote and follower of `idea` moves to `into`, each member kept once."""
    if idea.pk == into.pk:
        raise ValidationError(_("An idea cannot be merged into itself."))
    first, second = sorted([idea.pk, into.pk])
    locked = {i.pk: i for i in Idea.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")}
    source, target = locked[idea.pk], locked[into.pk]
    if source.status == IdeaStatus.MERGED:
        raise ValidationError(_("This idea is already merged."))
    if target.status in (IdeaStatus.MERGED, IdeaStatus.DECLINED):
        raise ValidationError(_("Merge into an open or triaged idea."))
    _move_support(source=source, target=target)
    for merged in Idea.objects.filter(merged_into=source):
        merged.merged_into = target
        merged.save(update_fields=["merged_into"])
    target.jobs.add(*source.jobs.all())
    source.status, source.merged_into = IdeaStatus.MERGED, target
    source.save(update_fields=["status", "merged_into"])
    return source


@transaction.atomic
def idea_triage(*, idea: Idea, by: User | None, opportunity: Opportunity | None = None, title: str = "") -> Opportunity:
    """Staff take an idea into an opportunity: an existing one, or a new one named after it (or `title`) serving
    its jobs. Votes stay on the idea and count for the opportunity, each member once (`selectors.vote_tally`)."""
    locked = Idea.objects.select_for_update().get(pk=idea.pk)
    if locked.status in (IdeaStatus.MERGED, IdeaStatus.DECLINED):
        raise ValidationError(_("Only an open or triaged idea can be taken into an opportunity."))
    if opportunity is None:
        opportunity = Opportunity(
            title=(title or locked.title)[:200], description=locked.problem, status=OpportunityStatus.IDEA, owner=by
        )
        opportunity.full_clean()
        attribute_change(opportunity, by=by, origin=Source.ADMIN if by is not None else Source.SYSTEM)
        opportunity.save()
    opportunity.jobs.add(*locked.jobs.all())
    locked.opportunity, locked.status = opportunity, IdeaStatus.TRIAGED
    locked.save(update_fields=["opportunity", "status"])
    return opportunity


@transaction.atomic
def idea_decline(*, idea: Idea, by: User | None, note: str = "") -> Idea:
    locked = Idea.objects.select_for_update().get(pk=idea.pk)
    if locked.status == IdeaStatus.MERGED:
        raise ValidationError(_("This idea is already merged."))
    locked.status = IdeaStatus.DECLINED
    if note:
        locked.staff_note = note
    locked.save(update_fields=["status", "staff_note"])
    return locked
