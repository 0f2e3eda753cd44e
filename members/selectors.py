from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from members import unread
from members.activity_subjects import subjects_prefetch
from members.models import Activity, ApiToken, Member, Notification, User


def member_for_user(*, user: AbstractBaseUser | AnonymousUser) -> Member | None:
    """The member profile of whoever is asking (a page's or the API's user); None for an account without one,
    and for an anonymous user (the API's schema generation has none), without a query."""
    if not user.is_authenticated:
        return None
    loaded = getattr(user, "_state", None)
    if loaded is not None and "member" in loaded.fields_cache:
        # The request's user (members.backends) came with its member and organisation: no second query.
        member = loaded.fields_cache["member"]
        if member is None or "organisation" in member._state.fields_cache:
            return member
    return Member.objects.select_related("user", "organisation").filter(user_id=user.pk).first()


def activity_for_member(*, member: Member) -> QuerySet[Activity]:
    """A member's own activity, newest first, with what each event was about (one query per kind of subject);
    never anyone else's."""
    return (
        Activity.objects.filter(member=member)
        .select_related("subject_type")
        .prefetch_related(subjects_prefetch())
        .order_by("-occurred_at", "-id")
    )


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """Never the digest: only what a person needs to tell their tokens apart."""
    return ApiToken.objects.filter(user=user).only(
        "id", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"
    )


def activities_visible_to(*, user: User) -> QuerySet[Activity]:
    """Staff read every member's activity; everyone else only their own."""
    activities = Activity.objects.select_related("subject_type")
    if user.has_perm("members.view_activity"):
        return activities
    return activities.filter(member__user_id=user.pk)


def latest_notifications(*, member: Member, limit: int = 5) -> list[Notification]:
    return list(Notification.objects.filter(member=member)[:limit])


def unread_notification_count(*, user: User) -> int:
    """From the cache (members.unread), which every write to the inbox refreshes; 0 for an account without a member."""
    member = member_for_user(user=user)
    return 0 if member is None else unread.count(member_id=member.pk)


def notifications_of(*, member: Member | None) -> QuerySet[Notification]:
    if member is None:
        return Notification.objects.none()
    return Notification.objects.filter(member=member).order_by("-created_at", "-id")
