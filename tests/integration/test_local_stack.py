"""The embedded stack end to end: moto server, the real handler in a worker process, status, CLI, DLQ."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from precis.aws.items import ResultItem
from precis.cli import main
from precis.core.pipeline import Summariser
from precis.errors import ExitCode
from precis.local.resources import RESULTS_EXPIRY_ATTRIBUTE, create_table
from precis.local.stack import EmbeddedStack, StackOptions
from precis.stack.ingest import Uploaded, wait_for_items
from precis.stack.status import queues_status, stack_status
from precis.stack.target import Target
from tests.conftest import validate_printed
from tests.integration.conftest import SEED

AWKWARD_KEY = "dossier été/revue de presse+lundi à Besançon.txt"
SECOND_ARTICLE = """Lyon inaugure une ligne de tramway

La métropole de Lyon a mis en service mardi une nouvelle ligne de tramway entre Vénissieux et Villeurbanne.
Le président de la métropole, Bruno Bernard, a salué un projet attendu depuis quinze ans.
"""
DRAINED = {"visible": 0, "in_flight": 0}


@pytest.fixture(scope="module")
def stack() -> Iterator[EmbeddedStack]:
    """One worker with the real handler; short visibility and two receives keep the DLQ test quick."""
    options = StackOptions(port=0, workers=1, visibility_timeout=3, max_receive_count=2)
    with EmbeddedStack(options) as running:
        running.wait_ready(180)
        yield running


def upload(target: Target, key: str, body: bytes) -> Uploaded:
    """Put an object with boto3 directly, as any client of the bucket would."""
    response = target.client("s3").put_object(Bucket=target.names.bucket, Key=key, Body=body)
    return Uploaded(key, response["ETag"].strip('"'))


def wait_for(target: Target, uploads: list[Uploaded]) -> dict[str, ResultItem]:
    """The items of every upload; the test fails naming the keys that got none."""
    dynamodb, names = target.client("dynamodb"), target.names
    found, missing = wait_for_items(
        dynamodb, target.client("s3"), names.table, names.bucket, uploads, timeout=60, progress=False
    )
    assert not missing, f"no item in time for {missing}"
    return found


def eventually(condition: Callable[[], bool], timeout: float = 60) -> bool:
    """Poll a condition: the stack works asynchronously."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.25)
    return True


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """The `precis` command in-process: exit code, stdout, stderr."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_script(*argv: str) -> tuple[int, str, str]:
    """The installed `precis` console script, as a user or a script runs it: exit code, stdout, stderr."""
    run = subprocess.run(
        [str(Path(sys.executable).with_name("precis")), *argv], capture_output=True, text=True, timeout=300
    )
    return run.returncode, run.stdout, run.stderr


def test_local_stack_processes_uploads_and_reports_status(
    stack: EmbeddedStack, summariser: Summariser, capsys: pytest.CaptureFixture[str]
) -> None:
    target = stack.started_target()
    before = stack_status(target)
    seed = SEED.read_bytes()

    uploads = [upload(target, "fr-03.txt", seed), upload(target, AWKWARD_KEY, SECOND_ARTICLE.encode())]
    items = wait_for(target, uploads)

    assert [items[u.key]["status"] for u in uploads] == ["done", "done"]
    assert items[AWKWARD_KEY]["key"] == AWKWARD_KEY
    assert items["fr-03.txt"]["document"] == summariser.summarise(seed).to_dict()
    assert eventually(lambda: queues_status(target)["queue"] == DRAINED)
    after = stack_status(target)
    assert after["objects"] == before["objects"] + 2
    assert after["items"]["done"] == before["items"].get("done", 0) + 2
    assert after["dead_letter_queue"] == DRAINED
    code, out, _ = run_cli(capsys, "status", "--json", "--endpoint-url", stack.endpoint_url)
    assert (code, json.loads(out)) == (0, after)
    code, out, _ = run_script(
        "query", "get", AWKWARD_KEY, "--format", "json", "--endpoint-url", stack.endpoint_url
    )
    printed = json.loads(out)
    assert code == 0
    assert printed["title"] == "Lyon inaugure une ligne de tramway"
    assert validate_printed(printed)["source"] == f"s3://{target.names.bucket}/{AWKWARD_KEY}"
    code, out, _ = run_cli(
        capsys, "query", "get", AWKWARD_KEY, "--item", "--endpoint-url", stack.endpoint_url
    )
    assert json.loads(out)["document"]["title"] == printed["title"]


def test_local_stack_cli_ingest_uploads_a_folder_and_waits(stack: EmbeddedStack, tmp_path: Path) -> None:
    (tmp_path / "deep" / "er").mkdir(parents=True)
    (tmp_path / "deep" / "er" / "tram.md").write_text(SECOND_ARTICLE, encoding="utf-8")
    (tmp_path / "photo.png").write_bytes(b"\x89PNG")
    (tmp_path / "empty.txt").write_bytes(b"  \n")

    code, out, err = run_script(
        "ingest", str(tmp_path), "--prefix", "cli", "--wait", "--format", "json",
        "--endpoint-url", stack.endpoint_url,
    )  # fmt: skip

    results = [validate_printed(result) for result in json.loads(out)]
    assert code == ExitCode.FAILED
    assert [(result["key"], result["status"]) for result in results] == [
        ("cli/deep/er/tram.md", "done"),
        ("cli/empty.txt", "failed"),
    ]
    assert "empty" in results[1]["error"]
    assert "1 of 2 item(s) failed" in err
    assert "skipped 1 file(s)" in err
    assert "photo.png" in err


def test_local_stack_message_goes_to_the_dlq_when_the_table_is_gone(stack: EmbeddedStack) -> None:
    target = stack.started_target()
    dynamodb = target.client("dynamodb")
    dynamodb.delete_table(TableName=target.names.table)
    try:
        upload(target, "poison/table-gone.txt", SECOND_ARTICLE.encode())

        assert eventually(lambda: queues_status(target)["dead_letter_queue"]["visible"] == 1)
        assert queues_status(target)["queue"] == DRAINED
    finally:
        create_table(dynamodb, target.names.table, RESULTS_EXPIRY_ATTRIBUTE)


def test_local_stack_stop_ends_workers_and_server() -> None:
    handler = "tests.integration.poison_handler:create"
    stack = EmbeddedStack(StackOptions(port=0, workers=1, handler=handler))
    stack.start()
    stack.wait_ready(60)
    target = stack.started_target()

    assert stack.stop() == [0]
    code = main(["status", "--endpoint-url", str(target.endpoint_url)])
    assert code == 3
