"""Batched array API: B copies of a scenario stepped at once, arrays in and arrays out.

This is the face that fast training loops and benchmarks use. It runs the same simulator as the
PettingZoo ParallelEnv, so for B = 1 and the same seed and actions both return the same numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from mec_ea_env.actions import check_arrays
from mec_ea_env.config import ScenarioConfig
from mec_ea_env.scenarios import make_config
from mec_ea_env.simulator import Simulator, StepResult

INFO_KEYS = (
    "latency_s",
    "energy_j",
    "quality",
    "deadline_miss",
    "rejected",
    "server",
    "bandwidth",
    "power",
    "uplink_rate_bps",
    "downlink_rate_bps",
    "cost",
)
"""Per-UE step outcomes reported in ``infos`` by both faces."""


class VectorMECEnv:
    """``num_envs`` independent episodes of one scenario, stepped together.

    ``reset(seed)`` returns ``(obs, infos)`` with ``obs`` float32 (B, N, obs_dim).
    ``step(placement, bandwidth, power)`` takes arrays shaped (B, N) (fractions may be
    (B, N, 1)) and returns ``(obs, rewards, terminations, truncations, infos)`` with rewards
    float32 (B, N), terminations bool (B, N) and truncations bool (B, N).

    With ``autoreset=True`` (the default) an env whose episode ended is reset within the same
    step: the returned ``obs`` starts the new episode and ``infos["final_observation"]`` and
    ``infos["final_state"]`` hold the last ones, ``infos["done_envs"]`` (B,) marks those envs.
    With ``autoreset=False`` stepping an env whose episode has ended raises.
    """

    def __init__(
        self,
        num_envs: int = 1,
        scenario: str | ScenarioConfig = "paper",
        autoreset: bool = True,
        **overrides: Any,
    ):
        self.config = make_config(scenario, **overrides)
        self.sim = Simulator(self.config, num_envs)
        self.num_envs = num_envs
        self.num_ues = self.config.num_ues
        self.num_servers = self.config.num_servers
        self.autoreset = autoreset
        layout = self.sim.layout
        self.single_observation_space = spaces.Box(
            layout.obs_low, layout.obs_high, dtype=np.float32
        )
        self.single_state_space = spaces.Box(layout.state_low, layout.state_high, dtype=np.float32)
        self._needs_reset = True
        self._episode_over = np.zeros(num_envs, dtype=bool)

    @property
    def obs_dim(self) -> int:
        """Length of one UE's observation."""
        return self.sim.layout.obs_dim

    @property
    def state_dim(self) -> int:
        """Length of one env's global state."""
        return self.sim.layout.state_dim

    def reset(self, seed: int | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Start new episodes in every env; return observations and ``placement_mask``."""
        self.sim.reset(seed=seed)
        self._needs_reset = False
        self._episode_over[:] = False
        return self.sim.observe(), {"placement_mask": self.sim.placement_mask()}

    def step(
        self, placement: Any, bandwidth: Any, power: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """Play one slot in every env; see the class docstring for shapes."""
        if self._needs_reset:
            raise RuntimeError("step() called before reset(): call reset() first")
        if self._episode_over.any():
            raise RuntimeError(
                f"step() called on envs {np.flatnonzero(self._episode_over).tolist()} whose "
                "episode has ended: call reset() or build the env with autoreset=True"
            )
        placement, bandwidth, power, clipped = check_arrays(
            placement, bandwidth, power, self.num_envs, self.num_ues, self.num_servers
        )
        active_before = self.sim.active.copy()
        result = self.sim.step(placement, bandwidth, power)
        return self._finish(result, clipped, active_before)

    def _finish(
        self, result: StepResult, clipped: np.ndarray, active_before: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        sim = self.sim
        terminations = result.terminated
        truncations = np.broadcast_to(result.truncated[:, None], terminations.shape) & active_before
        truncations = truncations & ~terminations
        done_envs = result.truncated | ~sim.active.any(axis=1)

        infos: dict[str, np.ndarray] = {key: getattr(result, key) for key in INFO_KEYS}
        infos["clipped"] = clipped
        infos["active"] = active_before
        infos["done_envs"] = done_envs
        obs = sim.observe()
        if done_envs.any() and self.autoreset:
            infos["final_observation"] = obs
            infos["final_state"] = sim.layout.state(sim, obs)
            sim.reset(envs=done_envs)
            obs = sim.observe()
        elif done_envs.any():
            self._episode_over |= done_envs
        infos["placement_mask"] = sim.placement_mask()
        return obs, result.reward.astype(np.float32), terminations, np.array(truncations), infos

    def state(self) -> np.ndarray:
        """Return the global state of every env, float32 (B, state_dim)."""
        return self.sim.state()

    def placement_mask(self) -> np.ndarray:
        """Return the feasible placements of the coming slot, bool (B, N, M + 1)."""
        return self.sim.placement_mask()

    def close(self) -> None:
        """Release nothing; present for symmetry with gymnasium and PettingZoo."""
