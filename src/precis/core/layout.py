"""Article layout: which lines are the title, body paragraphs and headings, and which are noise."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from precis.core.identity import fingerprint

_PARAGRAPH = re.compile(r"[^\n]+(?:\n[ \t]*[^\s][^\n]*)*")
_TRAILING_ID = re.compile(r"[A-Za-z]{0,8}[-_]?\d+[A-Za-z0-9_-]*")
_SENTENCE_END = re.compile(r"""[.!?…:;»"')\]]\s*$""")
_SLUG_SIMILARITY = 0.8
_HEADING_MAX_WORDS = 8
_TITLE_MAX_WORDS = 40


@dataclass(frozen=True)
class Block:
    """A paragraph of the article as a character span of the decoded text."""

    start: int
    end: int
    kind: str  # "title", "heading" or "paragraph"


@dataclass(frozen=True)
class Layout:
    """The article's blocks in order, and the spans (slug, trailing id) that are not article text."""

    blocks: tuple[Block, ...]
    noise: tuple[tuple[int, int], ...]

    @property
    def title(self) -> Block | None:
        """The first block, when it is a title."""
        return self.blocks[0] if self.blocks and self.blocks[0].kind == "title" else None


def analyse_layout(text: str) -> Layout:
    """Split into paragraphs, then name the title, drop a slug that repeats it and a trailing id line."""
    spans = [(match.start(), match.end()) for match in _PARAGRAPH.finditer(text) if match.group().strip()]
    spans = [_strip_span(text, start, end) for start, end in spans]
    noise: list[tuple[int, int]] = []
    if len(spans) > 1 and _is_trailing_id(text[slice(*spans[-1])]):
        noise.append(spans.pop())
    blocks: list[Block] = []
    if _has_title(text, spans):
        title_start, _ = spans[0]
        title_end = text.find("\n", title_start, spans[0][1])
        title_end = spans[0][1] if title_end == -1 else title_end
        blocks.append(Block(title_start, title_end, "title"))
        if title_end < spans[0][1]:
            spans[0] = _strip_span(text, title_end, spans[0][1])
        else:
            spans.pop(0)
        if spans and _is_slug(text[slice(*spans[0])], text[title_start:title_end]):
            noise.append(spans.pop(0))
    blocks.extend(Block(start, end, _block_kind(text[start:end])) for start, end in spans)
    return Layout(blocks=tuple(blocks), noise=tuple(sorted(noise)))


def _has_title(text: str, spans: list[tuple[int, int]]) -> bool:
    """A short first line followed by more text; a lone line or a long one is prose, not a title."""
    if not spans:
        return False
    first_line = text[spans[0][0] : spans[0][1]].split("\n", 1)
    return (len(spans) > 1 or len(first_line) > 1) and len(first_line[0].split()) <= _TITLE_MAX_WORDS


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a span to exclude surrounding whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _is_trailing_id(line: str) -> bool:
    """A lone identifier such as `fr-03` closing the file: a tag from the newsroom system, not prose."""
    return "\n" not in line and len(line) <= 24 and bool(_TRAILING_ID.fullmatch(line.strip()))


def _is_slug(line: str, title: str) -> bool:
    """A line that repeats the title (or its start) without accents or punctuation."""
    line_key, title_key = fingerprint(line), fingerprint(title)
    if not line_key or "\n" in line.strip():
        return False
    if title_key.startswith(line_key) and len(line_key) >= len(title_key) / 2:
        return True
    return _ratio_at_least(line_key, title_key, _SLUG_SIMILARITY)


def _ratio_at_least(first: str, second: str, threshold: float) -> bool:
    """difflib's `ratio() >= threshold`; its cheap upper bounds rule a long paragraph out first."""
    matcher = difflib.SequenceMatcher(None, first, second)
    return (
        matcher.real_quick_ratio() >= threshold
        and matcher.quick_ratio() >= threshold
        and matcher.ratio() >= threshold
    )


def _block_kind(block: str) -> str:
    """A short line with no closing punctuation is a section heading, not a sentence to summarise."""
    is_short_line = "\n" not in block and len(block.split()) <= _HEADING_MAX_WORDS
    return "heading" if is_short_line and not _SENTENCE_END.search(block) else "paragraph"
