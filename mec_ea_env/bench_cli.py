"""The ``mec-ea-env bench`` command: run the benchmark suite and write its tables and figures.

``mec-ea-env bench`` runs the full suite into ``benchmarks/results/suite`` and
``mec-ea-env bench --quick`` a minute-long check of the same code paths into
``benchmarks/results/suite-quick``. A stopped run resumes when started again with the same
options, and ``--dry-run`` prints the plan and its expected wall time without running it.
"""

from __future__ import annotations

import argparse
import logging
import shlex
from pathlib import Path
from typing import Any

from mec_ea_env.cli import CLIError, register

logger = logging.getLogger("mec_ea_env.benchmark")


def _names(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


def _sizes(text: str) -> tuple[int, ...]:
    if text.strip().lower() in ("", "none"):
        return ()
    try:
        return tuple(int(item) for item in _names(text))
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of integers, e.g. 10,20,50,100"
        ) from error


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    from mec_ea_env.benchmark.spec import ALL_POLICIES, SCENARIOS

    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny budgets on small and paper with 10-slot episodes (under a minute); checks the "
        "pipeline, its numbers mean nothing",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="folder for results, tables and figures (default: benchmarks/results/suite, or "
        "benchmarks/results/suite-quick with --quick)",
    )
    parser.add_argument(
        "--scenarios", type=_names, help=f"comma-separated subset of {','.join(SCENARIOS)}"
    )
    parser.add_argument(
        "--policies", type=_names, help=f"comma-separated subset of {','.join(ALL_POLICIES)}"
    )
    parser.add_argument("--seeds", type=int, help="training seeds per learned policy (full: 5)")
    parser.add_argument("--episodes", type=int, help="evaluation episodes per run (full: 20)")
    parser.add_argument(
        "--eval-seed", type=int, help="seed of the evaluation episodes (default: 1000)"
    )
    parser.add_argument(
        "--train-steps",
        type=int,
        help="training budget in env steps for every scenario (full: 480000; 240000 on dense, "
        "100000 on large)",
    )
    parser.add_argument(
        "--scaling-sizes",
        type=_sizes,
        help="UE counts of the scalability study, e.g. 10,20,50,100 (full); 'none' skips it",
    )
    parser.add_argument("--scaling-seeds", type=int, help="training seeds per size (full: 3)")
    parser.add_argument(
        "--oracle-max-ues",
        type=int,
        help="run the oracle only on scenarios with at most this many UEs (default: 60)",
    )
    parser.add_argument(
        "--force", action="store_true", help="redo every run and replace its stored result"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the plan and expected wall time, run nothing"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="runs at once, each in its own process on one thread (default: 1); results do not "
        "depend on it",
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def spec_from_args(args: argparse.Namespace):
    """Build the suite's :class:`SuiteSpec` from parsed arguments; raise CLIError if invalid."""
    from mec_ea_env.benchmark.spec import full_spec, quick_spec

    changes: dict[str, Any] = {}
    for name in ("scenarios", "policies", "seeds", "episodes", "eval_seed", "scaling_seeds"):
        value = getattr(args, name)
        if value is not None:
            changes[name] = value
    if args.scaling_sizes is not None:
        changes["scaling_sizes"] = args.scaling_sizes
    if args.oracle_max_ues is not None:
        changes["oracle_max_ues"] = args.oracle_max_ues
    if args.train_steps is not None:
        changes["train_steps"] = {"default": args.train_steps}
    try:
        return (quick_spec if args.quick else full_spec)(**changes)
    except ValueError as error:
        raise CLIError(str(error)) from error


def command_line(args: argparse.Namespace, output: Path) -> str:
    """Return the ``mec-ea-env bench`` command that repeats this run, for the metadata."""
    words = ["mec-ea-env", "bench"]
    if args.quick:
        words.append("--quick")
    for name in ("scenarios", "policies", "scaling_sizes"):
        value = getattr(args, name)
        if value is not None:
            # An empty list is written the way each option reads it back.
            empty = "none" if name == "scaling_sizes" else ""
            text = ",".join(str(item) for item in value) or empty
            words += [f"--{name.replace('_', '-')}", text]
    for name in (
        "seeds",
        "episodes",
        "eval_seed",
        "train_steps",
        "scaling_seeds",
        "oracle_max_ues",
    ):
        value = getattr(args, name)
        if value is not None:
            words += [f"--{name.replace('_', '-')}", str(value)]
    if args.jobs != 1:
        words += ["--jobs", str(args.jobs)]
    words += ["--output", str(output)]
    if args.force:
        words.append("--force")
    return shlex.join(words)


def _print_plan(spec, pending) -> None:
    from mec_ea_env.benchmark.runner import format_duration
    from mec_ea_env.benchmark.spec import estimate_seconds

    groups: dict[tuple[str, str, str], list[float]] = {}
    for unit in pending:
        key = (unit.study, unit.scenario, unit.policy)
        groups.setdefault(key, []).append(estimate_seconds(spec, unit))
    print(f"  {'study':<9} {'scenario':<11} {'policy':<14} {'runs':>4}  expected")
    for (study, scenario, policy), seconds in groups.items():
        print(
            f"  {study:<9} {scenario:<11} {policy:<14} {len(seconds):>4}  "
            f"{format_duration(sum(seconds))}"
        )


def _run(args: argparse.Namespace) -> None:
    import torch

    from mec_ea_env.benchmark.runner import format_duration, plan_suite, run_suite
    from mec_ea_env.benchmark.store import ResultConflict

    torch.set_num_threads(1)
    spec = spec_from_args(args)
    if args.jobs < 1:
        raise CLIError(f"--jobs = {args.jobs} is invalid: expected an integer >= 1")
    default = "benchmarks/results/suite-quick" if args.quick else "benchmarks/results/suite"
    output = args.output or Path(default)
    try:
        plan = plan_suite(spec, output, args.force)
    except ResultConflict as error:
        raise CLIError(str(error)) from error
    print(
        f"{spec.mode} suite into {output}: {len(plan.pending)} runs to do, "
        f"{len(plan.done)} already stored, expected wall time about "
        f"{format_duration(plan.estimated_seconds)} on one job (estimate from costs measured on "
        "a 2-core machine)"
    )
    if args.jobs > 1:
        parallel_seconds = plan.estimated_seconds / args.jobs
        print(
            f"  with --jobs {args.jobs}: about {format_duration(parallel_seconds)} if "
            f"{args.jobs} cores are free"
        )
    for study, scenario, policy in plan.skipped:
        print(f"  not run: {policy} on {scenario} ({study} study), too costly at this size")
    if args.dry_run:
        _print_plan(spec, plan.pending)
        return

    record = run_suite(
        spec,
        output,
        force=args.force,
        show_progress=not args.no_progress,
        command=command_line(args, output),
        jobs=args.jobs,
    )
    print(
        f"done in {format_duration(record['wall_time_s'])} ({record['units_run']} runs, "
        f"{record['units_reused']} reused); tables and figures in {output}:"
    )
    for path in record["outputs"]:
        print(f"  {path}")


register("bench", "run the benchmark suite (policies x scenarios x seeds)", _add_arguments, _run)
