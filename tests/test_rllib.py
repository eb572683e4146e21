"""RLlib example: one PPO training iteration on `small` with 2 env runners (needs ray[rllib])."""

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("ray.rllib", reason="ray[rllib] is not installed: make test-rllib")

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.rllib
@pytest.mark.parametrize("action", ["box", "multidiscrete"])
def test_rllib_example_one_iteration(action, tmp_path):
    command = [
        sys.executable,
        str(ROOT / "examples" / "rllib_multiagent.py"),
        "--scenario", "small",
        "--action", action,
        "--iterations", "1",
        "--num-env-runners", "2",
        "--batch-size", "300",
        "--minibatch-size", "100",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [line for line in result.stdout.splitlines() if line.startswith("iteration")]
    assert len(lines) == 1
    assert "env steps/s" in lines[0]
