"""The embedded stack (precis.local) as the benchmark uses it: started on a free port, quiet, ready."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class RunningStack:
    """A started stack: its target (clients, names) and the environment its function runs with."""

    target: Any
    environment: dict[str, str]


@contextmanager
def output_to(path: Path) -> Iterator[None]:
    """Point this process's stdout and stderr at a file while children start, so their logs land there."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with path.open("ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
    try:
        yield
    finally:
        for descriptor, copy in zip((1, 2), saved, strict=True):
            os.dup2(copy, descriptor)
            os.close(copy)


@contextmanager
def embedded_stack(workers: int, log: Path | None = None) -> Iterator[RunningStack]:
    """Moto server, resources and `workers` handler processes (their output to `log`), stopped on exit."""
    from precis.local.stack import READY_TIMEOUT, EmbeddedStack, StackOptions, function_environment

    options = StackOptions(port=0, workers=workers, log_level="WARNING")
    with ExitStack() as stack:
        with output_to(log) if log else ExitStack():
            running = stack.enter_context(EmbeddedStack(options))
        running.wait_ready(READY_TIMEOUT)
        target = running.started_target()
        yield RunningStack(target, function_environment(options, target))
