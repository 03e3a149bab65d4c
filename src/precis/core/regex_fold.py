"""Fast loading of spaCy's French tokenizer: its 1.4 MB `token_match` regex, folded to the same language.

`spacy.lang.fr.tokenizer_exceptions` compiles 266 anchored alternatives, each repeating spaCy's huge
Unicode letter classes; `re` takes about 3 s over it at import, and `Tokenizer.from_bytes` compiles the
copy stored in the model again (a cache hit only when the strings are identical). Alternatives that share
what surrounds their short literal part are merged into one (`^A(?:m1|m2)T$` matches exactly what
`^Am1T$|^Am2T$` matches), which leaves a handful of big classes to compile. spaCy only tests whether
`token_match` matches, so the tokenization is the same; tests/unit/test_tokenizer_identity.py checks it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

# Only patterns this long are worth folding; spaCy's other patterns compile in milliseconds.
MIN_FOLD_LENGTH = 100_000
# A character class longer than this is one of the shared letter classes, not a short literal choice.
_BIG_CLASS = 64
_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")
_BACKREFERENCE = re.compile(r"\\[1-9]")
# A regex token and its quantifier: an escape, a whole character class, a group opening, or another char.
_TOKEN = re.compile(
    r"(\\.|\[\^?\]?[^\\\]]*(?:\\.[^\\\]]*)*\]|\((?:\?(?::|=|!|<=|<!|>|P<\w+>|[aiLmsux-]+:))?|[^[])"
    r"((?:[*+?]|\{\d*(?:,\d*)?\})[?+]?)?",
    re.DOTALL,
)

_folded: dict[str, re.Pattern[str]] = {}


def fold_alternatives(pattern: str) -> str | None:
    """The folded equivalent of `(?flags)(?:^...$)|(?:^...$)|...`, or None when the shape is unexpected."""
    flags = _FLAGS.match(pattern)
    if flags is None or "(?P" in pattern or _BACKREFERENCE.search(pattern):
        return None
    atoms = _atoms(pattern[flags.end() :])
    if atoms is None or atoms[1::2] != ["|"] * (len(atoms) // 2) or len(atoms) % 2 == 0:
        return None
    bodies = [_anchored_body(atom) for atom in atoms[::2]]
    groups: dict[tuple[str, str], list[str]] = {}
    for body in bodies:
        if body is None:
            return None
        lead, middle, tail = _split_around_middle(body)
        groups.setdefault((lead, tail), []).append(middle)
    folded = [_join_group(lead, middles, tail) for (lead, tail), middles in groups.items()]
    return flags.group() + "|".join(f"(?:^{body}$)" for body in folded)


def _join_group(lead: str, middles: list[str], tail: str) -> str:
    """One alternative for a family: the shared lead and tail around a choice of middles."""
    if len(middles) == 1:
        return lead + middles[0] + tail
    return lead + "(?:" + "|".join(middles) + ")" + tail


def _anchored_body(atom: str) -> list[str] | None:
    """The atoms of `body` in `(?:^body$)`, when body has no top-level alternation."""
    if not (atom.startswith("(?:^") and atom.endswith("$)") and not atom.endswith("\\$)")):
        return None
    body = _atoms(atom[4:-2])
    return body if body is not None and "|" not in body else None


def _split_around_middle(atoms: list[str]) -> tuple[str, str, str]:
    """(lead, middle, tail): a leading big class or "", the short atoms up to the next one, the rest."""
    lead_size = 1 if atoms and _is_big_class(atoms[0]) else 0
    for index in range(lead_size + 1, len(atoms)):
        if _is_big_class(atoms[index]):
            return "".join(atoms[:lead_size]), "".join(atoms[lead_size:index]), "".join(atoms[index:])
    return "", "".join(atoms), ""


def _is_big_class(atom: str) -> bool:
    """A (possibly quantified) character class of many characters."""
    return atom.startswith("[") and len(atom) > _BIG_CLASS


def _atoms(text: str) -> list[str] | None:
    """Top-level atoms of a regex, each with its quantifier, and `|`; None if it does not scan or captures."""
    atoms: list[str] = []
    depth = 0
    start = 0
    position = 0
    for match in _TOKEN.finditer(text):
        if match.start() != position:
            return None
        token, quantifier = match.groups()
        if depth == 0:
            start = match.start()
        position = match.end()
        if token.startswith("("):
            if quantifier or token == "(":  # regrouping would renumber capturing groups
                return None
            depth += 1
        elif token == ")":
            depth -= 1
            if depth < 0:
                return None
        if depth == 0:
            atoms.append(text[start:position])
    return atoms if depth == 0 and position == len(text) else None


def compile_folded(pattern: str, compile_: Callable[..., re.Pattern[str]]) -> re.Pattern[str] | None:
    """The compiled folded pattern (memoised per process), or None when the pattern does not fold."""
    if pattern not in _folded:
        folded = fold_alternatives(pattern)
        if folded is None:
            return None
        _folded[pattern] = compile_(folded)
    return _folded[pattern]


@contextmanager
def folded_long_patterns() -> Iterator[None]:
    """While spaCy imports its French data and reads a tokenizer, compile long alternations folded."""
    original = re.compile

    def compile_(pattern: Any, flags: int = 0) -> re.Pattern[Any]:
        """`re.compile`, folded for the long alternations only."""
        if isinstance(pattern, str) and not flags and len(pattern) >= MIN_FOLD_LENGTH:
            compiled = compile_folded(pattern, original)
            if compiled is not None:
                return compiled
        return original(pattern, flags)

    re.compile = compile_  # type: ignore[assignment]
    try:
        yield
    finally:
        re.compile = original
