"""``benchmarks/training_throughput.py --quick`` runs and writes its outputs (no speed checks)."""

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import training_throughput  # noqa: E402


def test_quick_run_writes_split(tmp_path):
    assert training_throughput.main(["--quick", "--out", str(tmp_path)]) == 0
    summary = json.loads((tmp_path / "training_throughput.json").read_text())
    mean = summary["mean"]
    assert mean["simulator_s"] > 0
    assert mean["update_s"] > 0
    assert mean["iteration_s"] == pytest.approx(
        mean["simulator_s"] + mean["policy_and_gae_s"] + mean["update_s"]
    )
    assert (tmp_path / "training_throughput.csv").exists()
