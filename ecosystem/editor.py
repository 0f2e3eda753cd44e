"""The staff map editor: one page per category's map, where its owner and contributors add and reorder
stages, place actors, draw flows, attach red flags (as drafts, with their citation), undo the last change and
move the map through its states, with the server-drawn diagram as the preview. Plain forms: it works with
the keyboard alone and without JavaScript; every write goes through `ecosystem.mapping` or the red-flag
services, so the page validates exactly as the models do."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ecosystem.diagram import layout
from ecosystem.mapping import (
    map_actor_place,
    map_flow_draw,
    map_stage_add,
    map_stage_move,
    map_transition,
    map_undo,
    may_edit,
)
from ecosystem.models import (
    MAP_TRANSITIONS,
    ActorKind,
    CategoryMap,
    Direction,
    Instrument,
    MapState,
    Source,
)
from ecosystem.selectors import category_parts, red_flag_counts
from ecosystem.services import CitationInput, red_flag_create
from members.models import User


def _editor(request: HttpRequest, slug: str) -> tuple[CategoryMap, User]:
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied
    cmap = get_object_or_404(CategoryMap.objects.select_related("category", "owner"), category__slug=slug)
    if not (user.is_staff or may_edit(cmap, user)):
        raise PermissionDenied(_("Only staff and the map's contributors open the map editor."))
    return cmap, user


def _part(parts: list[Any], value: str | None) -> Any:
    """The part of this map whose id was posted (ids of another map are refused as missing)."""
    try:
        pk = int(value or "")
    except ValueError:
        return None
    return next((part for part in parts if part.pk == pk), None)


def _require(value: Any, field: str) -> Any:
    if value is None:
        raise ValidationError({field: _("Choose one of this map's parts.")})
    return value


def _apply(request: HttpRequest, cmap: CategoryMap, by: User) -> str:
    """Runs the posted action; returns the message to show."""
    post = request.POST
    action = post.get("action", "")
    stages, actors, flows = category_parts(category=cmap.category)
    if action == "stage_add":
        stage = map_stage_add(cmap=cmap, name=post.get("name", ""), description=post.get("description", ""), by=by)
        return _("Stage added: %(name)s.") % {"name": stage.name}
    if action in ("stage_earlier", "stage_later"):
        stage = _require(_part(stages, post.get("stage")), "stage")
        map_stage_move(cmap=cmap, stage=stage, earlier=action == "stage_earlier", by=by)
        return _("Stage moved: %(name)s.") % {"name": stage.name}
    if action == "actor_place":
        actor = map_actor_place(
            cmap=cmap,
            name=post.get("name", ""),
            kind=post.get("kind", ""),
            stage=_require(_part(stages, post.get("stage")), "stage"),
            description=post.get("description", ""),
            by=by,
        )
        return _("Actor placed: %(name)s.") % {"name": actor.name}
    if action == "flow_draw":
        flow = map_flow_draw(
            cmap=cmap,
            label=post.get("label", ""),
            from_actor=_require(_part(actors, post.get("from_actor")), "from_actor"),
            to_actor=_require(_part(actors, post.get("to_actor")), "to_actor"),
            instrument=post.get("instrument", ""),
            direction=post.get("direction", ""),
            stage=_require(_part(stages, post.get("stage")), "stage"),
            typical_pattern=post.get("typical_pattern", ""),
            by=by,
        )
        return _("Flow drawn: %(label)s.") % {"label": flow.label}
    if action == "red_flag_attach":
        if not by.is_staff:
            raise ValidationError(_("Only staff attach red flags."))
        kind, _sep, pk = post.get("part", "").partition(":")
        pools: dict[str, list[Any]] = {"stage": stages, "actor": actors, "flow": flows}
        part = _require(_part(pools.get(kind, []), pk), "part")
        source = _part(list(Source.objects.all()), post.get("source"))
        if source is None:
            raise ValidationError({"source": _("Choose the source the red flag restates.")})
        red_flag = red_flag_create(
            indicator=post.get("indicator", "").strip(),
            citations=[CitationInput(source=source, locator=post.get("locator", ""), quote=post.get("quote", ""))],
            **{kind: part},
        )
        return _("Red flag attached as a draft: %(indicator)s.") % {"indicator": red_flag.indicator}
    if action == "undo":
        revision = map_undo(cmap=cmap, by=by)
        return revision.note
    if action == "transition":
        map_transition(cmap=cmap, to=post.get("to", ""), by=by, note=post.get("note", ""))
        cmap.refresh_from_db()
        return _("The map is now %(state)s.") % {"state": cmap.get_state_display()}
    raise ValidationError(_("Unknown action."))


def _errors(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [f"{message}" for messages_ in error.message_dict.values() for message in messages_]
    return list(error.messages)


@login_required
@require_http_methods(["GET", "POST"])
def map_editor(request: HttpRequest, slug: str) -> HttpResponse:
    cmap, user = _editor(request, slug)
    if request.method == "POST":
        try:
            messages.success(request, _apply(request, cmap, user))
        except ValidationError as error:
            for message in _errors(error):
                messages.error(request, message)
        return redirect("ecosystem:map_editor", slug=slug)
    category = cmap.category
    stages, actors, flows = category_parts(category=category)
    diagram = layout(stages=stages, actors=actors, flows=flows, counts=red_flag_counts(category=category, user=user))
    return render(
        request,
        "ecosystem/map_editor.html",
        {
            "cmap": cmap,
            "category": category,
            "stages": stages,
            "actors": actors,
            "flows": flows,
            "diagram": diagram,
            "editable": may_edit(cmap, user)
            and cmap.state in (MapState.SCOPING, MapState.DRAFTING, MapState.UNDER_REVISION),
            "moves": [(state, MapState(state).label) for state in sorted(MAP_TRANSITIONS[MapState(cmap.state)])],
            "kinds": ActorKind.choices,
            "instruments": Instrument.choices,
            "directions": Direction.choices,
            "sources": Source.objects.order_by("issuer", "title"),
            "revisions": cmap.revisions.select_related("made_by").order_by("-number")[:10],
            "panel": cmap.panel.select_related("member__user", "member__organisation"),
            "comments": cmap.comments.select_related("author", "revision").order_by("-created_at")[:20],
        },
    )
