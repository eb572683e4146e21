"""The policy interface shared by baselines, the oracle and learned agents.

A policy maps the observations of all UEs of all envs to hybrid actions at once, vectorised over
(envs, UEs). Decentralised policies use only each UE's own observation row and placement mask.
Centralised ones may also read the simulator's current state (channels, workloads, residency
of every UE), which no real UE could see.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from mec_ea_env.simulator import Simulator


@dataclass
class HybridAction:
    """Actions of all UEs: placement int64 (envs, UEs) in [0, M], fractions float (envs, UEs)."""

    placement: np.ndarray
    bandwidth: np.ndarray
    power: np.ndarray

    def as_dicts(self, agents: list[str], env_index: int = 0) -> dict[str, dict]:
        """Return the PettingZoo action dict of one env for the given active agents."""
        index = {f"ue_{i}": i for i in range(self.placement.shape[1])}
        return {
            agent: {
                "placement": int(self.placement[env_index, index[agent]]),
                "bandwidth": np.array([self.bandwidth[env_index, index[agent]]], np.float32),
                "power": np.array([self.power[env_index, index[agent]]], np.float32),
            }
            for agent in agents
        }


class Policy(abc.ABC):
    """A policy for every UE of a batch of envs."""

    name: str = "policy"
    """Short name used in tables and on the command line."""
    decentralised: bool = True
    """True when each UE's action depends only on its own observation and placement mask."""

    def reset(self, sim: Simulator, seed: int | None = None) -> None:  # noqa: B027
        """Prepare for new episodes of ``sim`` (called after every env reset); seeds sampling."""

    @abc.abstractmethod
    def act(self, obs: np.ndarray, mask: np.ndarray, sim: Simulator) -> HybridAction:
        """Return actions for observations (envs, UEs, obs_dim) and masks (envs, UEs, M + 1).

        ``sim`` is the simulator behind the env; only centralised policies may read it.
        """
