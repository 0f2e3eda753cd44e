"""The member's e-mails of the ecosystem map. `suggestion_outcome_notify` lives here, not in services, because
the task that runs it is enqueued by the services: tasks → emails and services → tasks keep the imports
acyclic."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ecosystem.models import Suggestion, SuggestionStatus
from ecosystem.selectors import RED_FLAG_SHARING
from members.languages import in_language_of
from sharing.selectors import may_see


def suggestion_outcome_email_send(*, suggestion: Suggestion) -> None:
    """Tells the member whether their red-flag suggestion was accepted, with staff's response."""
    recipient = suggestion.member.user
    context = {
        "suggestion": suggestion,
        # A red flag tightened since the suggestion is neither quoted nor linked for a member who may not see it.
        "red_flag_visible": suggestion.red_flag is not None
        and may_see(user=recipient, obj=suggestion.red_flag, spec=RED_FLAG_SHARING),
        "url": settings.SITE_URL + reverse("ecosystem:suggestion", args=[suggestion.pk]),
    }
    with in_language_of(recipient):
        send_mail(
            subject=render_to_string("ecosystem/email/suggestion_outcome_subject.txt", context).strip(),
            message=render_to_string("ecosystem/email/suggestion_outcome.txt", context),
            from_email=None,
            recipient_list=[recipient.email],
        )


@transaction.atomic
def suggestion_outcome_notify(*, suggestion_id: int) -> bool:
    """E-mails the member the outcome of their suggestion, once: False if it was sent already or is undecided.

    The row stays locked while the e-mail goes out, so two workers never both send it; a failed send rolls
    the mark back and the task's retry sends it again."""
    locked = Suggestion.objects.select_for_update().get(pk=suggestion_id)
    if locked.outcome_emailed_at is not None or locked.status == SuggestionStatus.PENDING:
        return False
    suggestion_outcome_email_send(
        suggestion=Suggestion.objects.select_related("member__user", "red_flag", "stage").get(pk=suggestion_id)
    )
    locked.outcome_emailed_at = timezone.now()
    locked.save(update_fields=["outcome_emailed_at"])
    return True
