"""The requirements files that the Lambda builds read must match pyproject.toml's exact pins (`make pins`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PINS = Path(__file__).resolve().parent.parent.parent / "mk" / "pins.py"


def test_build_pins_requirements_files_match_pyproject() -> None:
    result = subprocess.run(
        [sys.executable, str(PINS), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
