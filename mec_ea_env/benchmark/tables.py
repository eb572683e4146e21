"""Aggregate the suite's unit results into tables: mean and 95% CI per scenario and policy.

Confidence intervals are Student t intervals of the mean (:func:`mec_ea_env.evaluation.stats.
mean_ci95`). For a learned policy the sample is its training seeds, each seed contributing its
mean over the evaluation episodes, so the interval covers training variability. For a policy
without training the sample is the evaluation episodes of its single run.

Scores, with R the mean episode reward on the scenario's shared episode batch:

- ``normalized_score`` = (R - R_random) / (R_oracle - R_random), empty where the oracle is not
  run;
- ``score_vs_best_response`` = (R - R_random) / (R_best-response - R_random), defined wherever
  best-response runs, so the scalability study can compare all N.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from mec_ea_env.benchmark.spec import SuiteSpec
from mec_ea_env.benchmark.store import ResultConflict, load_result, result_path
from mec_ea_env.evaluation.stats import mean_ci95

logger = logging.getLogger("mec_ea_env.benchmark")

METRICS = (
    "reward",
    "normalized_score",
    "score_vs_best_response",
    "latency_s",
    "energy_j",
    "quality",
    "miss_rate",
    "edge_share",
)
"""Metrics of the tables; each has a ``_mean`` and a ``_ci95`` column."""

TABLE_COLUMNS = (
    "study",
    "scenario",
    "num_ues",
    "policy",
    "status",
    "runs",
    "episodes",
    "ci_over",
    *(f"{metric}_{stat}" for metric in METRICS for stat in ("mean", "ci95")),
    "train_wall_time_s_mean",
    "train_wall_time_s_ci95",
    "train_env_steps",
)


def load_results(spec: SuiteSpec, output: Path) -> dict[tuple[str, str, str], list[dict]]:
    """Return the stored results, keyed by (study, scenario, policy), in seed order.

    A file made with other settings than ``spec``'s is left out with a warning, so a table
    never mixes runs of different settings.
    """
    units, _ = spec.units()
    grouped: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for unit in units:
        path = result_path(output, unit)
        try:
            result = load_result(path, spec.fingerprint(unit))
        except ResultConflict:
            logger.warning("%s left out of the tables: made with other settings", path)
            continue
        if result is not None:
            grouped[(unit.study, unit.scenario, unit.policy)].append(result)
    return grouped


def _episode_values(result: dict, metric: str) -> np.ndarray:
    return np.array([row[metric] for row in result["evaluation"]["episodes"]], dtype=np.float64)


def _score(rewards: np.ndarray, low: float | None, high: float | None) -> np.ndarray | None:
    if low is None or high is None or abs(high - low) < 1e-9:
        return None
    return (rewards - low) / (high - low)


def _stat(values: np.ndarray | None) -> tuple[float | None, float | None]:
    if values is None or len(values) == 0:
        return None, None
    return mean_ci95(values)


def summarise_policy(results: list[dict], anchors: dict[str, float]) -> dict[str, Any]:
    """Return one table row's statistics for the results (one per seed) of one policy."""
    learned = results[0]["training"] is not None
    samples: dict[str, np.ndarray | None] = {}
    for metric in ("reward", "latency_s", "energy_j", "quality", "miss_rate", "edge_share"):
        per_run = [_episode_values(result, metric) for result in results]
        samples[metric] = np.array([v.mean() for v in per_run]) if learned else per_run[0]
    rewards = samples["reward"]
    samples["normalized_score"] = _score(rewards, anchors.get("random"), anchors.get("oracle"))
    samples["score_vs_best_response"] = _score(
        rewards, anchors.get("random"), anchors.get("best-response")
    )
    row: dict[str, Any] = {
        "status": "ok",
        "runs": len(results),
        "episodes": len(results[0]["evaluation"]["episodes"]),
        "ci_over": "seeds" if learned else "episodes",
    }
    for metric in METRICS:
        row[f"{metric}_mean"], row[f"{metric}_ci95"] = _stat(samples[metric])
    if learned:
        wall = np.array([result["training"]["wall_time_s"] for result in results])
        row["train_wall_time_s_mean"], row["train_wall_time_s_ci95"] = mean_ci95(wall)
        row["train_env_steps"] = results[0]["training"]["env_steps"]
    return row


def build_table(spec: SuiteSpec, output: Path, study: str) -> list[dict[str, Any]]:
    """Return the rows of one study's table, including "not run" rows for skipped policies."""
    grouped = load_results(spec, output)
    units, skipped = spec.units()
    order: list[tuple[str, str, str]] = []
    for unit in units:
        key = (unit.study, unit.scenario, unit.policy)
        if key not in order:
            order.append(key)
    order += skipped
    scenarios = [s for s in dict.fromkeys(key[1] for key in order if key[0] == study)]

    rows = []
    for scenario in scenarios:
        num_ues = spec.scenario_config(scenario).num_ues
        anchors = {
            policy: float(_episode_values(grouped[(study, scenario, policy)][0], "reward").mean())
            for policy in ("random", "oracle", "best-response")
            if grouped.get((study, scenario, policy))
        }
        for key in order:
            if key[0] != study or key[1] != scenario:
                continue
            row: dict[str, Any] = dict.fromkeys(TABLE_COLUMNS)
            row.update(study=study, scenario=scenario, num_ues=num_ues, policy=key[2])
            if key in skipped:
                row["status"] = "not run"
            elif key not in grouped:
                row["status"] = "missing"
            else:
                row.update(summarise_policy(grouped[key], anchors))
            rows.append(row)
    return rows


def learning_curves(
    spec: SuiteSpec, output: Path, study: str = "policies", points: int = 50
) -> list[dict[str, Any]]:
    """Return learning curves of each (scenario, learned policy): mean and 95% CI over seeds.

    Each seed's curve is interpolated linearly onto ``points`` env-step values spanning the
    range that every seed covers.
    """
    grouped = load_results(spec, output)
    rows = []
    for (group_study, scenario, policy), results in grouped.items():
        if group_study != study or results[0]["training"] is None:
            continue
        curves = [np.array(r["training"]["curve"], dtype=np.float64) for r in results]
        curves = [c for c in curves if len(c) > 0]
        if not curves:
            continue
        low = max(c[0, 0] for c in curves)
        high = min(c[-1, 0] for c in curves)
        grid = np.linspace(low, high, points) if high > low else np.array([high])
        values = np.array([np.interp(grid, c[:, 0], c[:, 1]) for c in curves])
        for index, step in enumerate(grid):
            mean, half_width = mean_ci95(values[:, index])
            rows.append(
                {
                    "scenario": scenario,
                    "policy": policy,
                    "env_steps": float(step),
                    "reward_mean": mean,
                    "reward_ci95": half_width,
                    "seeds": len(curves),
                }
            )
    return rows


def format_markdown(rows: list[dict[str, Any]], columns: list[tuple[str, str]]) -> str:
    """Return rows as a Markdown table; ``columns`` are (metric prefix or column, header)."""
    lines = ["| " + " | ".join(header for _, header in columns) + " |"]
    lines.append("|" + "---|" * len(columns))
    for row in rows:
        cells = []
        for name, _ in columns:
            if f"{name}_mean" in row:
                cells.append(_format_interval(row, name))
            else:
                value = row.get(name)
                cells.append("" if value is None else str(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _format_interval(row: dict[str, Any], metric: str) -> str:
    if row["status"] != "ok":
        return row["status"]
    mean, half_width = row[f"{metric}_mean"], row[f"{metric}_ci95"]
    if mean is None:
        return "-"
    if abs(mean) >= 100:
        digits = 1
    elif abs(mean) >= 10:
        digits = 2
    else:
        digits = 3
    # Adding 0.0 after rounding turns -0.0 into 0.0, so no "-0.000" appears.
    text = f"{round(mean, digits) + 0.0:.{digits}f}"
    if half_width is None or math.isnan(half_width):
        return text
    return f"{text} ± {half_width:.{digits}f}"
