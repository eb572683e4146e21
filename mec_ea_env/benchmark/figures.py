"""PNG figures of the suite: scores per scenario, learning curves, and the scalability study.

Bars and lines are means and the shaded bands or error bars 95% t intervals (over seeds for
learned policies, over episodes otherwise). matplotlib is imported only when a figure is drawn.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def policy_colours(policies: list[str]) -> dict[str, str]:
    """Give each policy one colour of matplotlib's default cycle for every panel of a figure.

    Colours follow the first appearance of each policy, so a policy keeps its colour in panels
    where others are missing.
    """
    return {policy: f"C{index % 10}" for index, policy in enumerate(dict.fromkeys(policies))}


def plot_scores(rows: list[dict[str, Any]], path: Path) -> Path:
    """Draw each scenario's normalised score per policy (vs best-response where no oracle).

    Scenarios without any result yet get no panel.
    """
    plt = _pyplot()
    scenarios = list(dict.fromkeys(row["scenario"] for row in rows if row["status"] == "ok"))
    figure, axes = plt.subplots(
        1, len(scenarios), figsize=(4.2 * len(scenarios), 4), squeeze=False, constrained_layout=True
    )
    for axis, scenario in zip(axes[0], scenarios, strict=True):
        chosen = [r for r in rows if r["scenario"] == scenario]
        metric = "normalized_score"
        if all(r["normalized_score_mean"] is None for r in chosen if r["status"] == "ok"):
            metric = "score_vs_best_response"
        names = [r["policy"] for r in chosen]
        means = [r[f"{metric}_mean"] or 0.0 for r in chosen]
        errors = [r[f"{metric}_ci95"] or 0.0 for r in chosen]
        axis.bar(range(len(names)), means, yerr=errors, capsize=3, color="tab:blue", alpha=0.8)
        for index, row in enumerate(chosen):
            if row["status"] != "ok":
                axis.text(index, 0.02, row["status"], rotation=90, ha="center", va="bottom")
        axis.set_xticks(range(len(names)), names, rotation=40, ha="right")
        axis.axhline(0.0, color="black", linewidth=0.6)
        axis.set_title(f"{scenario} (N = {chosen[0]['num_ues']})")
        axis.set_ylabel(
            "normalised score (0 random, 1 oracle)"
            if metric == "normalized_score"
            else "score (0 random, 1 best-response)"
        )
        axis.grid(axis="y", alpha=0.3)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path


def plot_learning_curves(curves: list[dict[str, Any]], path: Path) -> Path:
    """Draw training episode reward against env steps, one panel per scenario."""
    plt = _pyplot()
    figure = learning_curves_figure(curves, plt)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path


def learning_curves_figure(curves: list[dict[str, Any]], plt):
    """Return the figure of :func:`plot_learning_curves`, one colour per policy throughout."""
    colours = policy_colours([row["policy"] for row in curves])
    scenarios = list(dict.fromkeys(row["scenario"] for row in curves)) or ["(no curves)"]
    figure, axes = plt.subplots(
        1,
        len(scenarios),
        figsize=(4.5 * len(scenarios), 3.6),
        squeeze=False,
        constrained_layout=True,
    )
    for axis, scenario in zip(axes[0], scenarios, strict=True):
        chosen = [row for row in curves if row["scenario"] == scenario]
        for policy in dict.fromkeys(row["policy"] for row in chosen):
            points = [row for row in chosen if row["policy"] == policy]
            steps = [row["env_steps"] for row in points]
            means = [row["reward_mean"] for row in points]
            half = [row["reward_ci95"] or 0.0 for row in points]
            seeds = points[0]["seeds"]
            label = f"{policy} ({seeds} seed{'' if seeds == 1 else 's'})"
            axis.plot(steps, means, label=label, color=colours[policy])
            axis.fill_between(
                steps,
                [m - h for m, h in zip(means, half, strict=True)],
                [m + h for m, h in zip(means, half, strict=True)],
                color=colours[policy],
                alpha=0.2,
            )
        axis.set_title(scenario)
        axis.set_xlabel("env steps")
        axis.set_ylabel("training episode reward")
        axis.grid(alpha=0.3)
        if chosen:
            axis.legend(loc="lower right", fontsize="small")
    return figure


def plot_scaling(rows: list[dict[str, Any]], path: Path) -> Path:
    """Draw the scalability study: score vs N and hybrid PPO's training wall time vs N."""
    plt = _pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8), constrained_layout=True)
    colours = policy_colours([row["policy"] for row in rows])

    for policy in dict.fromkeys(row["policy"] for row in rows):
        points = [r for r in rows if r["policy"] == policy and r["status"] == "ok"]
        if not points:
            continue
        sizes = [r["num_ues"] for r in points]
        means = [r["score_vs_best_response_mean"] or 0.0 for r in points]
        errors = [r["score_vs_best_response_ci95"] or 0.0 for r in points]
        style = {"marker": "o", "capsize": 3, "label": policy, "color": colours[policy]}
        left.errorbar(sizes, means, yerr=errors, **style)
        if points[0]["train_wall_time_s_mean"] is not None:
            walls = [r["train_wall_time_s_mean"] for r in points]
            wall_errors = [r["train_wall_time_s_ci95"] or 0.0 for r in points]
            right.errorbar(sizes, walls, yerr=wall_errors, **style)

    sizes = sorted({row["num_ues"] for row in rows})
    for axis in (left, right):
        axis.set_xscale("log")
        axis.set_xticks(sizes, [str(size) for size in sizes])
        axis.minorticks_off()

    left.set_xlabel("UEs N (paper geometry, 4 servers)")
    left.set_ylabel("score (0 random, 1 best-response)")
    left.grid(alpha=0.3)
    left.legend(fontsize="small")
    right.set_xlabel("UEs N")
    right.set_ylabel("training wall time (s)")
    right.grid(alpha=0.3)
    if right.get_legend_handles_labels()[0]:
        right.legend(fontsize="small")

    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
