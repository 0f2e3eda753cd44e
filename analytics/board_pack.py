"""The board pack's coverage section: the network's coverage against the targets leadership sets per sector and
country (`directory.CoverageTarget`), the same figures as the dashboards' coverage panel."""

from datetime import date

from analytics.panels.base import Filters, Panel
from analytics.panels.coverage import coverage
from directory.models import CoverageTarget


def coverage_against_targets(*, start: date, end: date) -> Panel | None:
    """The coverage section of the board pack for the quarter `start`–`end`; None when no target is set. Coverage is
    counted as it stands today, as on the dashboards (membership has no history by sector and country)."""
    if not CoverageTarget.objects.exists():
        return None
    return coverage(Filters(start=start, end=end))
