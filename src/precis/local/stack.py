"""The embedded stack: moto on 127.0.0.1 with template.yaml's resources, and workers calling the handler."""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import threading
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from multiprocessing.context import SpawnProcess
from multiprocessing.synchronize import Event
from types import TracebackType
from typing import NamedTuple

from moto.server import ThreadedMotoServer

from precis.aws.settings import DEFAULT_MAX_OBJECT_BYTES, DEFAULT_MODELS
from precis.errors import UnavailableError
from precis.local import emulation
from precis.local.resources import QueueAddresses, create_resources
from precis.local.web import ApiServer, api_handler
from precis.local.worker import WorkerConfig, run_worker
from precis.names import DEFAULT_HANDLER, DEFAULT_PORT, LOCAL_REGION, WEB_URL_PARAMETER
from precis.stack.target import FAKE_CREDENTIALS, Target, local_target

# Loading the model takes seconds per worker; minutes only on a cold disk with several workers.
READY_TIMEOUT = 300.0
HOST = "127.0.0.1"
SUPERVISE_SECONDS = 0.5
# Set by template.yaml for the layer only: the packed language identifier lives in /opt, which no local
# worker has; without it the core unpacks py3langid's model into the user's cache instead.
LAYER_ONLY_ENVIRONMENT = frozenset({"PRECIS_LANGID_DIR"})
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StackOptions:
    """How to run the stack; the defaults mirror template.yaml, tests shrink the timeouts."""

    port: int = DEFAULT_PORT
    workers: int = 2
    models: str = DEFAULT_MODELS
    handler: str = DEFAULT_HANDLER
    visibility_timeout: int = 360
    max_receive_count: int = 5
    function_timeout: int = 60
    memory_mb: int = 2048
    max_object_bytes: int = DEFAULT_MAX_OBJECT_BYTES
    log_level: str = "INFO"
    wait_seconds: int = 1
    environment: Mapping[str, str] = field(default_factory=dict)
    log_file: str | None = None
    # The API and viewer's port on 127.0.0.1 (0 picks a free one); None serves no viewer.
    web_port: int | None = None


class WorkerProcess(NamedTuple):
    """One worker and the event it sets once the handler is imported; replaced as a whole on restart."""

    process: SpawnProcess
    ready: Event


def function_environment(options: StackOptions, target: Target) -> dict[str, str]:
    """The function's environment as template.yaml sets it, pointed at the local endpoint."""
    environment = {
        "PRECIS_TABLE_NAME": target.names.table,
        "PRECIS_INDEX_TABLE_NAME": target.names.index_table,
        "PRECIS_IDEMPOTENCY_TABLE_NAME": target.names.idempotency_table,
        "PRECIS_RESULTS_BUCKET": target.names.results_bucket,
        "PRECIS_MODELS": options.models,
        "PRECIS_MAX_OBJECT_BYTES": str(options.max_object_bytes),
        "PRECIS_MAX_RECEIVE_COUNT": str(options.max_receive_count),
        "AWS_ENDPOINT_URL": str(target.endpoint_url),
        "AWS_ACCESS_KEY_ID": FAKE_CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": FAKE_CREDENTIALS["aws_secret_access_key"],
        "AWS_DEFAULT_REGION": LOCAL_REGION,
        "AWS_REGION": LOCAL_REGION,
        "POWERTOOLS_SERVICE_NAME": "precis",
        "POWERTOOLS_METRICS_NAMESPACE": "Precis",
        "POWERTOOLS_TRACE_DISABLED": "1",
        "POWERTOOLS_LOG_LEVEL": options.log_level,
    }
    return {**environment, **options.environment}


def ensure_port_free(port: int) -> None:
    """Fail clearly up front: moto's server thread would die on a busy port and leave `start()` waiting."""
    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError as error:
            raise UnavailableError(
                f"port {port} on {HOST} is busy ({error.strerror}); is `precis serve` already running? "
                "Use --port to pick another"
            ) from None


def quiet_request_log() -> None:
    """werkzeug logs every request at INFO unless someone configured it; the stack's clients are noisy."""
    werkzeug = logging.getLogger("werkzeug")
    if werkzeug.level == logging.NOTSET:
        werkzeug.setLevel(logging.WARNING)


def reset_moto(endpoint_url: str) -> None:
    """moto keeps state per process, so a second stack in the same process must start from nothing."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    opener.open(urllib.request.Request(f"{endpoint_url}/moto-api/reset", method="POST"), timeout=10).close()


def warn_short_visibility(options: StackOptions) -> None:
    """Lambda refuses this setting: a crashed run's messages would return while its record is in progress."""
    if options.visibility_timeout < options.function_timeout:
        logger.warning(
            "visibility timeout %d s is under the function timeout %d s, which Lambda refuses: a crashed "
            "worker's messages may be refused as still in progress until they reach the dead-letter queue",
            options.visibility_timeout,
            options.function_timeout,
        )


def describe_exit(code: int) -> str:
    """`exit code 1`, or `killed by SIGKILL` for the negative codes of processes ended by a signal."""
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


class EmbeddedStack:
    """Server thread, workers and their supervisor; use it as a context manager so every exit stops them."""

    def __init__(self, options: StackOptions) -> None:
        self.options = options
        self._server: ThreadedMotoServer | None = None
        self._context = multiprocessing.get_context("spawn")
        self._stop: Event = self._context.Event()
        self._workers: list[WorkerProcess] = []
        self._config: WorkerConfig | None = None
        self._supervisor: threading.Thread | None = None
        self._web: ApiServer | None = None
        self.target: Target | None = None
        self.restarts = 0  # workers the supervisor replaced

    def __enter__(self) -> EmbeddedStack:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def endpoint_url(self) -> str:
        """Where clients reach the stack (known once started; the port may have been chosen by the OS)."""
        return str(self.started_target().endpoint_url)

    def started_target(self) -> Target:
        """The running stack as a CLI target, so `status`, `ingest` and the tests share one code path."""
        if self.target is None:
            raise RuntimeError("the stack is not started")
        return self.target

    def start(self) -> None:
        """Server, resources, then workers; anything half-started is stopped again on failure."""
        ensure_port_free(self.options.port)
        warn_short_visibility(self.options)
        quiet_request_log()
        emulation.install()
        self._server = ThreadedMotoServer(ip_address=HOST, port=self.options.port, verbose=False)
        self._server.start()
        try:
            host, port = self._server.get_host_and_port()
            endpoint_url = f"http://{host}:{port}"
            reset_moto(endpoint_url)
            self.target = local_target(endpoint_url)
            queues = create_resources(
                self.target,
                visibility_timeout=self.options.visibility_timeout,
                max_receive_count=self.options.max_receive_count,
            )
            self._start_web()
            self._start_workers(queues)
            self._supervisor = threading.Thread(target=self._supervise, name="precis-supervisor", daemon=True)
            self._supervisor.start()
        except BaseException:
            self.stop()
            raise

    def restart_server(self) -> None:
        """Stop moto's server and start it again on the same port, as a crashed endpoint comes back.

        moto keeps its state in this process's memory, not in the server thread, so buckets, queues and
        tables survive; requests made meanwhile fail, and the clients' retries carry them over.
        """
        if self._server is None:
            raise RuntimeError("the stack is not started")
        _, port = self._server.get_host_and_port()
        self._server.stop()
        self._server = ThreadedMotoServer(ip_address=HOST, port=port, verbose=False)
        self._server.start()

    @property
    def web_url(self) -> str | None:
        """The viewer's address, None when the stack serves no viewer."""
        return self._web.url if self._web is not None else None

    def _start_web(self) -> None:
        """The API and viewer over this stack's archive; its address goes where `precis status` reads it."""
        if self.options.web_port is None:
            return
        target = self.started_target()
        self._web = ApiServer(api_handler(target), self.options.web_port).__enter__()
        target.client("ssm").put_parameter(
            Name=WEB_URL_PARAMETER, Value=self._web.url, Type="String", Overwrite=True
        )

    def _start_workers(self, queues: QueueAddresses) -> None:
        """One configuration for every worker, so a restarted worker is the same as the one it replaces."""
        self._config = WorkerConfig(
            queue_url=queues.queue_url,
            queue_arn=queues.queue_arn,
            region=LOCAL_REGION,
            environment=function_environment(self.options, self.started_target()),
            handler=self.options.handler,
            wait_seconds=self.options.wait_seconds,
            function_timeout=self.options.function_timeout,
            memory_mb=self.options.memory_mb,
            log_level=self.options.log_level,
            log_file=self.options.log_file,
        )
        self._workers = [self._spawn(index) for index in range(self.options.workers)]

    def _spawn(self, index: int) -> WorkerProcess:
        """Spawned, not forked: the worker imports the handler in a clean interpreter with its own env."""
        ready = self._context.Event()
        process = self._context.Process(
            target=run_worker,
            args=(self._config, index, ready, self._stop),
            name=f"precis-worker-{index}",
            daemon=True,
        )
        process.start()
        return WorkerProcess(process, ready)

    def _supervise(self) -> None:
        """Replace a worker that dies after start-up, as Lambda hands a crashed invocation's messages on.

        A worker that dies while loading is left to `dead_workers`: restarting it would only fail again.
        """
        while not self._stop.wait(SUPERVISE_SECONDS):
            for index, worker in enumerate(self._workers):
                code = worker.process.exitcode
                if code is None or not worker.ready.is_set() or self._stop.is_set():
                    continue
                logger.warning(
                    "%s died (%s); restarting it, its messages come back after the %d s visibility timeout",
                    worker.process.name,
                    describe_exit(code),
                    self.options.visibility_timeout,
                )
                self._workers[index] = self._spawn(index)
                self.restarts += 1

    def dead_workers(self) -> list[str]:
        """Workers that exited before they were ready (e.g. the model is not installed): not restarted."""
        return [
            f"{worker.process.name} (exit code {worker.process.exitcode})"
            for worker in self._workers
            if worker.process.exitcode is not None and not worker.ready.is_set()
        ]

    def wait_ready(self, timeout: float) -> None:
        """Block until every worker has imported the handler, so callers time processing, not model loads."""
        deadline = time.monotonic() + timeout
        while not all(worker.ready.is_set() for worker in self._workers):
            dead = self.dead_workers()
            if dead:
                raise UnavailableError(f"worker exited during start-up: {', '.join(dead)}; see the log above")
            if time.monotonic() > deadline:
                raise UnavailableError(f"workers not ready after {timeout:.0f} s")
            time.sleep(0.1)

    def stop(self) -> list[int | None]:
        """Workers finish their batch (or are terminated while still loading), then the server stops.

        Returns the workers' exit codes, so a caller can tell a clean stop (all 0) from a crash.
        """
        self._stop.set()
        if self._supervisor is not None:
            self._supervisor.join()
            self._supervisor = None
        grace = self.options.wait_seconds + self.options.function_timeout + 5
        for process, ready in self._workers:
            if not ready.is_set():
                process.terminate()
            process.join(grace)
            if process.is_alive():
                logger.warning("%s did not stop in %d s; terminating it", process.name, grace)
                process.terminate()
                process.join(5)
        exit_codes = [worker.process.exitcode for worker in self._workers]
        self._workers.clear()
        if self._web is not None:
            self._web.stop()
            self._web = None
        if self._server is not None:
            self._server.stop()
            self._server = None
        return exit_codes
