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
PER_SERVER_FIELDS = frozenset({"gain_db", "distance", "server_load", "server_resident"})
"""Observation fields with one entry per server; the others have one entry per UE."""


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
        assert self.slices["server_load"].stop == self.slices["server_resident"].start
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

        def field(name: str) -> np.ndarray:
            """Return the view of one field: (envs, UEs, servers) or (envs, UEs) for a scalar."""
            if name in PER_SERVER_FIELDS:
                return obs[..., s[name]]
            return obs[..., s[name].start]

        # The ufuncs below write their float64 results straight into the float32 views: one
        # pass per field instead of a temporary and a copy, with the same values.
        # In place, clip((10 log10(max(g, 1e-30)) + 100) / 20, -5, 5).
        gain_db = np.maximum(sim.gain, 1e-30)
        np.log10(gain_db, out=gain_db)
        gain_db *= 10.0
        gain_db += GAIN_OFFSET_DB
        gain_db /= GAIN_SCALE_DB
        np.clip(gain_db, -GAIN_BOUND, GAIN_BOUND, out=field("gain_db"), casting="same_kind")
        max_distance = cfg.area_m * np.sqrt(2.0)
        np.divide(sim.distance, max_distance, out=field("distance"), casting="same_kind")

        np.divide(
            sim.ue_flops, cfg.compute.ue_flops_max, out=field("compute_speed"), casting="same_kind"
        )
        np.divide(sim.tokens, cfg.workload.tokens_max, out=field("workload"), casting="same_kind")
        field("local_resident")[...] = sim.local_resident
        field("local_feasible")[...] = sim.local_ok
        if cfg.battery_j is None:
            field("battery")[...] = 1.0
        else:
            field("battery")[...] = np.clip(sim.battery / cfg.battery_j, 0.0, 1.0)

        # Server load and residency are per env and adjacent, so one broadcast write fills both.
        m = sim.num_servers
        servers = np.empty((sim.num_envs, 1, 2 * m), dtype=np.float32)
        np.divide(sim.last_load, sim.num_ues, out=servers[:, 0, :m], casting="same_kind")
        servers[:, 0, m:] = sim.server_resident
        obs[..., s["server_load"].start : s["server_resident"].stop] = servers

        np.divide(sim.last_latency, sim.deadline, out=field("last_latency"), casting="same_kind")
        energy = np.maximum(sim.last_energy / cfg.reward.energy_ref_j, 0.0)
        np.minimum(energy, ENERGY_BOUND, out=field("last_energy"), casting="same_kind")
        field("last_miss")[...] = sim.last_miss
        field("time")[...] = np.minimum(sim.t / cfg.max_cycles, 1.0)[:, None]

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
