"""Compare the benchmark suite's expected wall time with the unit times it stored.

A unit's measured time is its training wall time plus its evaluation wall time, both recorded
in its result file (``runs/STUDY/SCENARIO/POLICY/seedS.json``). The expected time is
:func:`mec_ea_env.benchmark.spec.estimate_seconds` for the full suite's settings. Units run next
to other work have longer measured times, so ratios above 1 can mean load as well as a low
estimate.

Usage: python benchmarks/suite_costs.py --results benchmarks/results/suite
Prints one row per (study, scenario, policy) and writes costs.csv next to the results.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
from collections import defaultdict
from pathlib import Path

from mec_ea_env.benchmark.spec import RunUnit, estimate_seconds, full_spec

logger = logging.getLogger("benchmarks.suite_costs")

COLUMNS = (
    "study",
    "scenario",
    "policy",
    "runs",
    "measured_mean_s",
    "measured_min_s",
    "measured_max_s",
    "expected_s",
    "measured_over_expected",
)


def measured_seconds(result: dict) -> float:
    """Return a unit's training plus evaluation wall time (s) from its result file."""
    training = result.get("training") or {}
    return float(training.get("wall_time_s", 0.0)) + float(result["evaluation"]["wall_time_s"])


def cost_rows(results: Path) -> list[dict]:
    """Return one row per (study, scenario, policy) of the stored results under ``results``."""
    spec = full_spec()
    measured: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for path in sorted((results / "runs").glob("*/*/*/seed*.json")):
        study, scenario, policy = path.parts[-4:-1]
        measured[(study, scenario, policy)].append(measured_seconds(json.loads(path.read_text())))

    rows = []
    for (study, scenario, policy), seconds in measured.items():
        expected = estimate_seconds(spec, RunUnit(study, scenario, policy, 0))
        mean = sum(seconds) / len(seconds)
        rows.append(
            {
                "study": study,
                "scenario": scenario,
                "policy": policy,
                "runs": len(seconds),
                "measured_mean_s": round(mean, 1),
                "measured_min_s": round(min(seconds), 1),
                "measured_max_s": round(max(seconds), 1),
                "expected_s": round(expected, 1),
                "measured_over_expected": round(mean / expected, 2),
            }
        )
    rows.sort(key=lambda row: -row["measured_mean_s"] * row["runs"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--results",
        type=Path,
        default=Path("benchmarks/results/suite"),
        help="the suite's output folder (default: benchmarks/results/suite)",
    )
    parser.add_argument("--out", type=Path, help="CSV file to write (default: RESULTS/costs.csv)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not (args.results / "runs").is_dir():
        parser.error(f"--results {args.results}: no runs/ folder of stored results in it")

    rows = cost_rows(args.results)
    out = args.out or args.results / "costs.csv"
    with out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)

    header = f"{'study':<9} {'scenario':<11} {'policy':<14} {'runs':>4} {'measured s':>11} " \
             f"{'expected s':>11} {'ratio':>6}"  # fmt: skip
    print(header)
    for row in rows:
        print(
            f"{row['study']:<9} {row['scenario']:<11} {row['policy']:<14} {row['runs']:>4} "
            f"{row['measured_mean_s']:>11.0f} {row['expected_s']:>11.0f} "
            f"{row['measured_over_expected']:>6.2f}"
        )
    total_measured = sum(row["measured_mean_s"] * row["runs"] for row in rows)
    total_expected = sum(row["expected_s"] * row["runs"] for row in rows)
    print(
        f"all {sum(row['runs'] for row in rows)} units: measured {total_measured / 3600:.1f} h, "
        f"expected {total_expected / 3600:.1f} h (ratio {total_measured / total_expected:.2f})"
    )
    logger.info("wrote %s", out)


if __name__ == "__main__":
    main()
