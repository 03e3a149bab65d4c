"""The README's `precis` examples are real: all parse, the local ones run, --help keeps its codes."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from precis.cli.main import build_parser
from precis.errors import MEANINGS
from tests.conftest import REPO_ROOT, validate_printed

PRECIS = "precis"
README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLES = [
    shlex.split(line.split("  #")[0].split(" > ")[0])[1:]
    for block in re.findall(r"```sh\n(.*?)```", README, flags=re.DOTALL)
    for line in block.replace("\\\n", " ").splitlines()
    if line.startswith(f".venv/bin/{PRECIS} ")
]


def test_readme_has_examples_of_every_command() -> None:
    assert {argv[0] for argv in EXAMPLES} >= {"summarise", "serve", "ingest", "query", "status", "export"}


@pytest.mark.parametrize("argv", EXAMPLES, ids=lambda argv: " ".join(argv))
def test_readme_example_parses(argv: list[str]) -> None:
    build_parser().parse_args(argv)


def test_readme_local_examples_run_as_written() -> None:
    for argv in [argv for argv in EXAMPLES if argv[0] == "summarise"]:
        run = subprocess.run(
            [str(Path(sys.executable).with_name(PRECIS)), *argv],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert run.returncode == 0, run.stderr
        if "jsonl" in argv:
            assert all(
                validate_printed(json.loads(line))["status"] == "done" for line in run.stdout.splitlines()
            )


def test_help_lists_every_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])

    out = capsys.readouterr().out
    assert all(f"  {int(code):<3}  {meaning}" in out for code, meaning in MEANINGS.items())
    assert all(f"{int(code)} " in README for code in MEANINGS)
