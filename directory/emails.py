"""The directory's e-mail. An invitation is sent the campaign engine's way: claimed under a row lock, sent, marked
in the same transaction, so that two workers never send it twice and a failed send is retried."""

from django.conf import settings
from django.core.mail import send_mail
from django.core.signing import Signer
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from directory.models import Introduction, IntroductionStatus, Invitation, InvitationStatus
from directory.selectors import contact_details

LINK_SALT = "directory.invitation"


def invitation_token(invitation: Invitation) -> str:
    """The token of the invitation's link: its id and nonce, signed with the secret key (a changed byte fails)."""
    return Signer(salt=LINK_SALT).sign(f"{invitation.pk}.{invitation.nonce}")


def invitation_url(invitation: Invitation) -> str:
    return settings.SITE_URL + reverse("directory:join", args=[invitation_token(invitation)])


def invitation_send(*, invitation_id: int) -> bool:
    """Claims a queued invitation, sends it and marks it sent; anything else (sent, used, revoked) sends nothing."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("sponsor__user", "organisation")
            .filter(pk=invitation_id, status=InvitationStatus.QUEUED)
            .first()
        )
        if invitation is None:
            return False
        context = {"invitation": invitation, "url": invitation_url(invitation), "site_url": settings.SITE_URL}
        with override(settings.LANGUAGE_CODE):
            send_mail(
                subject=render_to_string("directory/email/invitation_subject.txt", context).strip(),
                message=render_to_string("directory/email/invitation.txt", context),
                from_email=None,
                recipient_list=[invitation.email],
            )
        invitation.status = InvitationStatus.SENT
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["status", "sent_at"])
    return True


def introduction_email_send(*, introduction_id: int) -> bool:
    """Tells the recipient of a request about it (never anyone's contact details), or the requester that it was
    accepted (with the contact details `selectors.contact_details` allows them). Anything else sends nothing."""
    introduction = (
        Introduction.objects.select_related(
            "requester__user", "requester__organisation", "recipient__user", "recipient__directory_profile"
        )
        .filter(pk=introduction_id)
        .first()
    )
    if introduction is None or introduction.status not in (IntroductionStatus.REQUESTED, IntroductionStatus.ACCEPTED):
        return False
    accepted = introduction.status == IntroductionStatus.ACCEPTED
    to = introduction.requester if accepted else introduction.recipient
    context = {
        "introduction": introduction,
        "contact": contact_details(introduction=introduction, member=introduction.requester) if accepted else None,
        "url": settings.SITE_URL + reverse("directory:introductions"),
    }
    template = "directory/email/introduction_accepted" if accepted else "directory/email/introduction_requested"
    with override(settings.LANGUAGE_CODE):
        send_mail(
            subject=render_to_string(f"{template}_subject.txt", context).strip(),
            message=render_to_string(f"{template}.txt", context),
            from_email=None,
            recipient_list=[to.user.email],
        )
    return True
