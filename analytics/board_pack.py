"""The board pack's extension points.

COVERAGE HOOK — the network's coverage against its targets. The `directory` app (being built alongside, with the
directory's coverage targets) plugs in here: make `coverage_against_targets` return a `Panel` whose rows are
(what is covered, target, actual, share of target) for the quarter. Until it does, the board pack's "Coverage against
targets" section shows "No targets set".
"""

from datetime import date

from analytics.panels.base import Panel


def coverage_against_targets(*, start: date, end: date) -> Panel | None:
    """The coverage section of the board pack for the quarter `start`–`end`; None: no targets set."""
    return None
