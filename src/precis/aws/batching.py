"""Consecutive batches of an iterable, for the APIs that take a limited number of items per call."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def batched(values: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of `size` values, the last one shorter: itertools.batched, which Python 3.11 lacks."""
    iterator = iter(values)
    while chunk := list(islice(iterator, size)):
        yield chunk
