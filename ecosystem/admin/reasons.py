"""The intermediate page where staff give the text an action needs (a reason, a response) before it runs."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from sharing.models import Label

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as StrPromise

KEEP_LABEL = ""


class TextForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "cols": 80}))


class PublishForm(TextForm):
    """Publishing: the reason, and the TLP label staff publish under (issue 19: staff choose on publish)."""

    label = forms.ChoiceField(
        label=_("Publish under the label"),
        choices=[(KEEP_LABEL, _("Keep each one's current label")), *Label.choices],
        initial=Label.GREEN,
        required=False,
        help_text=_("TLP:GREEN: every approved member. A change of label is kept in its history with the reason."),
    )

    def clean_label(self) -> Label | None:
        value = self.cleaned_data["label"]
        return Label(value) if value else None


def ask_for_text(
    modeladmin: admin.ModelAdmin[Any],
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    title: str,
    label: "str | StrPromise",
    required: bool,
    apply: Callable[..., object],
    form_class: type[TextForm] = TextForm,
) -> HttpResponse | None:
    """An admin action's intermediate page asking for one text (a reason, a response), then applying it
    to each selected object; None returns to the list. A `form_class` with more fields passes them to `apply`
    as keyword arguments."""
    form = form_class(request.POST if "apply" in request.POST else None)
    form.fields["text"].label = label
    form.fields["text"].required = required
    if form.is_bound and form.is_valid():
        done = 0
        for obj in queryset:
            try:
                extra = {name: value for name, value in form.cleaned_data.items() if name != "text"}
                apply(obj, form.cleaned_data["text"], **extra)
                done += 1
            except ValidationError as error:
                modeladmin.message_user(request, f"{obj}: {' '.join(error.messages)}", messages.ERROR)
        if done:
            modeladmin.message_user(
                request, _("%(value)s: done for %(done)s.") % {"value": title, "done": done}, messages.SUCCESS
            )
        return None
    return TemplateResponse(
        request,
        "admin/ecosystem/action_text.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "queryset": queryset,
            "form": form,
            "action": request.POST.get("action", ""),
            "opts": modeladmin.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        },
    )
