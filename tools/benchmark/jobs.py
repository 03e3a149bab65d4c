"""`precis summarise --jobs N` as a user runs it: the installed console script over the same files."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tools.common.stats import Summary

PRECIS = Path(sys.executable).with_name("precis")


@dataclass(frozen=True)
class JobsPass:
    """One run of the command: its wall time, and when its first and last result lines came out."""

    jobs: int
    articles: int
    seconds: float
    first_line: float
    last_line: float

    @property
    def per_second(self) -> float:
        """Articles per second once results flow (the model loads before the first line are left out)."""
        return (self.articles - 1) / (self.last_line - self.first_line)


def jobs_pass(paths: list[Path], jobs: int, model: str) -> JobsPass:
    """Run `precis summarise --jobs N --format jsonl` over the files, timing each line as it arrives."""
    command = [str(PRECIS), "-q", "summarise", "--format", "jsonl", "--jobs", str(jobs), "--model", model]
    started = time.monotonic()
    arrivals = []
    with subprocess.Popen([*command, *map(str, paths)], stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        for _ in process.stdout:
            arrivals.append(time.monotonic() - started)
    if process.returncode not in (0, 1) or len(arrivals) != len(paths):
        raise RuntimeError(
            f"precis summarise --jobs {jobs} exited {process.returncode}, {len(arrivals)} lines"
        )
    return JobsPass(jobs, len(paths), time.monotonic() - started, arrivals[0], arrivals[-1])


def measure_jobs(paths: list[Path], job_counts: list[int], rounds: int, model: str) -> list[JobsPass]:
    """Every job count once per round, interleaved, so load on the machine falls on each alike."""
    return [jobs_pass(paths, jobs, model) for _ in range(rounds) for jobs in job_counts]


def median_jobs_rate(passes: list[JobsPass], jobs: int) -> float:
    """Median articles per second over the rounds with this many jobs."""
    return Summary.of([item.per_second for item in passes if item.jobs == jobs]).median
