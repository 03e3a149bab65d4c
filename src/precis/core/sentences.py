"""Sentence boundaries for news: rule-based splitting that keeps an opening quotation mark with its quote."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

OPENING_MARKS = frozenset("«“")


@Language.component("opening_quotes")
def move_opening_quotes(doc: Doc) -> Doc:
    """`... dérogations. « Sans eau ...`: the sentencizer leaves `«` at the end of the previous sentence."""
    for token in doc[1:-1]:
        if token.text not in OPENING_MARKS:
            continue
        following = doc[token.i + 1]
        if following.is_sent_start and not token.is_sent_start:
            token.is_sent_start = True
            following.is_sent_start = False
    return doc


def add_sentence_rules(nlp: Language) -> None:
    """Punctuation-based sentences, then the quotation-mark fix."""
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("opening_quotes")
