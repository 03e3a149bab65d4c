"""docs/BENCH.md from the measurements: one dated run, its machine, the targets, then every table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter

from tools.benchmark import cost
from tools.benchmark.api import CALLS as API_CALLS
from tools.benchmark.api import LOADS, ApiResults, Timing
from tools.benchmark.cold import CLI_HELP_LABEL, HANDLER_LABEL, ColdRow
from tools.benchmark.endtoend import StackPass
from tools.benchmark.jobs import JobsPass, median_jobs_rate
from tools.benchmark.lambda_cold import PHASES, LambdaCold, PhasedRow
from tools.benchmark.peers import PeerRow
from tools.benchmark.query import CALLS, SENTINEL_ARTICLES, QueryResults, write_cost_usd_per_1000
from tools.benchmark.throughput import Pass, median_rate
from tools.benchmark.warm import NER, OURS, STOCK, Linearity, Series, TextSet
from tools.common import markdown
from tools.common.stats import Summary

CORE_LABEL = "Précis core: import + `Summariser.load` + `summarise`"
VALIDATION = "OrangeSum validation"
_COLD_TEXT = """\
Fresh process, from launch to the first article done (the seed); one warm-up round, then the rows
take turns. Phases are medians: interpreter start, imports, model load, first article. The handler row
imports `precis.aws.handler` (which loads the model) with the embedded stack's environment and handles one
S3 event against the moto server (S3 read, DynamoDB write). `no .pyc` compiles every module from source,
as in a layer built with `--no-compile`. Précis reads py3langid's model unpacked in its cache
(`~/.cache/precis`, filled by the first run); the "empty language-id cache" row is a machine's first
run, and close to what a Lambda function pays unless its layer ships the unpacked model. The `precis`
rows run the console script's `main` in a fresh process: `--help` imports no AWS, server or NLP
library, and `summarise` pays for spaCy alone."""
_WARM_TEXT = """\
One process loads the three systems and passes every text through each once untimed; then, article by
article, the three take turns (so a busy moment on the machine hits all three). Per-call times are
`summarise(bytes)` for Précis and `nlp(text)` for spaCy; the last column is spaCy's batched `nlp.pipe`
(mean per article over the set), which the first two targets compare against; the third target pairs
each Précis call with the NER call on the same article in the same turn."""
_THROUGHPUT_TEXT = """\
Worker processes (spawned) each load the model, then share a queue of the validation files; the clock
starts when all are loaded. Each file is read, summarised and turned into JSON, as `precis summarise`
does. Peak RSS is `ru_maxrss` of each worker. "CPU cores obtained" is the workers' CPU time over the wall
time: below the worker count, something else on the machine was using the cores."""
_JOBS_TEXT = """\
The command itself: `precis -q summarise --format jsonl --jobs N FILE...` over the same files, its lines
timed as they arrive; the rate runs from the first result line to the last, so the model loads (in
parallel with N jobs) are left out, and are in the wall time."""
_END_TO_END_TEXT = """\
`precis.local`'s stack on a free port: upload to moto's S3, S3 -> SQS notification, worker -> handler
-> DynamoDB. Idle latency: five single uploads, each waited for. Burst: every file uploaded back to back;
rate from the first upload to the last item; latency is the item's `processed_at` minus its upload
start, so in a burst it is mostly time queued. "handler ms" is the items' own `processing_ms` (S3 read
and summary); "moto + uploads CPU" is the CPU this process (moto's server threads and the uploads) spent
per article during the burst, on the same two cores as the workers. The `precis summarise` rows are the
throughput section's passes on the same files."""
_COST_TEXT = """\
List prices as known, not fetched: Lambda x86 ${gb_second:.10f} per GB-s and $0.20 per million requests
(one request per article assumed; SQS batches of 10 cut that tenfold); Comprehend ${unit} per
100-character unit for each of {apis}, 3 units minimum per request. Lambda time is the warm mean per
validation article measured here on one core; below {full_vcpu} MB Lambda gives a proportional share of a
vCPU, so time grows as memory shrinks and the GB-seconds stay about the same. S3/DynamoDB call time and
cold starts (billed as init) are not included."""


_QUERY_TEXT = """\
Two archives in moto (in-process, patched as the embedded stack patches it), written through the real
storage and index code from the validation documents (each with its own key, title and upload time over
30 days; one in 50 a failed item; a sentinel person named by exactly {sentinel} articles in both). Each
question is asked {calls} times. "Items read" is DynamoDB's ScannedCount per call: what the question costs
as the archive grows. Latencies are moto's (no network), on the same two busy cores as everything else.
The handler rows time `SummariseFunction.handle` on one S3 event per article, with the index and with the
item alone (the function before the index), in turns on the same articles."""


@dataclass
class Results:
    """Everything one run measured; a section left None was skipped or failed (see `errors`)."""

    started: datetime
    finished: datetime
    command: str
    model: str
    machine: dict[str, str]
    load: tuple[str, str]
    versions: list[tuple[str, str]]
    cold: list[ColdRow] | None = None
    warm: list[TextSet] | None = None
    linearity: Linearity | None = None
    throughput: list[Pass] | None = None
    end_to_end: list[StackPass] | None = None
    peers: list[PeerRow] | None = None
    query: QueryResults | None = None
    jobs: list[JobsPass] | None = None
    lambda_cold: LambdaCold | None = None
    api: ApiResults | None = None
    characters: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A Markdown table followed by a blank line, as every section places it."""
    return [*markdown.table(header, rows), ""]


def ms(value: float) -> str:
    """Milliseconds, one decimal."""
    return f"{value:.1f}"


def ratio(value: float | None) -> str:
    """A ratio such as 0.42x, or a dash when it cannot be computed."""
    return "–" if value is None else f"{value:.2f}x"


def verdict(value: float | None, limit: float, at_most: bool) -> str:
    """Whether a measured value meets its target."""
    if value is None:
        return "not measured"
    return "yes" if (value <= limit if at_most else value >= limit) else "**no**"


def render(results: Results) -> str:
    """The whole document."""
    sections = [
        header_section(results),
        targets_section(results),
        cold_section(results),
        lambda_cold_section(results),
        warm_section(results),
        throughput_section(results),
        end_to_end_section(results),
        peers_section(results),
        query_section(results),
        api_section(results),
        cost_section(results),
    ]
    return "\n".join(line for section in sections for line in section).rstrip() + "\n"


def header_section(results: Results) -> list[str]:
    """Date, command, machine and versions."""
    minutes = (results.finished - results.started).total_seconds() / 60
    machine = ", ".join(f"{key} {value}" for key, value in results.machine.items())
    versions = ", ".join(f"{name} {version}" for name, version in results.versions)
    return [
        "# Benchmark",
        "",
        f"Run of **{results.started:%Y-%m-%d %H:%M} UTC** ({minutes:.0f} min), `{results.command}`, "
        f"model `{results.model}`. Regenerate with `make bench`; numbers move with the machine's load.",
        "",
        f"- Machine: {machine}.",
        f"- Load average (1/5/15 min) at start {results.load[0]}, at end {results.load[1]}.",
        f"- Packages: {versions}.",
        "- Every measured process runs BLAS/OpenMP on one thread (as on a Lambda of at most one vCPU).",
        *[f"- {note}" for note in results.notes],
        *[f"- **{name} not measured**: {error}" for name, error in results.errors.items()],
        "",
    ]


def cold_median(results: Results, label: str) -> float | None:
    """Median cold start of one row, if it ran."""
    row = next((row for row in results.cold or [] if row.label == label), None)
    summary = row.summary if row else None
    return summary.median if summary else None


def validation_set(results: Results) -> TextSet | None:
    """The warm results on the validation articles, if measured."""
    return next((item for item in results.warm or [] if item.name.startswith(VALIDATION)), None)


def warm_ratio(results: Results, other: str) -> float | None:
    """Précis's mean per article over another system's mean through `nlp.pipe`, on the validation set."""
    text_set = validation_set(results)
    pipe = text_set.get(other).pipe_ms if text_set else None
    return text_set.get(OURS).summary.mean / pipe if text_set and pipe else None


def paired_ratio(results: Results, other: str) -> float | None:
    """Median per-article ratio of Précis's call to another system's call, on the validation set."""
    text_set = validation_set(results)
    return text_set.paired_ratio(OURS, other) if text_set else None


def scaling(results: Results) -> float | None:
    """Throughput with two workers over one."""
    passes = results.throughput or []
    if not {1, 2} <= {item.workers for item in passes}:
        return None
    return median_rate(passes, 2) / median_rate(passes, 1)


def end_to_end_ratio(results: Results, workers: int) -> float | None:
    """The stack's rate with `workers` workers over `precis summarise`'s (one process) on the same files."""
    stack = next((item for item in results.end_to_end or [] if item.workers == workers), None)
    passes = results.throughput or []
    if stack is None or not any(item.workers == 1 for item in passes):
        return None
    return stack.per_second / median_rate(passes, 1)


def after_growth(results: Results) -> float | None:
    """How much Précis's post-processing grows for a 10 times longer article."""
    linearity = results.linearity
    return linearity.after_ms[1] / linearity.after_ms[0] if linearity else None


def targets_section(results: Results) -> list[str]:
    """The issue's targets, measured value and verdict."""
    cold_handler, cold_core = cold_median(results, HANDLER_LABEL), cold_median(results, CORE_LABEL)
    rows: list[tuple[str, float | None, str, float, bool]] = [
        (
            "Warm per article / stock full pipeline (`nlp.pipe`)",
            warm_ratio(results, STOCK),
            "≤ 0.5x",
            0.5,
            True,
        ),
        ("Warm per article / bare NER pass (`nlp.pipe`)", warm_ratio(results, NER), "≤ 1.2x", 1.2, True),
        (
            "Same, per call: median of per-article ratios to NER",
            paired_ratio(results, NER),
            "≤ 1.2x",
            1.2,
            True,
        ),
        ("Cold start, Lambda handler (s)", cold_handler, "≤ 1.5 s", 1.5, True),
        ("Cold start, core (s)", cold_core, "≤ 1.5 s", 1.5, True),
        ("`precis --help` (s)", cold_median(results, CLI_HELP_LABEL), "≤ 0.3 s", 0.3, True),
        (
            "Cold start under Lambda's conditions / stock spaCy (same run)",
            results.lambda_cold.ratio if results.lambda_cold else None,
            "≤ 0.2x",
            0.2,
            True,
        ),
        ("Throughput, 2 workers / 1 worker", scaling(results), "≥ 1.8x", 1.8, False),
        ("`precis summarise --jobs 2` / `--jobs 1`", jobs_scaling(results), "≥ 1.8x", 1.8, False),
        (
            "End to end, stack (2 workers) / `precis summarise`",
            end_to_end_ratio(results, 2),
            "≥ 0.8x",
            0.8,
            False,
        ),
        (
            "End to end, stack (1 worker) / `precis summarise`",
            end_to_end_ratio(results, 1),
            "≥ 0.8x",
            0.8,
            False,
        ),
        ("Post-processing, 10x longer article", after_growth(results), "≈ ≤ 10x", 11.0, True),
        (
            "Query: items read, entity lookup, large / small archive",
            query_read_ratio(results),
            "≤ 1.1x",
            1.1,
            True,
        ),
        (
            "Query: p95 of a 20-result page, large archive (ms)",
            query_page_p95(results),
            "≤ 50 ms",
            50.0,
            True,
        ),
        (
            "API: p95 of a 20-item page of recent articles (ms)",
            api_p95(results, API_PAGE),
            "≤ 50 ms",
            50.0,
            True,
        ),
        ("API: p95 of one article (ms)", api_p95(results, API_ARTICLE), "≤ 50 ms", 50.0, True),
        (
            "Handler per article with index writes / without",
            index_handler_ratio(results),
            "≤ 1.15x",
            1.15,
            True,
        ),
    ]
    body = [
        (name, "–" if value is None else f"{value:.2f}", goal, verdict(value, limit, at_most))
        for name, value, goal, limit, at_most in rows
    ]
    return ["## Targets", "", *table(("target", "measured", "goal", "met"), body)]


_NOT_MEASURED = ("Not measured.", "")


def _opening(heading: str, explanation: str | None = None) -> list[str]:
    """A section's heading and the paragraph that says how its rows were measured."""
    return [heading, "", *((explanation, "") if explanation else ())]


def cold_section(results: Results) -> list[str]:
    """Cold start rows with their phase breakdown."""
    lines = _opening("## Cold start", _COLD_TEXT)
    if results.cold is None:
        return [*lines, *_NOT_MEASURED]
    rows = [_cold_row(row) for row in results.cold]
    header = ("start", "runs", "median s", "p95 s", "interpreter", "imports", "load", "first", "peak RSS MB")
    return lines + table(header, rows)


def _cold_row(row: ColdRow) -> list[str]:
    """One cold-start row, or its reason for being empty."""
    summary = row.summary
    if summary is None:
        return [row.label, "0", f"not measured: {row.error}", "", "", "", "", "", ""]
    phases = [row.median_of(attrgetter(name)) for name in ("startup", "imports", "load", "first")]
    return [
        row.label,
        str(summary.count),
        f"{summary.median:.2f}",
        f"{summary.p95:.2f}",
        *[f"{value:.2f}" for value in phases],
        f"{max(run.peak_mb for run in row.runs):.0f}",
    ]


_LAMBDA_COLD_TEXT = """\
The `sam build` artefacts as Lambda runs them: the function unpacked as `/var/task`, its two layers merged
as `/opt/python`, boto3 beside them as the python3.12 runtime provides it ({python}, `-S`, nothing else
on `sys.path`), a home directory that cannot be written (`HOME` under `/proc`), only a temporary folder
writable, `PYTHONDONTWRITEBYTECODE=1`, the environment Lambda sets (tracing on) and one CPU (`taskset -c
0`). The function row imports `app` (the init phase: settings, model, language identifier, clients) and
handles one S3 event against the moto server (S3 read, DynamoDB writes); stock spaCy runs `spacy.load`
(full pipeline) and one `nlp(text)` of the seed from the same interpreter and layers. The two take turns
after one warm-up round. Each phase is `wall / CPU` seconds (medians); "other init" is the init phase
less the model and identifier (Powertools, settings, clients). Ratio: median of the per-round ratios,
{ratio}."""


def lambda_cold_section(results: Results) -> list[str]:
    """The function and stock spaCy under Lambda's conditions, phase by phase."""
    measured = results.lambda_cold
    if measured is None:
        return [*_opening("## Cold start under Lambda's conditions"), *_NOT_MEASURED]
    rounds = ", ".join(f"{value:.2f}" for value in measured.ratios)
    text = _LAMBDA_COLD_TEXT.format(
        python=f"`{measured.python}`" if measured.python else "python3.12",
        ratio=f"{ratio(measured.ratio)} (rounds: {rounds or '–'})",
    )
    header = ("start", "runs", "median s", "p95 s", *PHASES, "peak RSS MB")
    rows = [_phased_row(row) for row in (measured.stock, measured.function)]
    return _opening("## Cold start under Lambda's conditions", text) + table(header, rows)


def _phased_row(row: PhasedRow) -> list[str]:
    """One row: totals, each phase as wall / CPU, peak RSS; or why it did not run."""
    summary = row.summary
    if summary is None:
        return [row.label, "0", f"not measured: {row.error}", *[""] * (len(PHASES) + 2)]
    phases = [row.median_phase(name) for name in PHASES]
    return [
        row.label,
        str(summary.count),
        f"{summary.median:.2f}",
        f"{summary.p95:.2f}",
        *["–" if phase is None else f"{phase.wall:.2f} / {phase.cpu:.2f}" for phase in phases],
        f"{max(run.peak_mb for run in row.runs):.0f}",
    ]


def warm_section(results: Results) -> list[str]:
    """Per-article times per text set, then the linearity row."""
    lines = _opening("## Warm cost per article", _WARM_TEXT)
    if results.warm is None:
        return [*lines, *_NOT_MEASURED]
    for text_set in results.warm:
        lines += [f"### {text_set.name}", ""]
        rows = [_warm_row(series) for series in text_set.series]
        lines += table(("system", "calls", "median ms", "p95 ms", "mean ms", "`nlp.pipe` mean ms"), rows)
    return lines + linearity_lines(results.linearity)


def _warm_row(series: Series) -> list[str]:
    """One system's row."""
    summary, pipe = series.summary, series.pipe_ms
    return [
        series.label,
        str(summary.count),
        ms(summary.median),
        ms(summary.p95),
        ms(summary.mean),
        ms(pipe) if pipe else "–",
    ]


def linearity_lines(linearity: Linearity | None) -> list[str]:
    """The seed once and ten times, split around spaCy's part (medians of 7 runs, in turns)."""
    if linearity is None:
        return []
    rows = [
        ["seed", f"{linearity.characters[0]:,}", *[ms(part[0]) for part in _parts(linearity)]],
        ["seed x10", f"{linearity.characters[1]:,}", *[ms(part[1]) for part in _parts(linearity)]],
        [
            "growth",
            ratio(linearity.characters[1] / linearity.characters[0]),
            *[ratio(part[1] / part[0]) for part in _parts(linearity)],
        ],
    ]
    header = (
        "input",
        "characters",
        "spaCy (tokenizer + components) ms",
        "Précis before spaCy ms",
        "Précis after spaCy ms",
    )
    return ["### Linearity: the seed repeated 10 times", "", *table(header, rows)]


def _parts(linearity: Linearity) -> list[tuple[float, float]]:
    """The three timed parts, in column order."""
    return [linearity.spacy_ms, linearity.before_ms, linearity.after_ms]


def jobs_scaling(results: Results) -> float | None:
    """The real command's throughput with two jobs over one."""
    passes = results.jobs or []
    if not {1, 2} <= {item.jobs for item in passes}:
        return None
    return median_jobs_rate(passes, 2) / median_jobs_rate(passes, 1)


def jobs_lines(results: Results) -> list[str]:
    """`precis summarise --jobs N` itself, the installed console script over the same files."""
    if not results.jobs:
        return []
    counts = sorted({item.jobs for item in results.jobs})
    rows = [
        [
            f"`--jobs {jobs}`",
            str(sum(item.jobs == jobs for item in results.jobs)),
            f"{median_jobs_rate(results.jobs, jobs):.1f}",
            ratio(median_jobs_rate(results.jobs, jobs) / median_jobs_rate(results.jobs, counts[0])),
            f"{Summary.of([item.seconds for item in results.jobs if item.jobs == jobs]).median:.1f}",
            f"{Summary.of([item.first_line for item in results.jobs if item.jobs == jobs]).median:.1f}",
        ]
        for jobs in counts
    ]
    header = ("`precis summarise`", "runs", "articles/s (median)", "speed-up", "wall s", "first result s")
    return [_JOBS_TEXT, "", *table(header, rows)]


def throughput_section(results: Results) -> list[str]:
    """Articles per second by worker count, and worker memory."""
    lines = _opening("## Throughput and memory", _THROUGHPUT_TEXT)
    if not results.throughput:
        return [*lines, *_NOT_MEASURED, *jobs_lines(results)]
    counts = sorted({item.workers for item in results.throughput})
    base = median_rate(results.throughput, counts[0])
    rows = [_throughput_row(results.throughput, workers, base) for workers in counts]
    header = (
        "workers",
        "passes",
        "articles/s (median)",
        "speed-up",
        "CPU cores obtained",
        "articles per CPU-second",
        "RSS after load MB",
        "peak RSS MB",
    )
    return lines + table(header, rows) + jobs_lines(results)


def _throughput_row(passes: list[Pass], workers: int, base: float) -> list[str]:
    """One worker count's row."""
    mine = [item for item in passes if item.workers == workers]
    rate = median_rate(passes, workers)
    loaded = max(value for item in mine for value in item.loaded_mb)
    peak = max(value for item in mine for value in item.peak_mb)
    share = Summary.of([item.cpu_share for item in mine]).median
    efficiency = Summary.of([item.per_cpu_second for item in mine]).median
    return [
        str(workers),
        str(len(mine)),
        f"{rate:.1f}",
        ratio(rate / base),
        f"{share:.2f}",
        f"{efficiency:.1f}",
        f"{loaded:.0f}",
        f"{peak:.0f}",
    ]


def end_to_end_section(results: Results) -> list[str]:
    """The embedded stack against `precis summarise` on the same files."""
    lines = _opening("## End to end (embedded stack)", _END_TO_END_TEXT)
    if not results.end_to_end:
        return [*lines, *_NOT_MEASURED]
    rows = [_stack_row(item, results.throughput or []) for item in results.end_to_end]
    rows += [_summarise_row(results.throughput or [], workers) for workers in (1, 2)]
    header = (
        "path",
        "articles/s",
        "vs `precis summarise` 1 process",
        "handler ms p50",
        "moto + uploads CPU ms/article",
        "idle latency p50 ms",
        "burst latency p50 / p95 ms",
        "done",
    )
    return lines + table(header, [row for row in rows if row])


def _stack_row(item: StackPass, passes: list[Pass]) -> list[str]:
    """One stack size's row."""
    base = median_rate(passes, 1) if any(p.workers == 1 for p in passes) else None
    idle = Summary.of(item.idle_latencies_ms) if item.idle_latencies_ms else None
    burst = Summary.of(item.burst_latencies_ms) if item.burst_latencies_ms else None
    handler = Summary.of(item.processing_ms) if item.processing_ms else None
    return [
        f"embedded stack, {item.workers} worker(s)",
        f"{item.per_second:.1f}",
        ratio(item.per_second / base if base else None),
        ms(handler.median) if handler else "–",
        ms(item.server_cpu_ms),
        ms(idle.median) if idle else "–",
        f"{burst.median:.0f} / {burst.p95:.0f}" if burst else "–",
        f"{item.done}/{item.articles}",
    ]


def _summarise_row(passes: list[Pass], workers: int) -> list[str]:
    """`precis summarise`-equivalent row from the throughput passes."""
    if not any(p.workers == workers for p in passes) or not any(p.workers == 1 for p in passes):
        return []
    rate = median_rate(passes, workers)
    label = f"`precis summarise`-equivalent, {workers} process(es)"
    return [label, f"{rate:.1f}", ratio(rate / median_rate(passes, 1)), "–", "–", "–", "–", "–"]


def peers_section(results: Results) -> list[str]:
    """Peers' per-article times next to Précis's."""
    lines = _opening("## Peers on the same texts")
    if results.peers is None:
        return [*lines, *_NOT_MEASURED]
    rows = [_peer_row(row) for row in results.peers]
    for text_set in results.warm or []:
        summary = text_set.get(OURS).summary
        rows.append([f"{OURS} (from above)", text_set.name, ms(summary.median), ms(summary.p95)])
    return lines + table(("system", "texts", "median ms", "p95 ms"), rows)


def _peer_row(row: PeerRow) -> list[str]:
    """One peer's row, or why it could not run here."""
    summary = row.summary
    if summary is None:
        return [row.label, row.text_set, f"could not run: {row.error}", ""]
    return [row.label, row.text_set, ms(summary.median), ms(summary.p95)]


def query_section(results: Results) -> list[str]:
    """Items read and latency per question at two archive sizes, the index's cost per article."""

    lines = _opening("## Query index", _QUERY_TEXT.format(sentinel=SENTINEL_ARTICLES, calls=CALLS))
    query = results.query
    if query is None:
        return [*lines, *_NOT_MEASURED]
    sizes = sorted(query.build_seconds)
    names = list(dict.fromkeys(question.name for question in query.questions))
    header = (
        "question",
        "answers",
        *(f"items read ({size:,})" for size in sizes),
        *(f"p50 / p95 ms ({size:,})" for size in sizes),
    )
    rows = [_question_row(query, name, sizes) for name in names]
    handler = [
        [label, str(len(times)), ms(Summary.of(times).median), ms(Summary.of(times).p95)]
        for label, times in query.handler_ms.items()
    ]
    built = ", ".join(
        f"{size:,} articles in {seconds:.0f} s" for size, seconds in query.build_seconds.items()
    )
    notes = [
        f"- Archives written: {built}.",
        f"- Per article: {query.entries_per_article:.1f} index entries written, "
        f"{query.write_units_per_article:.1f} write units (item and index), "
        f"${write_cost_usd_per_1000(query):.3f} per 1,000 articles on demand.",
        f"- `precis reprocess --all` enqueued {query.reprocess_per_second:,.0f} objects per second "
        "(10,000 objects).",
        "",
    ]
    handler_table = table(("function", "articles", "median ms", "p95 ms"), handler)
    return lines + table(header, rows) + handler_table + notes


def _question_row(query: QueryResults, name: str, sizes: list[int]) -> list[str]:
    """One question across the sizes."""
    asked = [query.question(name, size) for size in sizes]
    answers = next((f"{q.answers:.0f}" for q in asked if q), "–")
    read = [f"{q.items_read:.0f}" if q else "–" for q in asked]
    timing = [f"{q.summary.median:.1f} / {q.summary.p95:.1f}" if q else "–" for q in asked]
    return [name, answers, *read, *timing]


def query_read_ratio(results: Results) -> float | None:
    """Items read for the fixed-size entity lookup, large archive over small."""
    query = results.query
    if query is None or len(query.build_seconds) < 2:
        return None
    small, large = sorted(query.build_seconds)
    name = f"entity named by {SENTINEL_ARTICLES} articles"
    first, last = query.question(name, small), query.question(name, large)
    return last.items_read / first.items_read if first and last and first.items_read else None


def query_page_p95(results: Results) -> float | None:
    """The slowest p95 of a 20-result page on the large archive."""
    query = results.query
    if query is None:
        return None
    large = max(query.build_seconds)
    pages = [query.question(name, large) for name in ("recent, 20", "entity named by most articles, 20")]
    return max((page.summary.p95 for page in pages if page), default=None)


def index_handler_ratio(results: Results) -> float | None:
    """Median per-article handler time with the index over without."""
    times = results.query.handler_ms if results.query else {}
    if not times.get("with index") or not times.get("item only"):
        return None
    return Summary.of(times["with index"]).median / Summary.of(times["item only"]).median


API_PAGE = "recent articles, 20"
API_ARTICLE = "one article (item, document, text)"
_API_TEXT = """\
The embedded stack (`precis.local`: moto's server and the local adapter on 127.0.0.1, which turns each
request into the HTTP API v2 event and calls the same handler as `ApiFunction`) holding an archive written
through the real storage and index code: the benchmark's texts summarised once, then stored again under
their own keys with their own titles and upload times over the last 30 days (one in 50 a failed item),
each text put into the articles bucket for the article route to read back. Routes are timed over one
keep-alive connection, {calls} calls each after one untimed pass, taking turns; the article route asks
for a different article each call. Pages are loaded in headless chromium, {loads} times each in turns
after one untimed load: the time runs from navigation start to the mark the viewer's script sets once the
page's data is shown (`performance.mark("precis-ready")`), so it includes the page's API calls. moto's
server, the adapter and the client share one process (loopback HTTP, no network) and the machine's two
busy cores."""


def api_section(results: Results) -> list[str]:
    """Latency per API route and render time per viewer page over one large archive."""
    lines = _opening("## HTTP API and viewer", _API_TEXT.format(calls=API_CALLS, loads=LOADS))
    api = results.api
    if api is None:
        return [*lines, *_NOT_MEASURED]
    routes = [_route_row(timing) for timing in api.routes]
    if api.pages_error:
        pages = [["viewer pages", "0", f"not measured: {api.pages_error}", ""]]
    else:
        pages = [_page_row(timing) for timing in api.pages]
    built = f"- Archive: {api.size:,} articles written in {api.build_seconds:.0f} s."
    return (
        lines
        + table(("route", "example", "answers", "p50 ms", "p95 ms"), routes)
        + table(("page", "loads", "p50 ms", "p95 ms"), pages)
        + [built, ""]
    )


def _route_row(timing: Timing) -> list[str]:
    """One route: its name, an example path, answers per call, median and p95."""
    summary = timing.summary
    return [timing.name, f"`{timing.path}`", f"{timing.answers:.0f}", ms(summary.median), ms(summary.p95)]


def _page_row(timing: Timing) -> list[str]:
    """One page: its name, loads, median and p95 time to its data shown."""
    summary = timing.summary
    return [timing.name, str(summary.count), ms(summary.median), ms(summary.p95)]


def api_p95(results: Results, name: str) -> float | None:
    """The p95 of one API route, if measured."""
    timing = results.api.route(name) if results.api else None
    return timing.summary.p95 if timing else None


def cost_section(results: Results) -> list[str]:
    """Lambda at two memory settings next to Comprehend."""
    lines = [
        "## Cost per 1,000 articles",
        "",
        _COST_TEXT.format(
            gb_second=cost.LAMBDA_GB_SECOND_USD,
            unit=cost.COMPREHEND_UNIT_USD,
            apis=" and ".join(cost.COMPREHEND_APIS),
            full_vcpu=cost.FULL_VCPU_MB,
        ),
        "",
    ]
    per_article, peak = _cost_inputs(results)
    if per_article is None or peak is None or not results.characters:
        return [
            *lines,
            "Not computed: needs the warm validation times, a peak RSS and the validation texts.",
            "",
        ]
    options = [
        cost.lambda_cost(per_article, cost.memory_setting(peak)),
        cost.lambda_cost(per_article, cost.FULL_VCPU_MB),
    ]
    rows = [
        [
            f"Lambda {item.memory_mb} MB",
            ms(item.duration_ms),
            f"{item.gb_seconds:.4f}",
            f"${item.usd_per_1000:.4f}",
        ]
        for item in options
    ]
    if results.query:
        rows.append(
            [
                "DynamoDB on-demand writes (item + index)",
                "–",
                "–",
                f"${write_cost_usd_per_1000(results.query):.4f}",
            ]
        )
    rows.append(
        [
            "Amazon Comprehend (entities + key phrases)",
            "–",
            "–",
            f"${cost.comprehend_usd_per_1000(results.characters):.4f}",
        ]
    )
    note = f"Smallest setting: peak RSS {peak:.0f} MB plus 25 %, rounded up to 64 MB."
    return lines + table(("option", "ms per article", "GB-s per article", "$ per 1,000"), rows) + [note, ""]


def _cost_inputs(results: Results) -> tuple[float | None, float | None]:
    """Mean ms per validation article, and the largest peak RSS of a handler or a worker."""
    text_set = next((item for item in results.warm or [] if item.name.startswith(VALIDATION)), None)
    per_article = text_set.get(OURS).summary.mean if text_set else None
    peaks = [run.peak_mb for row in results.cold or [] if row.label == HANDLER_LABEL for run in row.runs]
    peaks += [value for item in results.throughput or [] for value in item.peak_mb]
    return per_article, max(peaks) if peaks else None
