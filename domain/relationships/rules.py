"""The relationship definitions of DESIGN.md as plain functions over counts.

"As of day D" covers every referral received before the midnight (UTC) that ends D, so a
window "the N days before D" is [end - N days, end) with end = D + 1 day at 00:00 UTC.
"""

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction

import numpy as np
from scipy.stats import percentileofscore, poisson

DEFAULT_WEIGHTS = {"volume": 0.4, "conversion": 0.3, "growth": 0.2, "strategic": 0.1}
TIERS = ((75.0, "A"), (50.0, "B"), (25.0, "C"))
COOLING_MIN_BASELINE = 0.5
COOLING_QUANTILE = 0.05


def end_of(day: date) -> datetime:
    """The exclusive end of everything counted as of `day`."""
    return datetime.combine(day + timedelta(days=1), time(), UTC)


def month_start(day: date, months_back: int = 0) -> datetime:
    index = day.year * 12 + day.month - 1 - months_back
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def segment(*, first_received: datetime | None, end: datetime, months_with_referrals: int, last_180: int) -> str:
    """new: first referral ever within 90 days; loyal: 5 of the 6 full calendar months before D's month;
    occasional: any in the last 180 days; else lapsed."""
    if first_received is not None and first_received >= end - timedelta(days=90):
        return "new"
    if months_with_referrals >= 5:
        return "loyal"
    if last_180 > 0:
        return "occasional"
    return "lapsed"


def tier(score: float | None) -> str | None:
    if score is None:
        return None
    return next((name for bound, name in TIERS if score >= bound), "D")


def growth(last_6: int, prior_6: int) -> float:
    """Last 6 months over the prior 6; a referrer with none before ranks above every finite growth."""
    if prior_6 == 0:
        return math.inf if last_6 > 0 else 0.0
    return last_6 / prior_6


def percentiles(values: list[float]) -> list[float]:
    """Each value's percentile among all of them, scipy's percentileofscore(kind="mean")."""
    if not values:
        return []
    return [float(p) for p in np.atleast_1d(percentileofscore(values, values, kind="mean"))]


@dataclass(frozen=True)
class ScoreInputs:
    volume: int
    conversion: float
    growth: float
    strategic_share: float


def scores(inputs: list[ScoreInputs], weights: dict[str, float]) -> list[float]:
    """Weighted mean of the four percentiles among the same (active) referrers, 0-100."""
    parts = {
        "volume": percentiles([float(i.volume) for i in inputs]),
        "conversion": percentiles([i.conversion for i in inputs]),
        "growth": percentiles([i.growth for i in inputs]),
        "strategic": percentiles([i.strategic_share for i in inputs]),
    }
    return [sum(weights[k] * parts[k][n] for k in parts) for n in range(len(inputs))]


@dataclass(frozen=True)
class Cooling:
    observed: int
    expected: float
    baseline: float
    seasonal_factor: float
    threshold: int  # the 5th percentile of Poisson(expected)
    eligible: bool  # baseline of at least 0.5 a week

    @property
    def cooling(self) -> bool:
        return self.eligible and self.observed < self.threshold

    @property
    def recovered(self) -> bool:
        return self.observed >= self.threshold


def seasonal_factor(*, same_weeks_last_year: int, year_total: int, data_reaches_back: bool) -> float:
    """Practice-wide count in the same 8 weeks a year earlier over 8 x that year's weekly mean (the 52
    weeks starting there); 1 when the data do not reach back 60 weeks (the first referral came after the
    day those 60 weeks start) or that year is empty."""
    if not data_reaches_back or year_total == 0:
        return 1.0
    return same_weeks_last_year / (8 * year_total / 52)


def cooling(*, last_8_weeks: int, baseline_weeks_count: int, s: float) -> Cooling:
    baseline = baseline_weeks_count / 26
    expected = 8 * baseline * s
    threshold = int(poisson.ppf(COOLING_QUANTILE, expected)) if expected > 0 else 0
    return Cooling(
        observed=last_8_weeks,
        expected=expected,
        baseline=baseline,
        seasonal_factor=s,
        threshold=threshold,
        eligible=baseline >= COOLING_MIN_BASELINE,
    )


def concentration(volumes: list[int], share: float = 0.8) -> int:
    """The fewest referrers whose referrals make up at least `share` of the total."""
    total = sum(volumes)
    if total == 0:
        return 0
    needed = Fraction(share).limit_denominator(1000) * total  # exact: 80% of 10 is 8, not 8.000000001
    running = 0
    for count, volume in enumerate(sorted(volumes, reverse=True), start=1):
        running += volume
        if running >= needed:
            return count
    return len(volumes)
