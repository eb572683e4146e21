"""Provenance of a suite run: command, git commit, date, machine and package versions."""

from __future__ import annotations

import datetime
import json
import os
import platform
import shlex
import subprocess
import sys
import uuid
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = (
    "mec_ea_env",
    "numpy",
    "scipy",
    "torch",
    "gymnasium",
    "pettingzoo",
    "supersuit",
    "stable-baselines3",
    "matplotlib",
    "tqdm",
)

INVOCATION_KEYS = (
    "invocation_id",
    "command",
    "git",
    "date_utc",
    "units_run",
    "units_reused",
    "wall_time_s",
)
"""Fields of each entry of metadata.json's ``invocations`` history."""


def cpu_model() -> str:
    """Return the CPU model name from /proc/cpuinfo, or platform's processor string."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    return platform.processor() or "unknown"


RESULTS_PATH = "benchmarks/results"
"""Folder of committed benchmark outputs, relative to the repository root."""


def git_commit(root: Path | None = None) -> dict[str, Any]:
    """Return the commit of the checkout at ``root`` and whether its code has uncommitted changes.

    ``root`` defaults to the checkout the package is imported from. Changes under
    :data:`RESULTS_PATH` do not make the checkout dirty, because a benchmark writes its own
    tables and metadata there while it runs. Untracked files are ignored too. Outside a git
    checkout, or without git, both fields are None.
    """
    if root is None:
        root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        status = subprocess.run(
            [
                "git",
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                ".",
                f":(exclude){RESULTS_PATH}",
            ],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": bool(status.strip())}


def package_versions() -> dict[str, str | None]:
    """Return the installed version of each package in :data:`PACKAGES` (None if absent)."""
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def utc_now() -> str:
    """Return the current UTC time in ISO 8601, to the second."""
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def invocations(path: Path) -> list[dict[str, Any]]:
    """Return the invocation history of an existing metadata.json, or [] if there is none.

    A file written before the history existed counts as one invocation.
    """
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    if not isinstance(record, dict):
        return []
    if isinstance(record.get("invocations"), list):
        return list(record["invocations"])
    return [invocation_summary(record)]


def invocation_summary(record: dict[str, Any]) -> dict[str, Any]:
    """Return the fields of a metadata record kept in the ``invocations`` history."""
    return {key: record.get(key) for key in INVOCATION_KEYS}


def record_invocation(path: Path, record: dict[str, Any]) -> None:
    """Set ``record["invocations"]`` to the history stored at ``path`` with this invocation's
    entry appended, or updated in place if it is there already.

    The history is read again at every call, not kept from the start, so invocations that write
    into one folder at the same time keep each other's entries.
    NOTE: two invocations that end within the same few milliseconds can still lose one entry,
    because the read and the atomic rename are not locked together.
    """
    entry = invocation_summary(record)
    history = invocations(path)
    for index, item in enumerate(history):
        if isinstance(item, dict) and item.get("invocation_id") == entry["invocation_id"]:
            history[index] = entry
            break
    else:
        history.append(entry)
    record["invocations"] = history


def collect(command: str | None = None) -> dict[str, Any]:
    """Return the provenance record written to metadata.json (default command: sys.argv)."""
    return {
        "invocation_id": uuid.uuid4().hex,
        "command": command if command is not None else shlex.join(sys.argv),
        "git": git_commit(),
        "date_utc": utc_now(),
        "machine": {
            "cpu_model": cpu_model(),
            "logical_cores": os.cpu_count(),
            "usable_cores": len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else None,
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "packages": package_versions(),
    }
