"""Entities as a reader expects them: cleaned of junk and titles, named as the gazetteer knows them, ranked.

Each rule below has a name in RULES so that `make eval` can measure what it adds on HIPE (its ablation table
reruns the rules without one of them on the same model output).
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from spacy.tokens import Doc, Span, Token

from precis.core.document import Entity
from precis.core.identity import KnownName, entity_id, fingerprint, gazetteer

KEPT_TYPES = ("PER", "ORG", "LOC")
# gazetteer: known countries and organisations get one canonical name, their type and ISO code;
# scan: known names the model missed or glued together (`Ukraine OTAN`) are found in the text;
# headings: a name seen only in a section heading (`Réponse alliée`) is not an entity;
# demonyms: nationality words (`Européens`) are not entities;
# common_words: a generic noun or a number alone (`Conseil`, `État`, `Six`), or a place or organisation
#   the article also writes in lowercase (`Réunion` beside `réunion`), names nothing;
# org_heads: a span headed by an organisation noun (`Chambre des communes`) is an organisation;
# fragments: an "organisation" of a capitalised common noun and lowercase words is a translation fragment
#   (`Sécurité internationale`).
RULES = ("gazetteer", "scan", "headings", "demonyms", "common_words", "org_heads", "fragments")
NO_RULES_SKIPPED: frozenset[str] = frozenset()
_FUNCTION_WORDS = frozenset(
    "le la les l' d' de du des au aux un une n' qu' s' c' j' m' t' à a en pour sans avant après et ou dans "
    "sur par avec selon chez vers contre entre il elle ils elles on ce cet cette ces que qui lui-même "
    "elle-même même tout tous son sa ses leur leurs".split()
)
_TITLES = frozenset(
    "président présidente ministre secrétaire général générale m. mm. mm mme mlle monsieur madame dr docteur "
    "premier première chancelier chancelière roi reine pape sénateur sénatrice député députée maire "
    "directeur directrice porte-parole ambassadeur ambassadrice gouverneur juge commissaire "
    "prince princesse so-appelé don dom sir lord".split()
)
# Nouns that head an organisation's name (folded): `Banque de France`, `Conseil fédéral`, `Parti socialiste`.
_ORG_HEADS = frozenset(
    "academie agence alliance assemblee association banque bureau caisse chambre chambres club college "
    "comite commission compagnie confederation conseil cour credit departement direction ecole federation "
    "fondation front galerie gouvernement groupe institut ligue ministere mouvement municipalite musee "
    "office opera orchestre organisation parlement parti rassemblement senat societe syndicat theatre "
    "tribunal union universite".split()
)
_NAME_PARTICLES = frozenset("de du des d' van von der den da di le la ben bin al el".split())
_COMMON_NOUN_ENDINGS = ("tion", "tions", "sion", "sions", "ment", "ments", "ité", "ités", "ence", "ences")
_DEMONYM_ENDINGS = ("éens", "éennes", "iens", "iennes", "ains", "aines")
_MINISTER = frozenset({"ministre", "ministres", "secrétaire"})
_OF = frozenset({"de", "des", "du", "la", "l'", "d'"})
# Capitalised by convention yet naming nothing on their own (folded): which council, which state?
# Number words (`les Six`) too. A legislature's short name (`le Sénat`, `la Chambre`) does name one.
_GENERIC_NOUNS = (
    _ORG_HEADS - {"assemblee", "chambre", "chambres", "confederation", "parlement", "senat"}
) | frozenset(
    "etat etats republique royaume gouvernement bourse marche nord sud ouest centre ville pays "
    "deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize vingt cent "
    "mille".split()
)
_TYPO_SIMILARITY = 0.7
_MIN_GLUE_PREFIX = 4


@dataclass(frozen=True)
class Mention:
    """One cleaned entity mention: its label and its span in the text, and the gazetteer's entry if known."""

    label: str
    text: str
    start: int
    end: int
    known: KnownName | None = None

    @property
    def key(self) -> str:
        """Mentions with the same key name the same entity: `USA` and `États-Unis` share `etats unis`."""
        return _fold(self.known.name if self.known else self.text)


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


def find_entities(
    doc: Doc,
    *,
    title_end: int,
    headings: Sequence[tuple[int, int]] = (),
    skip: frozenset[str] = NO_RULES_SKIPPED,
) -> tuple[Entity, ...]:
    """The article's entities from the model's spans; `skip` leaves named RULES out, for their ablation."""
    mentions = extract_mentions(doc, skip=skip)
    headings = () if "headings" in skip else headings
    return build_entities(mentions, text_length=len(doc.text), title_end=title_end, headings=headings)


def extract_mentions(doc: Doc, *, skip: frozenset[str] = NO_RULES_SKIPPED) -> list[Mention]:
    """The model's spans, cleaned and checked by the rules not skipped, then the known names it missed."""
    demonyms = frozenset() if "demonyms" in skip else gazetteer().demonyms
    cleaned = (_clean_span(span, demonyms) for span in doc.ents)
    mentions = [mention for mention in cleaned if mention is not None]
    if "gazetteer" not in skip:
        mentions = [_as_known(mention) for mention in mentions]
    if "org_heads" not in skip:
        mentions = [_typed_by_head(mention) for mention in mentions]
    lowercase_words = {token.text for token in doc if token.is_lower}
    mentions = [mention for mention in mentions if not _is_junk(doc, mention, lowercase_words, skip)]
    if "scan" in skip:
        return mentions
    mentions = [part for mention in mentions for part in _split_known(doc, mention)]
    return sorted([*mentions, *_missed_known_names(doc, mentions)], key=lambda mention: mention.start)


def _clean_span(span: Span, demonyms: frozenset[str]) -> Mention | None:
    """Trim determiners, elisions, pronouns, titles and nationalities at the edges; refuse what is left if it
    is no name or only a nationality (`Européens`)."""
    tokens = list(span)
    label = span.label_
    while tokens and (
        _is_edge_noise(tokens[0], label) or _is_nationality(tokens[0], label, demonyms, leading=True)
    ):
        tokens.pop(0)
    while tokens and (
        _is_edge_noise(tokens[-1], label) or _is_nationality(tokens[-1], label, demonyms, leading=False)
    ):
        tokens.pop()
    if not tokens:
        return None
    start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1])
    text = span.doc[tokens[0].i : tokens[-1].i + 1].text
    if not _looks_like_name(tokens, label) or (len(tokens) == 1 and _fold(text) in demonyms):
        return None
    return Mention(label=label, text=text, start=start, end=end)


def _is_edge_noise(token: Token, label: str) -> bool:
    """Function words anywhere at an edge; titles only before a person's name."""
    lower = token.lower_
    return (
        lower in _FUNCTION_WORDS or token.is_punct or token.is_space or (label == "PER" and lower in _TITLES)
    )


def _is_nationality(token: Token, label: str, demonyms: frozenset[str], *, leading: bool) -> bool:
    """`président russe Vladimir Poutine`, `l'Américain John Smith`: a nationality beside a person's name;
    after the name only in lowercase, so that the surname of `Fanchette Philippin` stays."""
    return label == "PER" and (leading or token.is_lower) and _fold(token.text) in demonyms


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


def _as_known(mention: Mention) -> Mention:
    """A known country or organisation takes the gazetteer's type; a person keeps the model's label unless
    the name is unambiguous (`Maurice` may be a first name, `Ukraine` may not)."""
    known = gazetteer().names.get(_fold(mention.text))
    if known is None or (mention.label == "PER" and not known.scan):
        return mention
    return replace(mention, label=known.type, known=known)


def _typed_by_head(mention: Mention) -> Mention:
    """`Chambre des communes` or `Département militaire fédéral` called a place: an organisation."""
    words = mention.text.split()
    if mention.known or mention.label == "ORG" or len(words) < 2 or _fold(words[0]) not in _ORG_HEADS:
        return mention
    return replace(mention, label="ORG")


def _is_junk(doc: Doc, mention: Mention, lowercase_words: set[str], skip: frozenset[str]) -> bool:
    """What a newsroom would not publish as a name, by the rules not skipped."""
    if mention.known:
        return False
    words = mention.text.split()
    if "common_words" not in skip and len(words) == 1 and _is_common_word(mention, lowercase_words):
        return True
    if "fragments" in skip or mention.label != "ORG" or not _is_phrase(words):
        return False
    return words[0].lower() in lowercase_words or _follows_minister(doc, mention)


def _is_common_word(mention: Mention, lowercase_words: set[str]) -> bool:
    """`Conseil`, `État`, `Six`: a generic noun or a number alone, or a word the article also writes in
    lowercase (`Sécurité` beside `sécurité`)."""
    word = mention.text
    return _fold(word) in _GENERIC_NOUNS or (mention.label != "PER" and word.lower() in lowercase_words)


def _is_phrase(words: Sequence[str]) -> bool:
    """A capitalised word then lowercase words (and perhaps a known place), no organisation noun first:
    `Sécurité internationale` looks like `Action nationale`, so the caller needs more evidence."""
    if len(words) < 2 or _fold(words[0]) in _ORG_HEADS or words[0].isupper():
        return False
    return all(word[0].islower() or _fold(word) in gazetteer().names for word in words[1:])


def _follows_minister(doc: Doc, mention: Mention) -> bool:
    """`ministres des Affaires étrangères de France`: a minister's portfolio, not an organisation."""
    span = doc.char_span(mention.start, mention.end)
    if span is None:
        return False
    before = [token.lower_ for token in doc[max(span.start - 3, 0) : span.start]]
    return len(before) >= 2 and before[-1] in _OF and not _MINISTER.isdisjoint(before[:-1])


def _split_known(doc: Doc, mention: Mention) -> list[Mention]:
    """`Ukraine OTAN`: a span made only of known names (and function words) is those names."""
    if mention.known:
        return [mention]
    span = doc.char_span(mention.start, mention.end)
    if span is None:
        return [mention]
    parts = _known_names_in(span, scanning=False)
    covered = {token.i for part in parts for token in doc.char_span(part.start, part.end) or ()}
    rest = [token for token in span if token.i not in covered]
    if len(parts) < 2 or any(token.lower_ not in _FUNCTION_WORDS for token in rest):
        return [mention]
    return parts


def _missed_known_names(doc: Doc, mentions: Sequence[Mention]) -> list[Mention]:
    """Known names the model did not mark, where no kept mention already is (`France` in a list)."""
    taken = [(mention.start, mention.end) for mention in mentions]
    return [found for found in _known_names_in(doc[:], scanning=True) if not _overlaps_any(found, taken)]


def _known_names_in(span: Span, *, scanning: bool) -> list[Mention]:
    """Longest known names in a span, left to right; when `scanning` free text, only names safe to find
    without the model (capitalised, acronyms in capitals, not also a common word or first name)."""
    found: list[Mention] = []
    index, end = span.start, span.end
    doc = span.doc
    while index < end:
        match = _longest_known(doc, index, end, scanning)
        if match is None:
            index += 1
            continue
        length, known = match
        first, last = doc[index], doc[index + length - 1]
        found.append(
            Mention(known.type, doc[index : index + length].text, first.idx, last.idx + len(last), known)
        )
        index += length
    return found


def _longest_known(doc: Doc, index: int, end: int, scanning: bool) -> tuple[int, KnownName] | None:
    """The longest known name starting at token `index` (before `end`): its length in tokens and entry."""
    first = doc[index].text
    if not (first[0].isupper() or first[0].isdigit()):
        return None
    reach = _first_words().get(_fold(first).split(" ", 1)[0])
    if reach is None:
        return None
    best = None
    names = gazetteer().names
    for stop in range(index + 1, end + 1):
        if doc[stop - 1].is_space:
            break
        if doc[stop - 1].is_punct:
            continue
        text = doc[index:stop].text
        key = _fold(text)
        if len(key.split()) > reach:
            break
        known = names.get(key)
        if known and (not scanning or _safe_to_scan(text, key, known)):
            best = (stop - index, known)
    return best


def _safe_to_scan(text: str, key: str, known: KnownName) -> bool:
    """A name found without the model must be unambiguous, and a short acronym written in capitals."""
    return known.scan and (len(key.replace(" ", "")) > 3 or text.isupper() or text[0].isdigit())


@lru_cache(maxsize=1)
def _first_words() -> dict[str, int]:
    """Each known form's first folded word -> the most words a form starting with it has."""
    reach: dict[str, int] = {}
    for key in gazetteer().names:
        words = key.split()
        reach[words[0]] = max(reach.get(words[0], 0), len(words))
    return reach


def _overlaps_any(mention: Mention, taken: Sequence[tuple[int, int]]) -> bool:
    """Whether the mention shares a character with any of the spans."""
    return any(start < mention.end and mention.start < end for start, end in taken)


def build_entities(
    mentions: Iterable[Mention],
    *,
    text_length: int,
    title_end: int,
    headings: Sequence[tuple[int, int]] = (),
) -> tuple[Entity, ...]:
    """Group mentions into entities, merge aliases, keep people, places and organisations, rank them."""
    groups = _group_by_key(mentions)
    groups = _merge_aliases(groups)
    kept = [
        group
        for group in groups
        if group.label in KEPT_TYPES
        and not _is_stray_common_noun(group)
        and not _only_in_headings(group, headings)
    ]
    scored = [(_salience(group, text_length, title_end), group) for group in kept]
    top = max((score for score, _ in scored), default=1.0)
    entities = [_to_entity(group, round(score / top, 4)) for score, group in scored]
    return tuple(sorted(entities, key=lambda entity: (-entity.salience, entity.text)))


def _group_by_key(mentions: Iterable[Mention]) -> list[_Group]:
    """Mentions equal up to accents, case, hyphens and apostrophes (`Etats Unis` = `États-Unis`)."""
    groups: dict[str, _Group] = {}
    for mention in mentions:
        key = mention.key
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


def _only_in_headings(group: _Group, headings: Sequence[tuple[int, int]]) -> bool:
    """`Réponse` of the heading `Réponse alliée`: a name no sentence of the article uses."""
    return bool(headings) and all(
        any(start <= mention.start and mention.end <= end for start, end in headings)
        for mention in group.mentions
    )


def _salience(group: _Group, text_length: int, title_end: int) -> float:
    """Mentions count most; being in the title and being named early add to it."""
    first = min(mention.start for mention in group.mentions)
    in_title = any(mention.start < title_end for mention in group.mentions)
    return len(group.mentions) + (2.0 if in_title else 0.0) + (1.0 - first / max(text_length, 1))


def _to_entity(group: _Group, salience: float) -> Entity:
    """The canonical name is the gazetteer's, else the fullest form used; the other forms are its aliases."""
    mentions = sorted(group.mentions, key=lambda mention: mention.start)
    known = next((mention.known for mention in mentions if mention.known), None)
    surfaces = Counter(mention.text for mention in mentions)
    canonical = (
        known.name
        if known
        else max(
            surfaces, key=lambda text: (len(text.split()), surfaces[text], _accent_count(text), len(text))
        )
    )
    aliases = tuple(dict.fromkeys(text for text in (m.text for m in mentions) if text != canonical))
    return Entity(
        id=entity_id(group.label, canonical),
        type=group.label,
        text=canonical,
        country=known.country if known else None,
        count=len(mentions),
        salience=salience,
        aliases=aliases,
        mentions=tuple((mention.start, mention.end) for mention in mentions),
    )


def _accent_count(text: str) -> int:
    """Prefer `États-Unis` over `Etats Unis` when both are used as often."""
    return sum(1 for char in text if not char.isascii())


@lru_cache(maxsize=16_384)
def _fold(text: str) -> str:
    """`fingerprint`, remembered: the same capitalised words come back in every article."""
    return fingerprint(text)
