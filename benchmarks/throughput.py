"""Throughput of mec_ea_env next to mpe2 and VMAS, measured in one run on one machine.

Measures agent-steps per second (UE or agent decisions played per second) and env-steps per
second of:

- our PettingZoo ParallelEnv (dict API) at N = 10, 20, 50, 100 UEs;
- our vector API at B = 1, 64, 1024, 4096 envs with N = 20, and at B = 1024 with N = 100;
- a floor kernel (benchmarks/floor_kernel.py) at the same B and N as the vector API: it only
  draws the random numbers and reads and writes the arrays a vector step must touch, once each;
- mpe2's simple_spread_v3 parallel env (N = 3, and N = 20) and VMAS simple_spread on CPU at the
  same batch sizes (N = 3, and N = 20 at B = 1024), if those packages are installed.

Every configuration runs in its own subprocess, so one configuration's heap does not slow the
next and its peak memory is its own. Each worker is single-threaded: OMP_NUM_THREADS,
OPENBLAS_NUM_THREADS and MKL_NUM_THREADS are 1 before numpy is imported, and
torch.set_num_threads(1). Random valid actions are drawn before the timed loop on both sides and
reused in a cycle. Episodes restart inside the timed loop when they end (the ParallelEnvs by
reset(), our vector API by its autoreset; VMAS runs with no horizon and never resets).
Time is the worker's CPU time (user + system) by default, because other processes on a shared
machine disturb it less than wall time. ``--clock wall`` uses wall time.

Run (about 3 minutes on 2 cores):

    python benchmarks/throughput.py

It prints a table and writes throughput.csv, throughput.json and throughput.png to
benchmarks/results/throughput/ (``--out`` changes the folder). ``--quick`` runs a few hundred
steps of small configurations to check that the script works; its numbers mean nothing.
"""

from __future__ import annotations

import os

# Single-threaded numpy and torch: set before numpy is imported, here and in every worker.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import csv  # noqa: E402
import importlib.metadata  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

DEFAULT_OUT = Path(__file__).parent / "results" / "throughput"
NUM_SERVERS = 4
"""Servers of the "paper" scenario, used by our configurations and the floor kernel."""
ACTION_SETS = 16
"""Random action sets drawn before the timed loop and reused in a cycle."""
MEMORY_STEPS = 10
"""Steps played under tracemalloc to find a configuration's peak traced memory."""


# --------------------------------------------------------------------------------------------
# Configurations


def full_configs() -> list[dict[str, Any]]:
    """Return every configuration of the full benchmark."""
    configs: list[dict[str, Any]] = []
    for n in (10, 20, 50, 100):
        configs.append({"kind": "ours_parallel", "B": 1, "N": n})
    for b, n in ((1, 20), (64, 20), (1024, 20), (4096, 20), (1024, 100)):
        configs.append({"kind": "ours_vector", "B": b, "N": n})
        configs.append({"kind": "floor", "B": b, "N": n})
    configs.append({"kind": "mpe2_parallel", "B": 1, "N": 3})
    configs.append({"kind": "mpe2_parallel", "B": 1, "N": 20})
    for b in (1, 64, 1024, 4096):
        configs.append({"kind": "vmas", "B": b, "N": 3})
    configs.append({"kind": "vmas", "B": 1024, "N": 20})
    return configs


def quick_configs() -> list[dict[str, Any]]:
    """Return a few small configurations that exercise every code path."""
    return [
        {"kind": "ours_parallel", "B": 1, "N": 10},
        {"kind": "ours_vector", "B": 1, "N": 20},
        {"kind": "ours_vector", "B": 64, "N": 20},
        {"kind": "floor", "B": 1, "N": 20},
        {"kind": "floor", "B": 64, "N": 20},
        {"kind": "mpe2_parallel", "B": 1, "N": 3},
        {"kind": "vmas", "B": 64, "N": 3},
    ]


LABELS = {
    "ours_parallel": "mec_ea_env ParallelEnv",
    "ours_vector": "mec_ea_env VectorMECEnv",
    "floor": "floor kernel (numpy)",
    "mpe2_parallel": "mpe2 simple_spread_v3 parallel_env",
    "vmas": "VMAS simple_spread (CPU)",
}
PEER_PACKAGES = {"mpe2_parallel": "mpe2", "vmas": "vmas"}


# --------------------------------------------------------------------------------------------
# Builders: each returns a function that plays one env step with prepared actions


def _build_ours_parallel(b: int, n: int, seed: int) -> Callable[[int], None]:
    import mec_ea_env

    env = mec_ea_env.parallel_env("paper", num_ues=n)
    env.reset(seed=seed)
    for i, agent in enumerate(env.possible_agents):
        env.action_space(agent).seed(seed + i)
    actions = [
        {a: env.action_space(a).sample() for a in env.possible_agents} for _ in range(ACTION_SETS)
    ]

    def step(t: int) -> None:
        if not env.agents:
            env.reset()
        env.step(actions[t % ACTION_SETS])

    return step


def _vector_actions(b: int, n: int, seed: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [
        (
            rng.integers(0, NUM_SERVERS + 1, size=(b, n)),
            rng.random((b, n)),
            rng.random((b, n)),
        )
        for _ in range(ACTION_SETS)
    ]


def _build_ours_vector(b: int, n: int, seed: int) -> Callable[[int], None]:
    import mec_ea_env

    env = mec_ea_env.VectorMECEnv(b, "paper", num_ues=n, num_servers=NUM_SERVERS)
    env.reset(seed=seed)
    actions = _vector_actions(b, n, seed)

    def step(t: int) -> None:
        env.step(*actions[t % ACTION_SETS])

    return step


def _build_floor(b: int, n: int, seed: int) -> Callable[[int], None]:
    sys.path.insert(0, str(Path(__file__).parent))
    from floor_kernel import FloorKernel

    import mec_ea_env

    obs_dim = mec_ea_env.VectorMECEnv(1, "paper", num_ues=n, num_servers=NUM_SERVERS).obs_dim
    kernel = FloorKernel(b, n, NUM_SERVERS, obs_dim, seed=seed)
    actions = _vector_actions(b, n, seed)

    def step(t: int) -> None:
        kernel.step(*actions[t % ACTION_SETS])

    return step


def _build_mpe2_parallel(b: int, n: int, seed: int) -> Callable[[int], None]:
    from mpe2 import simple_spread_v3

    env = simple_spread_v3.parallel_env(N=n)
    env.reset(seed=seed)
    for i, agent in enumerate(env.possible_agents):
        env.action_space(agent).seed(seed + i)
    actions = [
        {a: env.action_space(a).sample() for a in env.possible_agents} for _ in range(ACTION_SETS)
    ]

    def step(t: int) -> None:
        if not env.agents:
            env.reset()
        env.step(actions[t % ACTION_SETS])

    return step


def _build_vmas(b: int, n: int, seed: int) -> Callable[[int], None]:
    import torch
    import vmas

    torch.manual_seed(seed)
    env = vmas.make_env(
        "simple_spread", num_envs=b, device="cpu", continuous_actions=True, seed=seed, n_agents=n
    )
    env.reset()
    actions = [[env.get_random_action(agent) for agent in env.agents] for _ in range(ACTION_SETS)]

    def step(t: int) -> None:
        env.step(actions[t % ACTION_SETS])

    return step


BUILDERS: dict[str, Callable[[int, int, int], Callable[[int], None]]] = {
    "ours_parallel": _build_ours_parallel,
    "ours_vector": _build_ours_vector,
    "floor": _build_floor,
    "mpe2_parallel": _build_mpe2_parallel,
    "vmas": _build_vmas,
}


# --------------------------------------------------------------------------------------------
# Worker: one configuration, in its own process


def _rss_bytes() -> int:
    try:
        import psutil
    except ImportError:
        # /proc/self/statm lists sizes in pages, and field 1 is the resident set.
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    return psutil.Process().memory_info().rss


def run_config(config: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    """Time one configuration and measure its memory; return a result row."""
    kind, b, n = config["kind"], config["B"], config["N"]
    if kind == "vmas":
        import torch

        torch.set_num_threads(1)
    clock = time.process_time if options["clock"] == "cpu" else time.perf_counter

    rss_before = _rss_bytes()
    step = BUILDERS[kind](b, n, options["seed"])
    for t in range(options["warmup"]):
        step(t)

    # Choose the steps per repeat so a repeat lasts about target_s / repeats.
    start = clock()
    probe = max(1, options["warmup"])
    for t in range(probe):
        step(t)
    per_step = max((clock() - start) / probe, 1e-7)
    if options["steps"]:
        steps = options["steps"]
    else:
        steps = max(5, int(options["target_s"] / options["repeats"] / per_step))

    seconds = []
    for _ in range(options["repeats"]):
        start = clock()
        for t in range(steps):
            step(t)
        seconds.append((clock() - start) / steps)
    # ru_maxrss is the peak resident set of this process in KiB (Linux).
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    del step

    # Peak traced memory of a fresh copy: numpy reports its buffers to tracemalloc, torch does not.
    traced = None
    if kind != "vmas":
        tracemalloc.start()
        step = BUILDERS[kind](b, n, options["seed"])
        for t in range(MEMORY_STEPS):
            step(t)
        traced = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()

    median = statistics.median(seconds)
    return {
        **config,
        "label": LABELS[kind],
        "steps_per_repeat": steps,
        "repeats": options["repeats"],
        "seconds_per_step": median,
        "seconds_per_step_min": min(seconds),
        "env_steps_per_s": b / median,
        "agent_steps_per_s": b * n / median,
        "peak_traced_bytes": traced,
        "peak_rss_delta_bytes": max(0, peak_rss - rss_before),
    }


def _run_isolated(config: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    request = json.dumps({"config": config, "options": options})
    completed = subprocess.run(
        [sys.executable, __file__, "--worker", request],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"worker for {config} failed with exit code {completed.returncode}:\n"
            f"{completed.stderr[-3000:]}"
        )
    return json.loads(completed.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------------------------
# Report


def machine_info() -> dict[str, Any]:
    """Return the CPU model, core counts and library versions of this machine."""
    cpu_model = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    cpu_model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info: dict[str, Any] = {
        "cpu_model": cpu_model,
        "logical_cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "threads": "OMP/OPENBLAS/MKL_NUM_THREADS=1, torch.set_num_threads(1)",
    }
    try:
        import psutil

        info["physical_cores"] = psutil.cpu_count(logical=False)
    except ImportError:
        info["physical_cores"] = None
    for package in ("numpy", "torch", "mec_ea_env", "pettingzoo", "mpe2", "vmas"):
        try:
            info[f"{package}_version"] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            info[f"{package}_version"] = None
    from mec_ea_env.benchmark.metadata import git_commit

    info["git"] = git_commit()
    return info


def _find(rows: list[dict[str, Any]], kind: str, b: int, n: int) -> dict[str, Any] | None:
    for row in rows:
        if row["kind"] == kind and row["B"] == b and row["N"] == n:
            return row
    return None


def add_ratios(rows: list[dict[str, Any]]) -> None:
    """Add to each of our rows its ratio to the matching peer and to the floor kernel."""
    mpe2_reference = _find(rows, "mpe2_parallel", 1, 3)
    for row in rows:
        row["ratio_to_peer"] = None
        row["peer"] = None
        row["fraction_of_floor"] = None
        if row["kind"] == "ours_parallel" and mpe2_reference:
            row["peer"] = "mpe2 N=3"
            row["ratio_to_peer"] = row["agent_steps_per_s"] / mpe2_reference["agent_steps_per_s"]
        if row["kind"] == "ours_vector":
            vmas_reference = _find(rows, "vmas", row["B"], 3)
            if vmas_reference:
                row["peer"] = f"VMAS B={row['B']} N=3"
                row["ratio_to_peer"] = (
                    row["agent_steps_per_s"] / vmas_reference["agent_steps_per_s"]
                )
            floor = _find(rows, "floor", row["B"], row["N"])
            if floor:
                row["fraction_of_floor"] = row["agent_steps_per_s"] / floor["agent_steps_per_s"]


SLOPE_MIN_ENVS = 64
"""Smallest B in the cost fit: below it the fixed cost per call dominates, not B x N."""


def cost_slope(rows: list[dict[str, Any]]) -> dict[str, float] | None:
    """Fit seconds per vector step = fixed + slope x (B x N) over our batched vector rows."""
    points = [
        (row["B"] * row["N"], row["seconds_per_step"])
        for row in rows
        if row["kind"] == "ours_vector" and row["B"] >= SLOPE_MIN_ENVS
    ]
    if len(points) < 2:
        return None
    x = np.array([p[0] for p in points], dtype=float)
    y = np.array([p[1] for p in points], dtype=float)
    slope, intercept = np.polyfit(x, y, 1)
    residual = y - (slope * x + intercept)
    r_squared = 1.0 - float((residual**2).sum() / max(((y - y.mean()) ** 2).sum(), 1e-300))
    return {
        "seconds_per_agent_step": float(slope),
        "fixed_seconds_per_step": float(intercept),
        "r_squared": r_squared,
        "points": len(points),
    }


def _format_rate(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _format_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _format_kib(value: float | None) -> str:
    return "-" if value is None else f"{value / 1024:,.1f}"


def print_table(rows: list[dict[str, Any]]) -> None:
    header = (
        f"{'configuration':<38} {'B':>5} {'N':>4} {'env-steps/s':>13} {'agent-steps/s':>14} "
        f"{'ours/peer':>9} {'of floor':>8} {'traced KiB/env':>14} {'RSS KiB':>10}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        traced = row["peak_traced_bytes"]
        per_env = None if traced is None else traced / row["B"]
        print(
            f"{row['label']:<38} {row['B']:>5} {row['N']:>4} "
            f"{_format_rate(row['env_steps_per_s']):>13} "
            f"{_format_rate(row['agent_steps_per_s']):>14} "
            f"{_format_ratio(row['ratio_to_peer']):>9} "
            f"{_format_ratio(row['fraction_of_floor']):>8} "
            f"{_format_kib(per_env):>14} {_format_kib(row['peak_rss_delta_bytes']):>10}"
        )


CSV_FIELDS = (
    "kind",
    "label",
    "B",
    "N",
    "env_steps_per_s",
    "agent_steps_per_s",
    "seconds_per_step",
    "seconds_per_step_min",
    "steps_per_repeat",
    "repeats",
    "peer",
    "ratio_to_peer",
    "fraction_of_floor",
    "peak_traced_bytes",
    "peak_rss_delta_bytes",
)


def write_outputs(
    out: Path, rows: list[dict[str, Any]], summary: dict[str, Any], quick: bool
) -> None:
    """Write throughput.csv, throughput.json and throughput.png to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "throughput.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    (out / "throughput.json").write_text(json.dumps(summary, indent=2) + "\n")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: skipping throughput.png")
        return

    figure, axis = plt.subplots(figsize=(7, 4.5))
    series = (
        ("ours_vector", 20, "o-", "mec_ea_env VectorMECEnv, N = 20"),
        ("floor", 20, "s--", "floor kernel, N = 20"),
        ("vmas", 3, "^-", "VMAS simple_spread (CPU), N = 3"),
    )
    for kind, n, style, label in series:
        points = sorted(
            (r["B"], r["agent_steps_per_s"]) for r in rows if r["kind"] == kind and r["N"] == n
        )
        if points:
            axis.plot(*zip(*points, strict=True), style, label=label)
    singles = (
        ("ours_parallel", 1, 20, "D", "mec_ea_env ParallelEnv, N = 20"),
        ("mpe2_parallel", 1, 3, "v", "mpe2 simple_spread_v3, N = 3"),
        ("mpe2_parallel", 1, 20, "<", "mpe2 simple_spread_v3, N = 20"),
        ("vmas", 1024, 20, "x", "VMAS simple_spread (CPU), N = 20"),
    )
    for kind, b, n, marker, label in singles:
        row = _find(rows, kind, b, n)
        if row:
            axis.plot([b], [row["agent_steps_per_s"]], marker, markersize=8, label=label)
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel("envs stepped together, B")
    axis.set_ylabel("agent-steps per second (one thread)")
    title = "Throughput on " + summary["machine"]["cpu_model"]
    axis.set_title(title + (" (--quick: not a measurement)" if quick else ""), fontsize=9)
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(out / "throughput.png", dpi=120)
    plt.close(figure)


# --------------------------------------------------------------------------------------------
# Main


def _peer_available(kind: str) -> bool:
    package = PEER_PACKAGES.get(kind)
    if package is None:
        return True
    try:
        importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few steps of small configurations")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument(
        "--clock", choices=("cpu", "wall"), default="cpu", help="process CPU time or wall time"
    )
    parser.add_argument(
        "--target-seconds",
        type=float,
        default=3.0,
        help="timed seconds per configuration, split over the repeats (default 3)",
    )
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats (median is kept)")
    parser.add_argument("--seed", type=int, default=0, help="seed of envs and actions")
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="run every configuration in this process (peak RSS is then shared)",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        request = json.loads(args.worker)
        print(json.dumps(run_config(request["config"], request["options"])))
        return 0

    options = {
        "clock": args.clock,
        "seed": args.seed,
        "repeats": 2 if args.quick else args.repeats,
        "warmup": 3 if args.quick else 10,
        "steps": 20 if args.quick else 0,
        "target_s": args.target_seconds,
    }
    configs = quick_configs() if args.quick else full_configs()
    missing = sorted({PEER_PACKAGES[c["kind"]] for c in configs if not _peer_available(c["kind"])})
    for package in missing:
        print(f"{package} is not installed: skipping its configurations (pip install .[bench])")
    configs = [c for c in configs if _peer_available(c["kind"])]

    from tqdm import tqdm

    # Other jobs slow every configuration alike, so ratios are steadier than absolute rates.
    # The load average at both ends of the run is recorded so readers can judge.
    load_start = os.getloadavg()[0]
    rows = []
    for config in tqdm(configs, desc="configurations", unit="config"):
        if args.in_process:
            rows.append(run_config(config, options))
        else:
            rows.append(_run_isolated(config, options))
    add_ratios(rows)
    slope = cost_slope(rows)
    machine = machine_info()
    machine["load_average_1min"] = {"start": load_start, "end": os.getloadavg()[0]}

    print()
    print(
        f"Machine: {machine['cpu_model']}, {machine['logical_cores']} logical cores; "
        f"numpy {machine['numpy_version']}, torch {machine['torch_version']}; load average "
        f"{load_start:.1f} at the start, {machine['load_average_1min']['end']:.1f} at the end"
    )
    print(
        "One thread per side: OMP/OPENBLAS/MKL_NUM_THREADS=1 set before numpy is imported, "
        f"torch.set_num_threads(1). Clock: {args.clock} time, median of "
        f"{options['repeats']} repeats."
    )
    print(
        "ours/peer: ParallelEnv rows against mpe2 simple_spread N=3; vector rows against VMAS "
        "simple_spread N=3 at the same B. 'of floor': vector API over the floor kernel."
    )
    print(
        "Memory: 'traced KiB/env' is the tracemalloc peak (numpy buffers; torch is not traced) "
        "over B; 'RSS KiB' is the worker's peak resident set minus its size before building."
    )
    print()
    print_table(rows)
    if slope:
        print()
        print(
            f"Cost in B x N (vector API): {slope['seconds_per_agent_step'] * 1e9:.1f} ns per "
            f"agent-step + {slope['fixed_seconds_per_step'] * 1e6:.1f} us per step "
            f"(least squares over the {slope['points']} configurations with B >= "
            f"{SLOPE_MIN_ENVS}, R^2 = {slope['r_squared']:.4f})"
        )
    summary = {
        "command": "python benchmarks/throughput.py" + (" --quick" if args.quick else ""),
        "quick": args.quick,
        "clock": args.clock,
        "machine": machine,
        "skipped_peers": missing,
        "cost_slope": slope,
        "rows": rows,
    }
    write_outputs(args.out, rows, summary, args.quick)
    print(f"\nwrote throughput.csv, throughput.json and throughput.png to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
