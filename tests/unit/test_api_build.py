"""The built ApiFunction (`make build`) ships its entry point, shell, core and pages, and no spaCy."""

from __future__ import annotations

from pathlib import Path

import pytest

FUNCTION = Path(__file__).resolve().parents[2] / ".aws-sam" / "build" / "ApiFunction"


@pytest.fixture
def built() -> Path:
    """The build output, or a skip saying how to make it."""
    if not FUNCTION.is_dir():
        pytest.skip("no build output (ApiFunction missing under .aws-sam/build): run `make build`")
    return FUNCTION


def test_api_build_ships_entry_point_shell_core_and_pages(built: Path) -> None:
    shipped = sorted(path.name for path in (built / "precis").iterdir() if path.name != "__pycache__")

    assert (built / "app.py").is_file()
    assert shipped == ["__init__.py", "aws", "core"]
    assert {path.name for path in (built / "precis/aws/web").iterdir()} >= {"index.html", "viewer.js"}
    assert (built / "precis/core/gazetteer.json").is_file()


def test_api_build_ships_the_router_and_its_validation_but_no_nlp(built: Path) -> None:
    names = {path.name for path in built.iterdir()}

    assert {"aws_lambda_powertools", "pydantic", "pydantic_core"} <= names
    assert not names & {"spacy", "thinc", "numpy", "moto", "boto3", "botocore", "tools", "tests"}
