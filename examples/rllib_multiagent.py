"""Train one PPO policy shared by every UE through RLlib, on one machine or on a Ray cluster.

    python examples/rllib_multiagent.py --scenario small --iterations 20 --num-env-runners 2
    python examples/rllib_multiagent.py --address auto ...   # join a running Ray cluster

RLlib's ParallelPettingZooEnv wraps the ParallelEnv with a flat action view (Box by default),
every agent maps to the policy "shared", and env runners sample in parallel. Each iteration
prints the mean episode return and the env steps sampled per second.
"""

from __future__ import annotations

import argparse
import sys
import time

import ray
from ray.rllib.algorithms.ppo import PPOConfig
from ray.rllib.env.wrappers.pettingzoo_env import ParallelPettingZooEnv
from ray.tune.registry import register_env

from mec_ea_env.wrappers import flat_parallel_env


def make_env(env_config: dict) -> ParallelPettingZooEnv:
    """Build the RLlib env from ``env_config`` (keyword arguments of ``flat_parallel_env``)."""
    return ParallelPettingZooEnv(flat_parallel_env(**env_config))


def main(argv: list[str] | None = None) -> list[float]:
    """Train and return the env steps per second of every iteration."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="paper", help="preset name (default: paper)")
    parser.add_argument("--action", choices=("box", "multidiscrete"), default="box")
    parser.add_argument("--iterations", type=int, default=20, help="training iterations")
    parser.add_argument("--num-env-runners", type=int, default=2, help="sampling workers")
    parser.add_argument("--batch-size", type=int, default=4000, help="agent steps per iteration")
    parser.add_argument("--minibatch-size", type=int, default=500, help="SGD minibatch size")
    parser.add_argument("--seed", type=int, default=0, help="seed of RLlib and the envs")
    parser.add_argument("--address", default=None, help="Ray cluster address, e.g. auto")
    args = parser.parse_args(argv)

    ray.init(address=args.address, include_dashboard=False, ignore_reinit_error=True)
    register_env("mec_ea", make_env)
    config = (
        PPOConfig()
        .environment("mec_ea", env_config={"scenario": args.scenario, "action": args.action})
        .multi_agent(policies={"shared"}, policy_mapping_fn=lambda agent_id, *a, **k: "shared")
        .env_runners(num_env_runners=args.num_env_runners, num_cpus_per_env_runner=1)
        .training(
            train_batch_size_per_learner=args.batch_size,
            minibatch_size=min(args.minibatch_size, args.batch_size),
            num_epochs=5,
        )
        .debugging(seed=args.seed)
    )
    algo = config.build_algo()
    rates = []
    for iteration in range(1, args.iterations + 1):
        start = time.perf_counter()
        result = algo.train()
        seconds = time.perf_counter() - start
        runners = result["env_runners"]
        rates.append(runners["num_env_steps_sampled"] / seconds)
        episode_return = runners.get("episode_return_mean", float("nan"))
        print(
            f"iteration {iteration:3d}  return {episode_return:9.3f}"
            f"  {rates[-1]:8.0f} env steps/s  {seconds:6.2f} s"
        )
    algo.stop()
    ray.shutdown()
    return rates


if __name__ == "__main__":
    main(sys.argv[1:])
