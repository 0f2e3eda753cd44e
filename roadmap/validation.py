"""The rules of a roadmap, shared by the services, the admin forms and the timeline so they never disagree."""

from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from roadmap.models import Horizon, Roadmap, RoadmapItem


def validate_horizon_spans(*, months: int, spans: Sequence[tuple[str, int, int]]) -> None:
    """Horizons (name, start, end) must cover months 1..`months` exactly once: no gap, no overlap."""
    errors = []
    ordered = sorted(spans, key=lambda span: (span[1], span[2]))
    expected_start = 1
    for name, start, end in ordered:
        if end < start:
            errors.append(
                _("%(horizon)s ends (month %(end)s) before it starts (month %(start)s).")
                % {"horizon": name, "end": end, "start": start}
            )
            continue
        if start < expected_start:
            errors.append(
                _("%(horizon)s (months %(start)s–%(end)s) overlaps the horizon before it.")
                % {"horizon": name, "start": start, "end": end}
            )
        elif start > expected_start:
            errors.append(
                _("Months %(first)s–%(last)s are in no horizon.") % {"first": expected_start, "last": start - 1}
            )
        expected_start = max(expected_start, end + 1)
    if not ordered:
        errors.append("A roadmap needs at least one horizon.")
    elif expected_start <= months:
        errors.append(_("Months %(first)s–%(last)s are in no horizon.") % {"first": expected_start, "last": months})
    elif expected_start > months + 1:
        errors.append(_("Horizons run past the roadmap's last month (%(months)s).") % {"months": months})
    if errors:
        raise ValidationError(errors)


def horizon_for_month(horizons: Iterable[Horizon], month: int) -> Horizon:
    for horizon in horizons:
        if horizon.start_month <= month <= horizon.end_month:
            return horizon
    raise ValidationError(_("Month %(month)s is in no horizon of this roadmap.") % {"month": month})


def validate_item_placement(
    *,
    roadmap: Roadmap,
    start_month: int,
    end_month: int,
    dependencies: Iterable[RoadmapItem],
    item: RoadmapItem | None = None,
) -> None:
    """Months inside the roadmap, every dependency finished before the start, dependents still after the end,
    and no cycle. `item` is the item being changed (None when placing a new one)."""
    errors: list[str] = []
    if not 1 <= start_month <= end_month <= roadmap.months:
        errors.append(
            _(
                "Months must lie inside the roadmap (1–%(months)s) with the start no later than the end; "
                "got %(start_month)s–%(end_month)s."
            )
            % {"months": roadmap.months, "start_month": start_month, "end_month": end_month}
        )
    dependencies = list(dependencies)
    for dependency in dependencies:
        if dependency.roadmap_id != roadmap.pk:
            errors.append(_("“%(opportunity)s” is on another roadmap.") % {"opportunity": dependency.opportunity})
        elif item is not None and dependency.pk == item.pk:
            errors.append(_("An item cannot depend on itself."))
        elif start_month <= dependency.end_month:
            errors.append(
                _(
                    "“%(opportunity)s” ends in month %(end_month)s: this item can start in month %(earliest)s "
                    "at the earliest."
                )
                % {
                    "opportunity": dependency.opportunity,
                    "end_month": dependency.end_month,
                    "earliest": dependency.end_month + 1,
                }
            )
    if item is not None and item.pk is not None:
        for dependent in item.dependents.select_related("opportunity"):
            if dependent.start_month <= end_month:
                errors.append(
                    _(
                        "“%(opportunity)s” depends on this item and starts in month %(start_month)s: "
                        "this item must end by month %(latest)s."
                    )
                    % {
                        "opportunity": dependent.opportunity,
                        "start_month": dependent.start_month,
                        "latest": dependent.start_month - 1,
                    }
                )
        cycle = _dependency_cycle(item=item, dependencies=[d for d in dependencies if d.pk != item.pk])
        if cycle:
            errors.append(_("That would make a dependency cycle: %(cycle)s.") % {"cycle": " → ".join(cycle)})
    if errors:
        raise ValidationError(errors)


def _dependency_cycle(*, item: RoadmapItem, dependencies: list[RoadmapItem]) -> list[str]:
    """The path back to `item` if any proposed dependency (transitively) depends on it, else []."""
    through = RoadmapItem.dependencies.through
    edges: dict[int, list[int]] = {}
    for source, target in through.objects.filter(from_roadmapitem__roadmap_id=item.roadmap_id).values_list(
        "from_roadmapitem_id", "to_roadmapitem_id"
    ):
        if source != item.pk:  # the item's own edges are being replaced by `dependencies`
            edges.setdefault(source, []).append(target)
    names = dict(
        RoadmapItem.objects.filter(roadmap_id=item.roadmap_id).values_list("pk", "opportunity__title").iterator()
    )
    for dependency in dependencies:
        stack: list[tuple[int, list[int]]] = [(dependency.pk, [item.pk, dependency.pk])]
        seen: set[int] = set()
        while stack:
            node, path = stack.pop()
            if node == item.pk:
                return [names.get(pk, str(pk)) for pk in path]
            if node in seen:
                continue
            seen.add(node)
            stack.extend((target, [*path, target]) for target in edges.get(node, []))
    return []
