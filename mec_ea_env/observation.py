"""Observation and state layout: what each index of a UE's observation and of the state means.

A UE observes only what it can measure or what the base stations broadcast. Every entry is
normalised to a small range and clipped into fixed bounds, so the observation space is a finite
float32 Box. docs/api.md lists the layout index by index.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mec_ea_env.config import ScenarioConfig

if TYPE_CHECKING:
    from mec_ea_env.simulator import Simulator

GAIN_OFFSET_DB = 100.0
"""Channel gain (dB) mapped to 0 in the observation."""
GAIN_SCALE_DB = 20.0
"""Channel gain span (dB) mapped to 1 in the observation."""
GAIN_BOUND = 5.0
"""Normalised gains are clipped to [-GAIN_BOUND, GAIN_BOUND] (gains of -200 dB to 0 dB)."""
ENERGY_BOUND = 10.0
"""Last-slot energy over E_ref is clipped to [0, ENERGY_BOUND]."""


class ObservationLayout:
    """Names, bounds and builders of the per-UE observation and the global state."""

    def __init__(self, config: ScenarioConfig):
        self.config = config
        m = config.num_servers
        fields: list[tuple[str, int, float, float]] = [
            ("gain_db", m, -GAIN_BOUND, GAIN_BOUND),
            ("distance", m, 0.0, 1.0),
            ("compute_speed", 1, 0.0, 1.0),
            ("workload", 1, 0.0, 1.0),
            ("local_resident", 1, 0.0, 1.0),
            ("local_feasible", 1, 0.0, 1.0),
            ("battery", 1, 0.0, 1.0),
            ("server_load", m, 0.0, 1.0),
            ("server_resident", m, 0.0, 1.0),
            ("last_latency", 1, 0.0, 1.0),
            ("last_energy", 1, 0.0, ENERGY_BOUND),
            ("last_miss", 1, 0.0, 1.0),
            ("time", 1, 0.0, 1.0),
        ]
        self.fields = fields
        self.slices: dict[str, slice] = {}
        low, high, start = [], [], 0
        for name, size, lo, hi in fields:
            self.slices[name] = slice(start, start + size)
            low += [lo] * size
            high += [hi] * size
            start += size
        self.obs_dim = start
        self.obs_low = np.asarray(low, dtype=np.float32)
        self.obs_high = np.asarray(high, dtype=np.float32)

        n = config.num_ues
        self.ue_extra_dim = 4
        self.state_dim = n * (self.obs_dim + self.ue_extra_dim) + 2 * m
        extra_low = np.zeros(n * self.ue_extra_dim + 2 * m, dtype=np.float32)
        extra_high = np.ones(n * self.ue_extra_dim + 2 * m, dtype=np.float32)
        self.state_low = np.concatenate([np.tile(self.obs_low, n), extra_low])
        self.state_high = np.concatenate([np.tile(self.obs_high, n), extra_high])

    def index_names(self) -> list[str]:
        """Return a name for every observation index, such as ``gain_db[2]``."""
        names = []
        for name, size, _, _ in self.fields:
            names += [name] if size == 1 else [f"{name}[{i}]" for i in range(size)]
        return names

    def observe(self, sim: Simulator) -> np.ndarray:
        """Return the observations of all UEs, float32 (envs, UEs, obs_dim); zeros if inactive."""
        cfg = self.config
        s = self.slices
        obs = np.empty((sim.num_envs, sim.num_ues, self.obs_dim), dtype=np.float32)

        # In place, the same values as clip((10 log10(max(g, 1e-30)) + 100) / 20, -5, 5).
        gain_db = np.maximum(sim.gain, 1e-30)
        np.log10(gain_db, out=gain_db)
        gain_db *= 10.0
        gain_db += GAIN_OFFSET_DB
        gain_db /= GAIN_SCALE_DB
        np.maximum(gain_db, -GAIN_BOUND, out=gain_db)
        obs[..., s["gain_db"]] = np.minimum(gain_db, GAIN_BOUND, out=gain_db)
        obs[..., s["distance"]] = sim.distance / (cfg.area_m * np.sqrt(2.0))
        obs[..., s["compute_speed"]] = (sim.ue_flops / cfg.compute.ue_flops_max)[..., None]
        obs[..., s["workload"]] = (sim.tokens / cfg.workload.tokens_max)[..., None]
        obs[..., s["local_resident"]] = sim.local_resident[..., None]
        obs[..., s["local_feasible"]] = sim.local_ok[..., None]
        if cfg.battery_j is None:
            obs[..., s["battery"]] = 1.0
        else:
            obs[..., s["battery"]] = np.clip(sim.battery / cfg.battery_j, 0.0, 1.0)[..., None]
        obs[..., s["server_load"]] = (sim.last_load / sim.num_ues)[:, None, :]
        obs[..., s["server_resident"]] = sim.server_resident[:, None, :]
        obs[..., s["last_latency"]] = (sim.last_latency / sim.deadline)[..., None]
        energy = np.clip(sim.last_energy / cfg.reward.energy_ref_j, 0.0, ENERGY_BOUND)
        obs[..., s["last_energy"]] = energy[..., None]
        obs[..., s["last_miss"]] = sim.last_miss[..., None]
        obs[..., s["time"]] = np.minimum(sim.t / cfg.max_cycles, 1.0)[:, None, None]

        if not sim.active.all():
            obs *= sim.active[..., None]
        return obs

    def state(self, sim: Simulator, obs: np.ndarray | None = None) -> np.ndarray:
        """Return the global state, float32 (envs, state_dim).

        It contains every UE's observation, then per UE its position (x, y) over the area side, its
        energy per FLOP and its memory over their maxima, then the server positions.
        """
        cfg = self.config
        if obs is None:
            obs = self.observe(sim)
        extra = np.empty((sim.num_envs, sim.num_ues, self.ue_extra_dim), dtype=np.float32)
        extra[..., 0:2] = sim.position / cfg.area_m
        extra[..., 2] = sim.ue_energy_per_flop / cfg.compute.ue_energy_per_flop_max
        extra[..., 3] = sim.ue_memory / cfg.compute.ue_memory_max_bytes
        servers = (sim.server_position / cfg.area_m).reshape(sim.num_envs, -1)
        return np.concatenate(
            [obs.reshape(sim.num_envs, -1), extra.reshape(sim.num_envs, -1), servers],
            axis=1,
            dtype=np.float32,
        )
