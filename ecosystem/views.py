"""The ecosystem map in the portal. Members only: every view needs the portal permission."""

from collections.abc import Iterable
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecosystem.csv_io import write_red_flags_csv
from ecosystem.diagram import layout
from ecosystem.filters import IndicatorSetFilter, RedFlagFilter
from ecosystem.forms import RATING_CHOICES, RatingForm, SuggestionForm
from ecosystem.models import CategoryStatus, ObservingSector, RedFlag, ReviewState, Stage, TraffickingCategory
from ecosystem.selectors import (
    INDICATOR_SET_SHARING,
    RED_FLAG_SHARING,
    SUGGESTION_SHARING,
    categories_for_catalogue,
    category_parts,
    compare_maps,
    for_the_library,
    indicator_sets_for,
    indicator_sets_in_stage,
    published_red_flags,
    ratings_by_member,
    red_flag_counts,
    suggestions_visible_to,
    visible_indicator_sets,
    visible_red_flags,
    with_observers,
)
from ecosystem.services import red_flag_rate, red_flag_viewed, suggestion_submit
from members.access import portal_member_required
from members.models import Member, User
from members.selectors import member_for_user
from sharing.forms import LabelChangeForm
from sharing.models import Channel, Label, label_line, tightest
from sharing.selectors import Labelled
from sharing.services import access_record, label_change

PAGE_SIZE = 25
PRINT_LIMIT = 500


def _user(request: HttpRequest) -> User:
    """The signed-in user: every view here is behind `portal_member_required`."""
    return cast(User, request.user)


def _member(request: HttpRequest) -> Member | None:
    return member_for_user(user=_user(request))


def _with_my_ratings(request: HttpRequest, red_flags: Iterable[RedFlag], member: Member | None = None) -> None:
    """Sets `my_rating` on each red flag: the signed-in member's own rating, or None (one query)."""
    red_flags = list(red_flags)
    mine = ratings_by_member(member=member or _member(request), red_flags=red_flags)
    for red_flag in red_flags:
        red_flag.my_rating = mine.get(red_flag.pk)  # type: ignore[attr-defined]


def _require_member(request: HttpRequest) -> Member:
    member = _member(request)
    if member is None or not member.is_approved:
        raise PermissionDenied(_("Only members of a member organisation can rate red flags and make suggestions."))
    return member


@portal_member_required
def catalogue(request: HttpRequest) -> HttpResponse:
    categories = list(categories_for_catalogue(user=_user(request)))
    mapped = [category for category in categories if category.status == CategoryStatus.MAPPED]
    # Grouped by the state of their maps, mapped ones first: what a member can open comes before what waits.
    groups = [
        {"status": status, "label": status.label, "categories": [c for c in categories if c.status == status]}
        for status in (CategoryStatus.MAPPED, CategoryStatus.IN_PROGRESS, CategoryStatus.NOT_STARTED)
    ]
    return render(
        request,
        "ecosystem/catalogue.html",
        {
            "categories": categories,
            "groups": [group for group in groups if group["categories"]],
            "mapped_count": len(mapped),
            "in_progress_count": sum(category.status == CategoryStatus.IN_PROGRESS for category in categories),
        },
    )


@portal_member_required
def compare(request: HttpRequest) -> HttpResponse:
    """Two categories side by side: the actors and flow patterns they share, and the shared patterns' red flags."""
    categories = list(TraffickingCategory.objects.filter(stages__isnull=False).distinct().order_by("order", "name"))
    by_slug = {category.slug: category for category in categories}
    first, second = by_slug.get(request.GET.get("a", "")), by_slug.get(request.GET.get("b", ""))
    comparison = None
    if first is not None and second is not None and first != second:
        comparison = compare_maps(first=first, second=second, user=_user(request))
        shown = [
            flag
            for row in comparison["shared_patterns"]
            for side in ("first", "second")
            for _flow, flags in row[side]
            for flag in flags
        ]
        access_record(user=_user(request), objects=shown, spec=RED_FLAG_SHARING, channel=Channel.LIST)
    return render(
        request,
        "ecosystem/compare.html",
        {"categories": categories, "first": first, "second": second, "comparison": comparison},
    )


def _selection(request: HttpRequest) -> tuple[str, int] | None:
    """The stage, actor or flow chosen on the map (?stage=, ?actor= or ?flow=), if any."""
    for kind in ("stage", "actor", "flow"):
        value = request.GET.get(kind, "")
        if value.isdigit():
            return kind, int(value)
    return None


@portal_member_required
def category_map(request: HttpRequest, slug: str) -> HttpResponse:
    category = get_object_or_404(TraffickingCategory, slug=slug)
    stages, actors, flows = category_parts(category=category)
    selection = _selection(request)
    selected: Any = None
    if selection is not None:
        kind, pk = selection
        parts: dict[str, list[Any]] = {"stage": stages, "actor": actors, "flow": flows}
        selected = next((part for part in parts[kind] if part.pk == pk), None)
        if selected is None:
            raise Http404(_("This map has no %(kind)s %(value)s.") % {"kind": kind, "value": pk})
    sector = request.GET.get("sector", "")
    if sector not in ObservingSector.values:
        sector = ""
    red_flags: list[RedFlag] = []
    if selection is not None:
        kind, pk = selection
        queryset = published_red_flags(user=_user(request)).filter(category=category)
        if kind == "stage":
            queryset = queryset.in_stage(pk)
        elif kind == "actor":
            queryset = queryset.about_actor(pk)
        else:
            queryset = queryset.filter(flow_id=pk)
        if sector:
            queryset = queryset.filter(observers__sector=sector)
        red_flags = list(queryset)
        _with_my_ratings(request, red_flags)
        access_record(user=_user(request), objects=red_flags, spec=RED_FLAG_SHARING, channel=Channel.LIST)
    stage_indicator_sets: list[Any] = []
    if selection is not None and selection[0] == "stage":
        stage_indicator_sets = list(indicator_sets_in_stage(user=_user(request), stage_id=selection[1]))
        access_record(
            user=_user(request), objects=stage_indicator_sets, spec=INDICATOR_SET_SHARING, channel=Channel.LIST
        )
    diagram = layout(
        stages=stages,
        actors=actors,
        flows=flows,
        counts=red_flag_counts(category=category, user=_user(request)),
        selected=selection,
    )
    library_query = {"category": category.slug}
    if selection is not None and selection[0] == "stage":
        library_query["stage"] = str(selection[1])
    if sector:
        library_query["sector"] = sector
    return render(
        request,
        "ecosystem/map.html",
        {
            "category": category,
            "stages": stages,
            "actors": actors,
            "flows": flows,
            "diagram": diagram,
            "selection": selection,
            "selected": selected,
            "sector": sector,
            "sectors": ObservingSector.choices,
            "red_flags": red_flags,
            "rating_choices": RATING_CHOICES,
            "library_query": urlencode(library_query),
            "suggest_stage": selection[1] if selection and selection[0] == "stage" else None,
            "stage_indicator_sets": stage_indicator_sets,
        },
    )


def _filtered(request: HttpRequest) -> RedFlagFilter:
    return RedFlagFilter(request.GET or None, queryset=published_red_flags(user=_user(request)))


def _filter_query(request: HttpRequest) -> str:
    return urlencode([(key, value) for key, value in request.GET.items() if key != "page" and value])


@portal_member_required
def library(request: HttpRequest) -> HttpResponse:
    filterset = _filtered(request)
    rows = for_the_library(filterset.qs, member=_member(request))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    with_observers(page.object_list)
    access_record(user=_user(request), objects=page.object_list, spec=RED_FLAG_SHARING, channel=Channel.LIST)
    return render(
        request,
        "ecosystem/library.html",
        {
            "filter": filterset,
            "page": page,
            "query": _filter_query(request),
            "rating_choices": RATING_CHOICES,
        },
    )


@portal_member_required
def library_csv(request: HttpRequest) -> HttpResponse:
    red_flags = list(_filtered(request).qs)
    access_record(user=_user(request), objects=red_flags, spec=RED_FLAG_SHARING, channel=Channel.CSV)
    # The label of the export, its narrowest row's, heads and ends the file, outside the CSV's columns.
    line = label_line(tightest(red_flag.label for red_flag in red_flags))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="knoble-red-flags-{timezone.localdate():%Y-%m-%d}.csv"'
    response.write(f"# {line}\r\n")
    write_red_flags_csv(red_flags, response)
    response.write(f"# {line}\r\n")
    return response


def _chosen(filterset: RedFlagFilter) -> list[tuple[str, str]]:
    """The filters applied, each value as its choice's label (a stage's name, not its id), for the printed header."""
    form = filterset.form
    if not (form.is_bound and form.is_valid()):
        return []
    shown = []
    for name, value in form.cleaned_data.items():
        if value:
            labels = dict(getattr(form.fields[name], "choices", None) or [])
            shown.append((name, str(labels.get(value, value))))
    return shown


@portal_member_required
def library_print(request: HttpRequest) -> HttpResponse:
    filterset = _filtered(request)
    red_flags = list(filterset.qs[: PRINT_LIMIT + 1])
    access_record(user=_user(request), objects=red_flags[:PRINT_LIMIT], spec=RED_FLAG_SHARING, channel=Channel.PRINT)
    return render(
        request,
        "ecosystem/library_print.html",
        {
            "filter": filterset,
            "red_flags": red_flags[:PRINT_LIMIT],
            "truncated": len(red_flags) > PRINT_LIMIT,
            "print_limit": PRINT_LIMIT,
            "query": _filter_query(request),
            "printed_at": timezone.now(),
            "chosen": _chosen(filterset),
            "label": tightest(red_flag.label for red_flag in red_flags[:PRINT_LIMIT]),
        },
    )


@portal_member_required
def red_flag_detail(request: HttpRequest, pk: int) -> HttpResponse:
    red_flag = get_object_or_404(published_red_flags(user=_user(request)), pk=pk)
    _with_my_ratings(request, [red_flag])
    access_record(user=_user(request), objects=[red_flag], spec=RED_FLAG_SHARING, channel=Channel.PAGE)
    member = member_for_user(user=request.user)
    if member is not None:
        red_flag_viewed(member=member, red_flag=red_flag)
    return render(
        request,
        "ecosystem/red_flag.html",
        {
            "red_flag": red_flag,
            "rating_choices": RATING_CHOICES,
            "revisions": red_flag.revisions.filter(review_state=ReviewState.PUBLISHED).order_by("-number"),
            "label_form": LabelChangeForm(initial={"label": red_flag.label}),
        },
    )


@portal_member_required
@require_POST
def red_flag_rate_view(request: HttpRequest, pk: int) -> HttpResponse:
    member = _require_member(request)
    red_flag = get_object_or_404(visible_red_flags(user=_user(request)), pk=pk)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            red_flag_rate(member=member, red_flag=red_flag, usefulness=form.cleaned_data["usefulness"])
        except ValidationError as error:
            form.add_error(None, error)
    if request.htmx:  # type: ignore[attr-defined]
        rated = published_red_flags(user=_user(request)).get(pk=pk)
        _with_my_ratings(request, [rated], member=member)
        return render(
            request,
            "ecosystem/_rating.html",
            {
                "red_flag": rated,
                "rating_choices": RATING_CHOICES,
                "rating_form": form,
                "just_rated": form.is_valid() and not form.errors,
            },
        )
    if form.errors:
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
    else:
        messages.success(request, _("Thank you: your rating is saved."))
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("ecosystem:red_flag", pk=pk)


@portal_member_required
@require_http_methods(["GET", "POST"])
def suggest(request: HttpRequest) -> HttpResponse:
    member = _require_member(request)
    initial: dict[str, Any] = {"kind": "new"}
    if (stage_id := request.GET.get("stage", "")).isdigit():
        initial["stage"] = Stage.objects.filter(pk=int(stage_id)).first()
    if (red_flag_id := request.GET.get("red_flag", "")).isdigit():
        initial.update(
            kind="change", red_flag=visible_red_flags(user=_user(request)).filter(pk=int(red_flag_id)).first()
        )
    form = SuggestionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            suggestion = suggestion_submit(
                member=member,
                kind=data["kind"],
                text=data["text"],
                evidence=data["evidence"],
                stage=data["stage"],
                red_flag=data["red_flag"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Thank you: Knoble staff will review your suggestion and tell you the outcome.")
            )
            return redirect("ecosystem:suggestion", pk=suggestion.pk)
    return render(request, "ecosystem/suggest.html", {"form": form})


@portal_member_required
def my_suggestions(request: HttpRequest) -> HttpResponse:
    # Staff see everyone's suggestions in the admin; this page is always one's own.
    suggestions = suggestions_visible_to(user=_user(request)).filter(member__user=_user(request))
    page = Paginator(suggestions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "ecosystem/my_suggestions.html", {"page": page})


@portal_member_required
def suggestion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = get_object_or_404(suggestions_visible_to(user=_user(request)), pk=pk)
    access_record(user=_user(request), objects=[suggestion], spec=SUGGESTION_SHARING, channel=Channel.PAGE)
    # The red flag a change suggestion names is quoted and linked only for a viewer who may see it.
    red_flag_visible = (
        suggestion.red_flag_id is not None
        and visible_red_flags(user=_user(request)).filter(pk=suggestion.red_flag_id).exists()
    )
    return render(
        request,
        "ecosystem/suggestion.html",
        {
            "suggestion": suggestion,
            "red_flag_visible": red_flag_visible,
            "label_form": LabelChangeForm(initial={"label": suggestion.label}),
        },
    )


def _relabel(request: HttpRequest, obj: Any, spec: Labelled) -> None:
    form = LabelChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a label and say why."))
        return
    try:
        label_change(
            obj=obj,
            spec=spec,
            by=_user(request),
            label=Label(form.cleaned_data["label"]),
            reason=form.cleaned_data["reason"],
        )
    except (PermissionDenied, ValidationError) as error:
        messages.error(
            request, " ".join(getattr(error, "messages", [str(error) or _("You may not loosen this label.")]))
        )
    else:
        messages.success(request, _("The label is changed; the change and its reason are kept."))


@portal_member_required
@require_POST
def red_flag_label(request: HttpRequest, pk: int) -> HttpResponse:
    red_flag = get_object_or_404(visible_red_flags(user=_user(request)), pk=pk)
    _relabel(request, red_flag, RED_FLAG_SHARING)
    # A viewer who tightened it out of their own sight lands on the library, not on a 404.
    if visible_red_flags(user=_user(request)).filter(pk=pk).exists():
        return redirect("ecosystem:red_flag", pk=pk)
    return redirect("ecosystem:library")


@portal_member_required
@require_POST
def suggestion_label(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = get_object_or_404(suggestions_visible_to(user=_user(request)), pk=pk)
    _relabel(request, suggestion, SUGGESTION_SHARING)
    if suggestions_visible_to(user=_user(request)).filter(pk=pk).exists():
        return redirect("ecosystem:suggestion", pk=pk)
    return redirect("ecosystem:my_suggestions")


def _indicator_sets(request: HttpRequest) -> tuple[Any, Any]:
    """The indicator sets the viewer may see, filtered like the library (category, stage, jurisdiction, search)."""
    filterset = IndicatorSetFilter(
        request.GET or None, queryset=indicator_sets_for(user=_user(request)), request=request
    )
    return filterset, filterset.qs


@portal_member_required
def indicator_set_list(request: HttpRequest) -> HttpResponse:
    filterset, indicator_sets = _indicator_sets(request)
    page = Paginator(indicator_sets, PAGE_SIZE).get_page(request.GET.get("page"))
    access_record(user=_user(request), objects=page.object_list, spec=INDICATOR_SET_SHARING, channel=Channel.LIST)
    return render(
        request,
        "ecosystem/indicator_sets.html",
        {"filter": filterset, "page": page, "query": _filter_query(request)},
    )


@portal_member_required
def indicator_set_print(request: HttpRequest) -> HttpResponse:
    filterset, indicator_sets = _indicator_sets(request)
    shown = list(indicator_sets[: PRINT_LIMIT + 1])
    access_record(user=_user(request), objects=shown[:PRINT_LIMIT], spec=INDICATOR_SET_SHARING, channel=Channel.PRINT)
    return render(
        request,
        "ecosystem/indicator_sets_print.html",
        {
            "filter": filterset,
            "indicator_sets": shown[:PRINT_LIMIT],
            "truncated": len(shown) > PRINT_LIMIT,
            "print_limit": PRINT_LIMIT,
            "query": _filter_query(request),
            "printed_at": timezone.now(),
            "label": tightest(indicator_set.label for indicator_set in shown[:PRINT_LIMIT]),
        },
    )


@portal_member_required
def indicator_set_detail(request: HttpRequest, pk: int) -> HttpResponse:
    indicator_set = get_object_or_404(indicator_sets_for(user=_user(request)), pk=pk)
    access_record(user=_user(request), objects=[indicator_set], spec=INDICATOR_SET_SHARING, channel=Channel.PAGE)
    return render(
        request,
        "ecosystem/indicator_set.html",
        {"indicator_set": indicator_set, "label_form": LabelChangeForm(initial={"label": indicator_set.label})},
    )


@portal_member_required
@require_POST
def indicator_set_label(request: HttpRequest, pk: int) -> HttpResponse:
    indicator_set = get_object_or_404(visible_indicator_sets(user=_user(request)), pk=pk)
    _relabel(request, indicator_set, INDICATOR_SET_SHARING)
    if visible_indicator_sets(user=_user(request)).filter(pk=pk).exists():
        return redirect("ecosystem:indicator_set", pk=pk)
    return redirect("ecosystem:indicator_sets")
