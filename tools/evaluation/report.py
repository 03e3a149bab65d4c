"""The evaluation as a dated Markdown page: environment, ROUGE table, entity tables, diagnostics, timing."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tools.common.markdown import table
from tools.evaluation.data import ENTITY_TYPES, NER_FILE, SUMMARY_FILE
from tools.evaluation.rouge import SummaryScores
from tools.evaluation.runner import (
    PRECIS,
    REFERENCE,
    SPACY,
    EntityResults,
    Environment,
    Results,
    SummaryResults,
)
from tools.evaluation.scoring import MATCH_MODES, MICRO, Counts
from tools.evaluation.systems import NO_RULE

README_LEAD = {"Lead-1": (20.74, 14.79), "Lead-2": (27.86, 18.36), "Lead-3": (28.30, 18.02)}


def render(results: Results) -> str:
    """The whole page, deterministic for the same code, data and versions except the date and timings."""
    sections = [
        "# Evaluation",
        "Written by `make eval` (`python -m tools.evaluation`) from the read-only data in "
        "`../shared/eval/`, which is never copied into this repository.",
        _environment(results.environment),
        _summaries(results.summaries),
        _entities(results.entities),
        _timing(results.seconds, results.environment.cpus),
    ]
    return "\n\n".join(sections) + "\n"


def write(page: str, path: Path) -> None:
    """Replace the page: it always shows the latest run (git keeps the history)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table as one string."""
    return "\n".join(table(header, rows))


def _environment(env: Environment) -> str:
    """One row saying when and with what the figures were produced."""
    header = ["date", "precis", "spacy", "model", "rouge-score", "python", "CPUs"]
    return _table(
        header, [[env.day, env.precis, env.spacy, env.model, env.rouge_score, env.python, env.cpus]]
    )


def _summaries(results: SummaryResults) -> str:
    """ROUGE per system, with the README's Lead-n figures beside ours as a check of the protocol."""
    intro = (
        f"## Summaries: `{SUMMARY_FILE}`, {results.articles} articles\n\n"
        "ROUGE F1 x100 against the human abstract, mean over articles; rouge-score's `RougeScorer` with "
        'lowercase Unicode `\\w+` tokens, no stemming. Précis reads `title + "\\n\\n" + text`; Lead-n is '
        "the first n sentences of `text` (regex split). README: the figures published in "
        "`../shared/eval/README.md` for the whole validation split (R-1 / R-L, 1,500 articles)."
    )
    header = ["system", "R-1", "R-2", "R-L", "sentences", "words", "empty", "README"]
    rows = [_summary_row(name, scores) for name, scores in results.systems.items()]
    parts = [intro, _table(header, rows), _ablation(results), _buckets(results), _seed(results)]
    return "\n\n".join(parts)


def _ablation(results: SummaryResults) -> str:
    """What each idea of the scorer adds, each row refitted on train (docs/SCORER.md says how)."""
    intro = (
        "### What each idea adds\n\n"
        "Each row adds one idea to the rows above it, refitted on the first N articles of "
        "`orangesum_train.jsonl` from the cached sentence facts (`tools.evaluation.facts`) and scored on the "
        "same validation articles; the last row is the shipped scorer (its R-L can differ from the Précis "
        "row above by the typography of a few sentences: the rows score the cleaned sentence text). "
        "The first row is main's scorer refitted without its two entity features."
    )
    header = ["scorer", "train articles", "R-1", "R-2", "R-L", "gain R-L", "sentences", "words"]
    rows = []
    previous = None
    for row in results.ablation:
        gain = "" if previous is None else f"{row.scores.rouge_l - previous:+.2f}"
        previous = row.scores.rouge_l
        rows.append(
            [
                row.name,
                row.train_articles,
                *(f"{v:.2f}" for v in (row.scores.rouge1, row.scores.rouge2, row.scores.rouge_l)),
                gain,
                f"{row.scores.sentences:.2f}",
                f"{row.scores.words:.1f}",
            ]
        )
    return intro + "\n\n" + _table(header, rows)


def _buckets(results: SummaryResults) -> str:
    """ROUGE-L by article length: long articles are where a fixed-length summary struggles."""
    systems = list(next(iter(results.buckets.values())))
    header = ["article words", "articles", *(f"{name} R-L" for name in systems), f"{PRECIS} sentences"]
    rows = [
        [
            bucket,
            results.bucket_sizes[bucket],
            *(f"{scores[name].rouge_l:.2f}" for name in systems),
            f"{scores[PRECIS].sentences:.2f}",
        ]
        for bucket, scores in results.buckets.items()
    ]
    return "### By article length\n\n" + _table(header, rows)


def _seed(results: SummaryResults) -> str:
    """The seed article's summary before (main's scorer) and after (the shipped one)."""
    lines = ["### The seed (`seeds/fr-03.txt`)"]
    for name, sentences in results.seed.items():
        lines.append(f"{name}:\n\n" + "\n".join(f"> {sentence}" for sentence in sentences))
    return "\n\n".join(lines)


def _summary_row(name: str, scores: SummaryScores) -> list[object]:
    """A system's scores; the reference abstract only has a size."""
    rouge = (
        ["–"] * 3
        if name == REFERENCE
        else [f"{v:.2f}" for v in (scores.rouge1, scores.rouge2, scores.rouge_l)]
    )
    readme = " / ".join(f"{v:.2f}" for v in README_LEAD[name]) if name in README_LEAD else ""
    return [name, *rouge, f"{scores.sentences:.2f}", f"{scores.words:.1f}", scores.empty, readme]


def _entities(results: EntityResults) -> str:
    """One table per match mode, then what the counts cannot show on their own."""
    intro = (
        f"## Entities: `{NER_FILE}`, {results.documents} documents, {results.gold_spans} gold spans\n\n"
        f"Gold: `entities_trimmed_per` for the {results.trimmed_documents} documents that have it, "
        f"`entities` for the other {results.documents - results.trimmed_documents} (LeTemps: person spans "
        f"keep titles such as `M.`); MISC is ignored on both sides. {SPACY}: `spacy.load(model)` `doc.ents`; "
        f"{PRECIS}: every mention of every entity `summarise_text(text)` reports (read from `analyse`), "
        "typed as its entity. "
        "P/R/F1 x100. Exact: same start, end and type; overlap: same type and shared characters, each span "
        "matched at most once."
    )
    tables = [_entity_table(results, mode) for mode in MATCH_MODES]
    return "\n\n".join([intro, *tables, _entity_notes(results), _rule_ablation(results)])


def _entity_table(results: EntityResults, mode: str) -> str:
    """P/R/F1 and counts per system and type for one match mode."""
    header = ["system", "type", "P", "R", "F1", "tp", "fp", "fn"]
    rows = [
        _counts_row(system, kind, counts[kind])
        for (system, counts_mode), counts in results.counts.items()
        if counts_mode == mode
        for kind in (*ENTITY_TYPES, MICRO)
    ]
    return f"### {mode.capitalize()} match\n\n" + _table(header, rows)


def _counts_row(system: str, kind: str, counts: Counts) -> list[object]:
    """One line of an entity table."""
    scores = [f"{100 * value:.1f}" for value in (counts.precision, counts.recall, counts.f1)]
    return [system, f"**{kind}**" if kind == MICRO else kind, *scores, counts.tp, counts.fp, counts.fn]


def _entity_notes(results: EntityResults) -> str:
    """Type errors and Précis's own consistency checks."""
    retyped = ", ".join(f"{system} {count}" for system, count in results.retyped.items())
    return "\n".join(
        [
            f"- Exact gold offsets predicted with another type: {retyped}.",
            f"- {PRECIS}: {results.precis_mentions} mentions. Documents without entities (language not "
            f"detected as French, so no model ran): {results.precis_not_extracted}. Mentions whose offsets "
            f"do not cut out the entity's name or an alias: {results.precis_misaligned}.",
        ]
    )


def _rule_ablation(results: EntityResults) -> str:
    """What each entity rule adds: the same model output with one rule left out (see precis.core.entities)."""
    intro = (
        "### Entity rules, one left out at a time\n\n"
        f"{PRECIS} with each rule of `precis.core.entities.RULES` left out (`{NO_RULE}`: all of them), "
        "on the same model output; a rule helps where its row is lower than the first. Exact match unless "
        "said; micro over PER/LOC/ORG; x100."
    )
    header = ["rules", "P", "R", "F1", "PER R", "LOC R", "ORG R", "ORG F1", "overlap P", "overlap R"]
    rows = [
        [
            name,
            *(f"{100 * value:.1f}" for value in _ablation_scores(modes["exact"], modes["overlap"])),
        ]
        for name, modes in results.ablation.items()
    ]
    return intro + "\n\n" + _table(header, rows)


def _ablation_scores(exact: dict[str, Counts], overlap: dict[str, Counts]) -> list[float]:
    """The figures of one ablation row, in the header's order."""
    return [
        exact[MICRO].precision,
        exact[MICRO].recall,
        exact[MICRO].f1,
        *(exact[kind].recall for kind in ENTITY_TYPES),
        exact["ORG"].f1,
        overlap[MICRO].precision,
        overlap[MICRO].recall,
    ]


def _timing(seconds: dict[str, float], cpus: int) -> str:
    """The footer: whole run and its stages."""
    stages = ", ".join(f"{stage} {value:.1f} s" for stage, value in seconds.items() if stage != "total")
    return f"---\n\nRun time: {seconds['total']:.1f} s on {cpus} CPUs ({stages})."
