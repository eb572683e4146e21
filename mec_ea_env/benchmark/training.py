"""Training adapters of the suite: one function per learner, returning a policy spec to evaluate.

Each adapter trains one seed into its own run directory and returns a :class:`TrainedRun`: the
policy spec the evaluation harness loads, the training wall time and the learning curve as
(env steps, mean training episode reward) points. These are the only places that call the
trainers, so a change of their entry points is fixed here:

- hybrid PPO: ``HybridPPO(HybridPPOConfig(...), scenario).train(output_dir=...)``, which writes
  ``checkpoint.pt`` and ``progress.csv`` (policy spec ``hmappo:PATH`` or ``hippo:PATH``);
- SB3 PPO: ``stable_baselines3.PPO`` on :func:`mec_ea_env.wrappers.sb3_vec_env`, with the
  settings of ``examples/train_sb3_ppo.py``. SB3's CSV logger writes ``progress.csv`` and the
  model is saved as ``model.zip`` (policy spec ``sb3:PATH``).

Env steps count slots of one env copy, so SB3's timesteps (one per UE and slot) are divided by
N. Training episode rewards are the mean over UEs of the episode's reward sum, for SB3 the
mean of its per-UE episode returns under the individual reward, which equals the shared
episode reward when no UE leaves the episode early.
"""

from __future__ import annotations

import csv
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mec_ea_env.config import ScenarioConfig

if TYPE_CHECKING:
    from mec_ea_env.agents.hybrid_ppo import HybridPPO, HybridPPOConfig

logger = logging.getLogger("mec_ea_env.benchmark")

SB3_DEFAULTS: dict[str, Any] = {
    "num_vec_envs": 4,
    "n_steps": 128,
    "batch_size": 1024,
    "n_epochs": 5,
    "gamma": 0.95,
    "ent_coef": 0.001,
}
"""SB3 PPO settings of ``examples/train_sb3_ppo.py`` (box action view, individual reward)."""


HYBRID_CHECKPOINT_EVERY = 20
"""Iterations between hybrid PPO checkpoints; an interrupted unit resumes from the last one."""


@dataclass
class TrainedRun:
    """A trained seed: what to evaluate, and what training cost and looked like."""

    policy_spec: str
    wall_time_s: float
    env_steps: int
    curve: list[tuple[float, float]]
    """(env steps, mean training episode reward) per logged iteration."""


def _fresh_directory(run_dir: Path) -> None:
    # A directory without a result file is an interrupted training that cannot resume (SB3, or
    # hybrid PPO before its first checkpoint): progress.csv would be appended to, so it starts
    # again from scratch.
    if run_dir.exists():
        logger.info("removing the interrupted training run %s", run_dir)
        shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True)


def _interrupted_trainer(
    run_dir: Path, config: HybridPPOConfig, scenario: ScenarioConfig
) -> HybridPPO | None:
    """Return a trainer resumed from the run's periodic checkpoint, or None to start afresh.

    The checkpoint is used only when its configuration and scenario equal this unit's.
    """
    from mec_ea_env.agents.hybrid_ppo import HybridPPO

    checkpoint = run_dir / "checkpoint.pt"
    if not checkpoint.is_file():
        return None
    try:
        trainer = HybridPPO.from_checkpoint(checkpoint)
    except (ValueError, RuntimeError, KeyError) as error:
        logger.warning("%s is unreadable (%s): training %s afresh", checkpoint, error, run_dir)
        return None
    if trainer.config != config or trainer.scenario != scenario:
        logger.info("%s has other settings: training %s afresh", checkpoint, run_dir)
        return None
    logger.info("resuming the interrupted training %s at step %d", run_dir, trainer.global_step)
    return trainer


def train_hybrid(
    algo: str,
    scenario: ScenarioConfig,
    seed: int,
    steps: int,
    run_dir: Path,
    overrides: dict[str, Any],
) -> TrainedRun:
    """Train hybrid PPO (``hmappo`` or ``hippo``) for ``steps`` env steps into ``run_dir``."""
    from mec_ea_env.agents.hybrid_ppo import HybridPPO, HybridPPOConfig

    config = HybridPPOConfig(algo=algo, seed=seed, total_steps=steps, **overrides)
    trainer = _interrupted_trainer(run_dir, config, scenario)
    if trainer is None:
        _fresh_directory(run_dir)
        trainer = HybridPPO(config, scenario)
    trainer.train(output_dir=run_dir, progress=False, checkpoint_every=HYBRID_CHECKPOINT_EVERY)
    curve = []
    with (run_dir / "progress.csv").open() as handle:
        for row in csv.DictReader(handle):
            reward = float(row["episode_reward_mean"])
            if reward == reward:  # an iteration in which no episode ended logs NaN
                curve.append((float(row["global_step"]), reward))
    return TrainedRun(
        policy_spec=f"{algo}:{run_dir / 'checkpoint.pt'}",
        wall_time_s=trainer.wall_time_s,
        env_steps=trainer.global_step,
        curve=curve,
    )


def train_sb3_ppo(
    scenario: ScenarioConfig,
    seed: int,
    steps: int,
    run_dir: Path,
    overrides: dict[str, Any],
) -> TrainedRun:
    """Train SB3 PPO, one MLP shared by all UEs, for ``steps`` env steps into ``run_dir``."""
    import torch
    from stable_baselines3 import PPO
    from stable_baselines3.common.logger import configure

    from mec_ea_env.wrappers import sb3_vec_env

    unknown = sorted(set(overrides) - set(SB3_DEFAULTS))
    if unknown:
        raise ValueError(f"SB3 settings {unknown} are unknown: expected some of {SB3_DEFAULTS}")
    settings = {**SB3_DEFAULTS, **overrides}
    _fresh_directory(run_dir)
    torch.set_num_threads(1)
    vec_env = sb3_vec_env(
        scenario=scenario,
        num_vec_envs=settings["num_vec_envs"],
        action="box",
        reward={"mode": "individual"},
    )
    model = PPO(
        "MlpPolicy",
        vec_env,
        n_steps=settings["n_steps"],
        batch_size=settings["batch_size"],
        n_epochs=settings["n_epochs"],
        gamma=settings["gamma"],
        ent_coef=settings["ent_coef"],
        seed=seed,
        device="cpu",
    )
    model.set_logger(configure(str(run_dir), ["csv"]))
    start = time.perf_counter()
    model.learn(total_timesteps=steps * scenario.num_ues)
    wall_time_s = time.perf_counter() - start
    path = run_dir / "model.zip"
    model.save(path)
    vec_env.close()

    curve = []
    with (run_dir / "progress.csv").open() as handle:
        for row in csv.DictReader(handle):
            reward = row.get("rollout/ep_rew_mean", "")
            if reward:
                env_steps = float(row["time/total_timesteps"]) / scenario.num_ues
                curve.append((env_steps, float(reward)))
    return TrainedRun(
        policy_spec=f"sb3:{path}",
        wall_time_s=wall_time_s,
        env_steps=int(model.num_timesteps) // scenario.num_ues,
        curve=curve,
    )


def train(
    policy: str,
    scenario: ScenarioConfig,
    seed: int,
    steps: int,
    run_dir: Path,
    hybrid_overrides: dict[str, Any],
    sb3_overrides: dict[str, Any],
) -> TrainedRun:
    """Train the learned policy ``policy`` (``sb3-ppo``, ``hmappo`` or ``hippo``)."""
    if policy in ("hmappo", "hippo"):
        return train_hybrid(policy, scenario, seed, steps, run_dir, hybrid_overrides)
    if policy == "sb3-ppo":
        return train_sb3_ppo(scenario, seed, steps, run_dir, sb3_overrides)
    raise ValueError(f"policy {policy!r} is not trained: expected sb3-ppo, hmappo or hippo")
