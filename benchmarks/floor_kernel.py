"""Floor kernel: the least work a vector-env step of B envs and N UEs can do with numpy.

One call reads each input a step must read and writes each output a step must return once, with
no physics in between: it draws the slot's random numbers (admission priorities, workloads,
Rayleigh fading, waypoints) into preallocated state buffers, reads the three action arrays and
allocates and fills fresh output arrays (observations, rewards, terminations, truncations and
every per-UE info array of :class:`mec_ea_env.VectorMECEnv`). Its steps per second bound what
any numpy implementation of the same interface can reach on the same machine; the throughput
benchmark reports our vector API as a fraction of it.
"""

from __future__ import annotations

import numpy as np

FLOAT_INFOS = (
    "latency_s",
    "energy_j",
    "quality",
    "bandwidth",
    "power",
    "uplink_rate_bps",
    "downlink_rate_bps",
    "cost",
)
BOOL_INFOS = ("deadline_miss", "rejected")


class FloorKernel:
    """Preallocated state buffers and a :meth:`step` that touches every input and output once."""

    def __init__(self, num_envs: int, num_ues: int, num_servers: int, obs_dim: int, seed: int = 0):
        shape = (num_envs, num_ues)
        self.num_servers = num_servers
        self.obs_dim = obs_dim
        self.rng = np.random.default_rng(seed)
        self.priority = np.empty(shape)
        self.tokens = np.empty(shape)
        self.fading = np.empty(shape + (num_servers,))
        self.waypoint = np.empty(shape + (2,))

    def step(
        self, placement: np.ndarray, bandwidth: np.ndarray, power: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """Draw the slot's random numbers, read the actions once and write every output once."""
        rng, m = self.rng, self.num_servers
        shape = placement.shape
        rng.random(out=self.priority)
        rng.random(out=self.tokens)
        rng.standard_exponential(out=self.fading)
        rng.random(out=self.waypoint)

        obs = np.empty(shape + (self.obs_dim,), dtype=np.float32)
        obs[..., :m] = self.fading
        obs[..., m] = self.tokens
        obs[..., m + 1 :] = 0.0
        rewards = bandwidth.astype(np.float32)
        terminations = np.zeros(shape, dtype=bool)
        truncations = np.zeros(shape, dtype=bool)

        sources = (self.tokens, self.priority, bandwidth, power)
        infos: dict[str, np.ndarray] = {
            key: sources[i % len(sources)] * 1.0 for i, key in enumerate(FLOAT_INFOS)
        }
        infos["server"] = placement - 1
        for key in BOOL_INFOS:
            infos[key] = power > 0.5
        infos["clipped"] = np.zeros(shape, dtype=np.int64)
        infos["active"] = np.ones(shape, dtype=bool)
        infos["done_envs"] = np.zeros(shape[0], dtype=bool)
        infos["placement_mask"] = np.ones(shape + (m + 1,), dtype=bool)
        return obs, rewards, terminations, truncations, infos
