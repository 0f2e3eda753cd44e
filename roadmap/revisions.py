"""What changed between two published revisions of the roadmap: items added, removed, moved, re-statused."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from roadmap.models import ItemStatus, RoadmapRevision


@dataclass(frozen=True)
class ItemMove:
    title: str
    from_months: tuple[int, int]
    to_months: tuple[int, int]


@dataclass(frozen=True)
class StatusChange:
    title: str
    from_status: str
    to_status: str


@dataclass(frozen=True)
class RevisionDiff:
    added: list[str]
    removed: list[str]
    moved: list[ItemMove]
    status_changes: list[StatusChange]

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.moved or self.status_changes)


def revision_diff(*, old: RoadmapRevision, new: RoadmapRevision) -> RevisionDiff:
    """Items added, removed, moved (from which months to which) and status changes between two revisions."""
    before = _items_of(old.snapshot["items"])
    after = _items_of(new.snapshot["items"])
    labels = dict(ItemStatus.choices)
    moved, changed = [], []
    for key in sorted(before.keys() & after.keys(), key=lambda k: after[k]["title"]):
        was, now = before[key], after[key]
        if (was["start_month"], was["end_month"]) != (now["start_month"], now["end_month"]):
            moved.append(
                ItemMove(now["title"], (was["start_month"], was["end_month"]), (now["start_month"], now["end_month"]))
            )
        if was["status"] != now["status"]:
            changed.append(
                StatusChange(
                    now["title"], labels.get(was["status"], was["status"]), labels.get(now["status"], now["status"])
                )
            )
    return RevisionDiff(
        added=sorted(after[k]["title"] for k in after.keys() - before.keys()),
        removed=sorted(before[k]["title"] for k in before.keys() - after.keys()),
        moved=moved,
        status_changes=changed,
    )


def _items_of(items: Iterable[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {item["opportunity_id"]: item for item in items}
