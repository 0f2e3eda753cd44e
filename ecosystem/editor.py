"""The staff map editor: one page per category's map, where its owner and contributors add and reorder
stages, place actors, draw flows, attach red flags (as drafts, with their citation), undo the last change and
move the map through its states, with the server-drawn diagram as the preview. Plain forms: it works with
the keyboard alone and without JavaScript; every write goes through `ecosystem.mapping` or the red-flag
services, so the page validates exactly as the models do."""

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecosystem.diagram import layout
from ecosystem.mapping import (
    map_actor_place,
    map_comment,
    map_contributor_add,
    map_flow_draw,
    map_panelist_add,
    map_sign_off,
    map_stage_add,
    map_stage_move,
    map_start,
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
    RedFlag,
    ReviewState,
    Source,
    TraffickingCategory,
)
from ecosystem.selectors import category_parts, red_flag_counts
from ecosystem.services import CitationInput, red_flag_create
from members.access import portal_member_required
from members.models import Member, User


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
    if action == "contributor_add":
        user = User.objects.filter(email__iexact=post.get("email", "").strip()).first()
        if user is None:
            raise ValidationError({"email": _("Nobody has this e-mail address.")})
        map_contributor_add(cmap=cmap, user=user, by=by)
        return _("Contributor added: %(name)s.") % {"name": user.display_name}
    if action == "panelist_add":
        member = (
            Member.objects.select_related("organisation", "user")
            .filter(user__email__iexact=post.get("email", "").strip())
            .first()
        )
        if member is None:
            raise ValidationError({"email": _("No member has this e-mail address.")})
        map_panelist_add(cmap=cmap, member=member, by=by)
        return _("Added to the review panel: %(name)s.") % {"name": member.user.display_name}
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


@portal_member_required
@require_http_methods(["GET", "POST"])
def map_review(request: HttpRequest, slug: str) -> HttpResponse:
    """The review panel's page: the map under review, comments on it or on one of its parts, and sign-off."""
    cmap = get_object_or_404(CategoryMap.objects.select_related("category"), category__slug=slug)
    user = cast(User, request.user)
    panelist = cmap.panel.filter(member__user=user).select_related("member").first()
    if panelist is None and not may_edit(cmap, user):
        raise PermissionDenied(_("Only the map's review panel and contributors open its review."))
    category = cmap.category
    stages, actors, flows = category_parts(category=category)
    red_flags = list(RedFlag.objects.filter(category=category).exclude(review_state=ReviewState.RETIRED).order_by("id"))
    if request.method == "POST":
        try:
            if request.POST.get("action") == "sign_off":
                if panelist is None:
                    raise ValidationError(_("Only a member of the review panel signs off."))
                map_sign_off(cmap=cmap, member=panelist.member)
                messages.success(request, _("Signed off. Thank you."))
            else:
                kind, _sep, pk = request.POST.get("part", "").partition(":")
                pools: dict[str, list[Any]] = {"stage": stages, "actor": actors, "flow": flows, "red_flag": red_flags}
                part = _part(pools[kind], pk) if kind in pools else None
                map_comment(cmap=cmap, by=user, text=request.POST.get("text", ""), **({kind: part} if part else {}))
                messages.success(request, _("Comment kept with the map's current revision."))
        except ValidationError as error:
            for message in _errors(error):
                messages.error(request, message)
        return redirect("ecosystem:map_review", slug=slug)
    diagram = layout(stages=stages, actors=actors, flows=flows, counts=red_flag_counts(category=category, user=user))
    return render(
        request,
        "ecosystem/map_review.html",
        {
            "cmap": cmap,
            "category": category,
            "stages": stages,
            "actors": actors,
            "flows": flows,
            "red_flags": red_flags,
            "diagram": diagram,
            "panelist": panelist,
            "in_review": cmap.state == MapState.EXPERT_REVIEW,
            "comments": cmap.comments.select_related(
                "author", "revision", "stage", "actor", "flow", "red_flag"
            ).order_by("created_at"),
        },
    )


@login_required
@require_POST
def map_begin(request: HttpRequest, slug: str) -> HttpResponse:
    """A staff member starts mapping a category and owns its map."""
    user = cast(User, request.user)
    category = get_object_or_404(TraffickingCategory, slug=slug)
    try:
        map_start(category=category, owner=user, by=user)
    except ValidationError as error:
        for message in _errors(error):
            messages.error(request, message)
        return redirect("ecosystem:catalogue")
    return redirect("ecosystem:map_editor", slug=slug)
