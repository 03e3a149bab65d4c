"""The texts the benchmark runs on: the repository's seed and, when present, 300 OrangeSum articles."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Article:
    """One input as the function receives it: a name and UTF-8 bytes."""

    name: str
    data: bytes

    @property
    def text(self) -> str:
        """The decoded text, for the systems that take text (stock spaCy, peers)."""
        return self.data.decode("utf-8")


def seed_article(path: Path) -> Article:
    """The newsroom sample the project started from (always in the repository)."""
    return Article(path.name, path.read_bytes())


def validation_articles(path: Path) -> list[Article] | None:
    """OrangeSum validation articles as `title + blank line + text`; None when the file is absent."""
    if not path.is_file():
        return None
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Article(f"{row['id']}.txt", f"{row['title']}\n\n{row['text']}".encode()) for row in rows]


def write_files(articles: list[Article], folder: Path) -> list[Path]:
    """The articles as .txt files (in a temporary folder: the evaluation data never enters the repo)."""
    paths = []
    for article in articles:
        path = folder / article.name
        path.write_bytes(article.data)
        paths.append(path)
    return paths
