"""The leadership dashboards: a page of panels drawn in the browser from JSON, and each panel as CSV.

Only users with the dashboards permission (leadership, staff) get in; every refusal is logged.
"""

import csv
import logging
from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_countries.fields import Country

from analytics import panels
from analytics.services import digest_request
from core.permissions import DASHBOARD_PERMISSION
from core.spreadsheets import spreadsheet_cell
from engagement.scoring import scoring_rules
from members.models import Organisation, User
from personas.models import Persona, Sector

logger = logging.getLogger(__name__)
LONGEST_PERIOD = timedelta(days=3 * 366)

View = Callable[..., HttpResponse]


def dashboards_required(view: View) -> View:
    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.has_perm(DASHBOARD_PERMISSION):
            logger.warning("dashboards refused: user %s, %s %s", request.user.pk, request.method, request.path)
            raise PermissionDenied("The dashboards are for leadership and staff.")
        return view(request, *args, **kwargs)

    return guarded


class FilterForm(forms.Form):
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="From")
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="To")
    sector = forms.ChoiceField(required=False, choices=[("", "All sectors"), *Sector.choices])
    persona = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, choices=[("", "All personas")])
    country = forms.ChoiceField(required=False, choices=[("", "All countries")])

    def __init__(self, *args: Any, choices_from_database: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if choices_from_database:
            persona = cast(forms.TypedChoiceField, self.fields["persona"])
            country = cast(forms.ChoiceField, self.fields["country"])
            persona.choices = [("", "All personas"), *Persona.objects.order_by("name").values_list("id", "name")]
            codes = Organisation.objects.order_by().values_list("country", flat=True).distinct()
            country.choices = [
                ("", "All countries"),
                *sorted(((c, Country(c).name) for c in codes), key=lambda x: x[1]),
            ]
        else:
            # The JSON and CSV endpoints check the shape only: an unknown persona or country simply matches nothing.
            self.fields["persona"] = forms.IntegerField(required=False, min_value=1)
            self.fields["country"] = forms.RegexField(required=False, regex=r"^[A-Z]{2}$")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        default = panels.default_filters()
        start: date = cleaned.get("start") or default.start
        end: date = cleaned.get("end") or default.end
        if end < start:
            raise forms.ValidationError("The period must end on or after the day it starts.")
        if end - start > LONGEST_PERIOD:
            raise forms.ValidationError("Choose a period of at most three years.")
        cleaned["start"], cleaned["end"] = start, end
        return cleaned

    def filters(self) -> panels.Filters:
        data = self.cleaned_data
        return panels.Filters(
            start=data["start"],
            end=data["end"],
            sector=data.get("sector") or "",
            persona=data.get("persona"),
            country=data.get("country") or "",
        )


PANEL_HEADINGS = {
    "headline": "Headline numbers",
    "funnel": "Funnel: activation → engagement → collaboration",
    "active": "Weekly active members",
    "stages": "Members by lifecycle stage",
    "cohorts": "Join cohorts by months retained",
    "organisations": "Most engaged organisations",
    "collaboration": "Cross-sector collaboration",
    "participation": "Initiative participation",
    "campaigns": "Campaign results",
    "roadmap": "Roadmap progress by horizon",
}


@require_GET
@dashboards_required
def index(request: HttpRequest) -> HttpResponse:
    form = FilterForm(request.GET or None, choices_from_database=True)
    if request.GET and not form.is_valid():
        return render(request, "analytics/dashboards.html", {"form": form, "panels": [], "refresh": None}, status=400)
    query = request.GET.urlencode()
    refresh = panels.latest_refresh()
    return render(
        request,
        "analytics/dashboards.html",
        {"form": form, "panels": list(PANEL_HEADINGS.items()) if refresh else [], "query": query, "refresh": refresh},
    )


@dashboards_required
@require_GET
def methodology(request: HttpRequest) -> HttpResponse:
    """How these numbers are computed, in plain words, from the rules in force (two queries)."""
    return render(request, "analytics/methodology.html", {"rules": scoring_rules()})


def _panel_filters(request: HttpRequest, name: str) -> panels.Filters:
    if name not in panels.PANELS:
        raise Http404("No such panel.")
    form = FilterForm(request.GET)
    if not form.is_valid():
        raise _InvalidFilters(form)
    return form.filters()


class _InvalidFilters(Exception):
    def __init__(self, form: FilterForm) -> None:
        self.form = form


@require_GET
@dashboards_required
def panel_json(request: HttpRequest, name: str) -> HttpResponse:
    try:
        filters = _panel_filters(request, name)
    except _InvalidFilters as invalid:
        return JsonResponse({"errors": invalid.form.errors.get_json_data()}, status=400)
    return JsonResponse(panels.panel_data(name, filters))


@require_GET
@dashboards_required
def panel_csv(request: HttpRequest, name: str) -> HttpResponse:
    try:
        filters = _panel_filters(request, name)
    except _InvalidFilters as invalid:
        return HttpResponse(invalid.form.errors.as_text(), status=400, content_type="text/plain; charset=utf-8")
    data = panels.panel_data(name, filters)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="knoble-{name}-{filters.start}-{filters.end}.csv"'
    writer = csv.writer(response)
    writer.writerow(data["columns"])
    writer.writerows([spreadsheet_cell(cell) for cell in row] for row in data["rows"])
    return response


@require_POST
@dashboards_required
def digest_now(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # dashboards_required let only a signed-in user through
    digest_request(user=user)
    messages.success(request, f"The digest is on its way to {user.email}.")
    return redirect("dashboards:index")
