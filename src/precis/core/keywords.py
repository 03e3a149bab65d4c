"""Key phrases: runs of content words, singular-folded, ranked by how often the article repeats them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from spacy.tokens import Doc, Token

MAX_KEYWORDS = 8
MAX_PHRASE_WORDS = 3
_MIN_WORD_LENGTH = 4
_PLURAL_ENDINGS = (("aux", "al"), ("s", ""), ("x", ""))
_AUXILIARIES = frozenset("a ont avait avaient aura est sont était été has have had was were is are".split())


def key_phrases(doc: Doc, excluded: Sequence[tuple[int, int]], title_end: int) -> tuple[str, ...]:
    """Phrases and words used at least twice outside names and dates, most used (and longest) first.

    A word of the title counts twice: the headline names the topic.
    """
    inside = {offset for start, end in excluded for offset in range(start, end)}
    runs = list(_content_runs(doc, inside))
    lemma = _singular_forms(token.lower_ for run in runs for token in run)
    words: Counter[str] = Counter()
    phrases: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    for run in runs:
        forms = [lemma[token.lower_] for token in run]
        weight = 2 if run[0].idx < title_end else 1
        for size in range(1, min(len(forms), MAX_PHRASE_WORDS) + 1):
            for offset in range(len(forms) - size + 1):
                phrase = " ".join(forms[offset : offset + size])
                if size == 1:
                    words[phrase] += weight
                else:
                    phrases[phrase] += 1
                first_seen.setdefault(phrase, run[offset].i)
    return _rank(words, phrases, first_seen)


def _content_runs(doc: Doc, inside: set[int]) -> Iterable[list[Token]]:
    """Maximal runs of content words, broken by stop words, punctuation, numbers and entity names."""
    run: list[Token] = []
    previous = ""
    for token in doc:
        content = _is_content(token, previous) and token.idx not in inside
        previous = token.lower_
        if content and not (run and token.is_sent_start):
            run.append(token)
            continue
        if run:
            yield run
        run = [token] if content else []
    if run:
        yield run


def _is_content(token: Token, previous: str) -> bool:
    """A word worth a keyword: alphabetic, not a stop word, not right after an auxiliary (`previous`)."""
    after_auxiliary = previous in _AUXILIARIES
    return token.is_alpha and not token.is_stop and len(token) >= _MIN_WORD_LENGTH and not after_auxiliary


def _singular_forms(words: Iterable[str]) -> dict[str, str]:
    """Fold a plural onto its singular when the article uses both (`négociations` -> `négociation`)."""
    vocabulary = set(words)
    forms = {}
    for word in vocabulary:
        forms[word] = next(
            (
                word[: -len(ending)] + replacement
                for ending, replacement in _PLURAL_ENDINGS
                if word.endswith(ending) and word[: -len(ending)] + replacement in vocabulary
            ),
            word,
        )
    return forms


def _rank(words: Counter[str], phrases: Counter[str], first_seen: dict[str, int]) -> tuple[str, ...]:
    """Repeated phrases first, then repeated words they do not already contain."""
    repeated = [phrase for phrase, count in phrases.items() if count > 1]
    repeated += [word for word, count in words.items() if count > 1]
    ranked = sorted(repeated, key=lambda p: (-(phrases[p] or words[p]) * len(p.split()), first_seen[p]))
    chosen: list[str] = []
    for phrase in ranked:
        if len(chosen) == MAX_KEYWORDS:
            break
        if not any(phrase in kept.split() or phrase in kept for kept in chosen):
            chosen.append(phrase)
    return tuple(chosen)
