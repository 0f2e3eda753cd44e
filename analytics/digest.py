"""The weekly digest of headline numbers for leadership, and "send me this now"."""

from datetime import UTC, timedelta

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.mail import send_mail
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from analytics.panels.base import Filters
from analytics.panels.headline import headline
from members.languages import in_language_of
from members.models import User


def digest_recipients() -> QuerySet[User]:
    """Active users who may see the dashboards: leadership (and staff, who hold every members permission)."""
    permission = Permission.objects.get(content_type__app_label="members", codename="view_dashboards")
    return (
        User.objects.filter(is_active=True)
        .filter(Q(groups__permissions=permission) | Q(user_permissions=permission) | Q(is_superuser=True))
        .select_related("member")  # the recipient's language (members.languages)
        .distinct()
        .order_by("pk")
    )


def digest_send(*, user: User) -> None:
    """The last seven days against the seven before, by e-mail."""
    today = timezone.now().astimezone(UTC).date()
    filters = Filters(start=today - timedelta(days=7), end=today - timedelta(days=1))
    context = {
        "user": user,
        "panel": headline(filters),
        "url": settings.SITE_URL.rstrip("/") + reverse("dashboards:index"),
    }
    with in_language_of(user):
        send_mail(
            subject=render_to_string("analytics/email/digest_subject.txt", context).strip(),
            message=render_to_string("analytics/email/digest.txt", context),
            html_message=render_to_string("analytics/email/digest.html", context),
            from_email=None,
            recipient_list=[user.email],
        )
