"""What every benchmark returns: a figure measured beside its raw reference in the same run.

Each module in `bench/` that defines `figures(*, repeats: int) -> list[Figure]` is a benchmark; `make bench`
runs them all, prints one table and exits non-zero when a figure misses its target. A module can also be
run alone (`python -m bench.<name>`) while it is being worked on.
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """`ours` beside `reference` (same work done raw, same run); the target is the largest allowed ratio.

    Without a reference the target is an absolute ceiling on `ours`, in `unit`.
    """

    name: str
    ours: float
    target: float
    reference: float | None = None
    unit: str = "s"

    @property
    def ratio(self) -> float | None:
        if self.reference is None:
            return None
        return self.ours / self.reference if self.reference else float("inf")

    @property
    def met(self) -> bool:
        measured = self.ratio if self.reference is not None else self.ours
        return measured is not None and measured <= self.target


def median_seconds(work: Callable[[], object], *, repeats: int, setup: Callable[[], object] | None = None) -> float:
    """The median wall time of `work` over `repeats` runs; `setup` runs before each and is not timed."""
    timings = []
    for _ in range(repeats):
        if setup is not None:
            setup()
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)
