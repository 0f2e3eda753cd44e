from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from ecosystem.models import Suggestion


def suggestion_outcome_email_send(*, suggestion: Suggestion) -> None:
    """Tells the member whether their red-flag suggestion was accepted, with staff's response."""
    context = {
        "suggestion": suggestion,
        "url": settings.SITE_URL + reverse("ecosystem:suggestion", args=[suggestion.pk]),
    }
    send_mail(
        subject=render_to_string("ecosystem/email/suggestion_outcome_subject.txt", context).strip(),
        message=render_to_string("ecosystem/email/suggestion_outcome.txt", context),
        from_email=None,
        recipient_list=[suggestion.member.user.email],
    )
