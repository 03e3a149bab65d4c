"""The evaluation's scorers on tiny hand-made inputs, and one real run on a few articles when data is here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from precis.errors import ExitCode
from tools.evaluation.__main__ import main
from tools.evaluation.data import (
    DEFAULT_DATA_DIR,
    NER_FILE,
    SUMMARY_FILE,
    DataMissingError,
    Span,
    check_data_dir,
    read_articles,
    read_ner_documents,
)
from tools.evaluation.rouge import WordTokenizer, lead, score_summaries, split_sentences
from tools.evaluation.scoring import MICRO, Counts, corpus_counts, exact_matches, overlap_matches

# A made-up sentence: "Le président Jean Dupont a quitté Lyon pour la Banque de France."
GOLD = [Span(13, 24, "PER"), Span(34, 38, "LOC"), Span(47, 63, "ORG")]
PREDICTED = [
    Span(0, 24, "PER"),  # overlaps Jean Dupont, but takes in the title
    Span(34, 38, "LOC"),  # exact
    Span(47, 53, "LOC"),  # right place, wrong type
    Span(57, 63, "ORG"),  # overlaps Banque de France
]


def test_tokenizer_keeps_accented_letters_and_lowercases() -> None:
    assert WordTokenizer().tokenize("L'Élysée a déclaré : « Où ? »") == ["l", "élysée", "a", "déclaré", "où"]


def test_rouge_of_identical_texts_is_100() -> None:
    text = "Les élèves ont été reçus à l'Élysée."
    scores = score_summaries([text], [[text]])
    assert (scores.rouge1, scores.rouge2, scores.rouge_l) == (100.0, 100.0, 100.0)
    assert (scores.sentences, scores.words, scores.empty) == (1, 8, 0)


def test_rouge_does_not_match_words_that_differ_only_by_accents() -> None:
    assert score_summaries(["été"], [["ete"]]).rouge1 == 0.0


def test_rouge_of_an_empty_summary_is_zero_and_counted() -> None:
    scores = score_summaries(["Un résumé."], [[]])
    assert (scores.rouge1, scores.empty, scores.sentences) == (0.0, 1, 0)


def test_sentence_split_breaks_after_final_punctuation_and_paragraphs() -> None:
    text = "Première phrase. Deuxième ! Troisième…\n\nNouveau paragraphe sans point\nFin ?"
    assert split_sentences(text) == [
        "Première phrase.",
        "Deuxième !",
        "Troisième…",
        "Nouveau paragraphe sans point",
        "Fin ?",
    ]
    assert lead(text, 2) == ["Première phrase.", "Deuxième !"]


def test_exact_match_needs_same_offsets_and_type() -> None:
    assert exact_matches(GOLD, PREDICTED) == 1


def test_overlap_match_needs_same_type_and_shared_characters() -> None:
    assert overlap_matches(GOLD, PREDICTED) == 3


def test_overlap_matches_each_span_at_most_once() -> None:
    gold = [Span(0, 4, "LOC"), Span(5, 9, "LOC")]
    assert overlap_matches(gold, [Span(0, 9, "LOC")]) == 1
    assert overlap_matches([Span(0, 9, "LOC")], gold) == 1


def test_corpus_counts_per_type_and_micro() -> None:
    exact = corpus_counts([GOLD], [PREDICTED], "exact")
    overlap = corpus_counts([GOLD], [PREDICTED], "overlap")
    assert exact["PER"] == Counts(tp=0, fp=1, fn=1)
    assert exact["LOC"] == Counts(tp=1, fp=1, fn=0)
    assert exact[MICRO] == Counts(tp=1, fp=3, fn=2)
    assert overlap[MICRO] == Counts(tp=3, fp=1, fn=0)
    assert (overlap[MICRO].precision, overlap[MICRO].recall) == (0.75, 1.0)
    assert overlap[MICRO].f1 == pytest.approx(6 / 7)


def test_counts_without_predictions_or_gold_score_zero() -> None:
    assert (Counts().precision, Counts().recall, Counts().f1) == (0.0, 0.0, 0.0)


def test_ner_gold_prefers_trimmed_persons_and_drops_misc(tmp_path: Path) -> None:
    rows = [
        {
            "id": "a",
            "text": "M. Jean Dupont",
            "entities": [[0, 14, "PER"]],
            "entities_trimmed_per": [[3, 14, "PER"]],
        },
        {"id": "b", "text": "Le Monde à Paris", "entities": [[3, 8, "MISC"], [11, 16, "LOC"]]},
    ]
    (tmp_path / NER_FILE).write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    first, second = read_ner_documents(tmp_path)
    assert (first.gold, first.trimmed) == ((Span(3, 14, "PER"),), True)
    assert (second.gold, second.trimmed) == ((Span(11, 16, "LOC"),), False)


def test_articles_give_precis_the_title_as_first_line(tmp_path: Path) -> None:
    row = {"id": "x", "title": "Un titre", "text": "Le corps.", "summary": "Résumé."}
    (tmp_path / SUMMARY_FILE).write_text(json.dumps(row) + "\n", encoding="utf-8")
    (article,) = read_articles(tmp_path, limit=5)
    assert article.precis_input == "Un titre\n\nLe corps."


def test_missing_data_is_named_and_exits_unavailable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(DataMissingError, match=SUMMARY_FILE):
        check_data_dir(tmp_path)
    assert main(["--data", str(tmp_path), "--output", str(tmp_path / "EVAL.md")]) == ExitCode.UNAVAILABLE
    assert "is absent" in capsys.readouterr().err
    assert not (tmp_path / "EVAL.md").exists()


@pytest.mark.eval
def test_real_evaluation_on_five_articles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if not DEFAULT_DATA_DIR.is_dir():
        pytest.skip(f"evaluation data absent: {DEFAULT_DATA_DIR} (shared/eval beside the repository)")
    monkeypatch.setenv("PRECIS_CACHE", str(tmp_path / "cache"))
    output = tmp_path / "EVAL.md"
    assert main(["--limit", "5", "--output", str(output)]) == 0
    page = output.read_text(encoding="utf-8")
    assert page == capsys.readouterr().out
    assert "5 articles" in page and "5 documents" in page
    assert "| Précis | **micro** |" in page and "| Lead-3 |" in page and "Run time:" in page
    assert "| all rules |" in page and "| without gazetteer |" in page and "| no rule |" in page
    assert "| + context penalty (shipped) | 5 |" in page and "### The seed" in page
