"""Time split of one reference hybrid PPO training iteration at the demo settings.

The script times one iteration of ``HybridPPO`` in seconds of process CPU time, on one torch and
one numpy thread. It splits the time into three parts. The simulator is ``VectorMECEnv.step``
and ``state``. The rest of the rollout is policy forward passes, sampling, GAE and bookkeeping.
The update is the PPO epochs.
It reports env steps per second of the collection phase and of the whole iteration.

    python benchmarks/training_throughput.py            # 5 timed iterations at the demo settings
    python benchmarks/training_throughput.py --quick    # 1 small iteration: checks the script

Writes ``training_throughput.csv`` and ``.json`` to ``benchmarks/results/training_throughput/``.
"""

from __future__ import annotations

import os

# Single-threaded numpy, as in throughput.py; set before numpy is imported.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import torch  # noqa: E402

from mec_ea_env.agents.hybrid_ppo import HybridPPO, HybridPPOConfig  # noqa: E402
from mec_ea_env.scenarios import make_config  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throughput import machine_info  # noqa: E402


class SimulatorClock:
    """Accumulates the CPU time spent inside the vector env's ``step`` and ``state`` calls."""

    def __init__(self, env) -> None:
        self.seconds = 0.0
        for name in ("step", "state"):
            setattr(env, name, self._timed(getattr(env, name)))

    def _timed(self, method):
        def timed(*args, **kwargs):
            start = time.process_time()
            try:
                return method(*args, **kwargs)
            finally:
                self.seconds += time.process_time() - start

        return timed


def measure(iterations: int, config: HybridPPOConfig, scenario: str) -> list[dict[str, float]]:
    """Run one warm-up iteration, then time ``iterations`` iterations; return one row each."""
    torch.set_num_threads(1)
    trainer = HybridPPO(config, make_config(scenario))
    clock = SimulatorClock(trainer.env)
    trainer.update(trainer.collect_rollout())

    rows = []
    for number in range(iterations):
        clock.seconds = 0.0
        start = time.process_time()
        rollout = trainer.collect_rollout()
        collected = time.process_time()
        trainer.update(rollout)
        done = time.process_time()

        steps = config.steps_per_iteration
        collect_s = collected - start
        rows.append(
            {
                "iteration": number,
                "env_steps": steps,
                "simulator_s": clock.seconds,
                "policy_and_gae_s": collect_s - clock.seconds,
                "update_s": done - collected,
                "iteration_s": done - start,
                "collect_env_steps_per_s": steps / collect_s,
                "iteration_env_steps_per_s": steps / (done - start),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--iterations", type=int, default=5, help="timed iterations")
    parser.add_argument("--scenario", default="paper", help="scenario preset")
    parser.add_argument("--quick", action="store_true", help="1 iteration with 4 envs x 10 slots")
    parser.add_argument(
        "--out", type=Path, default=Path("benchmarks/results/training_throughput"), help="folder"
    )
    args = parser.parse_args(argv)

    if args.quick:
        config = HybridPPOConfig(num_envs=4, rollout_length=10, update_epochs=1, num_minibatches=1)
        iterations = 1
    else:
        config = HybridPPOConfig()
        iterations = args.iterations
    rows = measure(iterations, config, args.scenario)

    mean = {key: sum(r[key] for r in rows) / len(rows) for key in rows[0] if key != "iteration"}
    total = mean["iteration_s"]
    print(
        f"hybrid PPO on {args.scenario!r}: {config.num_envs} envs x {config.rollout_length} "
        f"slots per iteration, mean of {len(rows)} iterations (CPU time, 1 thread)"
    )
    for key, label in (
        ("simulator_s", "simulator (VectorMECEnv.step and state)"),
        ("policy_and_gae_s", "policy forward, sampling, GAE, bookkeeping"),
        ("update_s", "update (PPO epochs)"),
    ):
        print(f"  {label:<46} {mean[key]:7.3f} s  {100 * mean[key] / total:5.1f}%")
    print(
        f"  collection: {mean['collect_env_steps_per_s']:,.0f} env steps/s, whole iteration: "
        f"{mean['iteration_env_steps_per_s']:,.0f} env steps/s"
    )

    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "training_throughput.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    summary = {
        "command": " ".join(
            ["python", "benchmarks/training_throughput.py", *(argv or sys.argv[1:])]
        ),
        "scenario": args.scenario,
        "num_envs": config.num_envs,
        "rollout_length": config.rollout_length,
        "mean": mean,
        "machine": machine_info(),
    }
    (args.out / "training_throughput.json").write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
