"""Direct quotations and who said them, tolerant of the broken guillemets of machine translation."""

from __future__ import annotations

import re
from collections.abc import Sequence

from precis.core.document import Entity, Quote

_MARKS = frozenset('«»“”"')
_SPEECH_VERB = re.compile(
    r"\b(?:déclar|ajout|affirm|expliqu|soulign|dit|dis|estim|assur|avert|insist|indiqu|précis|répond|"
    r"lanc|martel|confi|reconn|poursuiv|conclu|annonc|rappel|prévenu|jug|salu|selon)\w*",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?]\s")
_WINDOW = 120
SPEAKER_TYPES = ("PER", "ORG")


def find_quotes(text: str, blocks: Sequence[tuple[int, int]], entities: Sequence[Entity]) -> list[Quote]:
    """Quotations inside each paragraph, attributed to a person or organisation of the article."""
    speakers = _speaker_mentions(entities)
    quotes = []
    for start, end in blocks:
        for opening, closing in _quotation_marks(text, start, end):
            quote_start, quote_end = _strip(text, opening + 1, closing)
            if quote_end > quote_start:
                speaker = _attribute(text, opening, closing + 1, (start, end), speakers)
                quotes.append(Quote(text[quote_start:quote_end], quote_start, quote_end, speaker))
    return quotes


def _quotation_marks(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Pair quotation marks in order (open, close, open...), whatever their direction: `« ... « ,` counts.

    An unclosed quotation runs to the end of its paragraph.
    """
    marks = [index for index in range(start, end) if text[index] in _MARKS]
    if len(marks) % 2:
        marks.append(end)
    return list(zip(marks[::2], marks[1::2], strict=True))


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    """The quotation without surrounding spaces and trailing commas."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;"):
        end -= 1
    return start, end


def _speaker_mentions(entities: Sequence[Entity]) -> list[tuple[int, str, str]]:
    """Every mention of a person or organisation, as (start, type, canonical name), in text order."""
    return sorted(
        (s, entity.type, entity.text)
        for entity in entities
        if entity.type in SPEAKER_TYPES
        for s, _ in entity.mentions
    )


def _attribute(
    text: str, start: int, end: int, block: tuple[int, int], speakers: list[tuple[int, str, str]]
) -> str | None:
    """Resolve the speaker of the quotation whose marks span [start, end)."""
    return _speaker_after(text, start, end, block, speakers) or _speaker_before(text, start, block, speakers)


def _speaker_after(
    text: str, start: int, end: int, block: tuple[int, int], speakers: list[tuple[int, str, str]]
) -> str | None:
    """`», a déclaré X` names X; `», a-t-il ajouté` means the last person named before the quote."""
    after_end = _clause_end(text, end, min(block[1], end + _WINDOW))
    if not _SPEECH_VERB.search(text, end, after_end):
        return None
    named = [name for s, _, name in speakers if end <= s < after_end]
    return named[0] if named else _last_named(speakers, block[0], start)


def _speaker_before(
    text: str, start: int, block: tuple[int, int], speakers: list[tuple[int, str, str]]
) -> str | None:
    """`selon X, « ... »`, or a person before a colon (`Macron : « ... »`): the last name before it."""
    before_start = max(block[0], start - _WINDOW)
    before = text[before_start:start]
    kinds: tuple[str, ...]
    if _SPEECH_VERB.search(before):
        kinds = SPEAKER_TYPES
    elif before.rstrip().endswith(":"):
        kinds = ("PER",)
    else:
        return None
    named = [name for s, kind, name in speakers if before_start <= s < start and kind in kinds]
    return named[-1] if named else None


def _clause_end(text: str, start: int, limit: int) -> int:
    """Where the words following a quote stop belonging to it: the next sentence end or quotation mark."""
    match = _SENTENCE_END.search(text, start, limit)
    stop = match.start() if match else limit
    marks = [text.find(mark, start, stop) for mark in _MARKS]
    return min([stop, *[m for m in marks if m != -1]])


def _last_named(speakers: list[tuple[int, str, str]], block_start: int, quote_start: int) -> str | None:
    """For `a-t-il déclaré`: the last person named before the quote in the same paragraph."""
    named = [name for s, kind, name in speakers if block_start <= s < quote_start and kind == "PER"]
    return named[-1] if named else None
