"""The benchmark suite: the whole ``bench --quick`` run, resuming, conflicts and the tables.

The quick run (about 30 s on 2 idle cores) trains and evaluates every policy of the full suite
with tiny budgets, so it runs once per module and the other tests read its files.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mec_ea_env.benchmark import ResultConflict, plan_suite, quick_spec, run_suite
from mec_ea_env.benchmark.report import _with_sample
from mec_ea_env.benchmark.spec import ALL_POLICIES, RunUnit
from mec_ea_env.benchmark.store import load_result, result_path, training_dir, write_json_atomic
from mec_ea_env.benchmark.tables import format_markdown
from mec_ea_env.cli import main
from mec_ea_env.evaluation.stats import mean_ci95

pytest.importorskip("stable_baselines3")
pytest.importorskip("supersuit")
pytest.importorskip("torch")
pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    output = tmp_path_factory.mktemp("suite")
    status = main(["bench", "--quick", "--output", str(output), "--no-progress"])
    assert status == 0
    return output


def read_csv(path):
    with path.open() as handle:
        return list(csv.DictReader(handle))


def test_quick_writes_tables_and_figures(quick_run):
    for name in (
        "policies.csv",
        "policies.json",
        "policies.md",
        "scaling.csv",
        "scaling.json",
        "scaling.md",
        "learning_curves.csv",
        "scores.png",
        "learning_curves.png",
        "scaling.png",
        "metadata.json",
    ):
        assert (quick_run / name).is_file(), name
    for name in ("scores.png", "learning_curves.png", "scaling.png"):
        assert (quick_run / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name


def test_quick_table_covers_every_policy(quick_run):
    rows = read_csv(quick_run / "policies.csv")
    for scenario in ("small", "paper"):
        chosen = {row["policy"]: row for row in rows if row["scenario"] == scenario}
        assert set(chosen) == set(ALL_POLICIES)
        for policy, row in chosen.items():
            assert row["status"] == "ok", (scenario, policy)
            for metric in ("reward", "latency_s", "energy_j", "quality", "miss_rate"):
                assert math.isfinite(float(row[f"{metric}_mean"])), (scenario, policy, metric)
        assert float(chosen["random"]["normalized_score_mean"]) == pytest.approx(0.0, abs=1e-9)
        assert float(chosen["oracle"]["normalized_score_mean"]) == pytest.approx(1.0)
        assert chosen["hmappo"]["ci_over"] == "seeds"
        assert chosen["hmappo"]["runs"] == "2"
        assert chosen["greedy"]["ci_over"] == "episodes"


def test_markdown_table_shows_sample_sizes(quick_run):
    text = (quick_run / "policies.md").read_text()
    header = next(line for line in text.splitlines() if line.startswith("| policy |"))
    assert "score vs best-response" in header
    assert "CI over" in header
    hmappo_row = next(line for line in text.splitlines() if line.startswith("| hmappo |"))
    greedy_row = next(line for line in text.splitlines() if line.startswith("| greedy |"))
    assert hmappo_row.endswith("| 2 seeds |")
    assert greedy_row.endswith("| 4 episodes |")


@pytest.mark.parametrize(
    ("ci_over", "runs", "episodes", "expected"),
    [
        ("seeds", 5, 20, "5 seeds"),
        ("seeds", 1, 20, "1 seed"),
        ("episodes", 1, 20, "20 episodes"),
        ("episodes", 1, 1, "1 episode"),
    ],
)
def test_sample_cell_counts(ci_over, runs, episodes, expected):
    row = {"status": "ok", "ci_over": ci_over, "runs": runs, "episodes": episodes}
    assert _with_sample(row)["sample"] == expected


def test_sample_cell_empty_when_missing():
    assert _with_sample({"status": "missing"})["sample"] is None


@pytest.mark.parametrize(
    ("mean", "half_width", "expected"),
    [
        (-107.93, 0.432, "-107.9 ± 0.4"),
        (-45.079, 0.501, "-45.08 ± 0.50"),
        (0.9421, 0.0031, "0.942 ± 0.003"),
        (-0.0001, None, "0.000"),
    ],
)
def test_interval_cell_digits(mean, half_width, expected):
    row = {"status": "ok", "reward_mean": mean, "reward_ci95": half_width}
    assert format_markdown([row], [("reward", "reward")]).splitlines()[2] == f"| {expected} |"


def test_learned_interval_is_over_seed_means(quick_run):
    seed_means = []
    for seed in (0, 1):
        unit = RunUnit("policies", "paper", "hippo", seed)
        result = json.loads(result_path(quick_run, unit).read_text())
        seed_means.append(np.mean([row["reward"] for row in result["evaluation"]["episodes"]]))
    expected_mean, expected_half_width = mean_ci95(seed_means)
    row = next(
        row
        for row in read_csv(quick_run / "policies.csv")
        if row["scenario"] == "paper" and row["policy"] == "hippo"
    )
    assert float(row["reward_mean"]) == pytest.approx(expected_mean)
    assert float(row["reward_ci95"]) == pytest.approx(expected_half_width)


def test_learning_curves_cover_each_learner(quick_run):
    rows = read_csv(quick_run / "learning_curves.csv")
    pairs = {(row["scenario"], row["policy"]) for row in rows}
    for scenario in ("small", "paper"):
        for policy in ("sb3-ppo", "hmappo", "hippo"):
            assert (scenario, policy) in pairs
    assert all(row["seeds"] == "2" for row in rows)


def test_scaling_table_has_each_size(quick_run):
    rows = read_csv(quick_run / "scaling.csv")
    assert sorted({int(row["num_ues"]) for row in rows}) == [5, 10]
    hmappo = [row for row in rows if row["policy"] == "hmappo"]
    assert len(hmappo) == 2
    assert all(float(row["train_wall_time_s_mean"]) > 0 for row in hmappo)
    assert all(row["score_vs_best_response_mean"] != "" for row in hmappo)


def test_metadata_records_provenance(quick_run):
    record = json.loads((quick_run / "metadata.json").read_text())
    assert record["suite"]["mode"] == "quick"
    assert record["machine"]["logical_cores"] >= 1
    assert record["machine"]["cpu_model"]
    assert record["packages"]["numpy"] == np.__version__
    assert "date_utc" in record
    assert "commit" in record["git"]
    assert "bench" in record["command"]
    assert record["units_run"] + record["units_reused"] == 32
    assert record["invocations"][-1]["command"] == record["command"]
    unit = RunUnit("policies", "small", "greedy", 0)
    provenance = json.loads(result_path(quick_run, unit).read_text())["provenance"]
    assert provenance["git"] == record["invocations"][0]["git"]
    assert provenance["finished_utc"] >= record["invocations"][0]["date_utc"]


def test_rerun_reuses_stored_results(quick_run, capsys):
    before = {path: path.stat().st_mtime_ns for path in (quick_run / "runs").rglob("*.json")}
    assert main(["bench", "--quick", "--output", str(quick_run), "--no-progress"]) == 0
    assert "0 runs to do, 32 already stored" in capsys.readouterr().out
    after = {path: path.stat().st_mtime_ns for path in (quick_run / "runs").rglob("*.json")}
    assert before == after
    history = json.loads((quick_run / "metadata.json").read_text())["invocations"]
    assert len(history) >= 2
    assert history[-1]["units_run"] == 0
    assert history[-1]["units_reused"] == 32


def test_other_settings_conflict(quick_run, capsys):
    status = main(["bench", "--quick", "--episodes", "3", "--output", str(quick_run)])
    assert status == 2
    assert "--force" in capsys.readouterr().err


def test_dry_run_prints_estimate(tmp_path, capsys):
    assert main(["bench", "--dry-run", "--output", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "106 runs to do" in out
    assert "expected wall time about" in out
    assert "not run: oracle on large" in out
    assert not (tmp_path / "runs").exists()


def test_force_redoes_stored_result(tmp_path):
    spec = quick_spec(scenarios=("small",), policies=("random",), scaling_sizes=())
    run_suite(spec, tmp_path, show_progress=False)
    path = result_path(tmp_path, RunUnit("policies", "small", "random", 0))
    stored = json.loads(path.read_text())
    stored["evaluation"]["summary"]["reward_mean"] = 123.0
    path.write_text(json.dumps(stored))

    run_suite(spec, tmp_path, show_progress=False)
    assert json.loads(path.read_text())["evaluation"]["summary"]["reward_mean"] == 123.0
    run_suite(spec, tmp_path, force=True, show_progress=False)
    assert json.loads(path.read_text())["evaluation"]["summary"]["reward_mean"] != 123.0


def test_oracle_above_limit_not_run(tmp_path):
    spec = quick_spec(
        scenarios=("paper",),
        policies=("random", "best-response", "oracle"),
        episodes=2,
        scaling_sizes=(),
        oracle_max_ues=10,
    )
    assert plan_suite(spec, tmp_path).skipped == [("policies", "paper", "oracle")]
    run_suite(spec, tmp_path, show_progress=False)
    rows = {row["policy"]: row for row in read_csv(tmp_path / "policies.csv")}
    assert rows["oracle"]["status"] == "not run"
    assert rows["best-response"]["normalized_score_mean"] == ""
    assert float(rows["best-response"]["score_vs_best_response_mean"]) == pytest.approx(1.0)
    assert "not run" in (tmp_path / "policies.md").read_text()


def test_interrupted_training_restarts(tmp_path):
    spec = quick_spec(scenarios=("small",), policies=("hmappo",), seeds=1, scaling_sizes=())
    unit = RunUnit("policies", "small", "hmappo", 0)
    stale = training_dir(tmp_path, unit)
    stale.mkdir(parents=True)
    (stale / "progress.csv").write_text("stale,rows\n1,2\n")

    run_suite(spec, tmp_path, show_progress=False)
    header = (stale / "progress.csv").read_text().splitlines()[0]
    assert header.startswith("iteration,global_step")
    assert (stale / "checkpoint.pt").is_file()
    assert load_result(result_path(tmp_path, unit), spec.fingerprint(unit)) is not None


def test_atomic_write_uses_default_mode(tmp_path):
    path = tmp_path / "result.json"
    write_json_atomic(path, {"value": 1})
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    assert path.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777


def test_atomic_write_leaves_no_partial_file(tmp_path):
    path = tmp_path / "runs" / "result.json"
    with pytest.raises(TypeError):
        write_json_atomic(path, {"value": object()})
    assert not path.exists()
    assert list(path.parent.iterdir()) == []


def test_corrupt_result_names_file(tmp_path):
    spec = quick_spec(scenarios=("small",), policies=("random",), scaling_sizes=())
    unit = RunUnit("policies", "small", "random", 0)
    path = result_path(tmp_path, unit)
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        plan_suite(spec, tmp_path)
    path.write_text(json.dumps({"settings": {"episodes": 99}}))
    with pytest.raises(ResultConflict, match=str(path)):
        plan_suite(spec, tmp_path)


def test_invalid_spec_rejected():
    with pytest.raises(ValueError, match="scenarios"):
        quick_spec(scenarios=("tiny",))
    with pytest.raises(ValueError, match="policies"):
        quick_spec(policies=("ppo",))
    with pytest.raises(ValueError, match="seeds"):
        quick_spec(seeds=0)
    assert main(["bench", "--quick", "--scenarios", "tiny", "--dry-run"]) == 2


def test_interrupted_training_resumes_from_checkpoint(tmp_path, caplog):
    from mec_ea_env.agents.hybrid_ppo import HybridPPO, HybridPPOConfig

    spec = quick_spec(scenarios=("small",), policies=("hmappo",), seeds=1, scaling_sizes=())
    unit = RunUnit("policies", "small", "hmappo", 0)
    run_dir = training_dir(tmp_path, unit)
    config = HybridPPOConfig(
        algo="hmappo", seed=0, total_steps=spec.budget("small"), **spec.hybrid_overrides
    )
    started = HybridPPO(config, spec.scenario_config("small"))
    started.update(started.collect_rollout())
    started.iteration += 1
    started.save(run_dir / "checkpoint.pt")

    with caplog.at_level(logging.INFO, logger="mec_ea_env.benchmark"):
        run_suite(spec, tmp_path, show_progress=False)
    assert "resuming the interrupted training" in caplog.text
    result = load_result(result_path(tmp_path, unit), spec.fingerprint(unit))
    assert result is not None
    assert result["training"]["env_steps"] >= spec.budget("small")


def test_parallel_jobs_match_one_job(quick_run, tmp_path):
    spec = quick_spec(
        scenarios=("small",), policies=("greedy", "sb3-ppo", "hmappo"), scaling_sizes=()
    )
    run_suite(spec, tmp_path, show_progress=False, jobs=2)
    units, _ = spec.units()
    assert len(units) == 5
    for unit in units:
        parallel = json.loads(result_path(tmp_path, unit).read_text())
        single = json.loads(result_path(quick_run, unit).read_text())
        assert parallel["evaluation"]["episodes"] == single["evaluation"]["episodes"], unit


def test_jobs_must_be_positive(tmp_path):
    spec = quick_spec(scenarios=("small",), policies=("random",), scaling_sizes=())
    with pytest.raises(ValueError, match="jobs"):
        run_suite(spec, tmp_path, show_progress=False, jobs=0)


def test_other_trainer_defaults_conflict(quick_run):
    spec = quick_spec(scenarios=("small",), policies=("hmappo",), seeds=1, scaling_sizes=())
    unit = RunUnit("policies", "small", "hmappo", 0)
    path = result_path(quick_run, unit)
    result = json.loads(path.read_text())
    assert result["settings"]["trainer"]["learning_rate"] > 0

    changed = json.loads(json.dumps(result))
    changed["settings"]["trainer"]["learning_rate"] *= 2
    path.write_text(json.dumps(changed))
    try:
        with pytest.raises(ResultConflict, match="other settings"):
            plan_suite(spec, quick_run)
    finally:
        path.write_text(json.dumps(result))


def test_result_predating_setting_reused(quick_run):
    """A result stored before train_reward existed matches only a suite that keeps its default."""
    spec = quick_spec(scenarios=("small",), policies=("hmappo",), seeds=1, scaling_sizes=())
    unit = RunUnit("policies", "small", "hmappo", 0)
    path = result_path(quick_run, unit)
    result = json.loads(path.read_text())
    assert result["settings"]["trainer"]["train_reward"] is None

    older = json.loads(json.dumps(result))
    del older["settings"]["trainer"]["train_reward"]
    path.write_text(json.dumps(older))
    try:
        assert load_result(path, spec.fingerprint(unit)) is not None
        individual = quick_spec(
            scenarios=("small",),
            policies=("hmappo",),
            seeds=1,
            scaling_sizes=(),
            hybrid_overrides={**spec.hybrid_overrides, "train_reward": "individual"},
        )
        with pytest.raises(ResultConflict, match="differing: hybrid_overrides, trainer"):
            load_result(path, individual.fingerprint(unit))
    finally:
        path.write_text(json.dumps(result))


def test_result_without_trainer_settings_reused(quick_run, caplog):
    spec = quick_spec(scenarios=("small",), policies=("sb3-ppo",), seeds=1, scaling_sizes=())
    unit = RunUnit("policies", "small", "sb3-ppo", 0)
    path = result_path(quick_run, unit)
    result = json.loads(path.read_text())

    older = json.loads(json.dumps(result))
    del older["settings"]["trainer"]
    path.write_text(json.dumps(older))
    try:
        with caplog.at_level(logging.WARNING, logger="mec_ea_env.benchmark"):
            plan = plan_suite(spec, quick_run)
    finally:
        path.write_text(json.dumps(result))
    assert plan.done == [unit]
    assert "predate the recorded trainer settings" in caplog.text


def test_subset_run_reports_whole_folder(quick_run):
    subset = quick_spec(scenarios=("small",), policies=("random", "greedy"), scaling_sizes=())
    record = run_suite(subset, quick_run, show_progress=False)
    assert record["units_run"] == 0

    rows = read_csv(quick_run / "policies.csv")
    assert {row["scenario"] for row in rows} == {"small", "paper"}
    assert {row["policy"] for row in rows} == set(ALL_POLICIES)
    hmappo = next(r for r in rows if r["scenario"] == "paper" and r["policy"] == "hmappo")
    assert hmappo["runs"] == "2"
    assert sorted({int(row["num_ues"]) for row in read_csv(quick_run / "scaling.csv")}) == [5, 10]


def test_quick_tables_say_not_to_cite(quick_run):
    for name in ("policies.md", "scaling.md"):
        assert "must not be cited" in (quick_run / name).read_text().splitlines()[0], name


def test_command_line_writes_empty_lists_readably(tmp_path):
    from mec_ea_env.bench_cli import command_line
    from mec_ea_env.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["bench", "--scenarios", "", "--scaling-sizes", "10,20"])
    line = command_line(args, tmp_path)
    assert "--scenarios ''" in line
    again = parser.parse_args(shlex.split(line)[1:])
    assert again.scenarios == ()
    assert again.scaling_sizes == (10, 20)


def test_curve_colour_per_policy():
    """A policy keeps its colour in every panel, also where another policy is missing."""
    from mec_ea_env.benchmark.figures import _pyplot, learning_curves_figure

    def point(scenario, policy, step):
        return {"scenario": scenario, "policy": policy, "env_steps": step, "reward_mean": -1.0,
                "reward_ci95": 0.1, "seeds": 2}  # fmt: skip

    curves = [point("small", "hmappo", s) for s in (0, 1)] + [
        point(scenario, policy, s)
        for scenario in ("paper", "dense")
        for policy in ("hippo", "hmappo")
        for s in (0, 1)
    ]
    curves = [row for row in curves if (row["scenario"], row["policy"]) != ("dense", "hippo")]
    plt = _pyplot()
    figure = learning_curves_figure(curves, plt)
    colours = {}
    for axis in figure.axes:
        for line in axis.get_lines():
            name = line.get_label().split(" ")[0]
            colours.setdefault(name, set()).add(line.get_color())
    plt.close(figure)
    assert colours == {"hmappo": {"C0"}, "hippo": {"C1"}}


def test_suite_costs_script(quick_run, tmp_path):
    """benchmarks/suite_costs.py compares every stored unit's time with its estimate."""
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "suite_costs.py"
    out = tmp_path / "costs.csv"
    command = [sys.executable, str(script), "--results", str(quick_run), "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    rows = read_csv(out)
    units, _ = quick_spec().units()
    assert sum(int(row["runs"]) for row in rows) == len(units)
    assert all(float(row["expected_s"]) > 0 for row in rows)
    assert all(float(row["measured_mean_s"]) >= 0 for row in rows)
    assert f"all {len(units)} units" in done.stdout

    empty = subprocess.run([sys.executable, str(script), "--results", str(tmp_path)],
                           capture_output=True, text=True, timeout=120)  # fmt: skip
    assert empty.returncode == 2
    assert "no runs/ folder" in empty.stderr
