"""Settings are read once from the environment and fail fast, naming the variable at fault."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from precis.aws.settings import DEFAULT_MAX_OBJECT_BYTES, Settings, SettingsError, parse_models

BASE = {
    "PRECIS_TABLE_NAME": "precis-results",
    "PRECIS_INDEX_TABLE_NAME": "precis-index",
    "PRECIS_IDEMPOTENCY_TABLE_NAME": "precis-idempotency",
    "PRECIS_RESULTS_BUCKET": "precis-results-123456789012-us-east-1",
    "PRECIS_MODELS": "fr=fr_core_news_sm",
}


def test_settings_from_env_reads_required_values_and_defaults() -> None:
    settings = Settings.from_env(BASE)

    assert settings == Settings(
        table_name="precis-results",
        index_table_name="precis-index",
        idempotency_table_name="precis-idempotency",
        results_bucket="precis-results-123456789012-us-east-1",
        models={"fr": "fr_core_news_sm"},
    )
    assert settings.max_object_bytes == DEFAULT_MAX_OBJECT_BYTES == 200_000


def test_settings_from_env_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**BASE, "PRECIS_MAX_OBJECT_BYTES": "1_000"}.items():
        monkeypatch.setenv(name, value)

    assert Settings.from_env().max_object_bytes == 1_000


def test_settings_langid_dir_is_optional_and_a_path() -> None:
    assert Settings.from_env(BASE).langid_dir is None
    assert Settings.from_env({**BASE, "PRECIS_LANGID_DIR": " "}).langid_dir is None
    packed = Settings.from_env({**BASE, "PRECIS_LANGID_DIR": "/opt/python/precis_langid"}).langid_dir
    assert packed == Path("/opt/python/precis_langid")


def test_settings_are_frozen() -> None:
    with pytest.raises(FrozenInstanceError):
        Settings.from_env(BASE).table_name = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    "missing",
    [
        "PRECIS_TABLE_NAME",
        "PRECIS_INDEX_TABLE_NAME",
        "PRECIS_IDEMPOTENCY_TABLE_NAME",
        "PRECIS_RESULTS_BUCKET",
        "PRECIS_MODELS",
    ],
)
@pytest.mark.parametrize("value", [None, "", "   "])
def test_settings_missing_required_variable_is_named(missing: str, value: str | None) -> None:
    env = {name: v for name, v in BASE.items() if name != missing}
    if value is not None:
        env[missing] = value

    with pytest.raises(SettingsError, match=f"^{missing} is not set"):
        Settings.from_env(env)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("fr=fr_core_news_sm", {"fr": "fr_core_news_sm"}),
        ("fr=fr_core_news_sm,en=en_core_web_sm", {"fr": "fr_core_news_sm", "en": "en_core_web_sm"}),
        (" fr = fr_core_news_md , en=en_core_web_sm ", {"fr": "fr_core_news_md", "en": "en_core_web_sm"}),
    ],
)
def test_parse_models_maps_languages_to_packages(value: str, expected: dict[str, str]) -> None:
    assert parse_models(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("fr_core_news_sm", "not language=package"),
        ("fr=", "not language=package"),
        ("=fr_core_news_sm", "not language=package"),
        ("fr=fr_core_news_sm,", "not language=package"),
        ("fr=fr_core_news_sm,fr=fr_core_news_md", "lists language 'fr' twice"),
    ],
)
def test_parse_models_rejects_malformed_values(value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        parse_models(value)


@pytest.mark.parametrize(
    ("value", "message"), [("5MB", "whole number"), ("0", "positive"), ("-1", "positive")]
)
def test_settings_reject_a_bad_size_limit(value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=f"PRECIS_MAX_OBJECT_BYTES .*{message}"):
        Settings.from_env({**BASE, "PRECIS_MAX_OBJECT_BYTES": value})
