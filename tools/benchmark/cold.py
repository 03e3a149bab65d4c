"""Cold start: fresh interpreters, launched in turn (interleaved) so load on the machine hits all alike."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote_plus

from tools.benchmark.stack import RunningStack, embedded_stack
from tools.common.stats import Summary

PROBE = Path(__file__).with_name("probe.py")
PROBE_TIMEOUT = 600
HANDLER_LABEL = "Lambda handler: import + first S3 event (moto server)"
CLI_HELP_LABEL = "`precis --help`"
CLI_SUMMARISE_LABEL = "`precis summarise` of the seed"
# The warm-up round writes .pyc files for the project's own modules even where the shell disables them.
WITH_BYTECODE: dict[str, str | None] = {"PYTHONDONTWRITEBYTECODE": None}


@dataclass(frozen=True)
class ColdRun:
    """One fresh process: seconds from launch to each mark, and its peak RSS."""

    total: float
    startup: float
    imports: float
    load: float
    first: float
    peak_mb: float


@dataclass
class ColdRow:
    """One way of starting, its runs, and why it could not run if it could not."""

    label: str
    runs: list[ColdRun] = field(default_factory=list)
    error: str | None = None

    @property
    def summary(self) -> Summary | None:
        """Median and p95 of the total times, once there are runs."""
        return Summary.of([run.total for run in self.runs]) if self.runs else None

    def median_of(self, part: Callable[[ColdRun], float]) -> float:
        """The median of one phase, for the breakdown columns."""
        return Summary.of([part(run) for run in self.runs]).median


@dataclass(frozen=True)
class Probe:
    """How to launch one row's process: probe arguments and extra environment, built per run."""

    label: str
    arguments: Callable[[int], list[str]]
    environment: dict[str, str | None] = field(default_factory=lambda: dict(WITH_BYTECODE))


def launch(probe: Probe, run: int) -> ColdRun:
    """Start the probe in a fresh interpreter and time it from just before the launch."""
    environment = {**os.environ}
    for name, value in probe.environment.items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    launched = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(PROBE), *probe.arguments(run)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=PROBE_TIMEOUT,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(_last_line(result.stderr) or f"exit code {result.returncode}")
    marks = json.loads(_last_line(result.stdout))
    return ColdRun(
        total=marks["done"] - launched,
        startup=marks["started"] - launched,
        imports=marks["imported"] - marks["started"],
        load=marks["loaded"] - marks["imported"],
        first=marks["done"] - marks["loaded"],
        peak_mb=marks["peak_rss_kb"] / 1024,
    )


def _last_line(text: str) -> str:
    """The last non-empty line (libraries may print before the probe's JSON)."""
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def measure(probes: list[Probe], runs: int) -> list[ColdRow]:
    """One warm-up round (page cache, .pyc files), then `runs` rounds, each launching every probe once."""
    rows = [ColdRow(probe.label) for probe in probes]
    for round_number in range(runs + 1):
        for probe, row in zip(probes, rows, strict=True):
            if row.error is not None:
                continue
            try:
                result = launch(probe, round_number)
            except (RuntimeError, subprocess.TimeoutExpired, ValueError, KeyError) as error:
                row.error = str(error)
                continue
            if round_number:
                row.runs.append(result)
    return rows


def no_bytecode(prefix: Path) -> dict[str, str | None]:
    """Environment that makes Python compile every module from source, as in a layer built without .pyc."""
    return {"PYTHONPYCACHEPREFIX": str(prefix), "PYTHONDONTWRITEBYTECODE": "1"}


def handler_event(stack: RunningStack, article: Path, run: int, folder: Path) -> list[str]:
    """Upload the article under a key of its own (the handler is idempotent) and write its S3 event."""
    names = stack.target.names
    key = f"bench-cold/{run}-{time.monotonic_ns()}.txt"
    data = article.read_bytes()
    response = stack.target.client("s3").put_object(Bucket=names.bucket, Key=key, Body=data)
    record = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": stack.environment.get("AWS_REGION", "us-east-1"),
        "eventTime": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "eventName": "ObjectCreated:Put",
        "s3": {
            "s3SchemaVersion": "1.0",
            "bucket": {"name": names.bucket, "arn": f"arn:aws:s3:::{names.bucket}"},
            "object": {"key": quote_plus(key), "size": len(data), "eTag": response["ETag"].strip('"')},
        },
    }
    path = folder / f"event-{run}-{time.monotonic_ns()}.json"
    path.write_text(json.dumps({"Records": [record]}))
    return ["handler", str(path)]


def start_stack(stack: ExitStack) -> tuple[RunningStack | None, str | None]:
    """The embedded stack without workers, for the handler's S3 and DynamoDB calls, or why it failed."""
    try:
        return stack.enter_context(embedded_stack(workers=0)), None
    except Exception as error:
        return None, f"{type(error).__name__}: {error}"


def cold_start(model: str, article: Path, runs: int) -> list[ColdRow]:
    """Stock spaCy, Précis's core and the Lambda handler, each also without .pyc files."""
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="precis-bench-")))
        running, error = start_stack(stack)
        probes = _probes(model, str(article), folder)
        if running is not None:
            probes.append(_handler_probe(running, article, folder))
        probes += [_without_bytecode(probe, folder / "pyc") for probe in probes if "empty" not in probe.label]
        rows = measure(probes, runs)
        if running is None:
            rows.append(ColdRow(HANDLER_LABEL, error=error))
        return rows


def _probes(model: str, article: str, folder: Path) -> list[Probe]:
    """Stock spaCy, the core, and the core on a machine whose language-id cache is still empty."""
    return [
        Probe("spaCy stock: `spacy.load` (full) + `nlp(text)`", lambda _: ["stock", model, article]),
        Probe("Précis core: import + `Summariser.load` + `summarise`", lambda _: ["core", model, article]),
        Probe(
            "Précis core, empty language-id cache (first run on a machine)",
            lambda run: ["core", model, article, str(folder / f"cache-{run}")],
        ),
        Probe(CLI_HELP_LABEL, lambda _: ["cli", "--help"]),
        Probe(CLI_SUMMARISE_LABEL, lambda _: ["cli", "-q", "summarise", "--model", model, article]),
    ]


def _without_bytecode(probe: Probe, prefix: Path) -> Probe:
    """The same probe compiling every module from source."""
    return Probe(f"{probe.label}, no .pyc", probe.arguments, {**probe.environment, **no_bytecode(prefix)})


def _handler_probe(running: RunningStack, article: Path, folder: Path) -> Probe:
    """The handler's probe: a new object and event per run, the function's environment from the stack."""
    environment: dict[str, str | None] = {**running.environment, **WITH_BYTECODE}
    return Probe(HANDLER_LABEL, lambda run: handler_event(running, article, run, folder), environment)
