"""How far a job that reads the activity log incrementally has read it: the highest id it saw, and the ids
under it that no committed row held yet.

Activity ids are taken when a row is inserted and seen when it commits: a transaction that took its id before
a job's mark but commits after it would be missed. So a job also records the ids missing among the last
ACTIVITY_GAP_WINDOW under its mark, and the next one reads those ids again. A transaction still open after that
many later inserts is assumed not to exist (the activity writers commit within moments). Used by the nightly
score job (`engagement.scoring`) and the roll-up refresh (`analytics.rollups`).
"""

from dataclasses import dataclass

from django.db.backends.utils import CursorWrapper
from django.db.models import Max

from members.models import Activity

ACTIVITY_GAP_WINDOW = 10_000


@dataclass(frozen=True)
class ActivityMark:
    mark: int
    gaps: list[int]


def activity_mark(cursor: CursorWrapper) -> ActivityMark:
    """The highest activity id committed now, and the ids among the last ACTIVITY_GAP_WINDOW up to it that no
    committed row holds yet."""
    mark = Activity.objects.aggregate(mark=Max("id"))["mark"] or 0
    low = max(mark - ACTIVITY_GAP_WINDOW, 0)
    cursor.execute(f"SELECT id FROM {Activity._meta.db_table} WHERE id > %s AND id <= %s", [low, mark])
    present = {row[0] for row in cursor.fetchall()}
    return ActivityMark(mark=mark, gaps=[number for number in range(low + 1, mark + 1) if number not in present])
