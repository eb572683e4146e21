"""PNG comparison plot of an evaluation: one panel per metric, one bar per policy.

Bars are means over episodes and error bars the 95% t intervals. matplotlib is imported only
when a plot is drawn (install it with the ``plot`` extra).
"""

from __future__ import annotations

from pathlib import Path

from mec_ea_env.evaluation.harness import EvaluationResult

PANELS = (
    ("reward_mean", "reward_ci95", "episode reward"),
    ("latency_mean_s", "latency_ci95_s", "latency per round (s)"),
    ("energy_mean_j", "energy_ci95_j", "UE energy per round (J)"),
    ("quality_mean", "quality_ci95", "quality"),
    ("miss_rate", "miss_rate_ci95", "deadline-miss rate"),
    ("edge_share", "edge_share_ci95", "share of UEs on servers"),
)
"""(mean column, half-width column, axis label) of each panel."""


def tick_label(spec: str) -> str:
    """Shorten a policy spec for an axis: ``hmappo:runs/demo/checkpoint.pt`` -> ``hmappo`` over
    ``demo/checkpoint.pt``.

    The parent folder stays in the label because every training run saves ``checkpoint.pt``, so
    runs differ by folder. Specs without a path are returned unchanged.
    """
    name, _, path = spec.partition(":")
    if not path:
        return spec
    parts = Path(path).parts[-2:]
    return f"{name}\n{'/'.join(parts)}"


def plot_comparison(result: EvaluationResult, path: str | Path) -> Path:
    """Draw the comparison of every evaluated policy and save it as a PNG at ``path``."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            "plotting needs matplotlib: pip install 'mec_ea_env[plot]' (or pass --no-plot)"
        ) from error

    names = [tick_label(row["policy"]) for row in result.summary]
    fig, axes = plt.subplots(2, 3, figsize=(13, 7), constrained_layout=True)
    for ax, (mean_key, ci_key, label) in zip(axes.flat, PANELS, strict=True):
        means = [row[mean_key] for row in result.summary]
        errors = [row[ci_key] or 0.0 for row in result.summary]
        ax.bar(range(len(names)), means, yerr=errors, capsize=4, color="tab:blue", alpha=0.8)
        ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
        ax.set_title(label)
        ax.grid(axis="y", alpha=0.3)
    config = result.config
    fig.suptitle(
        f"{config.name}: N={config.num_ues}, M={config.num_servers}, {result.episodes} episodes "
        f"of {config.max_cycles} slots, seed {result.seed} (bars: mean, 95% CI)"
    )
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
