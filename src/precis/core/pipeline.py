"""Text in, document out: the one pipeline behind the Lambda function, the local stack and the CLI."""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language as SpacyLanguage
from spacy.pipeline import Tok2Vec
from spacy.tokens import Doc, Span

from precis.core import entities as entity_rules
from precis.core import quotes as quote_rules
from precis.core import scoring
from precis.core import summary as summary_rules
from precis.core.document import Document, EntitiesStatus, Entity, Language, ModelInfo, TimeReference
from precis.core.keywords import key_phrases
from precis.core.language import UNDETERMINED, detect_language, identifier
from precis.core.layout import Block, Layout, analyse_layout
from precis.core.regex_fold import folded_long_patterns
from precis.core.sentences import add_sentence_rules
from precis.core.temporal import find_time_references
from precis.core.text import article_text, check_length, clean_typography

MAX_NAMES = 5
_NEEDED_COMPONENTS = ("tok2vec", "ner")
# What the entity pipeline never runs, and the vocabulary's string table (148,000 strings, a quarter of the
# load): spaCy adds every string it meets while tokenising and each NER label when loading, and features are
# hashes of strings, so documents are identical without it (tests/unit/test_core_pipeline.py checks them).
_EXCLUDED = ("morphologizer", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer", "strings")
_AGNOSTIC_LANGUAGE = "xx"


def load_entity_pipeline(package: str) -> SpacyLanguage:
    """An installed spaCy package with NER only, plus rule-based sentences (the parser is not needed)."""
    with folded_long_patterns():
        nlp = spacy.load(package, exclude=list(_EXCLUDED))
    shared = nlp.get_pipe("tok2vec") if "tok2vec" in nlp.pipe_names else None
    if isinstance(shared, Tok2Vec) and not shared.listening_components:
        nlp.remove_pipe("tok2vec")
    add_sentence_rules(nlp)
    return nlp


def load_agnostic_pipeline(language: str) -> SpacyLanguage:
    """A tokenizer and sentencizer for a language with no installed model (spaCy's `xx` when unknown)."""
    with folded_long_patterns():
        try:
            nlp = spacy.blank(language)
        except ImportError:
            nlp = spacy.blank(_AGNOSTIC_LANGUAGE)
    add_sentence_rules(nlp)
    return nlp


@dataclass
class Summariser:
    """Loaded pipelines by language; build once per process (loading a model takes seconds)."""

    pipelines: dict[str, SpacyLanguage]
    models: dict[str, ModelInfo]
    cache_dir: Path | None = None
    langid_dir: Path | None = None

    @classmethod
    def load(
        cls, models: Mapping[str, str], *, cache_dir: Path | None = None, langid_dir: Path | None = None
    ) -> Summariser:
        """Load each model (language code -> spaCy package) and the language identifier: packed in
        `langid_dir` when the caller ships one (the Lambda layer), else through `cache_dir` (langid_cache)."""
        pipelines = {language: load_entity_pipeline(package) for language, package in models.items()}
        infos = {
            language: ModelInfo(name=f"{nlp.meta['lang']}_{nlp.meta['name']}", version=nlp.meta["version"])
            for language, nlp in pipelines.items()
        }
        identifier(cache_dir, langid_dir)
        return cls(pipelines=pipelines, models=infos, cache_dir=cache_dir, langid_dir=langid_dir)

    def summarise(self, data: bytes) -> Document:
        """Decode, then summarise; raises ArticleError for input that is not a readable article."""
        article = article_text(data)
        return self.summarise_text(
            article.text, encoding=article.encoding, source_format=article.source_format
        )

    def summarise_text(self, text: str, *, encoding: str = "utf-8", source_format: str = "text") -> Document:
        """The document for already-decoded text; every offset in it points into `text`."""
        check_length(text)
        analysis = self.analyse(text)
        scores = scoring.default_scorer().score(analysis.features)
        facts = [candidate.facts for candidate in analysis.candidates]
        chosen = summary_rules.select_sentences(facts, scores, analysis.words)
        return Document(
            **_describe(analysis, text, [analysis.candidates[sentence.index].span for sentence in chosen]),
            model=self.models.get(analysis.language.code),
            encoding=encoding,
            source_format=source_format,
        )

    def analyse(self, text: str) -> Analysis:
        """Everything before sentence selection; the scorer's training reads the same features."""
        layout = analyse_layout(text)
        language = detect_language(_body_text(text, layout), self.cache_dir, self.langid_dir)
        nlp, status, reason = self._pipeline_for(language)
        doc = nlp(_prepare_doc(nlp, text, layout))
        found = _entities(doc, layout)
        candidates = _candidates(doc, layout)
        title_words = _title_words(doc, layout.title)
        facts = [candidate.facts for candidate in candidates]
        features = scoring.sentence_features(facts, title_words, scoring.default_salience())
        words = sum(1 for token in doc if token.is_alpha or token.like_num)
        return Analysis(
            doc, layout, language, status, reason, found, candidates, title_words, features, words
        )

    def _pipeline_for(self, language: Language) -> tuple[SpacyLanguage, EntitiesStatus, str | None]:
        """The language's entity model, or a language-agnostic path with why entities are missing."""
        if language.code in self.pipelines:
            return self.pipelines[language.code], "ok", None
        status: EntitiesStatus
        if language.code == UNDETERMINED:
            status = "language_undetermined"
            reason = f"the language could not be determined (confidence {language.confidence:.2f})"
        else:
            status = "no_model"
            reason = f"no entity model is configured for language '{language.code}'"
        key = f"blank:{language.code}"
        if key not in self.pipelines:
            self.pipelines[key] = load_agnostic_pipeline(language.code)
        return self.pipelines[key], status, reason


def _body_text(text: str, layout: Layout) -> str:
    """The article's prose without noise lines, for language detection."""
    return "\n".join(text[block.start : block.end] for block in layout.blocks)


def _prepare_doc(nlp: SpacyLanguage, text: str, layout: Layout) -> Doc:
    """Tokenise the cleaned text with noise blanked out and a sentence starting at every block."""
    cleaned = clean_typography(text)
    for start, end in layout.noise:
        cleaned = cleaned[:start] + " " * (end - start) + cleaned[end:]
    doc = nlp.make_doc(cleaned)
    block_starts = {block.start for block in layout.blocks}
    for token in doc[1:]:
        if token.idx in block_starts:
            token.is_sent_start = True
    return doc


@dataclass(frozen=True)
class Analysis:
    """The processed article before sentence selection."""

    doc: Doc
    layout: Layout
    language: Language
    entities_status: EntitiesStatus
    entities_reason: str | None
    entities: tuple[Entity, ...]
    candidates: list[scoring.Candidate]
    title_words: frozenset[str]
    features: list[list[float]]
    words: int  # alphabetic and numeric tokens: the article's length in words


def _describe(analysis: Analysis, text: str, chosen: list[Span]) -> dict[str, Any]:
    """The document's fields from the analysis and the chosen summary sentences."""
    found, layout, doc = analysis.entities, analysis.layout, analysis.doc
    blocks = [(block.start, block.end) for block in layout.blocks]
    sentences = sum(1 for sentence in doc.sents if not sentence.text.isspace())
    when = find_time_references(doc.text)
    return {
        "title": text[layout.title.start : layout.title.end] if layout.title else "",
        "language": analysis.language,
        "entities": found,
        "entities_status": analysis.entities_status,
        "entities_reason": analysis.entities_reason,
        "summary": tuple(summary_rules.to_sentence(span, text) for span in chosen),
        "who": tuple(e.text for e in found if e.type in quote_rules.SPEAKER_TYPES)[:MAX_NAMES],
        "where": tuple(e.text for e in found if e.type == "LOC")[:MAX_NAMES],
        "when": when,
        "quotes": tuple(quote_rules.find_quotes(text, blocks, found)),
        "keywords": key_phrases(doc, [*_mention_spans(found), *_time_spans(when)], _title_end(layout)),
        "stats": summary_rules.stats(text, analysis.words, sentences),
    }


def _mention_spans(entities: tuple[Entity, ...]) -> list[tuple[int, int]]:
    """Where entities are named, so keywords leave names to the entity list."""
    return [mention for entity in entities for mention in entity.mentions]


def _time_spans(references: tuple[TimeReference, ...]) -> list[tuple[int, int]]:
    """Where time is expressed, so keywords leave dates to `when`."""
    return [mention for reference in references for mention in reference.mentions]


def entities_without(analysis: Analysis, skip: frozenset[str]) -> tuple[Entity, ...]:
    """The analysed article's entities with the named rules left out: `make eval`'s rule ablation."""
    return _entities(analysis.doc, analysis.layout, skip)


def _entities(
    doc: Doc, layout: Layout, skip: frozenset[str] = entity_rules.NO_RULES_SKIPPED
) -> tuple[Entity, ...]:
    """The entity rules on the model's output, with where the title ends and the headings are."""
    headings = [(block.start, block.end) for block in layout.blocks if block.kind == "heading"]
    return entity_rules.find_entities(doc, title_end=_title_end(layout), headings=headings, skip=skip)


def _title_end(layout: Layout) -> int:
    """End offset of the title, 0 when the article has none."""
    return layout.title.end if layout.title else 0


def _candidates(doc: Doc, layout: Layout) -> list[scoring.Candidate]:
    """Sentences of the body paragraphs long enough to summarise, with their facts."""
    paragraphs = [block for block in layout.blocks if block.kind == "paragraph"]
    starts = [block.start for block in paragraphs]
    kept: list[tuple[Span, int]] = []
    for sentence in doc.sents:
        paragraph = bisect.bisect_right(starts, sentence.start_char) - 1
        inside = paragraph >= 0 and sentence.start_char < paragraphs[paragraph].end
        if inside and scoring.word_count(sentence) >= summary_rules.MIN_WORDS:
            kept.append((sentence, paragraph))
    facts = scoring.sentence_facts(kept)
    return [scoring.Candidate(span, fact) for (span, _), fact in zip(kept, facts, strict=True)]


def _title_words(doc: Doc, title: Block | None) -> frozenset[str]:
    """Content words of the title, which a good summary sentence tends to share."""
    if title is None:
        return frozenset()
    return scoring.content_words(doc.char_span(title.start, title.end, alignment_mode="expand") or [])
