"""Helpers shared by the SB3 examples: command-line flags, a tqdm progress bar, evaluation."""

from __future__ import annotations

import argparse
import importlib.util
import math

import numpy as np
from stable_baselines3.common.callbacks import BaseCallback
from tqdm import tqdm

from mec_ea_env.agents.registry import make_policy
from mec_ea_env.vector import VectorMECEnv


def parse_args(
    description: str, output: str, argv: list[str] | None, with_action: bool = False
) -> argparse.Namespace:
    """Parse the flags that both SB3 examples take (and ``--action`` if ``with_action``)."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    if with_action:
        parser.add_argument(
            "--action", choices=("box", "multidiscrete"), default="box", help="action view"
        )
    parser.add_argument("--scenario", default="paper", help="preset name")
    parser.add_argument(
        "--timesteps",
        type=int,
        default=1_000_000,
        help="UE-steps to train; SB3 rounds up to whole rollouts of n-steps x num-vec-envs x N",
    )
    parser.add_argument("--seed", type=int, default=0, help="training and evaluation seed")
    parser.add_argument("--num-vec-envs", type=int, default=4, help="env copies (x N UEs)")
    parser.add_argument("--n-steps", type=int, default=128, help="rollout slots per update")
    parser.add_argument("--batch-size", type=int, default=1024, help="PPO minibatch size")
    parser.add_argument(
        "--train-reward",
        choices=("individual", "shared", "mixed"),
        default="individual",
        help="reward mode while training (evaluation uses the scenario's own mode)",
    )
    parser.add_argument("--episodes", type=int, default=10, help="evaluation episodes")
    parser.add_argument("--output", default=output, help="folder for model.zip and results")
    parser.add_argument(
        "--baselines",
        default="random,all-local,nearest-edge,greedy,best-response,oracle",
        help="policies evaluated next to the model; the normalised score needs random and "
        "oracle, the score against best-response random and best-response, and the oracle is "
        "the slow part",
    )
    return parser.parse_args(argv)


def whole_rollouts(timesteps: int, rollout: int) -> int:
    """Return ``timesteps`` rounded up to whole rollouts, the UE-steps SB3 trains for."""
    return math.ceil(timesteps / rollout) * rollout


def describe_training(algorithm: str, args: argparse.Namespace, vec_env, action: str) -> str:
    """Return one line saying what is trained: scenario, action view, reward and budget."""
    rollout = args.n_steps * vec_env.num_envs
    rounded = whole_rollouts(args.timesteps, rollout)
    num_ues = vec_env.num_envs // args.num_vec_envs
    return (
        f"training {algorithm} on {args.scenario!r} ({num_ues} UEs x {args.num_vec_envs} env "
        f"copies, {action} actions, {args.train_reward} reward): {args.timesteps} UE-steps, "
        f"{rounded} in whole rollouts of {rollout}"
    )


class TqdmCallback(BaseCallback):
    """Show training progress in UE-steps (SB3's own bar needs the rich package)."""

    def _on_training_start(self) -> None:
        rollout = self.model.n_steps * self.training_env.num_envs
        total = whole_rollouts(self.locals["total_timesteps"], rollout)
        self.bar = tqdm(total=total, unit="step", desc="training")

    def _on_step(self) -> bool:
        self.bar.update(self.training_env.num_envs)
        return True

    def _on_training_end(self) -> None:
        self.bar.close()


def evaluate(spec: str, args: argparse.Namespace) -> None:
    """Evaluate ``spec`` next to the baselines with the harness, or with a short loop without it.

    The harness (``mec-ea-env evaluate``) writes summary.csv with normalised scores; the
    fallback prints the mean episode reward of each policy on the same seeded episodes.
    """
    specs = [spec] + [name for name in args.baselines.split(",") if name]
    if importlib.util.find_spec("mec_ea_env.evaluation") is not None:
        from mec_ea_env.cli import main

        main(["evaluate", "--scenario", args.scenario, "--policies", ",".join(specs),
              "--episodes", str(args.episodes), "--seed", str(args.seed),
              "--output", args.output])  # fmt: skip
        return
    env = VectorMECEnv(num_envs=args.episodes, scenario=args.scenario, autoreset=False)
    for name in specs:
        policy = make_policy(name, env.config)
        obs, infos = env.reset(seed=args.seed)
        policy.reset(env.sim, seed=args.seed)
        total = np.zeros(args.episodes)
        for _ in range(env.config.max_cycles):
            action = policy.act(obs, infos["placement_mask"], env.sim)
            obs, rewards, _, _, infos = env.step(action.placement, action.bandwidth, action.power)
            total += rewards.mean(axis=1)
        print(f"{name:<40} mean episode reward {total.mean():9.3f} +- {total.std():.3f}")
