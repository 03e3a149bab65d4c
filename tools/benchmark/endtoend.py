"""End to end through the embedded stack: upload to S3 (moto), S3 -> SQS, worker -> handler -> DynamoDB."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from precis.aws.items import ResultItem
from tools.benchmark.stack import RunningStack, embedded_stack
from tools.benchmark.throughput import cpu_seconds

IDLE_RUNS = 5
POLL_SECONDS = 0.05
DRAIN_POLL_SECONDS = 0.5
TIMEOUT_SECONDS = 900.0


class Clients(NamedTuple):
    """The stack's clients, made once per pass."""

    s3: Any
    dynamodb: Any
    sqs: Any


@dataclass(frozen=True)
class StackPass:
    """One stack size: a burst of every file (rate and latencies) and single uploads on an idle stack."""

    workers: int
    articles: int
    done: int
    seconds: float
    burst_latencies_ms: list[float]
    idle_latencies_ms: list[float]
    processing_ms: list[float]
    server_cpu_ms: float

    @property
    def per_second(self) -> float:
        """Articles summarised per second, from the first upload to the last item written."""
        return self.done / self.seconds


def written_at(item: ResultItem, fallback: float) -> float:
    """When the handler finished the item (its `processed_at`), or when we saw it if the item has none."""
    stamp = item.get("processed_at")
    return datetime.fromisoformat(stamp).timestamp() if isinstance(stamp, str) else fallback


def upload(stack: RunningStack, s3: Any, path: Path, key: str) -> float:
    """Put one file as `precis ingest` does; returns the wall-clock time the upload started."""
    started = time.time()
    s3.put_object(Bucket=stack.target.names.bucket, Key=key, Body=path.read_bytes(), ContentType="text/plain")
    return started


def item_of(stack: RunningStack, dynamodb: Any, key: str) -> ResultItem | None:
    """The result item of one object, if written yet."""
    from precis.aws.storage import get_result

    names = stack.target.names
    return get_result(dynamodb, names.table, names.bucket, key)


def idle_latency(stack: RunningStack, clients: Clients, path: Path, key: str) -> float:
    """Milliseconds from the start of one upload to its item, with nothing else queued."""
    started = upload(stack, clients.s3, path, key)
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while (item := item_of(stack, clients.dynamodb, key)) is None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no item for {key} after {TIMEOUT_SECONDS:.0f} s")
        time.sleep(POLL_SECONDS)
    return (written_at(item, time.time()) - started) * 1000


def wait_drained(sqs: Any, queue_url: str) -> None:
    """Until the queue holds no message, visible or in flight (every upload processed or dead-lettered)."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)["Attributes"]
        if all(int(attributes[name]) == 0 for name in names):
            return
        time.sleep(DRAIN_POLL_SECONDS)


def burst(stack: RunningStack, clients: Clients, paths: list[Path], prefix: str) -> StackPass:
    """Upload every file back to back, wait for the queue to drain, then read every item once."""
    s3, dynamodb, sqs = clients
    queue_url = stack.target.articles_queue_url()
    cpu_before = cpu_seconds()
    started = {f"{prefix}/{path.name}": upload(stack, s3, path, f"{prefix}/{path.name}") for path in paths}
    wait_drained(sqs, queue_url)
    server_cpu_ms = (cpu_seconds() - cpu_before) * 1000 / len(paths)
    seen = time.time()
    items = {key: item_of(stack, dynamodb, key) for key in started}
    done = {key: item for key, item in items.items() if item is not None and item.get("status") == "done"}
    ends = {key: written_at(item, seen) for key, item in done.items()}
    first = min(started.values())
    latencies = [(ends[key] - started[key]) * 1000 for key in ends]
    processing = [float(item["processing_ms"]) for item in done.values() if "processing_ms" in item]
    seconds = max(ends.values(), default=seen) - first
    return StackPass(0, len(paths), len(done), seconds, latencies, [], processing, server_cpu_ms)


def stack_pass(paths: list[Path], workers: int, log: Path) -> StackPass:
    """A fresh stack with `workers` workers (their logs to `log`): idle single uploads, then the burst."""
    with embedded_stack(workers, log) as stack:
        clients = Clients(*(stack.target.client(service) for service in ("s3", "dynamodb", "sqs")))
        idle = [idle_latency(stack, clients, path, f"idle/{path.name}") for path in paths[:IDLE_RUNS]]
        result = burst(stack, clients, paths, f"bench-e2e/{workers}")
    return StackPass(
        workers,
        result.articles,
        result.done,
        result.seconds,
        result.burst_latencies_ms,
        idle,
        result.processing_ms,
        result.server_cpu_ms,
    )


def measure_end_to_end(paths: list[Path], worker_counts: list[int], log: Path) -> list[StackPass]:
    """One pass per stack size; a failure carries the end of the stack's log."""
    try:
        return [stack_pass(paths, workers, log) for workers in worker_counts]
    except Exception as error:
        tail = " | ".join(log.read_text(errors="replace").splitlines()[-5:]) if log.is_file() else ""
        raise RuntimeError(f"{type(error).__name__}: {error}; stack log: {tail or 'empty'}") from error
