"""Who may enter a space, and what they see in it: decided here, once, for every channel (pages, API, downloads,
search, notifications, the reminder task).

A space is open to the initiative's active participants, its lead and staff; a member on the waitlist sees its
title and counts only; anyone else (never joined, left, suspended, pending) is answered 404, as if it did not
exist. Inside, every post, document and session note is also held to its TLP label through
`sharing.selectors.scope`.
"""

import dataclasses
import enum
from collections.abc import Callable
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404

from initiatives.models import (
    Initiative,
    InitiativeSession,
    InitiativeStatus,
    Participation,
    ParticipationRole,
    ParticipationStatus,
)
from members.access import may_use_portal
from members.models import Member
from sharing.models import SharingGroup
from sharing.selectors import scope
from spaces.models import (
    DOCUMENT_SPEC,
    NOTES_SPEC,
    POST_SPEC,
    ActionItem,
    ActionState,
    Document,
    DocumentVersion,
    Follow,
    FollowLevel,
    Post,
    PostReport,
    SessionNotes,
    Space,
    Thread,
)

# Staff see and moderate every space: those who may see initiatives' rosters.
SPACE_STAFF_PERMISSION = "initiatives.view_participation"


class Level(enum.IntEnum):
    """How far a person may go into a space."""

    NONE = 0
    PREVIEW = 1  # waitlisted: title and counts
    MEMBER = 2  # active participant: reads, posts, uploads
    MODERATOR = 3  # the lead, a co-lead, staff: also pin, lock, hide, record sessions and action items


@dataclasses.dataclass(frozen=True)
class SpaceAccess:
    initiative: Initiative
    level: Level
    member: Member | None
    user: Any = None
    # Read with the initiative by `space_access`: the space (None before its first use) and whether the member's
    # organisation is already in its audience group.
    space: Space | None = None
    organisation_in_audience: bool = False

    @property
    def may_read(self) -> bool:
        return self.level >= Level.MEMBER

    @property
    def may_moderate(self) -> bool:
        return self.level >= Level.MODERATOR


def _member(user: Any) -> Member | None:
    return getattr(user, "member", None) if user.is_authenticated else None


Standing = tuple[str, str] | None  # a participation's (status, role), or None without one


def access_level(*, user: Any, initiative: Initiative) -> Level:
    """The one answer: the account's standing first (suspended, left, pending: nothing), then staff, the lead,
    then the member's participation now (so a member who leaves loses access at once)."""

    def participation(member: Member) -> Standing:
        return Participation.objects.filter(member=member, initiative=initiative).values_list("status", "role").first()

    return _level(user=user, initiative=initiative, participation=participation)


def _level(*, user: Any, initiative: Initiative, participation: Callable[[Member], Standing]) -> Level:
    """`access_level`, with the member's participation read by `participation` (a query of its own, or the
    columns `space_access` read with the initiative)."""
    if not may_use_portal(user):
        return Level.NONE
    if user.has_perm(SPACE_STAFF_PERMISSION):
        return Level.MODERATOR
    if initiative.status == InitiativeStatus.DRAFT:
        return Level.NONE
    if initiative.lead_id is not None and initiative.lead_id == user.pk:
        return Level.MODERATOR
    member = _member(user)
    if member is None:
        return Level.NONE
    standing = participation(member)
    if standing is None:
        return Level.NONE
    status, role = standing
    if status == ParticipationStatus.ACTIVE:
        return Level.MODERATOR if role == ParticipationRole.CO_LEAD else Level.MEMBER
    if status == ParticipationStatus.WAITLISTED:
        return Level.PREVIEW
    return Level.NONE


def space_access(*, user: Any, slug: str, at_least: Level = Level.MEMBER) -> SpaceAccess:
    """The initiative and the viewer's level, or 404 when the level is below `at_least`: every view and API
    endpoint of this app starts here. One query: the initiative with its space and audience, the viewer's
    participation and whether their organisation is in the audience."""
    member = _member(user)
    initiatives = Initiative.objects.select_related("lead", "space__audience").filter(slug=slug)
    if member is not None:
        mine = Participation.objects.filter(initiative=OuterRef("pk"), member=member)
        initiatives = initiatives.annotate(
            viewer_status=Subquery(mine.values("status")[:1]), viewer_role=Subquery(mine.values("role")[:1])
        )
        if member.organisation_id is not None:
            in_audience = SharingGroup.organisations.through.objects.filter(
                sharinggroup_id=OuterRef("space__audience_id"), organisation_id=member.organisation_id
            )
            initiatives = initiatives.annotate(organisation_in_audience=Exists(in_audience))
    initiative = initiatives.first()
    if initiative is None:
        raise Http404

    def participation(_member: Member) -> Standing:
        status = getattr(initiative, "viewer_status", None)
        return (status, initiative.viewer_role) if status is not None else None  # type: ignore[attr-defined]

    level = _level(user=user, initiative=initiative, participation=participation)
    if level < at_least or level == Level.NONE:
        raise Http404
    return SpaceAccess(
        initiative=initiative,
        level=level,
        member=member,
        user=user,
        space=getattr(initiative, "space", None),
        organisation_in_audience=bool(getattr(initiative, "organisation_in_audience", False)),
    )


def visible_initiatives(*, user: Any) -> QuerySet[Initiative]:
    """The initiatives whose space `user` may at least preview (the list of "my spaces", search, the API)."""
    if not may_use_portal(user):
        return Initiative.objects.none()
    if user.has_perm(SPACE_STAFF_PERMISSION):
        return Initiative.objects.all()
    member = _member(user)
    mine = Participation.objects.filter(
        initiative=OuterRef("pk"),
        member=member,
        status__in=[ParticipationStatus.ACTIVE, ParticipationStatus.WAITLISTED],
    )
    return Initiative.objects.visible().filter(Q(lead=user.pk) | Exists(mine))


def readable_initiatives(*, user: Any) -> QuerySet[Initiative]:
    """The initiatives whose space `user` may read (not only preview)."""
    if not may_use_portal(user):
        return Initiative.objects.none()
    if user.has_perm(SPACE_STAFF_PERMISSION):
        return Initiative.objects.all()
    active = Participation.objects.filter(
        initiative=OuterRef("pk"), member=_member(user), status=ParticipationStatus.ACTIVE
    )
    return Initiative.objects.visible().filter(Q(lead=user.pk) | Exists(active))


def spaces_overview(*, user: Any) -> list[Initiative]:
    """Every space the viewer may enter or preview, with its counts (two queries whatever the number)."""
    threads = Thread.objects.filter(space__initiative=OuterRef("pk"))
    readable = readable_initiatives(user=user).filter(pk=OuterRef("pk"))
    return list(
        visible_initiatives(user=user)
        .annotate(
            active_count=Count("participations", filter=Q(participations__status=ParticipationStatus.ACTIVE)),
            may_read=Exists(readable),
            has_threads=Exists(threads),
        )
        .order_by("title")
    )


def space_counts(*, initiative: Initiative) -> dict[str, int]:
    """What a waitlisted member may see: counts only."""
    space = Space.objects.filter(initiative=initiative).first()
    return {
        "participants": Participation.objects.filter(initiative=initiative, status=ParticipationStatus.ACTIVE).count(),
        "threads": Thread.objects.filter(space=space).count() if space else 0,
        "documents": Document.objects.filter(space=space).count() if space else 0,
    }


def _readable_threads(*, space: Space, user: Any) -> QuerySet[Thread]:
    """The threads whose opening label the viewer may see, with their authors."""
    return scope(
        Thread.objects.filter(space=space).select_related("author__user", "author__organisation"),
        user=user,
        spec=POST_SPEC,
    )


def threads_of(*, space: Space, user: Any) -> QuerySet[Thread]:
    """The threads whose opening label the viewer may see, with their reply counts and authors (one query)."""
    return (
        _readable_threads(space=space, user=user)
        .annotate(post_count=Count("posts", filter=Q(posts__hidden_at__isnull=True)))
        .order_by("-pinned", "-last_post_at", "-id")
    )


def thread_for(*, space: Space, user: Any, pk: Any, counted: bool = False) -> Thread:
    """One thread the viewer may see; `counted` adds its reply count (`post_count`), which only the API shows: the
    pages would join every post of the thread for nothing."""
    threads = threads_of(space=space, user=user) if counted else _readable_threads(space=space, user=user)
    thread = threads.filter(pk=pk).first() if str(pk).isdigit() else None
    if thread is None:
        raise Http404
    return thread


def posts_of(*, thread: Thread, user: Any) -> QuerySet[Post]:
    """The posts of a thread the viewer may see, oldest first, with authors and open report counts (one query);
    hidden ones stay, and pages show them as hidden to all but moderators."""
    return scope(
        Post.objects.filter(thread=thread)
        .select_related("author__user", "author__organisation", "hidden_by")
        .annotate(open_reports=Count("reports", filter=Q(reports__resolved_at__isnull=True)))
        .order_by("created_at", "id"),
        user=user,
        spec=POST_SPEC,
    )


def post_for(*, space: Space, user: Any, pk: Any) -> Post:
    post = (
        scope(Post.objects.filter(thread__space=space).select_related("thread"), user=user, spec=POST_SPEC)
        .filter(pk=pk)
        .first()
        if str(pk).isdigit()
        else None
    )
    if post is None:
        raise Http404
    return post


def documents_of(*, space: Space, user: Any) -> QuerySet[Document]:
    """The documents the viewer may see, each with its latest version (two queries whatever the number)."""
    latest = DocumentVersion.objects.order_by("document_id", "-number")
    return scope(
        Document.objects.filter(space=space)
        .select_related("uploaded_by__user", "uploaded_by__organisation")
        .prefetch_related(Prefetch("versions", queryset=latest.select_related("uploaded_by__user")))
        .order_by("-updated_at", "-id"),
        user=user,
        spec=DOCUMENT_SPEC,
    )


def document_for(*, space: Space, user: Any, pk: Any) -> Document:
    document = documents_of(space=space, user=user).filter(pk=pk).first() if str(pk).isdigit() else None
    if document is None:
        raise Http404
    return document


def version_of(*, space: Space, user: Any, pk: Any, number: Any) -> DocumentVersion:
    """The version `number` of document `pk`, if the viewer may see the document (`documents_of` decides), with the
    document and its uploader's organisation (one query: what a download needs)."""
    if not (str(pk).isdigit() and str(number).isdigit()):
        raise Http404
    visible = documents_of(space=space, user=user).prefetch_related(None).filter(pk=pk).values("pk")
    version = (
        DocumentVersion.objects.filter(document__in=visible, number=number)
        .select_related("document__uploaded_by__user", "document__uploaded_by__organisation")
        .first()
    )
    if version is None:
        raise Http404
    return version


def sessions_of(*, initiative: Initiative, user: Any) -> list[InitiativeSession]:
    """The initiative's sessions, newest first, with their notes where the viewer may see them, their attendance
    count and their action items (three queries; one without sessions)."""
    sessions: list[InitiativeSession] = list(
        InitiativeSession.objects.filter(initiative=initiative)
        .annotate(attended=Count("attendances"))
        .prefetch_related(Prefetch("action_items", queryset=ActionItem.objects.select_related("owner__user")))
        .order_by("-starts_at")
    )
    if not sessions:
        return sessions
    notes = {
        row.session_id: row
        for row in scope(
            SessionNotes.objects.filter(session__initiative=initiative), user=user, spec=NOTES_SPEC
        ).select_related("updated_by")
    }
    for session in sessions:
        session.visible_notes = notes.get(session.pk)  # type: ignore[attr-defined]
    return sessions


def session_for(*, initiative: Initiative, pk: Any) -> InitiativeSession:
    session = InitiativeSession.objects.filter(initiative=initiative, pk=pk).first() if str(pk).isdigit() else None
    if session is None:
        raise Http404
    return session


def notes_for(*, session: InitiativeSession, user: Any) -> SessionNotes | None:
    return scope(SessionNotes.objects.filter(session=session), user=user, spec=NOTES_SPEC).first()


def action_items_of(*, space: Space) -> QuerySet[ActionItem]:
    return (
        ActionItem.objects.filter(space=space)
        .select_related("owner__user", "session")
        .order_by("state", "due_on", "id")
    )


def overdue_action_items(*, today: Any) -> QuerySet[ActionItem]:
    """Open items past their date whose owner has not been reminded yet."""
    return ActionItem.objects.filter(state=ActionState.OPEN, reminded_at__isnull=True, due_on__lt=today)


def follow_level(*, space: Space, member: Member | None) -> str:
    if member is None:
        return FollowLevel.MENTIONS
    level = Follow.objects.filter(space=space, member=member).values_list("level", flat=True).first()
    return level or FollowLevel.MENTIONS


def report_queue(*, user: Any) -> QuerySet[PostReport]:
    """Open reports of posts in the spaces the viewer moderates: staff see all, a lead or co-lead their own."""
    reports = PostReport.objects.filter(resolved_at__isnull=True).select_related(
        "post__thread__space__initiative", "post__author__user", "reporter__user"
    )
    if not may_use_portal(user):
        return reports.none()
    if user.has_perm(SPACE_STAFF_PERMISSION):
        return reports
    co_lead = Participation.objects.filter(
        initiative=OuterRef("post__thread__space__initiative"),
        member=_member(user),
        status=ParticipationStatus.ACTIVE,
        role=ParticipationRole.CO_LEAD,
    )
    return reports.filter(Q(post__thread__space__initiative__lead=user.pk) | Exists(co_lead))


def search(*, user: Any, query: str, limit: int = 50) -> list[Post]:
    """Posts matching `query` in the spaces the viewer may read, under labels the viewer may see, never hidden
    ones: PostgreSQL's full-text search there, a case-insensitive match elsewhere (SQLite)."""
    query = query.strip()
    if not query:
        return []
    posts = scope(
        Post.objects.filter(
            thread__space__initiative__in=readable_initiatives(user=user), hidden_at__isnull=True
        ).select_related("thread__space__initiative", "author__user"),
        user=user,
        spec=POST_SPEC,
    )
    # The thread's title is held to its own label too.
    posts = posts.filter(thread__in=scope(Thread.objects.all(), user=user, spec=POST_SPEC))
    if connection.vendor == "postgresql":
        vector = SearchVector("thread__title", weight="A") + SearchVector("body", weight="B")
        terms = SearchQuery(query, search_type="websearch")
        posts = (
            posts.annotate(document=vector, rank=SearchRank(vector, terms))
            .filter(document=terms)
            .order_by("-rank", "-created_at")
        )
    else:
        posts = posts.filter(Q(body__icontains=query) | Q(thread__title__icontains=query)).order_by("-created_at")
    return list(posts[:limit])
