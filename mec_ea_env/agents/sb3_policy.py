"""Stable-Baselines3 models trained with ``sb3_vec_env``, as policies for the evaluation harness.

Spec: ``sb3:path/to/model.zip``. The loader reads the zip's saved policy class: a model saved by
sb3-contrib's MaskablePPO loads as MaskablePPO and acts with the placement mask, anything else
loads as SB3 PPO. The prefix ``sb3-maskable:`` forces MaskablePPO.

The action view and the agent indicator are read from the model's spaces. A ``Box(M + 3)``
action means the Box view and a ``MultiDiscrete([M + 1, n_bw, n_power])`` the MultiDiscrete
view. An observation of obs_dim + N entries means the one-hot agent id was appended in training.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from gymnasium import spaces

from mec_ea_env.agents.base import HybridAction, Policy
from mec_ea_env.agents.registry import register_policy
from mec_ea_env.config import ScenarioConfig
from mec_ea_env.observation import ObservationLayout
from mec_ea_env.wrappers.action_maps import BoxActionMap, MultiDiscreteActionMap
from mec_ea_env.wrappers.agent_indicator import append_agent_indicator

if TYPE_CHECKING:
    from mec_ea_env.simulator import Simulator


def saved_with_maskable_ppo(path: str | Path) -> bool:
    """Return True when the SB3 zip at ``path`` was saved by sb3-contrib's MaskablePPO."""
    with zipfile.ZipFile(path) as archive:
        data = archive.read("data").decode("utf-8", errors="replace")
    return "MaskableActorCriticPolicy" in data or "MaskableMultiInputActorCriticPolicy" in data


class SB3Policy(Policy):
    """A parameter-shared SB3 model acting for every UE from its own observation row."""

    decentralised = True

    def __init__(self, config: ScenarioConfig, path: str, maskable: bool | None = None):
        model_path = Path(path)
        if not model_path.is_file():
            raise ValueError(f"SB3 model {path!r} not found: expected a .zip saved by model.save")
        self.maskable = saved_with_maskable_ppo(model_path) if maskable is None else maskable
        if self.maskable:
            from sb3_contrib import MaskablePPO

            self.model = MaskablePPO.load(model_path, device="cpu")
        else:
            from stable_baselines3 import PPO

            self.model = PPO.load(model_path, device="cpu")
        self.name = "sb3_maskable_ppo" if self.maskable else "sb3_ppo"
        self.num_ues = config.num_ues
        self.num_servers = config.num_servers

        obs_dim = ObservationLayout(config).obs_dim
        trained_dim = int(np.prod(self.model.observation_space.shape))
        if trained_dim == obs_dim:
            self.agent_indicator = False
        elif trained_dim == obs_dim + config.num_ues:
            self.agent_indicator = True
        else:
            raise ValueError(
                f"SB3 model {path!r} takes observations of size {trained_dim}: expected "
                f"{obs_dim} or {obs_dim + config.num_ues} (with agent id) for scenario "
                f"{config.name!r} with N={config.num_ues}, M={config.num_servers}"
            )

        space = self.model.action_space
        m = config.num_servers
        if isinstance(space, spaces.Box) and space.shape == (m + 3,):
            self.action_map: BoxActionMap | MultiDiscreteActionMap = BoxActionMap(m)
        elif isinstance(space, spaces.MultiDiscrete) and len(space.nvec) == 3:
            if int(space.nvec[0]) != m + 1:
                raise ValueError(
                    f"SB3 model {path!r} has {int(space.nvec[0])} placements: expected M + 1 = "
                    f"{m + 1} for scenario {config.name!r}"
                )
            self.action_map = MultiDiscreteActionMap(m, int(space.nvec[1]), int(space.nvec[2]))
        else:
            raise ValueError(
                f"SB3 model {path!r} has action space {space}: expected Box(-1, 1, ({m + 3},)) "
                f"or MultiDiscrete([{m + 1}, levels, levels])"
            )
        if self.maskable and not isinstance(self.action_map, MultiDiscreteActionMap):
            raise ValueError(f"MaskablePPO model {path!r} needs the MultiDiscrete action view")

    def act(self, obs: np.ndarray, mask: np.ndarray, sim: Simulator) -> HybridAction:
        """Return the model's deterministic actions for observations (envs, UEs, obs_dim)."""
        obs = np.asarray(obs, dtype=np.float32)
        envs, ues = obs.shape[:2]
        if self.agent_indicator:
            obs = append_agent_indicator(obs)
        flat = obs.reshape(envs * ues, -1)
        if self.maskable:
            masks = self.action_map.action_mask(mask).reshape(envs * ues, -1)
            actions, _ = self.model.predict(flat, deterministic=True, action_masks=masks)
        else:
            actions, _ = self.model.predict(flat, deterministic=True)
        placement, bandwidth, power = self.action_map.to_hybrid(
            np.asarray(actions).reshape(envs, ues, -1)
        )
        return HybridAction(placement, bandwidth, power)


def _make_sb3(config: ScenarioConfig, path: str | None) -> Policy:
    if not path:
        raise ValueError("policy 'sb3' needs a model path: sb3:path/to/model.zip")
    return SB3Policy(config, path)


def _make_sb3_maskable(config: ScenarioConfig, path: str | None) -> Policy:
    if not path:
        raise ValueError("policy 'sb3-maskable' needs a model path: sb3-maskable:path/model.zip")
    return SB3Policy(config, path, maskable=True)


register_policy("sb3", _make_sb3)
register_policy("sb3-maskable", _make_sb3_maskable)
