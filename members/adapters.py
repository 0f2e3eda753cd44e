from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from django import forms
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import render

from core.client_ip import client_ip
from members.services import member_register


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        """Every sign-up becomes a pending member in the same transaction as its user."""
        with transaction.atomic():
            user = super().save_user(request, user, form, commit=True)
            member_register(
                user=user, job_title=form.cleaned_data.get("job_title", ""), consent_wording=form.consent_wording()
            )
        return user

    def get_client_ip(self, request: HttpRequest) -> str:
        """The one rule for the client's address (trusted proxies only): login limits and the session list."""
        return client_ip(request) or super().get_client_ip(request)

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Too many failed logins answer 429 Too Many Requests, not a form error a script would retry."""
        try:
            super().pre_authenticate(request, **credentials)
        except forms.ValidationError as error:  # the one error it raises: the login_failed limit is hit
            raise ImmediateHttpResponse(render(request, "429.html", status=429)) from error
