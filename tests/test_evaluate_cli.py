"""`mec-ea-env evaluate`: end to end on `small`, its output files, and rejected inputs."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from mec_ea_env.cli import main
from mec_ea_env.evaluation import evaluate_policies, mean_ci95
from mec_ea_env.evaluation.plots import tick_label
from mec_ea_env.scenarios import make_config

REQUIRED_COLUMNS = [
    "policy",
    "episodes",
    "reward_mean",
    "reward_ci95",
    "latency_mean_s",
    "energy_mean_j",
    "quality_mean",
    "miss_rate",
    "edge_share",
    "normalized_score",
]
POLICIES = "random,all-local,nearest-edge,greedy,best-response,oracle"


def test_evaluate_small_end_to_end(tmp_path):
    script = Path(sys.executable).with_name("mec-ea-env")
    command = [
        str(script),
        "evaluate",
        "--scenario",
        "small",
        "--policies",
        POLICIES,
        "--episodes",
        "3",
        "--max-cycles",
        "4",
        "--seed",
        "1",
        "--output",
        str(tmp_path),
        "--no-progress",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "oracle" in done.stdout
    assert "reward (95% CI)" in done.stdout

    with (tmp_path / "summary.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[: len(REQUIRED_COLUMNS)] == REQUIRED_COLUMNS
    assert [row["policy"] for row in rows] == POLICIES.split(",")
    assert all(row["episodes"] == "3" for row in rows)
    scores = {row["policy"]: float(row["normalized_score"]) for row in rows}
    assert scores["random"] == 0.0
    assert scores["oracle"] == 1.0
    vs_best_response = {row["policy"]: float(row["score_vs_best_response"]) for row in rows}
    assert vs_best_response["random"] == 0.0
    assert vs_best_response["best-response"] == 1.0
    assert "vs BR" in done.stdout
    assert "needs both" not in done.stdout

    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["scenario"]["name"] == "small"
    assert summary["scenario"]["max_cycles"] == 4
    assert len(summary["policies"]) == 6

    with (tmp_path / "episodes.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == 6 * 3
    assert (tmp_path / "comparison.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_evaluate_without_references(tmp_path, capsys):
    status = main(
        [
            "evaluate",
            "--scenario",
            "small",
            "--policies",
            "greedy",
            "--episodes",
            "2",
            "--max-cycles",
            "3",
            "--output",
            str(tmp_path),
            "--no-plot",
            "--no-progress",
            "--set",
            "radio.bandwidth_hz=2e7",
        ]
    )
    assert status == 0
    stdout = capsys.readouterr().out
    assert "norm.: needs both random and oracle" in stdout
    assert "vs BR: needs both random and best-response" in stdout
    assert "vs BR = (R - R_random) / (R_best-response - R_random)" in stdout
    with (tmp_path / "summary.csv").open() as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["normalized_score"] == ""
    assert row["score_vs_best_response"] == ""
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["scenario"]["radio"]["bandwidth_hz"] == 2e7


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--policies", "greedy,telepathy"], ["'telepathy'", "valid policies", "oracle"]),
        (["--scenario", "moon"], ["'moon'", "valid scenarios", "paper"]),
        (["--set", "radio.bandwidth"], ["'radio.bandwidth'", "NAME=VALUE"]),
        (["--set", "radio.nope=1"], ["radio.nope", "bandwidth_hz"]),
        (["--set", "radio.bandwidth_hz=-5"], ["bandwidth_hz", "-5"]),
        (["--episodes", "0"], ["--episodes 0"]),
    ],
)
def test_evaluate_bad_input(tmp_path, capsys, arguments, expected):
    status = main(["evaluate", "--output", str(tmp_path), "--no-progress", *arguments])
    assert status != 0
    error = capsys.readouterr().err
    for text in expected:
        assert text in error
    assert not (tmp_path / "summary.csv").exists()


def test_mean_ci95_by_hand():
    """[1, 2, 3]: mean 2, s = 1, t(0.975, 2) = 4.3027, half-width 4.3027 / sqrt(3) = 2.4841."""
    mean, half_width = mean_ci95([1.0, 2.0, 3.0])
    assert mean == pytest.approx(2.0)
    assert half_width == pytest.approx(2.4841, abs=1e-4)
    assert mean_ci95([4.0]) == (4.0, None)
    with pytest.raises(ValueError, match="empty"):
        mean_ci95([])


def test_evaluation_repeatable():
    config = make_config("small", max_cycles=5)
    first, second = (
        evaluate_policies(config, ["random", "greedy"], 3, seed=5, show_progress=False)
        for _ in range(2)
    )
    assert first.per_episode == second.per_episode


def test_evaluation_rejects_unknown_policy_first():
    config = make_config("small", max_cycles=5)
    with pytest.raises(ValueError, match="unknown policy 'nope'"):
        evaluate_policies(config, ["random", "nope"], 2, seed=0, show_progress=False)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("greedy", "greedy"),
        ("hmappo:runs/demo/checkpoint.pt", "hmappo\ndemo/checkpoint.pt"),
        ("sb3:/tmp/a/b/c/model.zip", "sb3\nc/model.zip"),
        ("hmappo:checkpoint.pt", "hmappo\ncheckpoint.pt"),
    ],
)
def test_tick_label_shortens_paths(spec, expected):
    assert tick_label(spec) == expected
