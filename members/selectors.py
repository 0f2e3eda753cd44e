from django.db.models import QuerySet

from members.models import Activity, Member, User


def member_for_user(*, user: User) -> Member | None:
    return Member.objects.select_related("user", "organisation").filter(user=user).first()


def activity_for_member(*, member: Member) -> QuerySet[Activity]:
    """A member's own activity, newest first; never anyone else's."""
    return Activity.objects.filter(member=member).select_related("subject_type").order_by("-occurred_at", "-id")
