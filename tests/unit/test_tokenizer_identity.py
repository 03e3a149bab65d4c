"""The folded French `token_match` (precis.core.regex_fold) tokenizes exactly like stock spaCy."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.tokenizer import Tokenizer

from precis.aws.settings import DEFAULT_MODEL
from precis.core.pipeline import Summariser
from precis.core.regex_fold import MIN_FOLD_LENGTH, fold_alternatives
from precis.core.text import clean_typography
from tests.conftest import REPO_ROOT, SEEDS

MODEL = DEFAULT_MODEL
VALIDATION = REPO_ROOT.parent / "shared" / "eval" / "orangesum_valid300.jsonl"
PIECES = [
    *"- – — ‐ ‑ ' ’ a é É x".split(),
    *"arrière entr saut de l' pet en air Vaux le sexualis Saint États unis New york hip hop".split(),
    *"prud homme grande r ré faux vampire Marie Claire Val d aux près sur sous la et à après".split(),
    *"midi aujourd hui".split(),
]
WORDS = [
    "arrière-pensée",
    "entr'ouvert",
    "entr’ouvert",
    "saut-de-ski",
    "pet-en-l'air",
    "aujourd'hui",
    "faux-vampire",
    "États-Unis",
    "etats–unis",
    "New-York",
    "HIP-HOP",
    "prud'homme",
    "Vaux-le-Vicomte",
    "Marie-Claire",
    "Saint-Germain-des-Prés",
    "grand'mère",
    "anti-",
    "-anti",
    "a-b",
    "l'homme",
]


@pytest.fixture(scope="module")
def ours(summariser: Summariser) -> Tokenizer:
    """The tokenizer Précis runs (loaded through the fold)."""
    return summariser.pipelines["fr"].tokenizer


@pytest.fixture(scope="module")
def stock() -> Tokenizer:
    """spaCy's own tokenizer for the model, compiled from the model's stored pattern (about 3 s)."""
    components = ["tok2vec", "morphologizer", "parser", "senter", "attribute_ruler", "lemmatizer", "ner"]
    return spacy.load(MODEL, exclude=components).tokenizer


def tokens(tokenizer: Tokenizer, text: str) -> list[tuple[str, int, str]]:
    """Everything tokenization decides: token text, offset and trailing whitespace."""
    return [(token.text, token.idx, token.whitespace_) for token in tokenizer(text)]


def validation_texts() -> Iterator[str]:
    """The OrangeSum validation articles as the benchmark feeds them."""
    for line in VALIDATION.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        yield f"{row['title']}\n\n{row['text']}"


def test_tokenizer_identity_the_fold_is_in_use(ours: Tokenizer, stock: Tokenizer) -> None:
    stock_pattern = stock.token_match.__self__.pattern
    assert len(stock_pattern) >= MIN_FOLD_LENGTH
    assert ours.token_match.__self__.pattern == fold_alternatives(stock_pattern)
    assert len(ours.token_match.__self__.pattern) < len(stock_pattern) / 20


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda path: path.name)
def test_tokenizer_identity_on_seeds(ours: Tokenizer, stock: Tokenizer, path: object) -> None:
    text = path.read_text(encoding="utf-8")  # type: ignore[attr-defined]
    for variant in (text, clean_typography(text)):
        assert tokens(ours, variant) == tokens(stock, variant)


@pytest.mark.eval
@pytest.mark.skipif(not VALIDATION.is_file(), reason="../shared/eval is absent")
def test_tokenizer_identity_on_validation_articles(ours: Tokenizer, stock: Tokenizer) -> None:
    for text in validation_texts():
        for variant in (text, clean_typography(text)):
            assert tokens(ours, variant) == tokens(stock, variant)


@pytest.mark.parametrize("word", WORDS)
def test_tokenizer_identity_token_match_on_hyphenated_words(
    ours: Tokenizer, stock: Tokenizer, word: str
) -> None:
    for variant in (word, word.upper(), word.lower()):
        assert bool(ours.token_match(variant)) == bool(stock.token_match(variant))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=6).map("".join))
def test_tokenizer_identity_token_match_on_generated_words(
    ours: Tokenizer, stock: Tokenizer, word: str
) -> None:
    assert bool(ours.token_match(word)) == bool(stock.token_match(word))


def test_fold_merges_alternatives_around_shared_classes() -> None:
    letters = "[" + "a-z" * 30 + "]"
    families = [f"ab-{letters}+", f"cd-{letters}+", f"{letters}+-x-{letters}+", f"{letters}+-y-{letters}+"]
    pattern = "(?i)" + "|".join(f"(?:^{body}$)" for body in families)
    folded = fold_alternatives(pattern)
    assert folded == f"(?i)(?:^(?:ab-|cd-){letters}+$)|(?:^{letters}+(?:-x-|-y-){letters}+$)"
    for word in ["ab-q", "CD-qq", "ef-q", "ab-", "q-x-q", "q-y-", "q-z-q", "ab-q\n"]:
        assert bool(re.match(folded, word)) == bool(re.match(pattern, word))


@pytest.mark.parametrize(
    "pattern",
    [
        "(?:^a$)|(?:^b$)",
        r"(?i)(?:^(?:a)\1$)",
        "(?i)(?:^(a)$)",
        "(?i)(?:^a|b$)",
        "(?i)(?:^a$)|b",
        "(?i)(?:^[ab$)",
    ],
    ids=[
        "no flags",
        "backreference",
        "capturing group",
        "alternation inside",
        "unanchored",
        "unclosed class",
    ],
)
def test_fold_refuses_unexpected_shapes(pattern: str) -> None:
    assert fold_alternatives(pattern) is None
