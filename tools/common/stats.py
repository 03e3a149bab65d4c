"""Summaries of timings: medians and nearest-rank percentiles, robust on a noisy shared machine."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (share in (0, 1]): an observed value, never an interpolation."""
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Summary:
    """Median, 95th percentile and mean of one series, with how many values it has."""

    median: float
    p95: float
    mean: float
    count: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        """The summary of a non-empty series."""
        return cls(statistics.median(values), percentile(values, 0.95), statistics.fmean(values), len(values))
