from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from members.languages import in_language_of
from members.models import Member


def membership_decision_email_send(*, member: Member) -> None:
    """Tells the person the outcome of their membership application, whichever it was."""
    context = {"member": member, "site_url": settings.SITE_URL}
    template = "members/email/approved" if member.is_approved else "members/email/rejected"
    with in_language_of(member.user):
        send_mail(
            subject=render_to_string(f"{template}_subject.txt", context).strip(),
            message=render_to_string(f"{template}.txt", context),
            from_email=None,
            recipient_list=[member.user.email],
        )


def membership_status_email_send(*, member: Member) -> None:
    """Tells the person their membership was suspended, reinstated or ended. Never the reason: staff write it
    for the history, and it may name what must not reach the person."""
    context = {"member": member, "site_url": settings.SITE_URL}
    template = f"members/email/status_{member.status}"
    with in_language_of(member.user):
        send_mail(
            subject=render_to_string(f"{template}_subject.txt", context).strip(),
            message=render_to_string(f"{template}.txt", context),
            from_email=None,
            recipient_list=[member.user.email],
        )
