"""Writes of the mapping workflow: starting a map, its contributors and panel, the editor's changes, undo,
comments, the panel's sign-off and the moves between states (`ecosystem.models.mapping`).

Every change to the map is kept as a `MapRevision` with the map as it stood after it, so that undo puts
back the map of the revision before, and the panel's comments and sign-offs name the version they saw.
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from ecosystem.models import (
    MAP_TRANSITIONS,
    PANEL_MIN_SECTORS,
    Actor,
    CategoryMap,
    CategoryStatus,
    ContributorRole,
    FinancialFlow,
    MapComment,
    MapContributor,
    MapPanelist,
    MapRevision,
    MapState,
    RedFlag,
    RevisionKind,
    Stage,
    TraffickingCategory,
)
from members.history import attribute_change
from members.models import Member, Source, User

# States in which the map itself may be edited; in expert review the panel reads a fixed version.
EDITABLE = frozenset({MapState.SCOPING, MapState.DRAFTING, MapState.UNDER_REVISION})

CATEGORY_STATUS_FOR = {
    MapState.SCOPING: CategoryStatus.IN_PROGRESS,
    MapState.DRAFTING: CategoryStatus.IN_PROGRESS,
    MapState.EXPERT_REVIEW: CategoryStatus.IN_PROGRESS,
    MapState.PUBLISHED: CategoryStatus.MAPPED,
    MapState.UNDER_REVISION: CategoryStatus.MAPPED,
}


def map_snapshot(category: TraffickingCategory) -> dict[str, list[dict[str, Any]]]:
    """The map's stages, actors and flows as plain data, ids included (what undo puts back)."""
    stages = Stage.objects.filter(category=category).order_by("order")
    actors = Actor.objects.filter(category=category).order_by("id")
    flows = FinancialFlow.objects.filter(category=category).order_by("id")
    flow_fields = ("label", "from_actor_id", "to_actor_id", "instrument", "direction", "stage_id", "typical_pattern")
    return {
        "stages": [dict(row) for row in stages.values("id", "order", "name", "description")],
        "actors": [dict(row) for row in actors.values("id", "name", "kind", "stage_id", "description")],
        "flows": [dict(row) for row in flows.values("id", *flow_fields)],
    }


def _revise(cmap: CategoryMap, *, kind: RevisionKind, by: User | None, note: str = "") -> MapRevision:
    number = (cmap.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    return MapRevision.objects.create(
        map=cmap,
        number=number,
        kind=kind,
        state=cmap.state,
        note=note[:300],
        snapshot=map_snapshot(cmap.category),
        made_by=by,
    )


def _locked(cmap: CategoryMap) -> CategoryMap:
    return CategoryMap.objects.select_for_update().select_related("category").get(pk=cmap.pk)


def _sync_category_status(cmap: CategoryMap, *, by: User | None) -> None:
    category = cmap.category
    status = CATEGORY_STATUS_FOR[MapState(cmap.state)]
    if category.status != status:
        category.status = status
        attribute_change(category, by=by, origin=Source.WEB)
        category.save(update_fields=["status", "updated_at"])


def may_edit(cmap: CategoryMap, user: User) -> bool:
    """The owner and the contributors edit the map."""
    return user.pk == cmap.owner_id or cmap.contributors.filter(user=user).exists()


def map_start(*, category: TraffickingCategory, owner: User, by: User) -> CategoryMap:
    """Mapping starts on a category, in scoping, owned by a staff member."""
    if not by.is_staff or not owner.is_staff:
        raise ValidationError(_("Only staff start a map, and its owner is a staff member."))
    with transaction.atomic():
        if CategoryMap.objects.filter(category=category).exists():
            raise ValidationError(_("This category is mapped already."))
        cmap = CategoryMap.objects.create(category=category, owner=owner)
        _sync_category_status(cmap, by=by)
        _revise(cmap, kind=RevisionKind.STATE, by=by, note=_("Mapping started"))
    return cmap


def map_contributor_add(*, cmap: CategoryMap, user: User, by: User) -> MapContributor:
    """A staff member, or an approved member invited for their expertise, may edit the map."""
    if not by.is_staff:
        raise ValidationError(_("Only staff add contributors."))
    if user.is_staff:
        role = ContributorRole.STAFF
    elif Member.objects.approved().filter(user=user).exists():
        role = ContributorRole.EXPERT
    else:
        raise ValidationError(_("A contributor is a staff member or an approved member."))
    contributor, _created = MapContributor.objects.get_or_create(map=cmap, user=user, defaults={"role": role})
    return contributor


def map_panelist_add(*, cmap: CategoryMap, member: Member, by: User) -> MapPanelist:
    """An approved member of an organisation joins the review panel, with the organisation's sector."""
    if not by.is_staff:
        raise ValidationError(_("Only staff choose the review panel."))
    organisation = member.organisation
    if organisation is None or not Member.objects.approved().filter(pk=member.pk).exists():
        raise ValidationError(_("A panelist is an approved member of an organisation."))
    panelist, _created = MapPanelist.objects.get_or_create(
        map=cmap, member=member, defaults={"sector": organisation.sector}
    )
    return panelist


def _require_editable(cmap: CategoryMap, by: User) -> None:
    if not may_edit(cmap, by):
        raise ValidationError(_("Only the map's owner and contributors edit it."))
    if cmap.state not in EDITABLE:
        raise ValidationError(
            _("The map cannot be edited while it is %(state)s.") % {"state": MapState(cmap.state).label}
        )


def _saved(part: Stage | Actor | FinancialFlow, *, by: User) -> None:
    part.full_clean()
    attribute_change(part, by=by, origin=Source.WEB)
    part.save()


def map_stage_add(*, cmap: CategoryMap, name: str, description: str = "", by: User) -> Stage:
    """A new stage at the end of the map."""
    with transaction.atomic():
        cmap = _locked(cmap)
        _require_editable(cmap, by)
        last = Stage.objects.filter(category=cmap.category).aggregate(n=Max("order"))["n"] or 0
        stage = Stage(category=cmap.category, order=last + 1, name=name.strip(), description=description.strip())
        _saved(stage, by=by)
        _revise(cmap, kind=RevisionKind.EDIT, by=by, note=_("Stage added: %(name)s") % {"name": stage.name})
    return stage


def map_stage_move(*, cmap: CategoryMap, stage: Stage, earlier: bool, by: User) -> None:
    """Swap a stage with the one before it (`earlier`) or after it; the stages stay numbered 1, 2, 3…"""
    with transaction.atomic():
        cmap = _locked(cmap)
        _require_editable(cmap, by)
        stages = list(Stage.objects.select_for_update().filter(category=cmap.category).order_by("order"))
        index = next((i for i, s in enumerate(stages) if s.pk == stage.pk), None)
        if index is None:
            raise ValidationError(_("This stage is not part of this map."))
        other = index - 1 if earlier else index + 1
        if not 0 <= other < len(stages):
            raise ValidationError(_("This stage cannot move further."))
        stages[index], stages[other] = stages[other], stages[index]
        _renumber(stages, by=by)
        _revise(cmap, kind=RevisionKind.EDIT, by=by, note=_("Stage moved: %(name)s") % {"name": stage.name})


def _renumber(stages: list[Stage], *, by: User | None) -> None:
    # Two passes, so that the unique (category, order) holds after every statement.
    offset = len(stages) + 1000
    for position, stage in enumerate(stages, start=1):
        Stage.objects.filter(pk=stage.pk).update(order=offset + position)
    for position, stage in enumerate(stages, start=1):
        stage.order = position
        attribute_change(stage, by=by, origin=Source.WEB)
        stage.save(update_fields=["order", "updated_at"])


def map_actor_place(*, cmap: CategoryMap, name: str, kind: str, stage: Stage, description: str = "", by: User) -> Actor:
    """An actor placed in a stage of this map."""
    with transaction.atomic():
        cmap = _locked(cmap)
        _require_editable(cmap, by)
        actor = Actor(
            category=cmap.category, stage=stage, name=name.strip(), kind=kind, description=description.strip()
        )
        _saved(actor, by=by)
        _revise(cmap, kind=RevisionKind.EDIT, by=by, note=_("Actor placed: %(name)s") % {"name": actor.name})
    return actor


def map_flow_draw(
    *,
    cmap: CategoryMap,
    label: str,
    from_actor: Actor,
    to_actor: Actor,
    instrument: str,
    direction: str,
    stage: Stage,
    typical_pattern: str = "",
    by: User,
) -> FinancialFlow:
    """Money from one actor of this map to another, in one of its stages."""
    with transaction.atomic():
        cmap = _locked(cmap)
        _require_editable(cmap, by)
        flow = FinancialFlow(
            category=cmap.category,
            label=label.strip(),
            from_actor=from_actor,
            to_actor=to_actor,
            instrument=instrument,
            direction=direction,
            stage=stage,
            typical_pattern=typical_pattern.strip(),
        )
        _saved(flow, by=by)
        _revise(cmap, kind=RevisionKind.EDIT, by=by, note=_("Flow drawn: %(label)s") % {"label": flow.label})
    return flow


def map_admin_may_edit(category: TraffickingCategory, user: User) -> bool:
    """Whether the admin may change this category's stages, actors and flows: under the editor's rules once the
    category is being mapped (its owner and contributors, while the map is editable); freely before."""
    cmap = CategoryMap.objects.filter(category=category).first()
    return cmap is None or (cmap.state in EDITABLE and may_edit(cmap, user))


def map_admin_save(*, category: TraffickingCategory, by: User, save: Callable[[], None]) -> MapRevision | None:
    """A change to a category's stages, actors or flows made in the admin: `save` writes it under the editor's
    rules and, once the category is being mapped, it is kept as a revision like the editor's own changes (so
    undo, the history and the panel see it). A category not being mapped yet has no workflow to record in."""
    with transaction.atomic():
        cmap = CategoryMap.objects.filter(category=category).first()
        if cmap is None:
            save()
            return None
        cmap = _locked(cmap)
        _require_editable(cmap, by)
        save()
        return _revise(cmap, kind=RevisionKind.EDIT, by=by, note=_("Edited in the admin"))


def map_undo(*, cmap: CategoryMap, by: User) -> MapRevision:
    """Put back the map of the revision before the latest one: the last change is undone, and the undo is
    itself a revision (so it can be undone too)."""
    with transaction.atomic():
        cmap = _locked(cmap)
        _require_editable(cmap, by)
        latest, previous = ([*list(cmap.revisions.order_by("-number")[:2]), None, None])[:2]
        if latest is None or previous is None or latest.kind not in (RevisionKind.EDIT, RevisionKind.UNDO):
            raise ValidationError(_("There is no change to undo."))
        try:
            _restore(cmap.category, previous.snapshot, by=by)
        except ProtectedError as error:
            raise ValidationError(_("The change cannot be undone: red flags are attached to what it added.")) from error
        return _revise(cmap, kind=RevisionKind.UNDO, by=by, note=_("Undid: %(note)s") % {"note": latest.note})


def _restore(category: TraffickingCategory, snapshot: dict[str, list[dict[str, Any]]], *, by: User) -> None:
    stage_ids = {row["id"] for row in snapshot["stages"]}
    actor_ids = {row["id"] for row in snapshot["actors"]}
    flow_ids = {row["id"] for row in snapshot["flows"]}
    FinancialFlow.objects.filter(category=category).exclude(pk__in=flow_ids).delete()
    Actor.objects.filter(category=category).exclude(pk__in=actor_ids).delete()
    Stage.objects.filter(category=category).exclude(pk__in=stage_ids).delete()
    # Out of the way first, so that the unique (category, order) holds after every statement.
    Stage.objects.filter(category=category).update(order=F("order") + 10000)
    for row in snapshot["stages"]:
        _upsert(Stage, row, category, by=by)
    for row in snapshot["actors"]:
        _upsert(Actor, row, category, by=by)
    for row in snapshot["flows"]:
        _upsert(FinancialFlow, row, category, by=by)


def _upsert(
    model: type[Stage] | type[Actor] | type[FinancialFlow], row: dict[str, Any], category: Any, *, by: User
) -> None:
    fields = {key: value for key, value in row.items() if key != "id"}
    part = model.objects.filter(pk=row["id"]).first() or model(pk=row["id"], category=category)
    for key, value in fields.items():
        setattr(part, key, value)
    attribute_change(part, by=by, origin=Source.WEB)
    part.save()


def map_comment(
    *,
    cmap: CategoryMap,
    by: User,
    text: str,
    stage: Stage | None = None,
    actor: Actor | None = None,
    flow: FinancialFlow | None = None,
    red_flag: RedFlag | None = None,
) -> MapComment:
    """A panelist's or contributor's comment, kept with the revision it was made on."""
    if not text.strip():
        raise ValidationError({"text": _("Write the comment.")})
    is_panelist = cmap.panel.filter(member__user=by).exists()
    if not is_panelist and not may_edit(cmap, by):
        raise ValidationError(_("Only the panel and the map's contributors comment on it."))
    for part in (stage, actor, flow, red_flag):
        if part is not None and part.category_id != cmap.category_id:
            raise ValidationError(_("Comment on a part of this map."))
    # map_start writes the first revision, so there always is one.
    revision = cmap.revisions.order_by("-number")[0]
    return MapComment.objects.create(
        map=cmap,
        revision=revision,
        author=by,
        stage=stage,
        actor=actor,
        flow=flow,
        red_flag=red_flag,
        text=text.strip(),
    )


def map_sign_off(*, cmap: CategoryMap, member: Member) -> MapPanelist:
    """A panelist signs off the version under review; when the whole panel has, the map may be published."""
    with transaction.atomic():
        cmap = _locked(cmap)
        if cmap.state != MapState.EXPERT_REVIEW:
            raise ValidationError(_("The panel signs off a map in expert review."))
        panelist = MapPanelist.objects.select_for_update().filter(map=cmap, member=member).first()
        if panelist is None:
            raise ValidationError(_("Only a member of the review panel signs off."))
        revision = _revise(cmap, kind=RevisionKind.SIGN_OFF, by=member.user, note=_("Signed off"))
        panelist.signed_off_at = timezone.now()
        panelist.signed_off_revision = revision
        panelist.save(update_fields=["signed_off_at", "signed_off_revision"])
        if not cmap.panel.filter(signed_off_at__isnull=True).exists():
            cmap.signed_off_at = timezone.now()
            cmap.save(update_fields=["signed_off_at", "updated_at"])
    return panelist


def panel_problem(cmap: CategoryMap) -> str | None:
    """Why the panel cannot let the map be published yet, or None."""
    sectors = set(cmap.panel.values_list("sector", flat=True))
    if len(sectors) < PANEL_MIN_SECTORS:
        return _("The review panel needs members from at least %(n)d sectors.") % {"n": PANEL_MIN_SECTORS}
    if cmap.signed_off_at is None or cmap.panel.filter(signed_off_at__isnull=True).exists():
        return _("Every member of the review panel must sign off first.")
    return None


def map_transition(*, cmap: CategoryMap, to: MapState | str, by: User, note: str = "") -> CategoryMap:
    """Move the map to another state, if the move is allowed and its conditions hold; kept as a revision."""
    with transaction.atomic():
        cmap = _locked(cmap)
        if to not in MAP_TRANSITIONS[MapState(cmap.state)]:
            label = MapState(to).label if to in MapState.values else to
            raise ValidationError(
                _("A map cannot go from %(from)s to %(to)s.") % {"from": MapState(cmap.state).label, "to": label}
            )
        if not may_edit(cmap, by):
            raise ValidationError(_("Only the map's owner and contributors move it on."))
        if to == MapState.PUBLISHED:
            if not by.is_staff:
                raise ValidationError(_("Only a staff member publishes a map."))
            if problem := panel_problem(cmap):
                raise ValidationError(problem)
            cmap.published_at = timezone.now()
        if to == MapState.EXPERT_REVIEW:
            # A new version for the panel: earlier sign-offs were of another version.
            cmap.signed_off_at = None
            MapPanelist.objects.filter(map=cmap).update(signed_off_at=None, signed_off_revision=None)
        cmap.state = to
        cmap.save(update_fields=["state", "published_at", "signed_off_at", "updated_at"])
        _sync_category_status(cmap, by=by)
        _revise(cmap, kind=RevisionKind.STATE, by=by, note=note or str(MapState(to).label))
    return cmap
