"""The summary document: plain dataclasses whose `to_dict` is the versioned JSON that every surface shows."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA_VERSION = "1.0"


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

    type: str
    text: str
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
    entities_status: str
    summary: tuple[Sentence, ...]
    keywords: tuple[str, ...]
    stats: Stats
    encoding: str
    source_format: str
    schema_version: str = field(default=SCHEMA_VERSION)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready document (tuples become lists), as stored in the table and printed by the CLI."""
        document = asdict(self)
        document["entities"] = [
            {**entity, "aliases": list(entity["aliases"]), "mentions": [list(m) for m in entity["mentions"]]}
            for entity in document["entities"]
        ]
        document["summary"] = list(document["summary"])
        document["keywords"] = list(document["keywords"])
        return document
