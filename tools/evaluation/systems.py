"""The systems under evaluation, each run on the same texts and turned into what the scorers take."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spacy.language import Language as SpacyLanguage

from precis.core.document import Entity
from precis.core.entities import NO_RULES_SKIPPED, RULES
from precis.core.pipeline import Summariser, entities_without
from precis.core.text import clean_typography
from tools.evaluation.data import ENTITY_TYPES, Article, NerDocument, Span
from tools.evaluation.rouge import lead

_BATCH_SIZE = 16
ALL_RULES = "all rules"
NO_RULE = "no rule"
# Each entity rule left out in turn, on the same model output: what each one adds.
ABLATIONS: dict[str, frozenset[str]] = {
    ALL_RULES: NO_RULES_SKIPPED,
    **{f"without {rule}": frozenset({rule}) for rule in RULES},
    NO_RULE: frozenset(RULES),
}


@dataclass(frozen=True)
class PrecisEntities:
    """Précis's mention spans per document, with the checks that tell a scoring problem from a bug, and
    the spans with each entity rule left out (ABLATIONS)."""

    spans: list[list[Span]]
    not_extracted: int
    mentions: int
    misaligned: int
    ablation: dict[str, list[list[Span]]]


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
    """Every mention of every entity Précis reports, typed as its entity, with alignment checks.

    `Summariser.analyse` gives the entities `summarise_text` puts in the document; the model runs once per
    text and the rule ablation reuses its output.
    """
    analyses = [summariser.analyse(document.text) for document in documents]
    return PrecisEntities(
        spans=[_mention_spans(analysis.entities) for analysis in analyses],
        not_extracted=sum(1 for analysis in analyses if analysis.entities_status != "ok"),
        mentions=sum(entity.count for analysis in analyses for entity in analysis.entities),
        misaligned=sum(
            _misaligned_mentions(document.text, analysis.entities)
            for document, analysis in zip(documents, analyses, strict=True)
        ),
        ablation={
            name: [_mention_spans(entities_without(analysis, skip)) for analysis in analyses]
            for name, skip in ABLATIONS.items()
        },
    )


def _mention_spans(entities: Sequence[Entity]) -> list[Span]:
    """The entities' mentions as typed spans, in text order."""
    return sorted(Span(start, end, e.type) for e in entities for start, end in e.mentions)


def _misaligned_mentions(text: str, entities: Sequence[Entity]) -> int:
    """Mentions whose offsets do not cut out the entity's name or one of its aliases from the input text."""
    return sum(
        1
        for entity in entities
        for start, end in entity.mentions
        if clean_typography(text[start:end]) not in {entity.text, *entity.aliases}
    )
