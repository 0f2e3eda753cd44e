from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from members.models import Member, Verb
from members.services import record_activity


@receiver(user_logged_in)
def record_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    member = Member.objects.filter(user=user).first()
    if member is not None:
        record_activity(member=member, verb=Verb.LOGGED_IN)
