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
import json
import logging
from pathlib import Path
from typing import Any

from mec_ea_env.benchmark import figures
from mec_ea_env.benchmark.spec import SuiteSpec
from mec_ea_env.benchmark.tables import TABLE_COLUMNS, build_table, format_markdown, learning_curves

logger = logging.getLogger("mec_ea_env.benchmark")

POLICY_COLUMNS = [
    ("policy", "policy"),
    ("reward", "episode reward"),
    ("normalized_score", "normalised score"),
    ("latency_s", "latency (s)"),
    ("energy_j", "energy (J)"),
    ("quality", "quality"),
    ("miss_rate", "miss rate"),
    ("ci_over", "CI over"),
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


def _markdown_by_scenario(rows: list[dict[str, Any]]) -> str:
    parts = []
    for scenario in dict.fromkeys(row["scenario"] for row in rows):
        chosen = [row for row in rows if row["scenario"] == scenario]
        parts.append(f"#### {scenario} (N = {chosen[0]['num_ues']})\n\n")
        parts.append(format_markdown(chosen, POLICY_COLUMNS))
        parts.append("\n")
    return "".join(parts)


def write(spec: SuiteSpec, output: Path) -> list[Path]:
    """Write every table and figure of the stored results; return the paths written."""
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
    if policy_rows:
        (output / "policies.md").write_text(_markdown_by_scenario(policy_rows))
        written.append(output / "policies.md")
    if scaling_rows:
        (output / "scaling.md").write_text(format_markdown(scaling_rows, SCALING_COLUMNS))
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
