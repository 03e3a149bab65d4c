"""Writes the requirements files that the Lambda builds read from the exact pins in pyproject.toml."""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = "# Generated from pyproject.toml by `make pins`: do not edit.\n"
EXACT_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==[^\s;,]+$")
MODEL_EXTRAS = ("models", "models-md")


def exact_pins(requirements: list[str]) -> list[str]:
    """Refuses anything but name==version, since a build must be reproducible."""
    for requirement in requirements:
        if not EXACT_PIN.match(requirement):
            raise SystemExit(f"pyproject.toml: {requirement!r} is not an exact pin (name==version)")
    return requirements


def model_file(requirement: str) -> str:
    """Names a model's file after its import name, which is also the template's SpacyModel value."""
    match = EXACT_PIN.match(requirement)
    assert match is not None
    return match["name"].replace("-", "_").lower() + ".txt"


def expected_files(pyproject: dict) -> dict[Path, str]:
    """Maps each generated requirements file to its content."""
    project = pyproject["project"]
    extras = project["optional-dependencies"]
    files = {
        Path("layers/nlp/requirements.txt"): exact_pins(project["dependencies"]),
        Path("functions/summarise/requirements.txt"): exact_pins(extras["lambda"]),
        Path("functions/api/requirements.txt"): exact_pins(extras["api"]),
    }
    for extra in MODEL_EXTRAS:
        for requirement in exact_pins(extras[extra]):
            files[Path("layers/models") / model_file(requirement)] = [requirement]
    return {path: HEADER + "".join(f"{line}\n" for line in lines) for path, lines in files.items()}


def drifted(files: dict[Path, str]) -> list[Path]:
    """Lists the files whose content differs from what pyproject.toml says."""
    return [
        path
        for path, text in files.items()
        if not (ROOT / path).is_file() or (ROOT / path).read_text() != text
    ]


def main(argv: list[str] | None = None) -> int:
    """Writes the files, or with --check only reports drift (for CI and the unit test)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if a file differs instead of writing it")
    args = parser.parse_args(argv)
    files = expected_files(tomllib.loads((ROOT / "pyproject.toml").read_text()))
    stale = drifted(files)
    if args.check:
        for path in stale:
            print(f"{path}: out of date, run `make pins`", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        (ROOT / path).parent.mkdir(parents=True, exist_ok=True)
        (ROOT / path).write_text(files[path])
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
