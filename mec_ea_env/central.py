"""Single-agent gymnasium view: one centralised controller chooses the actions of all N UEs.

Registered as ``"mec_ea_env/CentralMEC-v0"`` when ``mec_ea_env`` is imported, so
``gymnasium.make("mec_ea_env/CentralMEC-v0", scenario="small")`` works. It runs the same
simulator as the ParallelEnv and uses the same flat action maps
(:mod:`mec_ea_env.wrappers.action_maps`), applied to every UE.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from mec_ea_env.actions import agent_name
from mec_ea_env.config import ScenarioConfig
from mec_ea_env.vector import INFO_KEYS, VectorMECEnv
from mec_ea_env.wrappers.action_maps import BoxActionMap, MultiDiscreteActionMap

OBSERVATION_VIEWS = ("state", "observations")


class CentralMECEnv(gym.Env):
    """All UEs of one scenario under one controller, as a gymnasium ``Env``.

    ## Action space

    | ``action``          | space                                             | layout          |
    |---------------------|---------------------------------------------------|-----------------|
    | "box" (default)     | ``Box(-1, 1, (N (M + 3),), float32)``             | UE-major rows   |
    | "multidiscrete"     | ``MultiDiscrete`` of N x [M + 1, n_bw, n_power]   | UE-major rows   |

    Row i (entries i (M + 3) .. i (M + 3) + M + 2 for the Box view) is UE i's action in the
    per-agent flat view. A Box row contains placement scores (argmax, ties to the lowest index),
    then bandwidth and power mapped from [-1, 1] to [0, 1]. A MultiDiscrete row holds the
    placement and two level indices into ``np.linspace(0, 1, n)``. ``action_masks()`` returns
    MaskablePPO's flat mask for the MultiDiscrete view.

    ## Observation space

    ``observation="state"`` (default): the ParallelEnv's ``state()``, every UE's observation
    followed by UE and server attributes. ``observation="observations"``: the N local
    observations concatenated, shape (N obs_dim,). Both are finite float32 Boxes.

    ## Rewards and episode end

    The reward is the mean of the UEs' rewards over the active UEs; in the default "shared"
    mode every UE already gets minus the mean cost, so it equals each UE's reward. The episode
    truncates after ``max_cycles`` slots and terminates when every UE has left (battery).
    ``info`` holds the per-UE arrays (latency_s, energy_j, ...) and ``placement_mask``.

    ## Arguments

    ``CentralMECEnv(scenario="paper", action="box", observation="state", bandwidth_levels=11,
    power_levels=11, render_mode=None, max_cycles=None, **overrides)``; overrides as in
    ``mec_ea_env.parallel_env``.
    """

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 2}

    def __init__(
        self,
        scenario: str | ScenarioConfig = "paper",
        action: str = "box",
        observation: str = "state",
        bandwidth_levels: int = 11,
        power_levels: int = 11,
        render_mode: str | None = None,
        max_cycles: int | None = None,
        **overrides: Any,
    ):
        if max_cycles is not None:
            overrides["max_cycles"] = max_cycles
        if observation not in OBSERVATION_VIEWS:
            raise ValueError(
                f"observation = {observation!r} is invalid: expected one of "
                f"{list(OBSERVATION_VIEWS)}"
            )
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode = {render_mode!r} is invalid: expected None or one of "
                f"{self.metadata['render_modes']}"
            )
        self.vector = VectorMECEnv(num_envs=1, scenario=scenario, autoreset=False, **overrides)
        self.config = self.vector.config
        self.num_ues = self.config.num_ues
        self.num_servers = self.config.num_servers
        self.render_mode = render_mode
        self.observation_view = observation

        if action == "box":
            self.action_map = BoxActionMap(self.num_servers)
            self.action_space = spaces.Box(
                -1.0, 1.0, (self.num_ues * self.action_map.size,), dtype=np.float32
            )
        elif action == "multidiscrete":
            self.action_map = MultiDiscreteActionMap(
                self.num_servers, bandwidth_levels, power_levels
            )
            self.action_space = spaces.MultiDiscrete(np.tile(self.action_map.nvec, self.num_ues))
        else:
            raise ValueError(f"action = {action!r} is invalid: expected 'box' or 'multidiscrete'")
        self.action_view = action

        layout = self.vector.sim.layout
        if observation == "state":
            self.observation_space = spaces.Box(
                layout.state_low, layout.state_high, dtype=np.float32
            )
        else:
            self.observation_space = spaces.Box(
                np.tile(layout.obs_low, self.num_ues),
                np.tile(layout.obs_high, self.num_ues),
                dtype=np.float32,
            )
        self._placement_mask = np.ones((self.num_ues, self.num_servers + 1), dtype=bool)
        self._last_infos: dict[str, dict[str, Any]] = {}

    def _observation(self, obs: np.ndarray) -> np.ndarray:
        if self.observation_view == "state":
            return self.vector.state()[0]
        return obs[0].reshape(-1)

    def reset(
        self, *, seed: int | None = None, options: dict | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an episode; with a seed it is reproducible, without one the stream continues."""
        super().reset(seed=seed)
        obs, infos = self.vector.reset(seed=seed)
        self._placement_mask = infos["placement_mask"][0]
        self._last_infos = {}
        return self._observation(obs), {"placement_mask": self._placement_mask.copy()}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Apply every UE's row of ``action`` for one slot."""
        array = np.asarray(action)
        if array.shape != self.action_space.shape:
            raise ValueError(
                f"action has shape {array.shape}: expected {self.action_space.shape} "
                f"(N={self.num_ues} rows of {self.action_map.size})"
            )
        names = [agent_name(i) for i in range(self.num_ues)]
        placement, bandwidth, power = self.action_map.to_hybrid(
            array.reshape(self.num_ues, self.action_map.size), names=names
        )
        active = self.vector.sim.active[0].copy()
        obs, rewards, terminations, truncations, infos = self.vector.step(
            placement[None], bandwidth[None], power[None]
        )
        reward = float(rewards[0][active].mean()) if active.any() else 0.0
        terminated = bool(terminations[0][active].all())
        truncated = bool(truncations[0].any()) and not terminated
        self._placement_mask = infos["placement_mask"][0]

        info: dict[str, Any] = {key: np.array(infos[key][0]) for key in INFO_KEYS}
        info["active"] = active
        info["placement_mask"] = self._placement_mask.copy()
        self._last_infos = {
            name: {key: info[key][i].item() for key in INFO_KEYS} for i, name in enumerate(names)
        }
        return self._observation(obs), reward, terminated, truncated, info

    def action_masks(self) -> np.ndarray:
        """Return MaskablePPO's flat mask of the coming slot (MultiDiscrete view only)."""
        if not isinstance(self.action_map, MultiDiscreteActionMap):
            raise AttributeError("action_masks() exists only for action='multidiscrete'")
        return self.action_map.action_mask(self._placement_mask).reshape(-1)

    def render(self) -> str | np.ndarray | None:
        """Render the last slot as a text table ("ansi") or a picture ("rgb_array")."""
        from mec_ea_env import render

        names = [agent_name(i) for i in range(self.num_ues)]
        if self.render_mode == "ansi":
            return render.ansi(self.vector.sim, self._last_infos, names)
        if self.render_mode == "rgb_array":
            return render.rgb_array(self.vector.sim, self._last_infos, names)
        return None
