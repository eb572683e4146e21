"""Write the suite's tables (CSV, JSON, Markdown) and figures (PNG) from the stored results.

Files, under the suite's output folder:

- ``policies.csv`` / ``policies.json`` / ``policies.md``: one row per scenario and policy;
- ``scaling.csv`` / ``scaling.json`` / ``scaling.md``: the scalability study;
- ``learning_curves.csv``: mean and 95% CI over seeds of the training episode reward;
- ``scores.png``, ``learning_curves.png``, ``scaling.png``.

Tables are rebuilt from all stored results every time, so a resumed run reports every unit.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import logging
from pathlib import Path
from typing import Any

from mec_ea_env.benchmark import figures
from mec_ea_env.benchmark.spec import ALL_POLICIES, LEARNED, SCENARIOS, SuiteSpec
from mec_ea_env.benchmark.tables import TABLE_COLUMNS, build_table, format_markdown, learning_curves

logger = logging.getLogger("mec_ea_env.benchmark")

QUICK_WARNING = (
    "**Quick mode** (`mec-ea-env bench --quick`): tiny budgets and short episodes that check "
    "the pipeline. These numbers mean nothing and must not be cited.\n\n"
)
"""First lines of a quick run's Markdown tables."""

POLICY_COLUMNS = [
    ("policy", "policy"),
    ("reward", "episode reward"),
    ("normalized_score", "normalised score"),
    ("score_vs_best_response", "score vs best-response"),
    ("latency_s", "latency (s)"),
    ("energy_j", "energy (J)"),
    ("quality", "quality"),
    ("miss_rate", "miss rate"),
    ("sample", "CI over"),
]
SCALING_COLUMNS = [
    ("num_ues", "N"),
    ("policy", "policy"),
    ("reward", "episode reward"),
    ("normalized_score", "normalised score"),
    ("score_vs_best_response", "score vs best-response"),
    ("train_wall_time_s", "training wall time (s)"),
]


def _write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if row.get(k) is None else row[k] for k in columns})
    return path


def _with_sample(row: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of ``row`` with its ``sample`` cell, the size of the sample behind the
    interval (``5 seeds``), so a policy with fewer stored seeds than planned is visible."""
    if row["status"] != "ok":
        return {**row, "sample": None}
    size = row["runs"] if row["ci_over"] == "seeds" else row["episodes"]
    unit = row["ci_over"] if size != 1 else row["ci_over"].removesuffix("s")
    return {**row, "sample": f"{size} {unit}"}


def _markdown_by_scenario(rows: list[dict[str, Any]]) -> str:
    parts = []
    for scenario in dict.fromkeys(row["scenario"] for row in rows):
        chosen = [_with_sample(row) for row in rows if row["scenario"] == scenario]
        parts.append(f"#### {scenario} (N = {chosen[0]['num_ues']})\n\n")
        parts.append(format_markdown(chosen, POLICY_COLUMNS))
        parts.append("\n")
    return "".join(parts)


def stored_spec(spec: SuiteSpec, output: Path) -> SuiteSpec:
    """Return ``spec`` widened to every scenario, policy, seed and scaling size stored in
    ``output``, so a run of a subset reports the whole folder rather than the subset alone.
    """
    scenarios, policies, sizes = set(spec.scenarios), set(spec.policies), set(spec.scaling_sizes)
    seeds, scaling_seeds = spec.seeds, spec.scaling_seeds
    for path in (output / "runs").glob("*/*/*/seed*.json"):
        study, label, policy = path.parts[-4:-1]
        seed_text = path.stem[len("seed") :]
        if not seed_text.isdigit() or policy not in ALL_POLICIES:
            continue
        seed = int(seed_text)
        if study == "policies" and label in SCENARIOS:
            scenarios.add(label)
            policies.add(policy)
            if policy in LEARNED:
                seeds = max(seeds, seed + 1)
        elif study == "scaling" and label.removeprefix("paper-N").isdigit():
            sizes.add(int(label.removeprefix("paper-N")))
            if policy in LEARNED:
                scaling_seeds = max(scaling_seeds, seed + 1)
    return dataclasses.replace(
        spec,
        scenarios=tuple(name for name in SCENARIOS if name in scenarios),
        policies=tuple(name for name in ALL_POLICIES if name in policies),
        seeds=seeds,
        scaling_sizes=tuple(sorted(sizes)),
        scaling_seeds=scaling_seeds,
    )


def write(spec: SuiteSpec, output: Path) -> list[Path]:
    """Write every table and figure of the stored results; return the paths written.

    The tables cover :func:`stored_spec`: every result in ``output`` made with the same
    settings, not only the units of ``spec``.
    """
    spec = stored_spec(spec, output)
    written: list[Path] = []
    policy_rows = build_table(spec, output, "policies")
    scaling_rows = build_table(spec, output, "scaling")
    curves = learning_curves(spec, output)

    for name, rows in (("policies", policy_rows), ("scaling", scaling_rows)):
        if not rows:
            continue
        written.append(_write_csv(output / f"{name}.csv", rows, list(TABLE_COLUMNS)))
        (output / f"{name}.json").write_text(json.dumps(rows, indent=1) + "\n")
        written.append(output / f"{name}.json")
    # Quick runs train for only a few steps, so their tables open with a warning against citing.
    warning = QUICK_WARNING if spec.mode == "quick" else ""
    if policy_rows:
        (output / "policies.md").write_text(warning + _markdown_by_scenario(policy_rows))
        written.append(output / "policies.md")
    if scaling_rows:
        table = format_markdown(scaling_rows, SCALING_COLUMNS)
        (output / "scaling.md").write_text(warning + table)
        written.append(output / "scaling.md")
    if curves:
        columns = ["scenario", "policy", "env_steps", "reward_mean", "reward_ci95", "seeds"]
        written.append(_write_csv(output / "learning_curves.csv", curves, columns))

    try:
        import matplotlib  # noqa: F401
    except ImportError:
        logger.warning("figures skipped: install matplotlib (the [plot] extra)")
        return written
    # A figure is drawn only when some of its units have results: a partial suite (say, only
    # the policies study) would otherwise leave empty axes behind.
    if _any_ok(policy_rows):
        written.append(figures.plot_scores(policy_rows, output / "scores.png"))
    if curves:
        written.append(figures.plot_learning_curves(curves, output / "learning_curves.png"))
    if _any_ok(scaling_rows):
        written.append(figures.plot_scaling(scaling_rows, output / "scaling.png"))
    return written


def _any_ok(rows: list[dict[str, Any]]) -> bool:
    return any(row["status"] == "ok" for row in rows)
