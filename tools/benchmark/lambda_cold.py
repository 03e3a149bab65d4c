"""Cold start as Lambda pays it: the `sam build` artefacts in a fresh python3.12 under Lambda's conditions.

The function is unpacked as `/var/task` would be and its two layers merged as `/opt/python` (hard links into
a temporary folder), boto3 comes from outside as the python3.12 runtime provides it, the home directory
cannot be written, only a temporary folder can, `PYTHONDONTWRITEBYTECODE=1` and one CPU (`taskset -c 0`).
Stock spaCy runs from the same interpreter and layers in the same rounds, so the ratio is side by side.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from tools.benchmark.cold import handler_event, start_stack
from tools.benchmark.stack import RunningStack
from tools.common.stats import Summary

PROBE = Path(__file__).with_name("probe.py")
PROBE_TIMEOUT = 600
BUILD = Path(".aws-sam/build")
FUNCTION = "SummariseFunction"
NLP_LAYER = "NlpLayer"
# Python 3.12 packages the Lambda runtime provides beside the function (what `lambda_trim` leaves out).
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")
# Nothing can be created under /proc, even as root: a home directory nobody can write (see FACTS.md).
READ_ONLY_HOME = "/proc/1/nonexistent"
ONE_CPU = "0"
# Where layers/nlp packs the language identifier, under /opt/python (PRECIS_LANGID_DIR in template.yaml).
LANGID_FOLDER = "precis_langid"
# Columns of the report, in order; a row leaves out the phases its process does not have.
PHASES = ("interpreter", "imports", "model load", "language identifier", "other init", "first article")
STOCK_LABEL = "spaCy stock: `spacy.load` (full) + `nlp(text)`, same python3.12 and layers"
FUNCTION_LABEL = "Lambda function: `import app` (init) + first S3 event (moto server)"
# The environment Lambda gives every python3.12 function; tracing is on (Tracing: Active in template.yaml).
LAMBDA_ENVIRONMENT = {
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
    "AWS_LAMBDA_FUNCTION_NAME": "precis-bench-summarise",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "2048",
    "AWS_LAMBDA_FUNCTION_VERSION": "1",
    "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
    "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
    "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    "LANG": "en_US.UTF-8",
    "TZ": ":UTC",
    "PYTHONDONTWRITEBYTECODE": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
}


# A row, its probe's arguments for a round, and its environment.
Launch = tuple["PhasedRow", Callable[[int], list[str]], dict[str, str]]


@dataclass(frozen=True)
class Phase:
    """Wall and CPU seconds of one phase of a cold start."""

    wall: float
    cpu: float


@dataclass(frozen=True)
class PhasedRun:
    """One fresh process: its phases (named as in PHASES), total wall and CPU seconds, peak RSS."""

    phases: dict[str, Phase]
    peak_mb: float

    @property
    def total(self) -> Phase:
        """From the launch to the first article done."""
        return Phase(sum(p.wall for p in self.phases.values()), sum(p.cpu for p in self.phases.values()))


@dataclass
class PhasedRow:
    """One way of starting, its runs, and why it could not run if it could not."""

    label: str
    runs: list[PhasedRun] = field(default_factory=list)
    error: str | None = None

    @property
    def summary(self) -> Summary | None:
        """Median and p95 of the total wall times, once there are runs."""
        return Summary.of([run.total.wall for run in self.runs]) if self.runs else None

    def median_phase(self, name: str) -> Phase | None:
        """Median wall and CPU of one phase, None when this row's process has no such phase."""
        phases = [run.phases[name] for run in self.runs if name in run.phases]
        if not phases:
            return None
        return Phase(Summary.of([p.wall for p in phases]).median, Summary.of([p.cpu for p in phases]).median)


@dataclass(frozen=True)
class LambdaCold:
    """The function and stock spaCy under Lambda's conditions, launched in turns, and their ratio."""

    stock: PhasedRow
    function: PhasedRow
    python: str

    @property
    def ratios(self) -> list[float]:
        """The function's cold start over stock spaCy's, round by round (both launched in each round)."""
        pairs = zip(self.function.runs, self.stock.runs, strict=False)
        return [ours.total.wall / stock.total.wall for ours, stock in pairs]

    @property
    def ratio(self) -> float | None:
        """Median of the per-round ratios."""
        return Summary.of(self.ratios).median if self.ratios else None


def python312() -> str | None:
    """python3.12 on PATH, else pyenv's 3.12 (the runtime's version; the layers hold 3.12 extensions)."""
    candidates = [shutil.which("python3.12")]
    pyenv = shutil.which("pyenv")
    if pyenv:
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True, check=False).stdout.strip()
        candidates += sorted(str(path) for path in Path(root).glob("versions/3.12*/bin/python3.12"))
    for candidate in filter(None, candidates):
        probe = [candidate, "-c", "import sys; print(sys.version_info[:2] == (3, 12))"]
        if subprocess.run(probe, capture_output=True, text=True, check=False).stdout.strip() == "True":
            return candidate
    return None


@dataclass(frozen=True)
class Layout:
    """Where the unpacked function, layers and runtime packages are, as Lambda's paths would hold them."""

    task: Path
    opt_python: Path
    runtime: Path
    tmp: Path

    @property
    def python_path(self) -> str:
        """The function first, then the layers, then the runtime's packages, as on Lambda's sys.path."""
        return os.pathsep.join(str(path) for path in (self.task, self.opt_python, self.runtime))


def unpack(build: Path, model_layer: str, folder: Path, python: str) -> Layout:
    """Link the built function and layers into `folder`, and the runtime's boto3 compiled by `python`."""
    missing = [name for name in (FUNCTION, NLP_LAYER, model_layer) if not (build / name).is_dir()]
    if missing:
        raise FileNotFoundError(f"{', '.join(missing)} missing under {build}: run `make build`")
    layout = Layout(folder / "var-task", folder / "opt" / "python", folder / "var-runtime", folder / "tmp")
    shutil.copytree(build / FUNCTION, layout.task, copy_function=os.link)
    for layer in (NLP_LAYER, model_layer):
        shutil.copytree(
            build / layer / "python", layout.opt_python, copy_function=os.link, dirs_exist_ok=True
        )
    layout.runtime.mkdir()
    for name in RUNTIME_PACKAGES:
        source = Path(importlib.import_module(name).__file__ or "")
        if source.name == "__init__.py":
            shutil.copytree(
                source.parent, layout.runtime / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(source, layout.runtime / source.name)
    compile_all = [python, "-m", "compileall", "-q", "-j", "0", str(layout.runtime)]
    subprocess.run(compile_all, check=True, stdout=subprocess.DEVNULL)
    layout.tmp.mkdir()
    return layout


def environment(layout: Layout, stack: RunningStack | None) -> dict[str, str]:
    """Lambda's environment: nothing inherited but PATH, a home nobody can write, TMPDIR the only writable."""
    base = {
        **LAMBDA_ENVIRONMENT,
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": READ_ONLY_HOME,
        "TMPDIR": str(layout.tmp),
        "PYTHONPATH": layout.python_path,
        "LAMBDA_TASK_ROOT": str(layout.task),
        "PRECIS_LANGID_DIR": str(layout.opt_python / LANGID_FOLDER),
    }
    if stack is None:
        return base
    function = {
        name: value for name, value in stack.environment.items() if not name.startswith("POWERTOOLS_")
    }
    return {**base, **function, "POWERTOOLS_SERVICE_NAME": "precis", "POWERTOOLS_METRICS_NAMESPACE": "Precis"}


def launch(python: str, arguments: list[str], env: dict[str, str], cwd: Path) -> PhasedRun:
    """One fresh python3.12 on one CPU, timed from just before the launch; its phases from the probe."""
    launched = time.monotonic()
    result = subprocess.run(
        ["taskset", "-c", ONE_CPU, python, "-S", str(PROBE), *arguments],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=PROBE_TIMEOUT,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(_last_line(result.stderr) or f"exit code {result.returncode}")
    report = json.loads(_last_line(result.stdout))
    phases = {"interpreter": Phase(report["started"] - launched, report["started_cpu"])}
    phases.update({name: Phase(wall, cpu) for name, wall, cpu in report["phases"]})
    return PhasedRun(phases=phases, peak_mb=report["peak_rss_kb"] / 1024)


def _last_line(text: str) -> str:
    """The last non-empty line (the function logs JSON lines before the probe's)."""
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def measure(probes: list[Launch], python: str, cwd: Path, runs: int) -> None:
    """One warm-up round (page cache), then `runs` rounds launching every probe once, in turns."""
    for round_number in range(runs + 1):
        for row, arguments, env in probes:
            if row.error is not None:
                continue
            try:
                result = launch(python, arguments(round_number), env, cwd)
            except (RuntimeError, subprocess.TimeoutExpired, ValueError, KeyError) as error:
                row.error = str(error)
                continue
            if round_number:
                row.runs.append(result)


def measure_lambda_cold(model: str, article: Path, runs: int) -> LambdaCold:
    """Stock spaCy and the function from the built artefacts, in turns, against an embedded stack."""
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="precis-lambda-")))
        running, error = start_stack(stack)
        return lambda_cold_start(model, article, runs, folder, running, error)


def lambda_cold_start(
    model: str, article: Path, runs: int, folder: Path, stack: RunningStack | None, stack_error: str | None
) -> LambdaCold:
    """The two rows, or rows that say why they could not run."""
    stock, function = PhasedRow(STOCK_LABEL), PhasedRow(FUNCTION_LABEL)
    python = python312()
    if python is None:
        stock.error = function.error = "no Python 3.12 interpreter (python3.12 or pyenv 3.12.x)"
        return LambdaCold(stock, function, "")
    try:
        layout = unpack(BUILD, model_layer(model), folder / "lambda", python)
    except (OSError, subprocess.CalledProcessError) as error:
        stock.error = function.error = str(error)
        return LambdaCold(stock, function, python)
    probes: list[Launch] = [
        (stock, lambda _: ["lambda_stock", model, str(article.resolve())], environment(layout, None))
    ]
    if stack is None:
        function.error = stack_error
    else:
        events = folder / "events"
        events.mkdir()
        probes.append(
            (
                function,
                lambda run: ["lambda_function", handler_event(stack, article, run, events)[1]],
                environment(layout, stack),
            )
        )
    measure(probes, python, layout.task, runs)
    return LambdaCold(stock, function, python)


def model_layer(model: str) -> str:
    """The model's layer in the build, e.g. fr_core_news_sm -> FrCoreNewsSmLayer (as in template.yaml)."""
    return "".join(part.capitalize() for part in model.split("_")) + "Layer"
