"""The installed `precis` console script, run as a user or a script runs it: exit codes and output shapes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from precis.core.pipeline import Summariser
from precis.core.text import MAX_TEXT_CHARS
from precis.errors import ExitCode
from tests.conftest import SEEDS, validate_printed

PRECIS = Path(sys.executable).with_name("precis")


def precis(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the console script to its end (a model load takes seconds on a busy machine)."""
    return subprocess.run(
        [str(PRECIS), *argv], capture_output=True, text=True, timeout=300, cwd=cwd, check=False
    )


def test_script_checks_inputs_before_loading_any_model(tmp_path: Path) -> None:
    run = precis("summarise", str(tmp_path / "missing.txt"), "--model", "fr=no_such_model_package")

    assert run.returncode == ExitCode.FAILED
    assert validate_printed(json.loads(run.stdout)) == {
        "source": str(tmp_path / "missing.txt"),
        "status": "failed",
        "error": "cannot read: No such file or directory",
    }
    assert "no_such_model_package" not in run.stderr


def test_script_model_hint_names_only_what_can_be_installed() -> None:
    run = precis("summarise", str(SEEDS / "fr-03.txt"), "--model", "en=en_core_web_sm")

    assert run.returncode == ExitCode.UNAVAILABLE
    assert "pip install en-core-web-sm" not in run.stderr
    assert "no en_core_web_sm package is published" in run.stderr
    assert "fr_core_news_sm" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_script_jsonl_names_every_input_in_order_and_failures_are_lines(
    jobs: str, tmp_path: Path, summariser: Summariser
) -> None:
    folder = tmp_path / "articles"
    (folder / "deep").mkdir(parents=True)
    (folder / "deep" / "B.TXT").write_bytes((SEEDS / "fr-01.txt").read_bytes())
    (folder / "a.md").write_bytes((SEEDS / "fr-02.txt").read_bytes())
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "big.txt").write_bytes(b"a " * (MAX_TEXT_CHARS // 2 + 1))
    (tmp_path / "empty").mkdir()
    inputs = [SEEDS / "fr-03.txt", tmp_path / "big.txt", folder, tmp_path / "missing.txt", tmp_path / "empty"]

    run = precis("summarise", "--format", "jsonl", "--jobs", jobs, *map(str, inputs))

    lines = [json.loads(line) for line in run.stdout.splitlines()]
    results = [validate_printed(line) for line in lines]
    assert run.returncode == ExitCode.FAILED
    assert [(result["source"], result["status"]) for result in results] == [
        (str(SEEDS / "fr-03.txt"), "done"),
        (str(tmp_path / "big.txt"), "failed"),
        (str(folder / "a.md"), "done"),
        (str(folder / "deep" / "B.TXT"), "done"),
        (str(tmp_path / "missing.txt"), "failed"),
        (str(tmp_path / "empty"), "failed"),
    ]
    assert "over the 1,000,000-character limit" in results[1]["error"]
    assert {key: value for key, value in lines[0].items() if key != "result"} == summariser.summarise(
        (SEEDS / "fr-03.txt").read_bytes()
    ).to_dict()
    assert "3 of 6 input(s) could not be summarised" in run.stderr
    assert "skipped 1 file(s)" in run.stderr and "notes.pdf" in run.stderr
    assert "Traceback" not in run.stderr
