"""The throughput benchmark runs end to end in --quick mode and writes its three outputs.

No speed is asserted: the point is that benchmarks/throughput.py cannot rot unnoticed.
"""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "throughput.py"


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("throughput")
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return completed, out


def test_quick_run_exits_zero(quick_run):
    completed, _ = quick_run
    assert completed.returncode == 0, completed.stderr[-3000:]


def test_quick_run_writes_outputs(quick_run):
    _, out = quick_run
    for name in ("throughput.csv", "throughput.json", "throughput.png"):
        assert (out / name).is_file(), f"{name} missing"
        assert (out / name).stat().st_size > 0, f"{name} is empty"


def test_quick_rows_have_finite_rates(quick_run):
    _, out = quick_run
    with open(out / "throughput.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    kinds = {row["kind"] for row in rows}
    assert {"ours_parallel", "ours_vector", "floor"} <= kinds
    for row in rows:
        rate = float(row["agent_steps_per_s"])
        assert math.isfinite(rate), row
        assert rate > 0, row
        assert float(row["env_steps_per_s"]) * int(row["N"]) == pytest.approx(rate)


def test_quick_summary_records_machine_and_peers(quick_run):
    _, out = quick_run
    summary = json.loads((out / "throughput.json").read_text())
    machine = summary["machine"]
    assert machine["cpu_model"]
    assert machine["numpy_version"]
    assert summary["quick"] is True
    kinds = {row["kind"] for row in summary["rows"]}
    # Each peer is either measured or named as skipped, never silently dropped.
    for kind, package in (("mpe2_parallel", "mpe2"), ("vmas", "vmas")):
        assert (kind in kinds) != (package in summary["skipped_peers"]), package


def test_quick_vector_rows_compare_to_floor(quick_run):
    _, out = quick_run
    summary = json.loads((out / "throughput.json").read_text())
    vector_rows = [row for row in summary["rows"] if row["kind"] == "ours_vector"]
    assert vector_rows
    for row in vector_rows:
        assert row["fraction_of_floor"] is not None
        assert row["fraction_of_floor"] > 0
        assert row["peak_traced_bytes"] > 0
