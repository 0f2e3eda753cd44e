"""Every write of the spaces app: one transaction each, the permission asked of `spaces.selectors` first."""

import hashlib
import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from initiatives.models import Initiative, InitiativeSession, Participation, ParticipationStatus
from members.history import attribute_change
from members.languages import in_member_language
from members.models import Member, NotificationKind, Origin, Source, User, Verb
from members.services import notification_create, record_activity
from sharing.models import Label, SharingGroup
from sharing.selectors import may_see
from sharing.services import recipients_set
from spaces import selectors
from spaces.models import (
    DOCUMENT_SPEC,
    POST_SPEC,
    ActionItem,
    ActionState,
    Document,
    DocumentVersion,
    Follow,
    FollowLevel,
    ModerationAction,
    Post,
    PostReport,
    SessionNotes,
    Space,
    Thread,
)
from spaces.selectors import Level, SpaceAccess
from spaces.uploads import check_upload

# A post and an upload are the member's own contributions to the initiative (engagement's verb table marks them
# so): they make the member collaborating.
CONTRIBUTION_VERBS = {"post": Verb.SPACE_POSTED, "document": Verb.SPACE_DOCUMENT_UPLOADED}
NOTIFICATION_KIND = NotificationKind.SPACE_ACTIVITY
MENTION = re.compile(r"(?<![\w@])@([a-z0-9][a-z0-9_-]{1,80})", re.IGNORECASE)


def _record_contribution(*, member: Member, initiative: Initiative, what: str, details: dict[str, Any]) -> None:
    record_activity(
        member=member,
        verb=CONTRIBUTION_VERBS[what],
        subject=initiative,
        source=Source.WEB,
        origin=Origin.MEMBER,
        details=details,
    )


def _require(*, user: Any, initiative: Initiative, level: Level) -> Level:
    actual = selectors.access_level(user=user, initiative=initiative)
    if actual < level:
        raise PermissionDenied(_("You may not do this in this space."))
    return actual


@transaction.atomic
def space_ensure(*, initiative: Initiative, by: User | None = None) -> Space:
    """The initiative's space, created with its audience group on first use; idempotent under concurrency (the
    initiative row is locked while the space is made). The group is owned by the lead, else by `by` (who opened
    the space first), else by the first superuser."""
    existing = Space.objects.filter(initiative=initiative).select_related("audience").first()
    if existing is not None:
        return existing
    locked = Initiative.objects.select_for_update().get(pk=initiative.pk)
    existing = Space.objects.filter(initiative=locked).select_related("audience").first()
    if existing is not None:
        return existing
    owner = locked.lead or by or User.objects.filter(is_superuser=True).order_by("pk").first()
    if owner is None:
        raise ValidationError(_("A space needs a lead or a member of staff to own its audience."))
    audience = SharingGroup.objects.create(
        name=f"Space {locked.pk}: {locked.title}"[:200],
        description=_("The organisations taking part in “%(title)s”, kept in step by the spaces app.")
        % {"title": locked.title},
        owner=owner,
    )
    space = Space.objects.create(initiative=locked, audience=audience)
    space_audience_sync(space=space)
    return space


def space_opened(*, access: SpaceAccess) -> Space:
    """The space a page or an API call of it reads: made on its first use, and with the viewer's organisation
    brought into its audience when the viewer takes part but the audience does not hold it yet (someone who has
    just joined sees the space's TLP:AMBER content from their first visit on, whatever the channel). Every page
    and endpoint inside a space calls this, so the two channels cannot disagree."""
    organisation_id = access.member.organisation_id if access.member is not None else None
    needs_audience = organisation_id is not None and access.level >= Level.MEMBER
    if access.space is not None:
        space, in_audience = access.space, access.organisation_in_audience
    else:
        space = space_ensure(initiative=access.initiative, by=access.user)
        in_audience = organisation_id is None or space.audience.organisations.filter(pk=organisation_id).exists()
    if needs_audience and not in_audience:
        space_audience_sync(space=space)
    return space


def space_audience_after_leaving(*, initiative_id: int) -> bool:
    """Someone gave up their place: their organisation leaves the audience unless another of its members still takes
    part. Returns whether the audience changed (False for an initiative without a space)."""
    space = Space.objects.filter(initiative_id=initiative_id).select_related("audience").first()
    return space is not None and space_audience_sync(space=space)


@transaction.atomic
def space_audience_sync(*, space: Space) -> bool:
    """Makes the audience group hold exactly the organisations of the initiative's active participants (what
    TLP:AMBER in the space means). Returns whether anything changed."""
    wanted = set(
        Participation.objects.filter(
            initiative_id=space.initiative_id, status=ParticipationStatus.ACTIVE, member__organisation__isnull=False
        ).values_list("member__organisation_id", flat=True)
    )
    present = set(space.audience.organisations.values_list("pk", flat=True))
    if wanted == present:
        return False
    space.audience.organisations.set(wanted)
    return True


def _label_recipients(*, obj: Any, space: Space, label: str, body: str = "") -> None:
    """AMBER content names the space's audience; a RED post or thread names the participants its text @mentions
    (RED: the author and the people named); the other labels need no one named (CLEAR and GREEN are open to
    members, AMBER+STRICT to the author's organisation)."""
    people = _mentioned_participants(space=space, body=body) if label == Label.RED and body else []
    recipients_set(obj=obj, groups=[space.audience] if label == Label.AMBER else [], people=people)


def _mentioned_participants(*, space: Space, body: str) -> list[Any]:
    """The users of the space's active participants (and its lead) whom `body` @mentions."""
    mentioned = {match.lower() for match in MENTION.findall(body)}
    if not mentioned:
        return []
    people = [member.user for member in _space_people(space.initiative) if handle(member) in mentioned]
    lead = space.initiative.lead
    if lead is not None and slugify(lead.display_name) in mentioned and lead not in people:
        people.append(lead)
    return people


def _clean_label(label: str | None) -> str:
    label = label or Label.AMBER
    if label not in Label.values:
        raise ValidationError({"label": _("Choose a TLP label.")})
    return label


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write something first.")})
    if len(body) > 20000:
        raise ValidationError({"body": _("A post holds at most 20,000 characters.")})
    return body


def handle(member: Member) -> str:
    """How a participant is mentioned: `@` and their name, lower case, with hyphens (`@rosa-silva`)."""
    return slugify(member.user.display_name) or f"member-{member.pk}"


def _space_people(initiative: Initiative) -> list[Member]:
    return list(
        Member.objects.filter(
            participations__initiative=initiative, participations__status=ParticipationStatus.ACTIVE
        ).select_related("user")
    )


def _notify(*, post: Post, space: Space, author: Member, is_new_thread: bool) -> int:
    """Mentions reach the mentioned (unless they follow nothing); every post reaches those who follow all.
    Nobody is told of a post they may not see."""
    initiative = space.initiative
    people = [person for person in _space_people(initiative) if person.pk != author.pk]
    mentioned = {match.lower() for match in MENTION.findall(post.body)}
    levels = dict(Follow.objects.filter(space=space).values_list("member_id", "level"))
    url = post.thread.get_absolute_url() + f"#post-{post.pk}"
    sent = 0
    for person in people:
        level = levels.get(person.pk, FollowLevel.MENTIONS)
        is_mentioned = handle(person) in mentioned
        if level == FollowLevel.NONE or not (is_mentioned or level == FollowLevel.ALL):
            continue
        if not may_see(user=person.user, obj=post, spec=POST_SPEC):
            continue
        with in_member_language(person.language):  # written in the reader's language, not the author's
            if is_mentioned:
                title = _("%(author)s mentioned you in “%(thread)s”")
            elif is_new_thread:
                title = _("%(author)s started “%(thread)s”")
            else:
                title = _("%(author)s replied in “%(thread)s”")
            notification_create(
                member=person,
                kind=NOTIFICATION_KIND,
                title=title % {"author": author.user.display_name, "thread": post.thread.title},
                body=_("In the space of %(initiative)s.") % {"initiative": initiative.title},
                url=url,
            )
        sent += 1
    return sent


@transaction.atomic
def thread_start(*, initiative: Initiative, member: Member, title: str, body: str, label: str | None = None) -> Thread:
    """A new thread and its opening post; a contribution of the member's."""
    _require(user=member.user, initiative=initiative, level=Level.MEMBER)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the thread a title.")})
    body = _clean_body(body)
    label = _clean_label(label)
    space = space_ensure(initiative=initiative, by=member.user)
    now = timezone.now()
    thread = Thread.objects.create(
        space=space, title=title[:200], author=member, label=label, created_at=now, last_post_at=now
    )
    post = Post.objects.create(thread=thread, author=member, body=body, label=label, created_at=now)
    _label_recipients(obj=thread, space=space, label=label, body=body)
    _label_recipients(obj=post, space=space, label=label, body=body)
    _record_contribution(member=member, initiative=initiative, what="post", details={"post": post.pk})
    _notify(post=post, space=space, author=member, is_new_thread=True)
    return thread


@transaction.atomic
def post_reply(*, thread: Thread, member: Member, body: str, label: str | None = None) -> Post:
    space = thread.space
    level = _require(user=member.user, initiative=space.initiative, level=Level.MEMBER)
    if not may_see(user=member.user, obj=thread, spec=POST_SPEC):
        raise PermissionDenied
    if thread.locked and level < Level.MODERATOR:
        raise ValidationError(_("This thread is locked: no new replies."))
    body = _clean_body(body)
    label = _clean_label(label)
    post = Post.objects.create(thread=thread, author=member, body=body, label=label)
    Thread.objects.filter(pk=thread.pk).update(last_post_at=post.created_at)
    _label_recipients(obj=post, space=space, label=label, body=body)
    _record_contribution(member=member, initiative=space.initiative, what="post", details={"post": post.pk})
    _notify(post=post, space=space, author=member, is_new_thread=False)
    return post


@transaction.atomic
def post_edit(*, post: Post, member: Member, body: str) -> Post:
    """Only the author edits, while they still take part; the earlier text stays in the post's history."""
    _require(user=member.user, initiative=post.thread.space.initiative, level=Level.MEMBER)
    if post.author_id != member.pk:
        raise PermissionDenied(_("Only its author may edit a post."))
    if post.hidden_at is not None:
        raise ValidationError(_("A hidden post cannot be edited."))
    post.body = _clean_body(body)
    post.edited_at = timezone.now()
    attribute_change(post, by=member.user, origin=Source.WEB)
    post.save(update_fields=["body", "edited_at"])
    return post


def _log(*, thread: Thread, kind: str, reason: str, by: User, post: Post | None = None) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why.")})
    ModerationAction.objects.create(space=thread.space, thread=thread, post=post, kind=kind, reason=reason, by=by)


@transaction.atomic
def thread_moderate(*, thread: Thread, by: User, kind: str, reason: str) -> Thread:
    """Pin, unpin, lock or unlock a thread, with a reason kept in the moderation log."""
    _require(user=by, initiative=thread.space.initiative, level=Level.MODERATOR)
    changes = {
        ModerationAction.Kind.PIN: ("pinned", True),
        ModerationAction.Kind.UNPIN: ("pinned", False),
        ModerationAction.Kind.LOCK: ("locked", True),
        ModerationAction.Kind.UNLOCK: ("locked", False),
    }
    if kind not in changes:
        raise ValidationError({"kind": _("Unknown moderation action.")})
    field, value = changes[ModerationAction.Kind(kind)]
    _log(thread=thread, kind=kind, reason=reason, by=by)
    setattr(thread, field, value)
    attribute_change(thread, by=by, origin=Source.WEB)
    thread.save(update_fields=[field])
    return thread


@transaction.atomic
def post_hide(*, post: Post, by: User, reason: str) -> Post:
    """Hides a post from members (it stays, with who hid it and why); resolves its open reports."""
    _require(user=by, initiative=post.thread.space.initiative, level=Level.MODERATOR)
    if post.hidden_at is not None:
        return post
    _log(thread=post.thread, post=post, kind=ModerationAction.Kind.HIDE, reason=reason, by=by)
    post.hidden_at, post.hidden_by, post.hidden_reason = timezone.now(), by, reason.strip()
    attribute_change(post, by=by, origin=Source.WEB)
    post.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    PostReport.objects.filter(post=post, resolved_at__isnull=True).update(resolved_at=post.hidden_at, resolved_by=by)
    return post


@transaction.atomic
def post_unhide(*, post: Post, by: User, reason: str) -> Post:
    _require(user=by, initiative=post.thread.space.initiative, level=Level.MODERATOR)
    if post.hidden_at is None:
        return post
    _log(thread=post.thread, post=post, kind=ModerationAction.Kind.UNHIDE, reason=reason, by=by)
    post.hidden_at, post.hidden_by, post.hidden_reason = None, None, ""
    attribute_change(post, by=by, origin=Source.WEB)
    post.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    return post


@transaction.atomic
def post_report(*, post: Post, member: Member, reason: str) -> PostReport:
    """A participant reports a post to the moderators; one open report per member and post."""
    _require(user=member.user, initiative=post.thread.space.initiative, level=Level.MEMBER)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say what is wrong with the post.")})
    existing = PostReport.objects.filter(post=post, reporter=member, resolved_at__isnull=True).first()
    if existing is not None:
        return existing
    return PostReport.objects.create(post=post, reporter=member, reason=reason)


@transaction.atomic
def report_dismiss(*, report: PostReport, by: User, reason: str) -> PostReport:
    post = report.post
    _require(user=by, initiative=post.thread.space.initiative, level=Level.MODERATOR)
    _log(thread=post.thread, post=post, kind=ModerationAction.Kind.DISMISS, reason=reason, by=by)
    report.resolved_at, report.resolved_by = timezone.now(), by
    report.save(update_fields=["resolved_at", "resolved_by"])
    return report


@transaction.atomic
def follow_set(*, initiative: Initiative, member: Member, level: str) -> Follow:
    _require(user=member.user, initiative=initiative, level=Level.MEMBER)
    if level not in FollowLevel.values:
        raise ValidationError({"level": _("Choose what to be told of.")})
    space = space_ensure(initiative=initiative, by=member.user)
    follow, _created = Follow.objects.update_or_create(space=space, member=member, defaults={"level": level})
    return follow


@transaction.atomic
def document_upload(
    *,
    initiative: Initiative,
    member: Member,
    data: IO[bytes],
    filename: str,
    size: int,
    title: str = "",
    label: str | None = None,
    document: Document | None = None,
) -> DocumentVersion:
    """A new document, or a new version of `document`: the bytes checked first (`spaces.uploads`), so a refused
    file stores nothing; stored through Django's storage under a name of ours."""
    _require(user=member.user, initiative=initiative, level=Level.MEMBER)
    checked = check_upload(filename=filename, data=data, size=size)
    space = space_ensure(initiative=initiative, by=member.user)
    if document is None:
        title = (title or "").strip() or checked.filename
        label = _clean_label(label)
        document = Document.objects.create(space=space, title=title[:200], label=label, uploaded_by=member)
        _label_recipients(obj=document, space=space, label=label)
        number = 1
    else:
        if document.space_id != space.pk or not may_see(user=member.user, obj=document, spec=DOCUMENT_SPEC):
            raise PermissionDenied
        document = Document.objects.select_for_update().get(pk=document.pk)
        number = (document.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        document.updated_at = timezone.now()
        document.save(update_fields=["updated_at"])
    digest = hashlib.sha256()
    data.seek(0)
    for chunk in iter(lambda: data.read(65536), b""):
        digest.update(chunk)
    data.seek(0)
    version = DocumentVersion(
        document=document,
        number=number,
        filename=checked.filename,
        content_type=checked.content_type,
        size=checked.size,
        sha256=digest.hexdigest(),
        uploaded_by=member,
    )
    version.file.save(checked.filename, File(data), save=False)
    # A failed insert must not leave the stored file behind.
    # A failure after the write must not leave the stored file behind; a rollback of the caller's transaction, or
    # a crash before the commit, is swept by the worker (`spaces.orphans`).
    stored = version.file
    try:
        version.save()
        _record_contribution(
            member=member, initiative=initiative, what="document", details={"document": document.pk, "version": number}
        )
    except Exception:
        stored.delete(save=False)
        raise
    return version


def _staff_or_lead(*, by: User, initiative: Initiative) -> None:
    _require(user=by, initiative=initiative, level=Level.MODERATOR)


@transaction.atomic
def session_schedule(*, initiative: Initiative, by: User, starts_at: datetime, title: str = "") -> InitiativeSession:
    """A dated meeting of the initiative, recorded by its lead or staff (the initiatives app keeps sessions and
    their attendance; this is the space's way of adding one, as the admin's inline is the staff's)."""
    _staff_or_lead(by=by, initiative=initiative)
    return InitiativeSession.objects.create(initiative=initiative, starts_at=starts_at, title=(title or "")[:200])


@transaction.atomic
def session_notes_save(
    *,
    session: InitiativeSession,
    by: User,
    agenda: str = "",
    notes: str = "",
    decisions: str = "",
    label: str | None = None,
) -> SessionNotes:
    """The agenda, notes and decisions of a session; every change kept in their history."""
    initiative = session.initiative
    _staff_or_lead(by=by, initiative=initiative)
    space = space_ensure(initiative=initiative, by=by)
    label = _clean_label(label)
    record = SessionNotes.objects.filter(session=session).first() or SessionNotes(session=session)
    record.agenda, record.notes, record.decisions = agenda.strip(), notes.strip(), decisions.strip()
    record.label, record.updated_by, record.updated_at = label, by, timezone.now()
    attribute_change(record, by=by, origin=Source.WEB)
    record.save()
    _label_recipients(obj=record, space=space, label=label)
    return record


@transaction.atomic
def action_item_create(
    *,
    initiative: Initiative,
    by: User,
    title: str,
    owner: Member,
    due_on: date,
    session: InitiativeSession | None = None,
) -> ActionItem:
    _staff_or_lead(by=by, initiative=initiative)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Say what is to be done.")})
    if selectors.access_level(user=owner.user, initiative=initiative) < Level.MEMBER:
        raise ValidationError({"owner": _("The owner must take part in the initiative.")})
    if session is not None and session.initiative_id != initiative.pk:
        raise ValidationError({"session": _("That session belongs to another initiative.")})
    space = space_ensure(initiative=initiative, by=by)
    item = ActionItem(space=space, session=session, title=title[:300], owner=owner, due_on=due_on, created_by=by)
    attribute_change(item, by=by, origin=Source.WEB)
    item.save()
    return item


@transaction.atomic
def action_item_set_state(*, item: ActionItem, by: User, state: str) -> ActionItem:
    """The owner, the lead or staff move an item between open, done and dropped."""
    initiative = item.space.initiative
    level = _require(user=by, initiative=initiative, level=Level.MEMBER)
    if level < Level.MODERATOR and item.owner.user_id != by.pk:
        raise PermissionDenied(_("Only its owner, the lead or staff may change an action item."))
    if state not in ActionState.values:
        raise ValidationError({"state": _("Unknown state.")})
    item.state = state
    attribute_change(item, by=by, origin=Source.WEB)
    item.save(update_fields=["state"])
    return item


def action_items_remind(*, today: date | None = None) -> int:
    """Reminds the owner of each open, overdue item once: the row is claimed (reminded_at set) in the same
    transaction that writes the notice, so a second run, or two at once, remind nobody twice."""
    today = today or timezone.localdate()
    reminded = 0
    for pk in list(selectors.overdue_action_items(today=today).values_list("pk", flat=True)):
        reminded += _remind_one(pk=pk, today=today)
    return reminded


@transaction.atomic
def _remind_one(*, pk: int, today: date) -> int:
    claimed = selectors.overdue_action_items(today=today).filter(pk=pk).update(reminded_at=timezone.now())
    if not claimed:
        return 0
    item = ActionItem.objects.select_related("owner__user", "space__initiative").get(pk=pk)
    if selectors.access_level(user=item.owner.user, initiative=item.space.initiative) < Level.MEMBER:
        return 0
    with in_member_language(item.owner.language):
        notification_create(
            member=item.owner,
            kind=NOTIFICATION_KIND,
            title=_("Overdue: “%(title)s” was due on %(due)s") % {"title": item.title, "due": item.due_on.isoformat()},
            body=_("An action item of yours in %(initiative)s.") % {"initiative": item.space.initiative.title},
            url=item.space.get_absolute_url() + "#actions-heading",
        )
    return 1


def audiences_sync(*, spaces: Iterable[Space] | None = None) -> int:
    """Every space's audience brought in step with its participants (the worker's hourly pass)."""
    changed = 0
    for space in spaces if spaces is not None else Space.objects.select_related("audience"):
        changed += space_audience_sync(space=space)
    return changed
