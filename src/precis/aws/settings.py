"""Function settings, read from the environment once at cold start so a misconfiguration fails fast."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# The French model the template deploys by default (parameter SpacyModel) and every local command loads.
DEFAULT_MODEL = "fr_core_news_sm"
DEFAULT_MODELS = f"fr={DEFAULT_MODEL}"
# Measured on the seed's prose: 200 KB takes about 5 s and peaks near 800 MB; 1 MB took 44 s and 3 GB.
DEFAULT_MAX_OBJECT_BYTES = 200_000
# The articles queue's maxReceiveCount in template.yaml: the last receive before the dead-letter queue.
DEFAULT_MAX_RECEIVE_COUNT = 5


class SettingsError(ValueError):
    """A required setting is missing or malformed; the message names the variable and the expected format."""


@dataclass(frozen=True)
class Settings:
    """What the shell needs from the environment; the core gets these values, never the environment."""

    table_name: str
    index_table_name: str
    idempotency_table_name: str
    results_bucket: str
    models: Mapping[str, str]
    max_object_bytes: int = DEFAULT_MAX_OBJECT_BYTES
    # The language identifier packed in the NLP layer (template.yaml: /opt/python/precis_langid), where
    # Lambda's read-only home leaves no cache to unpack it into; None: the core's cache.
    langid_dir: Path | None = None
    max_receive_count: int = DEFAULT_MAX_RECEIVE_COUNT

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build the settings from `environ` (default: os.environ), raising SettingsError on any problem."""
        env = os.environ if environ is None else environ
        return cls(
            table_name=_required(env, "PRECIS_TABLE_NAME", "the name of the DynamoDB results table"),
            index_table_name=_required(
                env, "PRECIS_INDEX_TABLE_NAME", "the name of the DynamoDB query index table"
            ),
            idempotency_table_name=_required(
                env, "PRECIS_IDEMPOTENCY_TABLE_NAME", "the name of the DynamoDB idempotency table"
            ),
            results_bucket=_required(
                env, "PRECIS_RESULTS_BUCKET", "the S3 bucket for results too large for the table"
            ),
            models=parse_models(
                _required(env, "PRECIS_MODELS", "e.g. fr=fr_core_news_sm,en=en_core_web_sm"),
            ),
            max_object_bytes=_positive_int(env, "PRECIS_MAX_OBJECT_BYTES", DEFAULT_MAX_OBJECT_BYTES),
            langid_dir=Path(env["PRECIS_LANGID_DIR"]) if env.get("PRECIS_LANGID_DIR", "").strip() else None,
            max_receive_count=_positive_int(env, "PRECIS_MAX_RECEIVE_COUNT", DEFAULT_MAX_RECEIVE_COUNT),
        )


@dataclass(frozen=True)
class ApiSettings:
    """What the read-only API needs: the tables it queries and the bucket it reads articles' text from."""

    table_name: str
    index_table_name: str
    articles_bucket: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ApiSettings:
        """Build the settings from `environ` (default: os.environ), raising SettingsError on any problem."""
        env = os.environ if environ is None else environ
        return cls(
            table_name=_required(env, "PRECIS_TABLE_NAME", "the name of the DynamoDB results table"),
            index_table_name=_required(
                env, "PRECIS_INDEX_TABLE_NAME", "the name of the DynamoDB query index table"
            ),
            articles_bucket=_required(env, "PRECIS_ARTICLES_BUCKET", "the bucket articles are uploaded to"),
        )


def parse_models(value: str) -> dict[str, str]:
    """Parse `fr=fr_core_news_sm[,en=en_core_web_sm]` into {language: spaCy package}."""
    models: dict[str, str] = {}
    for entry in value.split(","):
        language, sep, package = (part.strip() for part in entry.partition("="))
        if not sep or not language or not package:
            raise SettingsError(
                f"PRECIS_MODELS entry {entry.strip()!r} is not language=package (e.g. fr=fr_core_news_sm)"
            )
        if language in models:
            raise SettingsError(f"PRECIS_MODELS lists language {language!r} twice")
        models[language] = package
    return models


def _required(env: Mapping[str, str], name: str, hint: str) -> str:
    """Return a non-blank variable or explain which one is missing and what it should hold."""
    value = env.get(name, "").strip()
    if not value:
        raise SettingsError(f"{name} is not set ({hint})")
    return value


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    """Return an optional positive integer variable, or its default when unset."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value <= 0:
        raise SettingsError(f"{name} must be positive, got {value}")
    return value
