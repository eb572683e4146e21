"""ParallelEnv wrappers that replace the hybrid Dict action by a Box or a MultiDiscrete action.

Apply them to the ParallelEnv before any vectorisation (SuperSuit, RLlib). The maps are
documented in :mod:`mec_ea_env.wrappers.action_maps`. The wrappers read the caller's actions and
never write to them.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import numpy as np
from pettingzoo import ParallelEnv
from pettingzoo.utils.wrappers import BaseParallelWrapper

from mec_ea_env.wrappers.action_maps import BoxActionMap, MultiDiscreteActionMap


class _ActionViewWrapper(BaseParallelWrapper):
    """Shared machinery: one action map, one space object per agent, dict conversion."""

    action_map: BoxActionMap | MultiDiscreteActionMap

    def __init__(self, env: ParallelEnv, action_map: BoxActionMap | MultiDiscreteActionMap):
        super().__init__(env)
        self.action_map = action_map
        # One space object per agent, so seeding one agent's space leaves the others alone.
        self._view_spaces = {a: copy.deepcopy(action_map.space) for a in env.possible_agents}

    def action_space(self, agent: str):
        """Return the flat action space of ``agent`` (the same object on every call)."""
        return self._view_spaces[agent]

    def view_to_hybrid(self, actions: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
        """Convert a dict of flat actions to the hybrid action dicts of the wrapped env."""
        if not isinstance(actions, Mapping):
            raise ValueError(
                f"actions has type {type(actions).__name__}: expected a dict mapping agent "
                "names to actions"
            )
        names = list(actions)
        if not names:
            return {}
        rows = []
        for agent in names:
            row = np.asarray(actions[agent])
            if row.shape != (self.action_map.size,):
                raise ValueError(
                    f"agent {agent}: action has shape {row.shape}: expected "
                    f"({self.action_map.size},) for {self.action_map.space}"
                )
            rows.append(row)
        placement, bandwidth, power = self.action_map.to_hybrid(np.stack(rows), names=names)
        return {
            agent: {
                "placement": int(placement[k]),
                "bandwidth": float(bandwidth[k]),
                "power": float(power[k]),
            }
            for k, agent in enumerate(names)
        }

    def hybrid_to_view(self, actions: Mapping[str, Mapping[str, Any]]) -> dict[str, np.ndarray]:
        """Convert hybrid action dicts to flat actions (the inverse documented per map)."""
        names = list(actions)
        if not names:
            return {}
        placement = np.array([int(np.asarray(actions[a]["placement"])) for a in names])
        bandwidth = np.array([float(np.asarray(actions[a]["bandwidth"]).item()) for a in names])
        power = np.array([float(np.asarray(actions[a]["power"]).item()) for a in names])
        flat = self.action_map.from_hybrid(placement, bandwidth, power)
        return {agent: flat[k] for k, agent in enumerate(names)}

    def _add_infos(self, infos: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return infos

    def reset(self, seed: int | None = None, options: dict | None = None):
        """Reset the wrapped env; observations are unchanged."""
        observations, infos = self.env.reset(seed=seed, options=options)
        return observations, self._add_infos(infos)

    def step(self, actions: Mapping[str, Any]):
        """Convert the flat actions and step the wrapped env."""
        observations, rewards, terminations, truncations, infos = self.env.step(
            self.view_to_hybrid(actions)
        )
        return observations, rewards, terminations, truncations, self._add_infos(infos)


class BoxActionWrapper(_ActionViewWrapper):
    """Each agent acts with ``Box(-1, 1, (M + 3,), float32)``: M + 1 scores, bandwidth, power.

    Placement is the argmax of the scores (equal scores choose the lowest placement, so local
    wins a tie); bandwidth and power are (x + 1) / 2. Finite values outside [-1, 1] are clipped
    to it; NaN and inf raise ``ValueError`` naming the agent. For SB3 PPO, SAC and TD3.
    """

    def __init__(self, env: ParallelEnv):
        super().__init__(env, BoxActionMap(env.unwrapped.num_servers))


class MultiDiscreteActionWrapper(_ActionViewWrapper):
    """Each agent acts with ``MultiDiscrete([M + 1, bandwidth_levels, power_levels])``.

    Level k of n is ``np.linspace(0, 1, n)[k]``, so 0 and 1 are levels. ``infos[agent]``
    gains ``"action_mask"``: the placement mask of the coming slot followed by True for every
    level, in the flat layout that sb3-contrib's MaskablePPO expects.
    """

    def __init__(self, env: ParallelEnv, bandwidth_levels: int = 11, power_levels: int = 11):
        super().__init__(
            env,
            MultiDiscreteActionMap(env.unwrapped.num_servers, bandwidth_levels, power_levels),
        )

    def _add_infos(self, infos: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        result = {}
        for agent, info in infos.items():
            info = dict(info)
            info["action_mask"] = self.action_map.action_mask(info["placement_mask"])
            result[agent] = info
        return result
