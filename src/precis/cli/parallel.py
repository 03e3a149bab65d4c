"""`precis summarise --jobs N`: worker processes that each load the model once and summarise files in turn."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from precis.cli.summarise import Result, load_summariser, summarise_file
from precis.errors import UnavailableError

if TYPE_CHECKING:
    from precis.core.pipeline import Summariser

# Set once in each worker process by its initializer: a model load costs seconds, a file milliseconds.
_summariser: Summariser | None = None


def _start(models: Mapping[str, str]) -> None:
    """Worker initializer: load the pipelines this process will use for every file it gets."""
    global _summariser
    _summariser = load_summariser(models)


def _summarise(path: str) -> Result:
    """One file's result, in a worker."""
    if _summariser is None:
        raise RuntimeError("worker started without its summariser")
    return summarise_file(_summariser, path)


def in_processes(paths: Sequence[str], models: Mapping[str, str], jobs: int) -> Iterator[Result]:
    """Results in input order as they are ready, from `jobs` spawned processes (never forked: a forked
    copy of a parent's threads can deadlock)."""
    context = multiprocessing.get_context("spawn")
    workers = min(jobs, len(paths))
    try:
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_start, initargs=(dict(models),)
        ) as pool:
            yield from pool.map(_summarise, paths)
    except BrokenProcessPool:
        raise UnavailableError("a worker process stopped before it finished (see its error above)") from None
