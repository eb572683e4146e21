"""Run the benchmark suite: train and evaluate every unit not yet done, then write the report.

Every policy of a scenario plays the same ``episodes`` seeded episodes (seed ``eval_seed``)
through :func:`mec_ea_env.evaluation.harness.run_episodes`, so the policies meet identical
scenario randomness. Each unit's result is written atomically to its own file before the next
unit starts, so a run that stops resumes at the first unit without a file.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from mec_ea_env.agents.registry import make_policy
from mec_ea_env.benchmark import metadata, report
from mec_ea_env.benchmark.spec import RunUnit, SuiteSpec, estimate_seconds
from mec_ea_env.benchmark.store import (
    is_legacy,
    load_result,
    result_path,
    training_dir,
    write_json_atomic,
)
from mec_ea_env.benchmark.training import train
from mec_ea_env.evaluation.harness import run_episodes, summarise

logger = logging.getLogger("mec_ea_env.benchmark")


@dataclass
class SuitePlan:
    """Units still to run, units already stored, skipped policies and the estimated cost."""

    pending: list[RunUnit]
    done: list[RunUnit]
    skipped: list[tuple[str, str, str]]
    estimated_seconds: float


def plan_suite(spec: SuiteSpec, output: Path, force: bool = False) -> SuitePlan:
    """Split the suite's units into pending and done; raise ResultConflict on stale files."""
    units, skipped = spec.units()
    pending, done = [], []
    legacy_count = 0
    for unit in units:
        stored = None if force else load_result(result_path(output, unit), spec.fingerprint(unit))
        if stored:
            done.append(unit)
            legacy_count += is_legacy(stored)
        else:
            pending.append(unit)
    if legacy_count:
        logger.warning(
            "%d stored results of learned policies predate the recorded trainer settings: they "
            "are reused, checked on scenario, episodes and budget only",
            legacy_count,
        )
    seconds = sum(estimate_seconds(spec, unit) for unit in pending)
    return SuitePlan(pending, done, skipped, seconds)


def run_unit(
    spec: SuiteSpec, unit: RunUnit, output: Path, git: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Train (for a learned policy) and evaluate one unit; return its result record.

    ``git`` (commit and dirty flag) is stored with the finish time in the record's
    ``provenance``, because the units of one results folder may come from several invocations.
    """
    config = spec.scenario_config(unit.scenario)
    training: dict[str, Any] | None = None
    policy_spec = unit.policy
    if unit.learned:
        run_dir = training_dir(output, unit)
        trained = train(
            unit.policy,
            config,
            unit.seed,
            spec.budget(unit.scenario),
            run_dir,
            spec.hybrid_overrides,
            spec.sb3_overrides,
        )
        policy_spec = trained.policy_spec
        training = {
            "wall_time_s": trained.wall_time_s,
            "env_steps": trained.env_steps,
            "run_dir": str(run_dir.relative_to(output)),
            "curve": trained.curve,
        }

    policy = make_policy(policy_spec, config)
    start = time.perf_counter()
    rows, seconds_per_slot = run_episodes(policy, config, spec.episodes, spec.eval_seed)
    return {
        "study": unit.study,
        "scenario": unit.scenario,
        "policy": unit.policy,
        "seed": unit.seed,
        "mode": spec.mode,
        "num_ues": config.num_ues,
        "num_servers": config.num_servers,
        "decentralised": bool(policy.decentralised),
        "settings": spec.fingerprint(unit),
        "provenance": {
            "git": git if git is not None else metadata.git_commit(),
            "finished_utc": metadata.utc_now(),
        },
        "training": training,
        "evaluation": {
            "wall_time_s": time.perf_counter() - start,
            "seconds_per_slot": seconds_per_slot,
            "summary": summarise(rows),
            "episodes": rows,
        },
    }


def run_and_store(spec: SuiteSpec, unit: RunUnit, output: Path, git: dict[str, Any]) -> None:
    """Run one unit and write its result file atomically."""
    result = run_unit(spec, unit, output, git)
    write_json_atomic(result_path(output, unit), result)
    logger.debug("stored %s", result_path(output, unit))


def _start_worker() -> None:
    """Give a worker process one torch thread, as the single-process suite has."""
    import torch

    torch.set_num_threads(1)


def _run_in_workers(
    spec: SuiteSpec,
    pending: list[RunUnit],
    output: Path,
    git: dict[str, Any],
    jobs: int,
    bar: tqdm,
) -> None:
    """Run the pending units in ``jobs`` worker processes, the costliest first."""
    # Workers are spawned, not forked: the parent has already started torch's thread pool, and
    # a child forked after that can hang in OpenMP.
    context = multiprocessing.get_context("spawn")
    order = sorted(pending, key=lambda unit: estimate_seconds(spec, unit), reverse=True)
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker) as pool:
        futures = {pool.submit(run_and_store, spec, unit, output, git): unit for unit in order}
        try:
            for future in as_completed(futures):
                unit = futures[future]
                future.result()
                bar.set_postfix_str(f"{unit.scenario} {unit.policy} seed {unit.seed}")
                bar.update(1)
        except BaseException:
            # Finished units keep their files, so the next invocation runs only the others.
            for future in futures:
                future.cancel()
            raise


def _write_metadata(output: Path, record: dict[str, Any]) -> None:
    """Write ``record`` to ``output/metadata.json`` with the folder's invocation history."""
    metadata.record_invocation(output / "metadata.json", record)
    write_json_atomic(output / "metadata.json", record)


def format_duration(seconds: float) -> str:
    """Return a duration as ``1 h 05 min``, ``12 min`` or ``40 s``."""
    if seconds >= 3600:
        return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"
    if seconds >= 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"


def run_suite(
    spec: SuiteSpec,
    output: Path,
    force: bool = False,
    show_progress: bool = True,
    command: str | None = None,
    jobs: int = 1,
) -> dict[str, Any]:
    """Run every pending unit of ``spec`` into ``output``, then write tables and figures.

    Returns the metadata record (also written to ``output/metadata.json``). With ``force`` every
    unit is redone and its file replaced; without it, stored results are reused. ``command``
    is recorded in the metadata (default: this process's command line). ``jobs`` > 1 runs that
    many units at once in worker processes, each on one torch thread. Every unit is seeded on
    its own, so its result does not depend on ``jobs``.
    """
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise ValueError(f"jobs = {jobs!r} is invalid: expected an integer >= 1")
    output = Path(output)
    plan = plan_suite(spec, output, force)
    logger.info(
        "%s suite: %d units to run, %d already done, expected wall time about %s",
        spec.mode,
        len(plan.pending),
        len(plan.done),
        format_duration(plan.estimated_seconds),
    )
    for study, scenario, policy in plan.skipped:
        logger.info("%s on %s (%s study): not run, its cost is too high", policy, scenario, study)

    record = metadata.collect(command)
    record["suite"] = spec.to_dict()
    record["estimated_wall_time_s"] = round(plan.estimated_seconds, 1)
    record["units_reused"] = len(plan.done)
    # metadata.json describes this invocation and lists every invocation that wrote into the
    # folder (earlier ones first), so results assembled over several runs keep their origin.
    _write_metadata(output, record)

    start = time.perf_counter()
    bar = tqdm(total=len(plan.pending), desc="bench", unit="run", disable=not show_progress)
    # The root logger's console handlers write through tqdm.write while the bar is shown, so
    # log records do not break the bar.
    with logging_redirect_tqdm(), bar:
        if jobs == 1:
            for unit in plan.pending:
                bar.set_postfix_str(f"{unit.scenario} {unit.policy} seed {unit.seed}")
                run_and_store(spec, unit, output, record["git"])
                bar.update(1)
        else:
            _run_in_workers(spec, plan.pending, output, record["git"], jobs, bar)

    record["units_run"] = len(plan.pending)
    record["wall_time_s"] = round(time.perf_counter() - start, 1)
    record["outputs"] = [str(path.relative_to(output)) for path in report.write(spec, output)]
    _write_metadata(output, record)
    return record
