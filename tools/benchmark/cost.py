"""Cost per 1,000 articles: Lambda from measured time and memory, next to Amazon Comprehend's list price.

Prices are list prices as known when this was written (us-east-1), not fetched: Lambda x86 $0.0000166667
per GB-second and $0.20 per million requests; Comprehend $0.0001 per unit of 100 characters for each of
DetectEntities and DetectKeyPhrases, with a 3-unit minimum per request.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

LAMBDA_GB_SECOND_USD = 0.0000166667
LAMBDA_REQUEST_USD = 0.20 / 1_000_000
# Lambda gives one full vCPU at 1,769 MB and a proportional share below it.
FULL_VCPU_MB = 1769
MEMORY_STEP_MB = 64
MIN_MEMORY_MB = 128
HEADROOM = 1.25
COMPREHEND_UNIT_USD = 0.0001
COMPREHEND_UNIT_CHARACTERS = 100
COMPREHEND_MIN_UNITS = 3
COMPREHEND_APIS = ("DetectEntities", "DetectKeyPhrases")


@dataclass(frozen=True)
class LambdaCost:
    """One memory setting: expected duration per article, GB-seconds, and dollars per 1,000 articles."""

    memory_mb: int
    duration_ms: float
    gb_seconds: float
    usd_per_1000: float


def memory_setting(peak_rss_mb: float) -> int:
    """The smallest sensible setting: peak RSS plus a quarter, rounded up to a 64 MB step."""
    needed = math.ceil(peak_rss_mb * HEADROOM / MEMORY_STEP_MB) * MEMORY_STEP_MB
    return max(MIN_MEMORY_MB, needed)


def lambda_cost(ms_per_article: float, memory_mb: int) -> LambdaCost:
    """Cost at `memory_mb`, one request per article; below one vCPU, CPU-bound time grows as CPU shrinks."""
    duration_ms = ms_per_article * max(1.0, FULL_VCPU_MB / memory_mb)
    gb_seconds = memory_mb / 1024 * duration_ms / 1000
    usd = 1000 * (gb_seconds * LAMBDA_GB_SECOND_USD + LAMBDA_REQUEST_USD)
    return LambdaCost(memory_mb, duration_ms, gb_seconds, usd)


def comprehend_units(characters: int) -> int:
    """Billed units of one request to one API."""
    return max(COMPREHEND_MIN_UNITS, math.ceil(characters / COMPREHEND_UNIT_CHARACTERS))


def comprehend_usd_per_1000(characters: Sequence[int]) -> float:
    """Entities plus key phrases for articles of these sizes, scaled to 1,000 articles."""
    units = sum(comprehend_units(count) for count in characters) * len(COMPREHEND_APIS)
    return 1000 * units * COMPREHEND_UNIT_USD / len(characters)
