"""`precis summarise`: the stored document on stdout, errors on stderr, the other files still done."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from precis.cli import summarise as summarise_command
from precis.cli.main import main
from precis.core.pipeline import Summariser
from tests.conftest import SEEDS, validate_printed


@pytest.fixture
def shared_summariser(summariser: Summariser, monkeypatch: pytest.MonkeyPatch) -> Summariser:
    """The session's loaded model instead of a fresh load per CLI call (a load costs seconds)."""
    monkeypatch.setattr(summarise_command, "load_summariser", lambda models: summariser)
    return summariser


def test_summarise_json_is_exactly_the_stored_document(
    shared_summariser: Summariser, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = SEEDS / "fr-03.txt"

    code = main(["summarise", str(seed)])

    printed = json.loads(capsys.readouterr().out)
    assert code == 0
    assert validate_printed(printed) == {"source": str(seed), "status": "done", "error": None}
    del printed["result"]
    assert printed == shared_summariser.summarise(seed.read_bytes()).to_dict()


def test_summarise_unreadable_file_is_reported_and_the_rest_continues(
    shared_summariser: Summariser, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = SEEDS / "fr-03.txt"

    code = main(["summarise", "--format", "jsonl", str(tmp_path / "missing.txt"), str(seed), str(tmp_path)])

    out, err = capsys.readouterr()
    results = [validate_printed(json.loads(line)) for line in out.splitlines()]
    assert code == 1
    assert [(result["source"], result["status"], result["error"]) for result in results] == [
        (str(tmp_path / "missing.txt"), "failed", "cannot read: No such file or directory"),
        (str(seed), "done", None),
        (str(tmp_path), "failed", "no .txt/.md/.html/.htm files in this folder"),
    ]
    assert "2 of 3 input(s) could not be summarised" in err
    assert "Traceback" not in err


def test_summarise_several_files_as_json_is_an_array_and_text_is_a_report(
    shared_summariser: Summariser, capsys: pytest.CaptureFixture[str]
) -> None:
    seeds = [str(SEEDS / "fr-03.txt"), str(SEEDS / "fr-03.txt")]

    assert main(["summarise", *seeds]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2
    assert main(["summarise", "--format", "text", seeds[1]]) == 0
    report = capsys.readouterr().out
    assert report.startswith(f"== {seeds[1]} [done]\nLes États-Unis")
    assert "  PER  " in report
