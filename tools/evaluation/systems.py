"""The systems under evaluation, each run on the same texts and turned into what the scorers take."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spacy.language import Language as SpacyLanguage

from precis.core.document import Document
from precis.core.pipeline import Summariser
from precis.core.text import clean_typography
from tools.evaluation.data import ENTITY_TYPES, Article, NerDocument, Span
from tools.evaluation.rouge import lead

_BATCH_SIZE = 16


@dataclass(frozen=True)
class PrecisEntities:
    """Précis's mention spans per document, with the checks that tell a scoring problem from a bug."""

    spans: list[list[Span]]
    not_extracted: int
    mentions: int
    misaligned: int


def precis_summaries(summariser: Summariser, articles: Sequence[Article]) -> list[list[str]]:
    """Précis's summary sentences for each article, read from title, blank line, body."""
    return [[s.text for s in summariser.summarise_text(a.precis_input).summary] for a in articles]


def lead_summaries(articles: Sequence[Article], count: int) -> list[list[str]]:
    """The first `count` sentences of each article body."""
    return [lead(article.text, count) for article in articles]


def spacy_entities(nlp: SpacyLanguage, documents: Sequence[NerDocument]) -> list[list[Span]]:
    """The bare model's PER/LOC/ORG entities, the baseline Précis's cleaning must not make worse."""
    texts = (document.text for document in documents)
    return [
        [Span(e.start_char, e.end_char, e.label_) for e in doc.ents if e.label_ in ENTITY_TYPES]
        for doc in nlp.pipe(texts, batch_size=_BATCH_SIZE)
    ]


def precis_entities(summariser: Summariser, documents: Sequence[NerDocument]) -> PrecisEntities:
    """Every mention of every entity Précis reports, typed as its entity, with alignment checks."""
    results = [(document.text, summariser.summarise_text(document.text)) for document in documents]
    return PrecisEntities(
        spans=[_mention_spans(result) for _, result in results],
        not_extracted=sum(1 for _, result in results if result.entities_status != "ok"),
        mentions=sum(entity.count for _, result in results for entity in result.entities),
        misaligned=sum(_misaligned_mentions(text, result) for text, result in results),
    )


def _mention_spans(document: Document) -> list[Span]:
    """The document's mentions as typed spans, in text order."""
    return sorted(Span(start, end, e.type) for e in document.entities for start, end in e.mentions)


def _misaligned_mentions(text: str, document: Document) -> int:
    """Mentions whose offsets do not cut out the entity's name or one of its aliases from the input text."""
    return sum(
        1
        for entity in document.entities
        for start, end in entity.mentions
        if clean_typography(text[start:end]) not in {entity.text, *entity.aliases}
    )
