"""``mec-ea-env evaluate``: compare policies on the same seeded episodes and write the results.

Outputs in ``--output``: ``summary.csv`` (one row per policy, schema in docs/agents.md),
``summary.json`` (the same rows plus the scenario and the run's arguments), ``episodes.csv``
(one row per policy and episode) and ``comparison.png``.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import math
from pathlib import Path
from typing import Any

from mec_ea_env import cli
from mec_ea_env.agents.registry import available_policies
from mec_ea_env.evaluation.harness import (
    EPISODE_METRICS,
    SUMMARY_COLUMNS,
    EvaluationResult,
    evaluate_policies,
)

logger = logging.getLogger("mec_ea_env.evaluation")

DEFAULT_POLICIES = "random,all-local,nearest-edge,greedy,best-response,oracle"
"""Policies evaluated when ``--policies`` is not given."""


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    cli.add_scenario_arguments(parser)
    parser.add_argument(
        "--policies",
        default=DEFAULT_POLICIES,
        help=f"comma-separated policy specs (default: {DEFAULT_POLICIES}); learned policies "
        "take a path, e.g. hmappo:runs/NAME/checkpoint.pt",
    )
    parser.add_argument("--episodes", type=int, default=20, help="episodes per policy (default 20)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the episode batch (default 0)")
    parser.add_argument(
        "--output", default="results", help="folder for the CSV, JSON and PNG (default results)"
    )
    parser.add_argument("--no-plot", action="store_true", help="skip the PNG comparison plot")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def _parse_policies(text: str) -> list[str]:
    specs = [item.strip() for item in text.split(",") if item.strip()]
    if not specs:
        raise cli.CLIError(
            f"--policies {text!r} names no policy; "
            f"valid policies: {', '.join(available_policies())}"
        )
    return specs


def _format(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def format_table(result: EvaluationResult) -> str:
    """Return the summary as a fixed-width text table (means with 95% half-widths)."""
    header = (
        "policy",
        "reward (95% CI)",
        "latency s",
        "energy J",
        "quality",
        "miss",
        "edge",
        "norm.",
        "vs BR",
    )
    lines = []
    for row in result.summary:
        reward = f"{row['reward_mean']:.2f} +- {_format(row['reward_ci95'], 2)}"
        lines.append(
            (
                row["policy"],
                reward,
                _format(row["latency_mean_s"]),
                _format(row["energy_mean_j"]),
                _format(row["quality_mean"]),
                _format(row["miss_rate"]),
                _format(row["edge_share"]),
                _format(row["normalized_score"]),
                _format(row["score_vs_best_response"]),
            )
        )
    widths = [max(len(str(r[i])) for r in [header, *lines]) for i in range(len(header))]
    rendered = ["  ".join(f"{c:<{w}}" for c, w in zip(r, widths, strict=True)) for r in lines]
    head = "  ".join(f"{c:<{w}}" for c, w in zip(header, widths, strict=True))
    return "\n".join([head, "-" * len(head), *rendered])


def _csv_value(value: Any) -> Any:
    return "" if value is None else value


def write_outputs(
    result: EvaluationResult, output: Path, plot: bool, arguments: dict
) -> list[Path]:
    """Write summary.csv, summary.json, episodes.csv and (optionally) comparison.png."""
    output.mkdir(parents=True, exist_ok=True)
    written = []

    summary_path = output / "summary.csv"
    with summary_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(SUMMARY_COLUMNS))
        writer.writeheader()
        for row in result.summary:
            writer.writerow({k: _csv_value(row.get(k)) for k in SUMMARY_COLUMNS})
    written.append(summary_path)

    episodes_path = output / "episodes.csv"
    columns = ["policy", "seed", "episode", "slots", *EPISODE_METRICS]
    with episodes_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in result.per_episode:
            writer.writerow({k: row[k] for k in columns})
    written.append(episodes_path)

    json_path = output / "summary.json"
    payload = {
        "scenario": result.config.to_dict(),
        "episodes": result.episodes,
        "seed": result.seed,
        "arguments": arguments,
        "columns": list(SUMMARY_COLUMNS),
        "policies": result.summary,
    }
    json_path.write_text(json.dumps(payload, indent=2) + "\n")
    written.append(json_path)

    if plot:
        from mec_ea_env.evaluation.plots import plot_comparison

        written.append(plot_comparison(result, output / "comparison.png"))
    return written


SCORE_LEGEND = (
    "norm. = (R - R_random) / (R_oracle - R_random), vs BR = (R - R_random) / "
    "(R_best-response - R_random)"
)


def _score_notes(specs: set[str]) -> list[str]:
    """Return the scores' legend and one line per score that ``specs`` leave empty."""
    notes = [SCORE_LEGEND]
    if not {"random", "oracle"} <= specs:
        notes.append("norm.: needs both random and oracle among the policies (left empty)")
    if not {"random", "best-response"} <= specs:
        notes.append("vs BR: needs both random and best-response among the policies (left empty)")
    return notes


def _run(args: argparse.Namespace) -> None:
    config = cli.scenario_from_args(args)
    specs = _parse_policies(args.policies)
    if args.episodes < 1:
        raise cli.CLIError(f"--episodes {args.episodes} is invalid: expected an integer >= 1")
    try:
        result = evaluate_policies(
            config,
            specs,
            episodes=args.episodes,
            seed=args.seed,
            show_progress=not args.no_progress,
        )
    except ValueError as error:
        raise cli.CLIError(str(error)) from error

    print(
        f"{config.name}: N={config.num_ues} UEs, M={config.num_servers} servers, "
        f"{args.episodes} episodes of {config.max_cycles} slots, seed {args.seed}"
    )
    print(format_table(result))
    for line in _score_notes(set(specs)):
        print(line)
    arguments = {
        "policies": specs,
        "episodes": args.episodes,
        "seed": args.seed,
        "set": list(args.set),
    }
    for path in write_outputs(result, Path(args.output), not args.no_plot, arguments):
        print(f"wrote {path}")


cli.register(
    "evaluate",
    "compare policies on the same seeded episodes; write CSV, JSON and a PNG plot",
    _add_arguments,
    _run,
)
