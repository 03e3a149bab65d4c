"""The query commands on the embedded stack: each answers from the index, and none of them ever scans."""

from __future__ import annotations

import csv
import io
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto.moto_api import recorder

from precis.cli import main
from precis.local.stack import EmbeddedStack, StackOptions
from precis.stack.status import queues_status
from tests.conftest import SEEDS
from tests.integration.test_local_stack import DRAINED, eventually

EMPTY = "vide.txt"


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """moto's request recorder writes to a temporary file, not to `moto_recording` in the working folder
    (its location is read once, when moto is imported, so it is set on the recorder itself)."""
    previous = recorder._location
    recorder._location = str(tmp_path_factory.mktemp("moto") / "recording")
    yield
    recorder._location = previous


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, recording: None) -> Iterator[EmbeddedStack]:
    """One worker; the seeds and an empty file ingested and processed."""
    folder = tmp_path_factory.mktemp("articles")
    for seed in SEEDS.glob("*.txt"):
        (folder / seed.name).write_bytes(seed.read_bytes())
    (folder / EMPTY).write_bytes(b"")
    with EmbeddedStack(StackOptions(port=0, workers=1)) as running:
        running.wait_ready(180)
        main(["-q", "ingest", str(folder), "--wait", "--endpoint-url", running.endpoint_url])
        yield running


def run(capsys: pytest.CaptureFixture[str], stack: EmbeddedStack, *argv: str) -> tuple[int, str, str]:
    """Run `precis ARGV --endpoint-url ...` in process; its exit code, stdout and stderr."""
    capsys.readouterr()
    code = main(["-q", *argv, "--endpoint-url", stack.endpoint_url])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def moto_api(stack: EmbeddedStack, path: str, method: str = "POST") -> bytes:
    """Call moto's own API on the stack's server (the request recorder)."""
    request = urllib.request.Request(f"{stack.endpoint_url}/moto-api/recorder/{path}", method=method)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=30) as response:
        body: bytes = response.read()
        return body


QUESTIONS = [
    ("query", "recent", "--all"),
    ("query", "recent", "--status", "done", "--language", "fr"),
    ("query", "failed"),
    ("query", "search", "Bretagne"),
    ("query", "entity", "Mark Rutte", "--type", "PER"),
    ("query", "top", "--days", "30"),
    ("query", "cooccur", "Mark Rutte"),
    ("query", "quotes", "Pete Hegseth"),
    ("query", "get", "fr-03.txt"),
    ("status",),
    ("export",),
    ("export", "--format", "csv", "--entities"),
]


def test_local_stack_no_question_reads_the_archive_with_a_scan(
    stack: EmbeddedStack, capsys: pytest.CaptureFixture[str]
) -> None:
    moto_api(stack, "reset-recording")
    moto_api(stack, "start-recording")
    try:
        codes = [run(capsys, stack, *question)[0] for question in QUESTIONS]
    finally:
        moto_api(stack, "stop-recording")
    recording = [
        json.loads(line) for line in moto_api(stack, "download-recording", "GET").splitlines() if line
    ]
    operations = [str(request.get("headers", {}).get("X-Amz-Target", "")) for request in recording]

    assert codes == [0] * len(QUESTIONS)
    assert any(operation.endswith(".Query") for operation in operations)
    assert not [operation for operation in operations if operation.endswith(".Scan")]


def test_local_stack_query_answers_from_the_index(
    stack: EmbeddedStack, capsys: pytest.CaptureFixture[str]
) -> None:
    _, recent, _ = run(capsys, stack, "query", "recent", "--format", "json", "--limit", "2")
    _, entity, _ = run(capsys, stack, "query", "entity", "mark rutte", "--format", "json")
    _, failed, _ = run(capsys, stack, "query", "failed", "--format", "json")
    _, top, _ = run(capsys, stack, "query", "top", "--format", "json", "--type", "LOC")
    _, quotes, _ = run(capsys, stack, "query", "quotes", "Pete Hegseth", "--format", "json")

    first = json.loads(recent)
    assert len(first["items"]) == 2 and first["cursor"]
    code, rest, _ = run(
        capsys, stack, "query", "recent", "--format", "json", "--cursor", first["cursor"], "--all"
    )
    assert code == 0 and len(first["items"]) + len(json.loads(rest)["items"]) == 5
    assert [mention["key"] for mention in json.loads(entity)["items"]] == ["fr-03.txt"]
    assert [(item["key"], "empty" in item["error"]) for item in json.loads(failed)["items"]] == [
        (EMPTY, True)
    ]
    assert {row["type"] for row in json.loads(top)} == {"LOC"}
    assert {quote["speaker"] for quote in json.loads(quotes)["items"]} == {"Pete Hegseth"}


def test_local_stack_query_refuses_a_bad_cursor_as_a_usage_error(
    stack: EmbeddedStack, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, stack, "query", "recent", "--cursor", "garbage")

    assert code == 2
    assert "cursor" in err


def test_local_stack_export_streams_every_result(
    stack: EmbeddedStack, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, lines, _ = run(capsys, stack, "export")
    _, table, _ = run(capsys, stack, "export", "--format", "csv")
    code, _, _ = run(
        capsys, stack, "export", "--entities", "--format", "csv", "--output", str(tmp_path / "e.csv")
    )

    items = [json.loads(line) for line in lines.splitlines()]
    assert sorted(item["key"] for item in items) == sorted(
        [*(seed.name for seed in SEEDS.glob("*.txt")), EMPTY]
    )
    assert all("index_manifest" not in item and "write_id" not in item for item in items)
    assert len(list(csv.DictReader(io.StringIO(table)))) == 5
    rows = list(csv.DictReader((tmp_path / "e.csv").open(encoding="utf-8")))
    assert code == 0 and {"Mark Rutte", "Bretagne"} <= {row["name"] for row in rows}


def test_local_stack_reprocess_all_sends_every_object_and_reruns_nothing_already_done(
    stack: EmbeddedStack, capsys: pytest.CaptureFixture[str]
) -> None:
    _, before, _ = run(capsys, stack, "export")

    code, said, _ = run(capsys, stack, "reprocess", "--all")

    assert code == 0 and "enqueued 5 object(s)" in said
    target = stack.started_target()
    assert eventually(lambda: queues_status(target)["queue"] == DRAINED)
    _, after, _ = run(capsys, stack, "export")
    processed = {line["key"]: line["processed_at"] for line in map(json.loads, before.splitlines())}
    assert {line["key"]: line["processed_at"] for line in map(json.loads, after.splitlines())} == processed
