"""Throughput with N worker processes, each loading the model once (load time excluded), and their memory."""

from __future__ import annotations

import json
import multiprocessing
import resource
import time
from dataclasses import dataclass
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

from tools.common.stats import Summary


@dataclass(frozen=True)
class Pass:
    """One timed pass: articles per second, and each worker's peak RSS after loading and at the end."""

    workers: int
    articles: int
    seconds: float
    loaded_mb: list[float]
    peak_mb: list[float]
    cpu_seconds: list[float]

    @property
    def per_second(self) -> float:
        """Articles per second over the pass."""
        return self.articles / self.seconds

    @property
    def per_cpu_second(self) -> float:
        """Articles per CPU-second: flat across worker counts when the workers do not slow each other."""
        return self.articles / sum(self.cpu_seconds)

    @property
    def cpu_share(self) -> float:
        """CPU the workers got, in cores (other load on the machine shows here as less than `workers`)."""
        return sum(self.cpu_seconds) / self.seconds


def peak_rss_mb() -> float:
    """This process's peak resident set (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """User plus system CPU time of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def worker(model: str, ready: Queue[Any], start: Event, tasks: Queue[Any], results: Queue[Any]) -> None:
    """What `precis summarise` does per file (read, summarise, JSON), once the model is loaded."""
    from precis.core.pipeline import Summariser

    summariser = Summariser.load({"fr": model})
    ready.put(peak_rss_mb())
    start.wait()
    count, cpu_before = 0, cpu_seconds()
    while (path := tasks.get()) is not None:
        json.dumps(summariser.summarise(Path(path).read_bytes()).to_dict(), ensure_ascii=False)
        count += 1
    results.put((count, peak_rss_mb(), cpu_seconds() - cpu_before))


def timed_pass(model: str, paths: list[Path], workers: int) -> Pass:
    """Start the workers, wait until all are loaded, then time them over every file."""
    context = multiprocessing.get_context("spawn")
    ready, tasks, results = context.Queue(), context.Queue(), context.Queue()
    start = context.Event()
    processes = [
        context.Process(target=worker, args=(model, ready, start, tasks, results), daemon=True)
        for _ in range(workers)
    ]
    for process in processes:
        process.start()
    loaded = [ready.get(timeout=600) for _ in processes]
    for path in [*map(str, paths), *[None] * workers]:
        tasks.put(path)
    time.sleep(0.5)
    started = time.monotonic()
    start.set()
    finished = [results.get(timeout=3600) for _ in processes]
    seconds = time.monotonic() - started
    for process in processes:
        process.join(30)
    counts, peaks, cpu = zip(*finished, strict=True)
    return Pass(workers, sum(counts), seconds, loaded, list(peaks), list(cpu))


def measure_throughput(model: str, paths: list[Path], worker_counts: list[int], rounds: int) -> list[Pass]:
    """Every worker count once per round, interleaved."""
    return [timed_pass(model, paths, workers) for _ in range(rounds) for workers in worker_counts]


def median_rate(passes: list[Pass], workers: int) -> float:
    """Median articles per second over the rounds with this many workers."""
    return Summary.of([item.per_second for item in passes if item.workers == workers]).median
