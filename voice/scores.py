"""A job's importance and satisfaction computed from member responses, on the 0–10 scale of the personas.

Each answer is first put on 0–10 (1–5 maps 1→0, 3→5, 5→10); the score is the mean, with the sample size and a 95%
confidence band (Student's t, so that a handful of answers gives a wide band which narrows as answers grow). A
missing answer counts for nothing: it is not a zero."""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# Two-sided 95% critical values of Student's t by degrees of freedom; beyond 30 the normal's 1.96.
T_95 = {
    1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
    11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110, 18: 2.101, 19: 2.093, 20: 2.086,
    21: 2.080, 22: 2.074, 23: 2.069, 24: 2.064, 25: 2.060, 26: 2.056, 27: 2.052, 28: 2.048, 29: 2.045, 30: 2.042,
}  # fmt: skip
Z_95 = 1.96
TENTH = Decimal("0.1")


def to_ten(value: int, *, scale: int) -> float:
    """An answer on the survey's scale (5: 1–5, 10: 0–10) on 0–10."""
    if scale == 5:
        return (value - 1) * 2.5
    return float(value)


def _round(value: float) -> Decimal:
    return Decimal(str(value)).quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Estimate:
    mean: Decimal | None
    margin: Decimal | None  # half-width of the 95% band; None under two answers
    sample: int

    @property
    def low(self) -> Decimal | None:
        return None if self.mean is None or self.margin is None else max(Decimal(0), self.mean - self.margin)

    @property
    def high(self) -> Decimal | None:
        return None if self.mean is None or self.margin is None else min(Decimal(10), self.mean + self.margin)


def estimate(values: Iterable[float | None]) -> Estimate:
    """The mean of the answers given (None is a missing answer), with its 95% band."""
    given = [v for v in values if v is not None]
    n = len(given)
    if n == 0:
        return Estimate(mean=None, margin=None, sample=0)
    mean = sum(given) / n
    if n == 1:
        return Estimate(mean=_round(mean), margin=None, sample=1)
    variance = sum((v - mean) ** 2 for v in given) / (n - 1)
    margin = T_95.get(n - 1, Z_95) * math.sqrt(variance) / math.sqrt(n)
    return Estimate(mean=_round(mean), margin=_round(margin), sample=n)


def opportunity(importance: Decimal, satisfaction: Decimal) -> Decimal:
    """Outcome-Driven Innovation's opportunity score: importance + max(importance − satisfaction, 0)."""
    return importance + max(importance - satisfaction, Decimal(0))
