"""One-hot agent identity appended to each observation, for parameter-shared policies.

With one shared network every UE gets the same function of its observation; the one-hot of
its index (N extra entries in {0, 1}) lets the network tell UEs apart. SuperSuit's
``agent_indicator_v0`` does not handle this env's spaces, hence this wrapper.
"""

from __future__ import annotations

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv
from pettingzoo.utils.wrappers import BaseParallelWrapper


def append_agent_indicator(obs: np.ndarray) -> np.ndarray:
    """Append the one-hot UE index to observations (..., N, obs_dim); return float32."""
    obs = np.asarray(obs, dtype=np.float32)
    num_agents = obs.shape[-2]
    eye = np.broadcast_to(np.eye(num_agents, dtype=np.float32), obs.shape[:-1] + (num_agents,))
    return np.concatenate([obs, eye], axis=-1)


class AgentIndicatorWrapper(BaseParallelWrapper):
    """Append ``one_hot(i, N)`` to the observation of agent ``ue_i``; ``state()`` is unchanged."""

    def __init__(self, env: ParallelEnv):
        super().__init__(env)
        self._agent_index = {a: i for i, a in enumerate(env.possible_agents)}
        count = len(env.possible_agents)
        self._obs_spaces = {}
        for agent in env.possible_agents:
            base = env.observation_space(agent)
            if not isinstance(base, spaces.Box) or len(base.shape) != 1:
                raise ValueError(
                    f"agent {agent}: observation space {base} is not supported: expected a 1-D Box"
                )
            self._obs_spaces[agent] = spaces.Box(
                np.concatenate([base.low, np.zeros(count, np.float32)]),
                np.concatenate([base.high, np.ones(count, np.float32)]),
                dtype=np.float32,
            )
        self._one_hot = {
            a: np.eye(count, dtype=np.float32)[i] for a, i in self._agent_index.items()
        }

    def observation_space(self, agent: str) -> spaces.Box:
        """Return the extended observation space of ``agent`` (the same object on every call)."""
        return self._obs_spaces[agent]

    def _extend(self, observations: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {
            agent: np.concatenate([np.asarray(obs, np.float32), self._one_hot[agent]])
            for agent, obs in observations.items()
        }

    def reset(self, seed: int | None = None, options: dict | None = None):
        """Reset the wrapped env and extend the observations."""
        observations, infos = self.env.reset(seed=seed, options=options)
        return self._extend(observations), infos

    def step(self, actions):
        """Step the wrapped env and extend the observations."""
        observations, rewards, terminations, truncations, infos = self.env.step(actions)
        return self._extend(observations), rewards, terminations, truncations, infos
