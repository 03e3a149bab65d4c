"""Fixtures shared by every tier: the repository's paths and one loaded summariser per test session."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import jsonschema
import pytest
from hypothesis import settings

from precis.aws.items import ResultItem
from precis.aws.settings import DEFAULT_MODEL
from precis.aws.storage import result_id
from precis.core.document import PIPELINE_VERSION
from precis.core.pipeline import Summariser
from precis.local import emulation
from tests.cfn import load_template

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS = REPO_ROOT / "seeds"
SCHEMA_PATH = REPO_ROOT / "src" / "precis" / "schema" / "document.schema.json"

# Shared, loaded machines: a property holds or not whatever an example takes, so no example has a deadline.
settings.register_profile("shared-machine", deadline=None)
settings.load_profile("shared-machine")


@pytest.fixture(scope="session", autouse=True)
def isolated_moto_transactions() -> None:
    """moto's DynamoDB as the embedded stack runs it: transactions isolated, and fast on large tables."""
    emulation.install()


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    """template.yaml as CloudFormation reads it, parsed once."""
    return load_template()


@pytest.fixture(scope="session")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    """The template's resources by logical id, which most template tests inspect."""
    return dict(template["Resources"])


def result_item(bucket: str, key: str, **fields: Any) -> ResultItem:
    """A minimal `done` item of one object, with whatever other fields a test needs."""
    item: ResultItem = {
        "id": result_id(bucket, key),
        "bucket": bucket,
        "key": key,
        "status": "done",
        "uploaded_at": "2026-12-01T00:00:00.000000Z",
        "processed_at": "2026-12-01T00:00:00.000Z",
        "pipeline_version": PIPELINE_VERSION,
    }
    return cast(ResultItem, {**item, **fields})


def validate_printed(result: dict[str, Any]) -> dict[str, Any]:
    """A result as the CLI prints it, checked against the schema: a document with `result`, or, failed,
    only `result`; returns its `result`."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    if result["result"]["status"] == "done":
        jsonschema.validate(result, schema)
    else:
        assert list(result) == ["result"]
        jsonschema.validate(result["result"], {"$ref": "#/$defs/result", "$defs": schema["$defs"]})
    printed: dict[str, Any] = result["result"]
    return printed


@pytest.fixture(scope="session")
def summariser() -> Summariser:
    """The French pipeline, loaded once: a load costs seconds."""
    return Summariser.load({"fr": DEFAULT_MODEL})


@pytest.fixture(scope="session")
def seed_bytes() -> bytes:
    """The sample article from the newsroom, exactly as delivered."""
    return (SEEDS / "fr-03.txt").read_bytes()
