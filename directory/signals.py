"""A sign-up that came through an invitation link is linked to its invitation (the sponsor is named); the person
stays pending until staff approve them, like every other sign-up."""

from typing import Any

from allauth.account.signals import user_signed_up
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.dispatch import receiver

from directory.services import invitation_accept

SESSION_KEY = "directory_invitation"


@receiver(user_signed_up)
def link_invitation(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    token = request.session.pop(SESSION_KEY, None) if request is not None else None
    if not token:
        return
    try:
        invitation_accept(token=token, member=user.member)
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
