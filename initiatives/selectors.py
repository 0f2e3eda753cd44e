"""Reads of the initiatives app. Who may see whom is decided here, in one place."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from core.aggregates import joined_subquery, set_prefetched
from ecosystem.models import RedFlag, Stage
from ecosystem.selectors import visible_red_flags
from initiatives.models import (
    Attendance,
    CalendarFeed,
    EligibleSector,
    Initiative,
    InitiativeSession,
    InitiativeStatus,
    Participation,
    ParticipationStatus,
)
from members.access import may_use_portal
from members.models import Member, User
from personas.models import Sector

LIVE_STATUSES = [ParticipationStatus.ACTIVE, ParticipationStatus.WAITLISTED]


def _position_subquery() -> Subquery:
    """The waitlist position of the outer participation: waiting rows queued before it, plus one."""
    ahead = (
        Participation.objects.filter(initiative=OuterRef("initiative"), status=ParticipationStatus.WAITLISTED)
        .filter(
            Q(requested_at__lt=OuterRef("requested_at"))
            | Q(requested_at=OuterRef("requested_at"), id__lte=OuterRef("id"))
        )
        .order_by()
        .values("initiative")
        .annotate(position=Count("id"))
        .values("position")
    )
    return Subquery(ahead, output_field=IntegerField())


def with_waitlist_position(participations: QuerySet[Participation]) -> QuerySet[Participation]:
    """Annotates `position` (None unless waitlisted) in the same query, whatever the number of rows."""
    return participations.annotate(position=_position_subquery())


def _participants_with_status(status: ParticipationStatus) -> Coalesce:
    """The number of the outer initiative's participations in `status`. COUNT(*) rather than of ids, so that
    PostgreSQL counts from the participation_queue index alone (an index-only scan), never reading the rows."""
    counted = (
        Participation.objects.filter(initiative=OuterRef("pk"), status=status)
        .order_by()
        .values("initiative")
        .annotate(count=Count("*"))
        .values("count")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def initiatives_with_counts(member: Member | None) -> QuerySet[Initiative]:
    """Visible initiatives with their place counts and, for a member, their own participation, in one query
    (plus one for the eligible sectors of the whole page).

    The counts are subqueries rather than a join and GROUP BY, so that the paginator's count needs no
    participation row and PostgreSQL computes them for the rows of the page only."""
    queryset = (
        Initiative.objects.visible()
        .annotate(
            active_count=_participants_with_status(ParticipationStatus.ACTIVE),
            waitlist_count=_participants_with_status(ParticipationStatus.WAITLISTED),
        )
        .prefetch_related(Prefetch("eligible_sectors", queryset=EligibleSector.objects.order_by("sector")))
        .annotate(status_rank=_status_rank())
        .order_by("status_rank", F("starts_at").asc(nulls_last=True), "title", "id")
    )
    if member is not None:
        mine = Participation.objects.filter(initiative=OuterRef("pk"), member=member)
        queryset = queryset.annotate(my_status=Subquery(mine.values("status")[:1]))
    return queryset


def initiative_for_viewer(*, slug: str, user: User, with_links: bool = False) -> Initiative:
    """Raises Initiative.DoesNotExist for drafts unless the viewer is staff. One query: the place counts, the eligible
    sectors (joined, then set as if prefetched) and, with `with_links`, the roadmap item it was launched from."""
    queryset = (
        Initiative.objects.visible_to(user)
        .select_related("lead")
        .annotate(
            active_count=Count("participations", filter=Q(participations__status=ParticipationStatus.ACTIVE)),
            waitlist_count=Count("participations", filter=Q(participations__status=ParticipationStatus.WAITLISTED)),
            eligible_sector_codes=joined_subquery(
                EligibleSector.objects.filter(initiative=OuterRef("pk")), F("sector"), _SECTOR_SEPARATOR
            ),
        )
    )
    if with_links:
        queryset = queryset.select_related(
            "roadmap_item__opportunity", "roadmap_item__horizon", "roadmap_item__roadmap"
        )
    initiative = queryset.get(slug=slug)
    _set_eligible_sectors(initiative, initiative.eligible_sector_codes)  # type: ignore[attr-defined]
    return initiative


# No sector code holds a comma.
_SECTOR_SEPARATOR = ","


def _set_eligible_sectors(initiative: Initiative, codes: str | None) -> None:
    """`initiative.eligible_sectors.all()` from the joined codes, so that `is_open_to` and the page need no query."""
    rows = [EligibleSector(initiative=initiative, sector=code) for code in sorted((codes or "").split(",")) if code]
    set_prefetched(initiative, "eligible_sectors", rows)


@dataclass(frozen=True)
class MapLink:
    """A stage or red flag an initiative works on, as its page links to it."""

    pk: int
    title: str
    category_name: str
    category_slug: str


def ecosystem_links(*, initiative: Initiative, user: User) -> tuple[list[MapLink], list[MapLink]]:
    """The stages, then the red flags the viewer may see (published, under a label the viewer may see, as in the
    red-flag library), that the initiative works on: one query, a UNION of the two."""
    columns = ("kind", "link_id", "link_title", "link_category_name", "link_category_slug", "sort_a", "sort_b")
    stages = (
        Stage.objects.filter(initiatives=initiative)
        .order_by()
        .annotate(
            kind=Value(0),
            link_id=F("pk"),
            link_title=F("name"),
            link_category_name=F("category__name"),
            link_category_slug=F("category__slug"),
            sort_a=F("category__order"),
            sort_b=F("order"),
        )
        .values_list(*columns)
    )
    red_flags = (
        visible_red_flags(user=user)
        .filter(initiatives=initiative)
        .order_by()
        .annotate(
            kind=Value(1),
            link_id=F("pk"),
            link_title=F("indicator"),
            link_category_name=F("category__name"),
            link_category_slug=F("category__slug"),
            sort_a=Value(0),
            sort_b=F("pk"),
        )
        .values_list(*columns)
    )
    rows = sorted(stages.union(red_flags, all=True), key=lambda row: (row[0], row[5], row[6], row[1]))
    links: tuple[list[MapLink], list[MapLink]] = ([], [])
    for kind, pk, title, category_name, category_slug, _sort_a, _sort_b in rows:
        links[kind].append(MapLink(pk=pk, title=title, category_name=category_name, category_slug=category_slug))
    return links


def launched_by_roadmap_item(*, roadmap_id: int, user: User) -> dict[int, list[Initiative]]:
    """The initiatives the viewer may see that were launched from the roadmap's items, keyed by the item's
    opportunity (what a published revision's snapshot names its items by); one query."""
    launched: dict[int, list[Initiative]] = {}
    rows = (
        Initiative.objects.visible_to(user)
        .filter(roadmap_item__roadmap_id=roadmap_id)
        .annotate(opportunity_id=F("roadmap_item__opportunity_id"))
        .order_by("title", "id")
    )
    for initiative in rows:
        launched.setdefault(initiative.opportunity_id, []).append(initiative)  # type: ignore[attr-defined]
    return launched


def initiatives_working_on(
    *, user: User, stage: Stage | None = None, red_flag: RedFlag | None = None
) -> list[Initiative]:
    """The initiatives the viewer may see that point to this stage or red flag, what can be joined first."""
    queryset = Initiative.objects.visible_to(user)
    if stage is not None:
        queryset = queryset.filter(stages=stage)
    if red_flag is not None:
        queryset = queryset.filter(red_flags=red_flag)
    return list(queryset.order_by(_status_rank(), F("starts_at").asc(nulls_last=True), "title", "id"))


def _status_rank() -> Case:
    # What members can still join comes first, then what is closed, then what is over.
    return Case(
        When(status=InitiativeStatus.OPEN, then=Value(0)),
        When(status=InitiativeStatus.CLOSED, then=Value(1)),
        default=Value(2),
    )


def participation_of(*, member: Member | None, initiative: Initiative) -> Participation | None:
    if member is None:
        return None
    return with_waitlist_position(Participation.objects.filter(member=member, initiative=initiative)).first()


def participation_and_co_participants(
    *, member: Member | None, initiative: Initiative
) -> tuple[Participation | None, list[Participation]]:
    """My participation (with my waitlist position) and, only if I take part too, the names and organisations of
    those taking part (others see counts): one query for both, which reads the others' rows only when mine is
    active (most visitors of an initiative do not take part in it)."""
    if member is None:
        return None, []
    i_take_part = Exists(
        Participation.objects.filter(initiative=initiative, member=member, status=ParticipationStatus.ACTIVE)
    )
    rows = list(
        with_waitlist_position(
            Participation.objects.filter(initiative=initiative).filter(
                Q(member=member) | Q(i_take_part, status=ParticipationStatus.ACTIVE)
            )
        )
        .select_related("member__user", "member__organisation")
        .order_by("member__user__last_name", "member__user__first_name", "id")
    )
    mine = next((row for row in rows if row.member_id == member.pk), None)
    if mine is None or mine.status != ParticipationStatus.ACTIVE:
        return mine, []
    return mine, [row for row in rows if row.status == ParticipationStatus.ACTIVE]


def my_participations(*, member: Member) -> list[Participation]:
    """What I take part in or wait for, soonest first; finished and cancelled initiatives drop off."""
    return list(
        with_waitlist_position(
            Participation.objects.filter(member=member, status__in=LIVE_STATUSES)
            .exclude(initiative__status__in=[InitiativeStatus.COMPLETED, InitiativeStatus.CANCELLED])
            .select_related("initiative")
        ).order_by(F("initiative__starts_at").asc(nulls_last=True), "id")
    )


def calendar_initiatives(*, member: Member) -> QuerySet[Initiative]:
    """The dated initiatives I take part in or wait for: the feed of "all my initiatives"."""
    return Initiative.objects.visible().filter(
        starts_at__isnull=False,
        participations__member=member,
        participations__status__in=LIVE_STATUSES,
    )


def calendar_feed_for_secret(*, secret: str) -> CalendarFeed | None:
    """The feed that a secret opens, with its member, while the member could still download the same calendar
    signed in: approved, with an active account and portal access. None for anything else, alike.

    Looked up by the digest, through the unique index: the secret itself is never compared, so the time an
    answer takes tells nothing about how close a guess came.
    """
    feed = (
        CalendarFeed.objects.select_related("member__user")
        .filter(digest=CalendarFeed.digest_of(secret), member__status=Member.Status.APPROVED)
        .first()
    )
    if feed is None or not may_use_portal(feed.member.user):
        return None
    return feed


def calendar_feed_of(*, member: Member) -> CalendarFeed | None:
    """Never the digest: only when the feed was made and last read, for the member's own page."""
    return CalendarFeed.objects.filter(member=member).only("id", "member_id", "created_at", "last_fetched_at").first()


@dataclass(frozen=True)
class Recommendation:
    initiative: Initiative
    reason: str


def recommendations(*, member: Member, limit: int = 4) -> list[Recommendation]:
    """Initiatives open now that I may join and have not: those aimed at my persona first, then those meant
    for my sector, then the rest; each with the reason in words."""
    now = timezone.now()
    sector = member.organisation.sector if member.organisation else ""
    aimed_at_me = Initiative.target_personas.through.objects.filter(initiative=OuterRef("pk"), persona__members=member)
    candidates = (
        Initiative.objects.signup_open_at(now)
        .eligible_for_sector(sector)
        .exclude(
            Exists(Participation.objects.filter(initiative=OuterRef("pk"), member=member, status__in=LIVE_STATUSES))
        )
        .annotate(
            for_persona=Exists(aimed_at_me),
            # In the same query: the member row comes without its persona, and most members have one.
            persona_name=Subquery(aimed_at_me.values("persona__name")[:1]),
            for_sector=Exists(EligibleSector.objects.filter(initiative=OuterRef("pk"), sector=sector)),
            active_count=_participants_with_status(ParticipationStatus.ACTIVE),
        )
        .annotate(
            is_full=Case(
                When(capacity__isnull=False, active_count__gte=F("capacity"), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        # Those with places first: a full one can only put me on its waitlist.
        .order_by("is_full", "-for_persona", "-for_sector", "signup_closes_at", "starts_at", "title")[:limit]
    )
    sector_label = Sector(sector).label if sector else ""
    result = []
    for initiative in candidates:
        if initiative.for_persona:  # type: ignore[attr-defined]
            persona = initiative.persona_name  # type: ignore[attr-defined]
            reason = _("Aimed at your persona, %(persona)s.") % {"persona": persona}
        elif initiative.for_sector:  # type: ignore[attr-defined]
            reason = _("Meant for members in %(sector)s, like you.") % {"sector": sector_label.lower()}
        else:
            reason = _("Open to every sector and taking sign-ups now.")
        result.append(Recommendation(initiative=initiative, reason=reason))
    return result


@dataclass(frozen=True)
class OnboardingStep:
    label: str
    done: bool
    url_name: str


def onboarding_checklist(*, member: Member, has_joined: bool) -> list[OnboardingStep]:
    user = member.user
    return [
        OnboardingStep(
            _("Complete your profile (name and job title)"),
            bool(user.first_name and user.last_name and member.job_title),
            "members:profile",
        ),
        OnboardingStep(_("Choose the persona that fits your work"), member.persona_id is not None, "members:profile"),
        OnboardingStep(_("Join your first initiative"), has_joined, "initiatives:list"),
    ]


def has_ever_joined(*, member: Member) -> bool:
    return Participation.objects.filter(member=member, joined_at__isnull=False).exists()


def roster(*, initiative: Initiative) -> list[Participation]:
    """Staff view: everyone taking part or waiting, with their waitlist position."""
    return list(
        with_waitlist_position(
            Participation.objects.filter(initiative=initiative, status__in=LIVE_STATUSES).select_related(
                "member__user", "member__organisation"
            )
        ).order_by("status", "requested_at", "id")
    )


SESSIONS_SHOWN = 6


@dataclass(frozen=True)
class AttendanceSheet:
    """The latest sessions that have begun (oldest first, as columns) and who attended each, for the roster."""

    sessions: list[InitiativeSession]
    attended: set[tuple[int, int]]  # (session id, member id)
    upcoming: list[InitiativeSession]


def attendance_sheet(*, initiative: Initiative, now: datetime) -> AttendanceSheet:
    """Three queries whatever the number of participants: past sessions, their attendance, upcoming sessions."""
    sessions = InitiativeSession.objects.filter(initiative=initiative)
    past = list(sessions.filter(starts_at__lte=now).order_by("-starts_at")[:SESSIONS_SHOWN])
    attended = set(
        Attendance.objects.filter(session__in=[session.pk for session in past]).values_list("session_id", "member_id")
    )
    upcoming = list(sessions.filter(starts_at__gt=now).order_by("starts_at")[:SESSIONS_SHOWN])
    return AttendanceSheet(sessions=past[::-1], attended=attended, upcoming=upcoming)


def sector_mix(*, initiative: Initiative) -> list[tuple[str, int]]:
    """How many of those taking part come from each sector, largest first."""
    rows = (
        Participation.objects.filter(initiative=initiative, status=ParticipationStatus.ACTIVE)
        .values("member__organisation__sector")
        .annotate(count=Count("id"))
        .order_by("-count", "member__organisation__sector")
    )
    return [(str(Sector(row["member__organisation__sector"]).label), row["count"]) for row in rows]


def initiatives_visible_to(*, user: User, member: Member | None) -> QuerySet[Initiative]:
    """The API's initiatives: drafts only for staff; place counts, sectors and the caller's own status in one
    query (plus one for the sectors of the whole page)."""
    queryset = (
        Initiative.objects.all() if user.has_perm("initiatives.view_initiative") else Initiative.objects.visible()
    )
    queryset = queryset.annotate(
        active_count=Count("participations", filter=Q(participations__status=ParticipationStatus.ACTIVE)),
        waitlist_count=Count("participations", filter=Q(participations__status=ParticipationStatus.WAITLISTED)),
    ).prefetch_related(Prefetch("eligible_sectors", queryset=EligibleSector.objects.order_by("sector")))
    mine = Participation.objects.filter(initiative=OuterRef("pk"), member=member)
    return queryset.annotate(my_status=Subquery(mine.values("status")[:1]))


def participations_of(*, member: Member | None) -> QuerySet[Participation]:
    """Every participation of the member, with the waitlist position, newest request first."""
    if member is None:
        return Participation.objects.none()
    return with_waitlist_position(
        Participation.objects.filter(member=member).select_related("initiative").order_by("-requested_at", "-id")
    )
