"""The leadership dashboards: a page of panels drawn in the browser from JSON, and each panel as CSV.

Only users with the dashboards permission (leadership, staff) get in; every refusal is logged.
"""

import csv
import logging
from collections.abc import Callable
from contextlib import suppress
from datetime import date, timedelta
from functools import wraps
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
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
            raise PermissionDenied(_("The dashboards are for leadership and staff."))
        return view(request, *args, **kwargs)

    return guarded


class FilterForm(forms.Form):
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label=gettext_lazy("From"))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label=gettext_lazy("To"))
    sector = forms.ChoiceField(
        required=False, choices=[("", gettext_lazy("All sectors")), *Sector.choices], label=gettext_lazy("Sector")
    )
    persona = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", gettext_lazy("All personas"))],
        label=gettext_lazy("Persona"),
    )
    country = forms.ChoiceField(
        required=False, choices=[("", gettext_lazy("All countries"))], label=gettext_lazy("Country")
    )

    def __init__(self, *args: Any, choices_from_database: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if choices_from_database:
            persona = cast(forms.TypedChoiceField, self.fields["persona"])
            country = cast(forms.ChoiceField, self.fields["country"])
            persona.choices = [("", _("All personas")), *Persona.objects.order_by("name").values_list("id", "name")]
            codes = Organisation.objects.order_by().values_list("country", flat=True).distinct()
            country.choices = [
                ("", _("All countries")),
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
            raise forms.ValidationError(_("The period must end on or after the day it starts."))
        if end - start > LONGEST_PERIOD:
            raise forms.ValidationError(_("Choose a period of at most three years."))
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
    "headline": gettext_lazy("Headline numbers"),
    "funnel": gettext_lazy("Funnel: activation → engagement → collaboration"),
    "active": gettext_lazy("Weekly active members"),
    "stages": gettext_lazy("Members by lifecycle stage"),
    "cohorts": gettext_lazy("Join cohorts by months retained"),
    "organisations": gettext_lazy("Most engaged organisations"),
    "collaboration": gettext_lazy("Cross-sector collaboration"),
    "participation": gettext_lazy("Initiative participation"),
    "campaigns": gettext_lazy("Campaign results"),
    "roadmap": gettext_lazy("Roadmap progress by horizon"),
    "outcomes": gettext_lazy("Red-flag outcomes"),
    "knowledge": gettext_lazy("Knowledge library"),
    "coverage": gettext_lazy("Coverage against targets"),
    "sponsors": gettext_lazy("Sponsors and the members they bring"),
}

# The page's sections, in order, each with its panels (the headline numbers are the tiles above them).
SECTIONS = [
    ("members", gettext_lazy("Members"), ["funnel", "active", "stages", "cohorts", "organisations"]),
    ("initiatives", gettext_lazy("Initiatives and collaboration"), ["collaboration", "participation"]),
    ("campaigns", gettext_lazy("Campaigns"), ["campaigns"]),
    ("roadmap", gettext_lazy("Roadmap"), ["roadmap"]),
    ("outcomes", gettext_lazy("Red-flag outcomes"), ["outcomes"]),
    ("knowledge", gettext_lazy("Knowledge library"), ["knowledge"]),
    ("growth", gettext_lazy("Network growth"), ["coverage", "sponsors"]),
]


def _number(value: float | int | None) -> str:
    if value is None:
        return "–"
    # In the reader's notation: 1,234.5 in English, 1.234,5 in Spanish, 1 234,5 in French.
    if isinstance(value, float) and not value.is_integer():
        return number_format(value, decimal_pos=1, force_grouping=True)
    return number_format(int(value), force_grouping=True)


def _tiles(headline: dict[str, Any]) -> list[dict[str, Any]]:
    """Each headline figure as a tile: this period's value and its change against the previous period."""
    tiles = []
    for label, current, previous, difference in headline["rows"]:
        if difference is None:
            direction, change = "none", _("no earlier figure")
        elif difference > 0:
            direction, change = "up", _("up %(change)s") % {"change": _number(difference)}
        elif difference < 0:
            direction, change = "down", _("down %(change)s") % {"change": _number(-difference)}
        else:
            direction, change = "same", _("no change")
        tiles.append(
            {
                "label": label,
                "value": _number(current),
                "previous": _number(previous),
                "direction": direction,
                "change": change,
            }
        )
    return tiles


def _filled_in(query: Any) -> Any:
    """The query with the default period written into it, so the form and every link show the period used."""
    data = query.copy()
    default = panels.default_filters()
    if data.get("end") and not data.get("start"):
        with suppress(ValueError):  # a malformed end: the form says what is wrong with it
            default = panels.default_filters(date.fromisoformat(data["end"]))  # the 90 days up to it
    if not data.get("start"):
        data["start"] = default.start.isoformat()
    if not data.get("end"):
        data["end"] = default.end.isoformat()
    return data


@require_GET
@dashboards_required
def index(request: HttpRequest) -> HttpResponse:
    data = _filled_in(request.GET)
    form = FilterForm(data, choices_from_database=True)
    if not form.is_valid():
        return render(request, "analytics/dashboards.html", {"form": form, "sections": [], "refresh": None}, status=400)
    filters = form.filters()
    query = data.urlencode()
    refresh = panels.latest_refresh()
    context: dict[str, Any] = {"form": form, "filters": filters, "query": query, "refresh": refresh, "sections": []}
    if refresh is not None:
        figures = panels.panels_data_as_of(list(PANEL_HEADINGS), filters, refresh=refresh)
        context["headline"] = figures["headline"]
        context["tiles"] = _tiles(figures["headline"])
        context["sections"] = [
            {
                "slug": slug,
                "heading": heading,
                "panels": [{"name": name, "heading": PANEL_HEADINGS[name], "data": figures[name]} for name in names],
            }
            for slug, heading, names in SECTIONS
        ]
        context["charts"] = {name: data["chart"] for name, data in figures.items() if data["chart"] and data["rows"]}
    return render(request, "analytics/dashboards.html", context)


@dashboards_required
@require_GET
def methodology(request: HttpRequest) -> HttpResponse:
    """How these numbers are computed, in plain words, from the rules in force (two queries)."""
    return render(request, "analytics/methodology.html", {"rules": scoring_rules()})


def _panel_filters(request: HttpRequest, name: str) -> panels.Filters:
    if name not in panels.PANELS:
        raise Http404(_("No such panel."))
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
    messages.success(request, _("The digest is on its way to %(email)s.") % {"email": user.email})
    return redirect("dashboards:index")
