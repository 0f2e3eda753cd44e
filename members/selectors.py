from django.db.models import QuerySet

from members.models import Activity, ApiToken, Member, User


def member_for_user(*, user: User) -> Member | None:
    return Member.objects.select_related("user", "organisation").filter(user=user).first()


def activity_for_member(*, member: Member) -> QuerySet[Activity]:
    """A member's own activity, newest first; never anyone else's."""
    return Activity.objects.filter(member=member).select_related("subject_type").order_by("-occurred_at", "-id")


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """Never the digest: only what a person needs to tell their tokens apart."""
    return ApiToken.objects.filter(user=user).only(
        "id", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"
    )
