"""The summary document: plain dataclasses whose `to_dict` is the versioned JSON that every surface shows."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

SCHEMA_VERSION = "2.0"
# Changes whenever the same article would give another document; `precis reprocess --stale` reruns the rest.
PIPELINE_VERSION = "4"
# Why `entities` may be empty: a closed set of codes, with a human-readable reason beside it.
EntitiesStatus = Literal["ok", "no_model", "language_undetermined"]


@dataclass(frozen=True)
class ModelInfo:
    """The spaCy pipeline that produced the entities, so results can be traced to a model release."""

    name: str
    version: str


@dataclass(frozen=True)
class Language:
    """Detected language (ISO 639-1, or `und` when unsure) and the detector's confidence in [0, 1]."""

    code: str
    confidence: float


@dataclass(frozen=True)
class Entity:
    """One real-world entity, merged over all its mentions in the article."""

    id: str  # precis.core.identity.entity_id(type, text): the same entity has the same id in every article
    type: str
    text: str
    country: str | None  # ISO 3166-1 alpha-2 of a place the gazetteer knows, else None
    count: int
    salience: float
    aliases: tuple[str, ...]
    mentions: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Sentence:
    """A sentence chosen for the summary, with its span in the decoded text."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class TimeReference:
    """One expression of time (`ce jeudi`, `avant 2014`), merged over its repetitions."""

    text: str
    kind: str
    mentions: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Quote:
    """A direct quotation without its marks, and its speaker's canonical name when the text gives one."""

    text: str
    start: int
    end: int
    speaker: str | None


@dataclass(frozen=True)
class Stats:
    """Sizes a reader cares about; reading time at 230 words a minute."""

    characters: int
    words: int
    sentences: int
    reading_time_seconds: int


@dataclass(frozen=True)
class Document:
    """Everything Précis says about one article."""

    title: str
    language: Language
    model: ModelInfo | None
    entities: tuple[Entity, ...]
    entities_status: EntitiesStatus
    entities_reason: str | None
    summary: tuple[Sentence, ...]
    who: tuple[str, ...]
    where: tuple[str, ...]
    when: tuple[TimeReference, ...]
    quotes: tuple[Quote, ...]
    keywords: tuple[str, ...]
    stats: Stats
    encoding: str
    source_format: str
    schema_version: str = field(default=SCHEMA_VERSION)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready document (tuples become lists), as stored in the table and printed by the CLI."""
        return _as_json(asdict(self))


def _as_json(value: Any) -> Any:
    """Tuples to lists, recursively: JSON has arrays only."""
    if isinstance(value, dict):
        return {key: _as_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_as_json(item) for item in value]
    return value
