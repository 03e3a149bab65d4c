"""The shared evaluation data: where it lives, and its two files read into plain records (never copied)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "eval"
SUMMARY_FILE = "orangesum_valid.jsonl"
TRAIN_FILE = "orangesum_train.jsonl"
NER_FILE = "hipe_fr_ner.jsonl"
ENTITY_TYPES = ("PER", "LOC", "ORG")


class DataMissingError(Exception):
    """The evaluation data is not on this machine; the message says which file and where it was looked for."""


@dataclass(frozen=True)
class Article:
    """A news article with its professionally written abstract."""

    id: str
    title: str
    text: str
    summary: str

    @property
    def precis_input(self) -> str:
        """Title line, blank line, body: the layout Précis reads its title from."""
        return f"{self.title}\n\n{self.text}"


@dataclass(frozen=True, order=True)
class Span:
    """An entity mention as a character span of a document's text, with its type."""

    start: int
    end: int
    type: str


@dataclass(frozen=True)
class NerDocument:
    """A newspaper text and its gold PER/LOC/ORG spans; `trimmed` when titles were stripped from persons."""

    id: str
    text: str
    gold: tuple[Span, ...]
    trimmed: bool


def check_data_dir(data_dir: Path) -> None:
    """Fail early, naming the missing file, rather than halfway through a run."""
    for name in (SUMMARY_FILE, NER_FILE, TRAIN_FILE):  # train: the scorer ablation refits on it
        if not (data_dir / name).is_file():
            raise DataMissingError(f"{data_dir / name} is absent (evaluation data is read from {data_dir})")


def _rows(path: Path, limit: int | None) -> Iterator[dict[str, Any]]:
    """The first `limit` JSON lines of a file (all of them when limit is None)."""
    with path.open(encoding="utf-8") as lines:
        yield from (json.loads(line) for line in islice(lines, limit) if line.strip())


def read_articles(data_dir: Path, limit: int | None = None, *, file: str = SUMMARY_FILE) -> list[Article]:
    """OrangeSum articles (the validation file unless told otherwise), in file order."""
    return [
        Article(id=row["id"], title=row["title"], text=row["text"], summary=row["summary"])
        for row in _rows(data_dir / file, limit)
    ]


def read_ner_documents(data_dir: Path, limit: int | None = None) -> list[NerDocument]:
    """HIPE documents with title-trimmed person spans where the file has them, MISC left out."""
    return [_ner_document(row) for row in _rows(data_dir / NER_FILE, limit)]


def _ner_document(row: dict[str, Any]) -> NerDocument:
    """Prefer `entities_trimmed_per`; the LeTemps part of the file only has the untrimmed `entities`."""
    trimmed = "entities_trimmed_per" in row
    spans = row["entities_trimmed_per"] if trimmed else row["entities"]
    gold = tuple(sorted(Span(start, end, label) for start, end, label in spans if label in ENTITY_TYPES))
    return NerDocument(id=row["id"], text=row["text"], gold=gold, trimmed=trimmed)
