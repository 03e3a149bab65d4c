"""The command starts fast: each command imports only the libraries it uses (timings live in BENCH.md)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import SEEDS

HEAVY = ("boto3", "botocore", "moto", "flask", "werkzeug", "aws_lambda_powertools", "spacy")
PROBE = """
import contextlib, io, json, sys
from precis.cli.main import main
with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):
    main(sys.argv[1:])
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules} & set(%r))))
"""


def libraries_imported_by(*argv: str) -> list[str]:
    """The heavy libraries a fresh interpreter holds after running `precis ARGV`."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE % (HEAVY,), *argv],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    imported: list[str] = json.loads(result.stdout.splitlines()[-1])
    return imported


def test_cli_help_imports_no_aws_nlp_or_server_library() -> None:
    assert libraries_imported_by("--help") == []
    assert libraries_imported_by("query", "get", "--help") == []


def test_cli_summarise_pays_for_spacy_only() -> None:
    assert libraries_imported_by("summarise", str(SEEDS / "fr-02.txt")) == ["spacy"]
