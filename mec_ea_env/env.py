"""PettingZoo ParallelEnv of mobile edge tuning with the Emulator-Adapter split.

A thin dict layer over the batched simulator with one env: every number comes from
:class:`mec_ea_env.simulator.Simulator`, so this face and :class:`mec_ea_env.VectorMECEnv`
agree exactly for the same seed and actions.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from mec_ea_env.actions import agent_name, check_arrays, dict_to_arrays
from mec_ea_env.config import ScenarioConfig
from mec_ea_env.scenarios import make_config
from mec_ea_env.simulator import Simulator
from mec_ea_env.vector import INFO_KEYS

RENDER_MODES = ("ansi", "rgb_array", "human")
_INFO_FIELDS = (*INFO_KEYS, "clipped", "placement_mask")
"""Keys of ``infos[agent]`` after a step, in order ("TimeLimit.truncated" is added at the end)."""


class MECEAParallelEnv(ParallelEnv):
    """Mobile edge tuning of a foundation model, one agent per user equipment (UE).

    ## Description

    N UEs each fine-tune their own adapter (the bottom and top layers of a transformer) once per
    time slot. The frozen middle of the model is replaced by a compressed emulator, which a UE
    runs either itself (a small emulator, keep ratio rho_local) or on one of M edge servers (a
    larger one, keep ratio rho_edge). An edge round sends activations up and down twice over a
    shared, interfering OFDMA uplink and a shared downlink. UEs compete for server bandwidth,
    compute and memory, and each round must finish before a deadline. The equations are in
    docs/system-model.md.

    ## Action space

    Per agent, ``Dict``:

    | key         | space                     | meaning                                          |
    |-------------|---------------------------|--------------------------------------------------|
    | placement   | Discrete(M + 1)           | 0 = run the emulator locally, m = edge server m  |
    | bandwidth   | Box(0, 1, (1,), float32)  | fraction of the server's uplink band requested   |
    | power       | Box(0, 1, (1,), float32)  | fraction of the maximum transmit power (23 dBm)  |

    Bandwidth and power matter only for an edge placement. Requests on a server are floored at
    b_min and scaled down together when they sum above 1; power is clipped to [p_min, 1].
    Integers, numpy scalars, 0-d and 1-element arrays are accepted. Finite values outside
    [0, 1] are clipped and counted in ``infos[agent]["clipped"]``; NaN, inf, a placement
    outside [0, M], a missing or unknown agent or key raise ``ValueError``.

    ## Observation space

    Per agent, ``Box(low, high, (4 M + 9,), float32)`` with finite bounds:

    | index            | observation                                  | range     |
    |------------------|----------------------------------------------|-----------|
    | 0 .. M-1         | channel gain to each server, (dB + 100) / 20 | [-5, 5]   |
    | M .. 2M-1        | distance to each server / area diagonal      | [0, 1]    |
    | 2M               | compute speed / maximum speed                | [0, 1]    |
    | 2M+1             | this slot's tokens / maximum tokens          | [0, 1]    |
    | 2M+2             | local emulator resident                      | {0, 1}    |
    | 2M+3             | local placement feasible (memory)            | {0, 1}    |
    | 2M+4             | battery left / budget (1 without a budget)   | [0, 1]    |
    | 2M+5 .. 3M+4     | UEs served by each server last slot / N      | [0, 1]    |
    | 3M+5 .. 4M+4     | edge emulator resident on each server        | {0, 1}    |
    | 4M+5             | own last latency / deadline                  | [0, 1]    |
    | 4M+6             | own last energy / E_ref                      | [0, 10]   |
    | 4M+7             | own last deadline miss                       | {0, 1}    |
    | 4M+8             | slot index / max_cycles                      | [0, 1]    |

    ``state()`` returns every UE's observation followed by the UE positions, energies per FLOP,
    memories and the server positions (``state_space``), for centralised critics.

    ## Rewards

    Each UE's cost is c_i = w_T T_i / T_ref + w_E E_i / E_ref - w_Q q_i + penalty miss_i, with
    latency T_i capped at the deadline, UE energy E_i counted up to the deadline, emulator
    fidelity q_i (0 for a missed, rejected or infeasible round). Mode "shared" (default) gives
    every agent minus the mean cost, "individual" minus its own, "mixed" a blend.

    ## Episode end

    Truncation after ``max_cycles`` slots (default 50); ``infos[agent]`` then also contains
    ``"TimeLimit.truncated": True``. With a battery budget (``battery_j``) a UE whose battery is
    empty terminates and leaves ``env.agents``.

    ## Arguments

    ``parallel_env(scenario="paper", render_mode=None, max_cycles=None, **overrides)``:
    ``scenario`` is a preset name ("paper", "small", "dense", "large") or a ``ScenarioConfig``;
    ``overrides`` are scenario fields (``num_ues=30``), section fields (``interference=False``)
    or sections (``radio={"bandwidth_hz": 20e6}``). Unknown names raise with the valid ones.

    ## Version history

    - v0: initial release.
    """

    metadata = {
        "name": "mec_ea_v0",
        "render_modes": list(RENDER_MODES),
        "render_fps": 2,
        "is_parallelizable": True,
    }

    def __init__(
        self,
        scenario: str | ScenarioConfig = "paper",
        render_mode: str | None = None,
        max_cycles: int | None = None,
        **overrides: Any,
    ):
        if max_cycles is not None:
            overrides["max_cycles"] = max_cycles
        self.config = make_config(scenario, **overrides)
        if render_mode is not None and render_mode not in RENDER_MODES:
            raise ValueError(
                f"render_mode = {render_mode!r} is invalid: expected None or one of "
                f"{list(RENDER_MODES)}"
            )
        self.render_mode = render_mode
        self.sim = Simulator(self.config, num_envs=1)
        self.num_servers = self.config.num_servers
        self.possible_agents = [agent_name(i) for i in range(self.config.num_ues)]
        self.agents: list[str] = []
        self._index = {a: i for i, a in enumerate(self.possible_agents)}

        layout = self.sim.layout
        self._observation_spaces = {
            a: spaces.Box(layout.obs_low, layout.obs_high, dtype=np.float32)
            for a in self.possible_agents
        }
        self._action_spaces = {a: self._make_action_space() for a in self.possible_agents}
        self.state_space = spaces.Box(layout.state_low, layout.state_high, dtype=np.float32)
        self._last_infos: dict[str, dict[str, Any]] = {}
        self._needs_reset = True

    def _make_action_space(self) -> spaces.Dict:
        return spaces.Dict(
            {
                "placement": spaces.Discrete(self.num_servers + 1),
                "bandwidth": spaces.Box(0.0, 1.0, (1,), dtype=np.float32),
                "power": spaces.Box(0.0, 1.0, (1,), dtype=np.float32),
            }
        )

    def observation_space(self, agent: str) -> spaces.Box:
        """Return the observation space of ``agent`` (the same object on every call)."""
        return self._observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Dict:
        """Return the action space of ``agent`` (the same object on every call)."""
        return self._action_spaces[agent]

    def reset(
        self, seed: int | None = None, options: dict | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, dict[str, Any]]]:
        """Start a new episode; with a seed the episode is reproducible."""
        self.sim.reset(seed=seed)
        self.agents = self.possible_agents[:]
        self._needs_reset = False
        obs = self.sim.observe()[0]
        mask = self.sim.placement_mask()[0]
        infos = {a: {"placement_mask": mask[i]} for i, a in enumerate(self.agents)}
        self._last_infos = infos
        return {a: obs[i] for i, a in enumerate(self.agents)}, infos

    def step(self, actions: dict[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        """Play one slot with every active agent's action."""
        if self._needs_reset:
            raise RuntimeError("step() called before reset(): call reset() first")
        if not self.agents:
            raise RuntimeError("step() called after the episode ended: call reset() first")
        placement, bandwidth, power = dict_to_arrays(actions, self.agents, self.possible_agents)
        placement, bandwidth, power, clipped = check_arrays(
            placement[None],
            bandwidth[None],
            power[None],
            1,
            len(self.possible_agents),
            self.num_servers,
            batched=False,
        )
        result = self.sim.step(placement, bandwidth, power)

        # One pass over the agents: every per-UE column is converted to a Python list first,
        # and zip(*columns) transposes them into one tuple of info values per UE in C.
        obs_rows = list(self.sim.observe()[0])
        columns = [getattr(result, key)[0].tolist() for key in INFO_KEYS]
        columns.append(clipped[0].tolist())
        columns.append(list(self.sim.placement_mask()[0]))
        info_rows = list(zip(*columns, strict=True))
        reward = result.reward[0].tolist()
        terminated = result.terminated[0].tolist()
        truncated = bool(result.truncated[0])

        observations, rewards, terminations, truncations, infos = {}, {}, {}, {}, {}
        for agent in self.agents:
            i = self._index[agent]
            ended = terminated[i]
            observations[agent] = obs_rows[i]
            rewards[agent] = reward[i]
            terminations[agent] = ended
            truncations[agent] = truncated and not ended
            info = dict(zip(_INFO_FIELDS, info_rows[i], strict=True))
            if truncated and not ended:
                info["TimeLimit.truncated"] = True
            infos[agent] = info

        self.agents = [a for a in self.agents if not (terminations[a] or truncations[a])]
        self._last_infos = infos
        if self.render_mode == "human":
            self.render()
        return observations, rewards, terminations, truncations, infos

    def state(self) -> np.ndarray:
        """Return the global state for centralised critics, float32 (state_dim,)."""
        return self.sim.state()[0]

    def render(self) -> str | np.ndarray | None:
        """Render the current slot: a text table ("ansi"), a picture ("rgb_array"), or stdout."""
        from mec_ea_env import render

        if self.render_mode is None:
            return None
        if self.render_mode == "rgb_array":
            return render.rgb_array(self.sim, self._last_infos, self.possible_agents)
        text = render.ansi(self.sim, self._last_infos, self.possible_agents)
        if self.render_mode == "ansi":
            return text
        # "human" shows the same table on the terminal, as gymnasium's text envs do.
        sys.stdout.write(text + "\n")
        return None

    def close(self) -> None:
        """Close the figure used by rgb_array rendering, if any."""
        from mec_ea_env import render

        render.close(self.sim)
