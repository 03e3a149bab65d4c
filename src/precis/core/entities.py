"""Entities as a reader expects them: cleaned of function words and titles, merged per person, ranked."""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from precis.core.document import Entity
from precis.core.identity import fingerprint

KEPT_TYPES = ("PER", "ORG", "LOC")
_FUNCTION_WORDS = frozenset(
    "le la les l' d' de du des au aux un une n' qu' s' c' j' m' t' à a en pour sans avant après et ou dans "
    "sur par avec selon chez vers contre entre il elle ils elles on ce cet cette ces que qui lui-même "
    "elle-même même tout tous son sa ses leur leurs".split()
)
_TITLES = frozenset(
    "président présidente ministre secrétaire général générale m. mme mlle monsieur madame dr docteur "
    "premier première chancelier chancelière roi reine pape sénateur sénatrice député députée maire "
    "directeur directrice porte-parole ambassadeur ambassadrice gouverneur juge commissaire "
    "prince princesse américain américaine russe français française néerlandais britannique allemand "
    "ukrainien so-appelé don dom sir lord".split()
)
_NAME_PARTICLES = frozenset("de du des d' van von der den da di le la ben bin al el".split())
_COMMON_NOUN_ENDINGS = ("tion", "tions", "sion", "sions", "ment", "ments", "ité", "ités", "ence", "ences")
_DEMONYM_ENDINGS = ("éens", "éennes", "iens", "iennes", "ains", "aines")
_TYPO_SIMILARITY = 0.7
_MIN_GLUE_PREFIX = 4


@dataclass(frozen=True)
class Mention:
    """One cleaned entity mention: its label from the model and its span in the text."""

    label: str
    text: str
    start: int
    end: int


@dataclass
class _Group:
    """Mentions believed to name the same entity."""

    key: str
    mentions: list[Mention] = field(default_factory=list)

    @property
    def tokens(self) -> list[str]:
        return self.key.split()

    @property
    def label(self) -> str:
        """Majority label over the mentions; ties go to the label seen first."""
        counts = Counter(mention.label for mention in self.mentions)
        return max(counts, key=lambda label: (counts[label], -self._first_index(label)))

    def _first_index(self, label: str) -> int:
        return next(index for index, mention in enumerate(self.mentions) if mention.label == label)


def extract_mentions(doc: Doc) -> list[Mention]:
    """The model's entity spans, cleaned; spans that are only function words or titles are dropped."""
    mentions = (_clean_span(span) for span in doc.ents)
    return [mention for mention in mentions if mention is not None]


def _clean_span(span: Span) -> Mention | None:
    """Trim determiners, elisions, pronouns and titles at the edges; refuse what is left if it is no name."""
    tokens = list(span)
    while tokens and _is_edge_noise(tokens[0], span.label_):
        tokens.pop(0)
    while tokens and (_is_edge_noise(tokens[-1], span.label_) or tokens[-1].is_punct):
        tokens.pop()
    if not tokens:
        return None
    start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1])
    text = span.doc[tokens[0].i : tokens[-1].i + 1].text
    if not _looks_like_name(tokens, span.label_):
        return None
    return Mention(label=span.label_, text=text, start=start, end=end)


def _is_edge_noise(token: Token, label: str) -> bool:
    """Function words anywhere at an edge; titles only before a person's name."""
    lower = token.lower_
    return (
        lower in _FUNCTION_WORDS or token.is_punct or token.is_space or (label == "PER" and lower in _TITLES)
    )


def _looks_like_name(tokens: Sequence[Token], label: str) -> bool:
    """A name starts with a capital or digit; a person's every non-particle word is capitalised."""
    first = tokens[0].text
    if not (first[0].isupper() or first[0].isdigit()) or len("".join(t.text for t in tokens)) < 2:
        return False
    if label == "PER":
        return all(t.text[0].isupper() or t.lower_ in _NAME_PARTICLES or t.is_punct for t in tokens)
    if first.lower() in _TITLES:
        return False
    return not (len(tokens) == 1 and label == "LOC" and first.lower().endswith(_DEMONYM_ENDINGS))


def build_entities(mentions: Iterable[Mention], *, text_length: int, title_end: int) -> tuple[Entity, ...]:
    """Group mentions into entities, merge aliases, keep people, places and organisations, rank them."""
    groups = _group_by_key(mentions)
    groups = _merge_aliases(groups)
    kept = [group for group in groups if group.label in KEPT_TYPES and not _is_stray_common_noun(group)]
    scored = [(_salience(group, text_length, title_end), group) for group in kept]
    top = max((score for score, _ in scored), default=1.0)
    entities = [_to_entity(group, round(score / top, 4)) for score, group in scored]
    return tuple(sorted(entities, key=lambda entity: (-entity.salience, entity.text)))


def _group_by_key(mentions: Iterable[Mention]) -> list[_Group]:
    """Mentions equal up to accents, case, hyphens and apostrophes (`Etats Unis` = `États-Unis`)."""
    groups: dict[str, _Group] = {}
    for mention in mentions:
        key = fingerprint(mention.text)
        if key:
            groups.setdefault(key, _Group(key)).mentions.append(mention)
    return list(groups.values())


def _merge_aliases(groups: list[_Group]) -> list[_Group]:
    """Fold short forms, typos and glued words into the one longer entity they unambiguously name."""
    by_length = sorted(groups, key=lambda group: (-len(group.tokens), len(group.key), group.key))
    merged: list[_Group] = []
    for group in by_length:
        targets = [other for other in merged if _is_alias_of(group, other)]
        if len(targets) == 1:
            targets[0].mentions.extend(group.mentions)
        else:
            merged.append(group)
    return merged


def _is_alias_of(short: _Group, long: _Group) -> bool:
    """`Hegseth` of `Pete Hegseth`, `Routte` of `Mark Rutte`, `Ukrainemais` of `Ukraine`."""
    if len(short.tokens) < len(long.tokens) and short.label == "PER" and long.label == "PER":
        if set(short.tokens) <= set(long.tokens):
            return True
        return len(short.tokens) == 1 and _is_misspelling(short.key, long.tokens[-1])
    return _is_glued_word(short, long)


def _is_misspelling(word: str, surname: str) -> bool:
    """`Routte` or `Router` for `Rutte`: same initial, most letters in the same order."""
    if len(surname) < _MIN_GLUE_PREFIX or word[0] != surname[0]:
        return False
    return difflib.SequenceMatcher(None, word, surname).ratio() >= _TYPO_SIMILARITY


def _is_glued_word(short: _Group, long: _Group) -> bool:
    """A name with a lowercase word stuck to it by bad translation: `Ukrainemais`."""
    if len(short.tokens) != 1 or len(long.tokens) != 1 or len(long.key) < _MIN_GLUE_PREFIX:
        return False
    surface = short.mentions[0].text
    tail = surface[len(long.key) :]
    return short.key.startswith(long.key) and len(tail) >= 2 and tail.isalpha() and tail.islower()


def _is_stray_common_noun(group: _Group) -> bool:
    """A single capitalised abstract noun seen once (`Négociations`) is a translation artefact, not a name."""
    mention = group.mentions[0]
    return (
        len(group.mentions) == 1
        and " " not in mention.text
        and mention.text.lower().endswith(_COMMON_NOUN_ENDINGS)
    )


def _salience(group: _Group, text_length: int, title_end: int) -> float:
    """Mentions count most; being in the title and being named early add to it."""
    first = min(mention.start for mention in group.mentions)
    in_title = any(mention.start < title_end for mention in group.mentions)
    return len(group.mentions) + (2.0 if in_title else 0.0) + (1.0 - first / max(text_length, 1))


def _to_entity(group: _Group, salience: float) -> Entity:
    """The canonical name is the fullest form used; the other forms are its aliases."""
    mentions = sorted(group.mentions, key=lambda mention: mention.start)
    surfaces = Counter(mention.text for mention in mentions)
    canonical = max(
        surfaces, key=lambda text: (len(text.split()), surfaces[text], _accent_count(text), len(text))
    )
    aliases = tuple(dict.fromkeys(text for text in (m.text for m in mentions) if text != canonical))
    return Entity(
        type=group.label,
        text=canonical,
        count=len(mentions),
        salience=salience,
        aliases=aliases,
        mentions=tuple((mention.start, mention.end) for mention in mentions),
    )


def _accent_count(text: str) -> int:
    """Prefer `États-Unis` over `Etats Unis` when both are used as often."""
    return sum(1 for char in text if not char.isascii())
