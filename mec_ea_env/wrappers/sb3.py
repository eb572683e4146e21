"""SuperSuit + Stable-Baselines3 pipeline for parameter-shared training on every UE.

``sb3_vec_env`` turns each UE of ``num_vec_envs`` copies of the env into one entry of an SB3
VecEnv (num_vec_envs x N entries), so one SB3 policy is trained on the experience of all UEs.
The pipeline is SuperSuit's ``pettingzoo_env_to_vec_env_v1`` and ``concat_vec_envs_v1`` with
the stable_baselines3 base class, then :class:`MECVecEnv` (fixes below), then SB3's
``VecMonitor``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
from stable_baselines3.common.vec_env import VecEnvWrapper, VecMonitor

from mec_ea_env.config import ScenarioConfig
from mec_ea_env.scenarios import make_config
from mec_ea_env.wrappers.factory import flat_parallel_env

logger = logging.getLogger("mec_ea_env.wrappers")


class MECVecEnv(VecEnvWrapper):
    """Wrap SuperSuit's SB3 VecEnv to fix seeding and truncation and to expose action masks.

    - Seeding: ``seed(s)`` (what ``PPO(..., seed=s)`` calls) takes effect at the next
      ``reset()``: copy k of the env is reset with seed s + k. Without a seed, the first reset
      draws one from fresh entropy so that the copies do not replay one random stream.
    - Truncation: every step sets ``infos[i]["TimeLimit.truncated"]`` to truncated and not
      terminated, and a finished episode carries ``infos[i]["terminal_observation"]``, which is
      what SB3 bootstraps from.
    - ``action_masks()`` returns the flat MaskablePPO masks (num_envs, M + 1 + levels) for the
      MultiDiscrete view and raises ``AttributeError`` for the Box view.
    """

    def __init__(self, venv, mask_size: int | None):
        super().__init__(venv)
        self._mask_size = mask_size
        self._pending_seed: int | None = None
        self._seeded = False
        self._masks = None if mask_size is None else np.ones((self.num_envs, mask_size), bool)

    @property
    def _concat(self):
        # NOTE: SuperSuit 3.11's SB3VecEnvWrapper cannot be seeded: its seed() raises
        # AttributeError (the inner ConcatVecEnv has no seed method) and its reset() never
        # passes a seed on. Unseeded, its env copies are clones with one random stream, so
        # they replay identical episodes. Its step_wait() also merges terminations and
        # truncations into `dones`. We therefore call its inner gymnasium-style vector env
        # directly for reset and step_wait; step_async still goes through it.
        return self.venv.venv

    def get_attr(self, attr_name: str, indices=None) -> list[Any]:
        """Return ``render_mode`` per env entry; delegate everything else."""
        if attr_name == "render_mode":
            count = self.num_envs if indices is None else len(np.atleast_1d(indices))
            return [self.venv.render_mode] * count
        return self.venv.get_attr(attr_name, indices)

    def seed(self, seed: int | None = None) -> Sequence[int | None]:
        """Use ``seed`` at the next reset (copy k of the env gets seed + k)."""
        self._pending_seed = None if seed is None else int(seed)
        if seed is None:
            return [None] * self.num_envs
        return [self._pending_seed + k for k in range(self.num_envs)]

    def reset(self):
        """Reset every env; return observations (num_envs, obs_dim)."""
        seed = self._pending_seed
        self._pending_seed = None
        if seed is None and not self._seeded:
            seed = int(np.random.SeedSequence().generate_state(1)[0])
        if seed is not None:
            self._seeded = True
        observations, infos = self._concat.reset(seed=seed)
        self.reset_infos = list(infos)
        self.venv.reset_infos = self.reset_infos
        self._update_masks(self.reset_infos)
        return observations

    def step_wait(self):
        """Return (observations, rewards, dones, infos) with SB3's truncation convention."""
        observations, rewards, terminations, truncations, infos = self._concat.step_wait()
        terminations = np.asarray(terminations, dtype=bool)
        truncations = np.asarray(truncations, dtype=bool)
        dones = terminations | truncations
        infos = [dict(info) for info in infos]
        for k, info in enumerate(infos):
            info["TimeLimit.truncated"] = bool(truncations[k] and not terminations[k])
            if dones[k] and "terminal_observation" not in info:
                raise RuntimeError(
                    f"env entry {k} ended without a terminal_observation: the SuperSuit "
                    "pipeline did not report the last observation"
                )
        self._update_masks(infos)
        return observations, np.asarray(rewards, dtype=np.float32), dones, infos

    def _update_masks(self, infos: list[dict[str, Any]]) -> None:
        if self._masks is None:
            return
        for k, info in enumerate(infos):
            if "action_mask" in info:
                self._masks[k] = info["action_mask"]

    def action_masks(self) -> np.ndarray:
        """Return the MaskablePPO masks of the coming step, bool (num_envs, mask size)."""
        if self._masks is None:
            raise AttributeError("action_masks() exists only for the multidiscrete action view")
        return self._masks.copy()

    def has_attr(self, attr_name: str) -> bool:
        """Report action_masks for the MultiDiscrete view; delegate everything else."""
        if attr_name == "action_masks":
            return self._masks is not None
        return self.venv.has_attr(attr_name)

    def env_method(self, method_name: str, *args, indices=None, **kwargs) -> list[Any]:
        """Return the mask of each env entry for ``env_method("action_masks")`` (sb3-contrib)."""
        if method_name != "action_masks":
            return self.venv.env_method(method_name, *args, indices=indices, **kwargs)
        masks = self.action_masks()
        selected = range(self.num_envs) if indices is None else np.atleast_1d(indices)
        return [masks[k] for k in selected]


def sb3_vec_env(
    scenario: str | ScenarioConfig = "paper",
    num_vec_envs: int = 1,
    action: str = "box",
    agent_indicator: bool = False,
    bandwidth_levels: int = 11,
    power_levels: int = 11,
    num_cpus: int = 0,
    **overrides: Any,
) -> VecMonitor:
    """Build an SB3 VecEnv with one entry per UE of ``num_vec_envs`` copies of the scenario.

    ``action`` is "box" or "multidiscrete" (see :mod:`mec_ea_env.wrappers.action_maps`);
    ``num_cpus`` > 1 runs the copies in SuperSuit's worker processes. Seed it as SB3 does:
    ``PPO(..., seed=s)`` or ``vec_env.seed(s)`` followed by ``vec_env.reset()``.
    """
    import supersuit

    config = make_config(scenario, **overrides)
    if config.battery_j is not None:
        raise ValueError(
            f"battery_j = {config.battery_j} is not supported by the SuperSuit pipeline: UEs "
            "that leave the episode break its fixed-size vector; use battery_j=None"
        )
    if isinstance(num_vec_envs, bool) or not isinstance(num_vec_envs, int) or num_vec_envs < 1:
        raise ValueError(f"num_vec_envs = {num_vec_envs!r} is invalid: expected an integer >= 1")
    env = flat_parallel_env(
        config,
        action=action,
        agent_indicator=agent_indicator,
        bandwidth_levels=bandwidth_levels,
        power_levels=power_levels,
    )
    mask_size = env.unwrapped.num_servers + 1 + bandwidth_levels + power_levels
    vec = supersuit.pettingzoo_env_to_vec_env_v1(env)
    vec = supersuit.concat_vec_envs_v1(
        vec, num_vec_envs, num_cpus=num_cpus, base_class="stable_baselines3"
    )
    vec = MECVecEnv(vec, mask_size if action == "multidiscrete" else None)
    logger.debug(
        "sb3_vec_env: %s, %d copies x %d UEs, action view %s",
        config.name,
        num_vec_envs,
        config.num_ues,
        action,
    )
    return VecMonitor(vec)
