from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from django import forms
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import render
from django.utils import translation

from core.client_ip import client_ip
from members.languages import in_language_of, supported
from members.models import User
from members.services import member_register


def signup_language() -> str:
    """The language the person signs up in (the page's: the switcher's or the browser's) when the portal is
    translated into it; empty for English, which stays "the browser's, else English"."""
    language = supported(translation.get_language())
    return language if language and language != supported(settings.LANGUAGE_CODE) else ""


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        """Every sign-up becomes a pending member in the same transaction as its user."""
        with transaction.atomic():
            user = super().save_user(request, user, form, commit=True)
            member_register(
                user=user,
                job_title=form.cleaned_data.get("job_title", ""),
                consent_wording=form.consent_wording(),
                language=signup_language(),
            )
        return user

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """allauth's e-mails (verification, password reset, security notices) in the recipient's language: their
        profile's, else the page's they asked from (the person asking is the recipient), else English."""
        user = context.get("user")
        if not isinstance(user, User):
            user = User.objects.select_related("member").filter(email__iexact=email).first()
        with in_language_of(user, fallback=translation.get_language()):
            super().send_mail(template_prefix, email, context)

    def get_client_ip(self, request: HttpRequest) -> str:
        """The one rule for the client's address (trusted proxies only): login limits and the session list."""
        return client_ip(request) or super().get_client_ip(request)

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Too many failed logins answer 429 Too Many Requests, not a form error a script would retry."""
        try:
            super().pre_authenticate(request, **credentials)
        except forms.ValidationError as error:  # the one error it raises: the login_failed limit is hit
            raise ImmediateHttpResponse(render(request, "429.html", status=429)) from error
