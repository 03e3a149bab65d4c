"""Timings and their summaries: per-call times, medians and nearest-rank percentiles, robust to noise."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


def per_call_ms(function: Callable[[Any], object], inputs: Sequence[Any]) -> list[float]:
    """Milliseconds of each call of `function` on each input, in order."""
    times = []
    for item in inputs:
        started = time.perf_counter()
        function(item)
        times.append((time.perf_counter() - started) * 1000)
    return times


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


class TimedCalls:
    """Mixin of a benchmark row that keeps its calls' latencies in milliseconds."""

    latencies_ms: list[float]

    @property
    def summary(self) -> Summary:
        """Median and p95 of the latencies."""
        return Summary.of(self.latencies_ms)
