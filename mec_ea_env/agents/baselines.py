"""Baseline policies: random, all-local, nearest-edge, greedy (decentralised), best response.

All act on every UE of every env at once, arrays shaped (envs, UEs). ``random``, ``all-local``,
``nearest-edge`` and ``greedy`` read only each UE's own observation row and placement mask, so
they are decentralised. ``best-response`` is centralised, because it plays candidate actions on
copies of the true slot, which needs the whole simulator state. docs/agents.md describes each one.
Units follow the simulator: s, J, W, Hz, bit/s, FLOP, FLOP/s.
"""

from __future__ import annotations

import numpy as np

from mec_ea_env.agents.base import HybridAction, Policy
from mec_ea_env.agents.planning import POWER_GRID, coordinate_descent
from mec_ea_env.agents.registry import register_policy
from mec_ea_env.config import ScenarioConfig, dbm_to_watt
from mec_ea_env.observation import GAIN_OFFSET_DB, GAIN_SCALE_DB, ObservationLayout
from mec_ea_env.physics import compute
from mec_ea_env.simulator import LOCAL, Simulator


def _full_shares(shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Return bandwidth requests of 1 (equal shares after projection) and full power."""
    return np.ones(shape), np.ones(shape)


class RandomPolicy(Policy):
    """Uniform over the action space: placement in [0, M], bandwidth and power in [0, 1]."""

    name = "random"
    decentralised = True

    def __init__(self, config: ScenarioConfig, seed: int | None = None):
        self.num_servers = config.num_servers
        self.rng = np.random.default_rng(seed)

    def reset(self, sim: Simulator, seed: int | None = None) -> None:
        if seed is not None:
            self.rng = np.random.default_rng([seed, 0x5EED])

    def act(self, obs: np.ndarray, mask: np.ndarray, sim: Simulator) -> HybridAction:
        shape = obs.shape[:2]
        return HybridAction(
            placement=self.rng.integers(0, self.num_servers + 1, size=shape),
            bandwidth=self.rng.random(shape),
            power=self.rng.random(shape),
        )


class NearestEdgePolicy(Policy):
    """Every UE on the server with the best average channel, equal shares, full power.

    The best average channel is the smallest distance (path loss without fading), read from the
    UE's own observation.
    """

    name = "nearest-edge"
    decentralised = True

    def __init__(self, config: ScenarioConfig):
        self.distance = ObservationLayout(config).slices["distance"]

    def act(self, obs: np.ndarray, mask: np.ndarray, sim: Simulator) -> HybridAction:
        placement = np.argmin(obs[..., self.distance], axis=2) + 1
        bandwidth, power = _full_shares(placement.shape)
        return HybridAction(placement.astype(np.int64), bandwidth, power)


class AllLocalPolicy(NearestEdgePolicy):
    """Every UE runs the emulator itself.

    A UE whose memory cannot hold the local round (its placement mask forbids local) goes to
    its nearest server with full power instead of being rejected every slot.
    """

    name = "all-local"
    decentralised = True

    def act(self, obs: np.ndarray, mask: np.ndarray, sim: Simulator) -> HybridAction:
        nearest = super().act(obs, mask, sim)
        placement = np.where(mask[..., LOCAL], LOCAL, nearest.placement)
        return HybridAction(placement.astype(np.int64), nearest.bandwidth, nearest.power)


class GreedyPolicy(Policy):
    """Each UE minimises an estimate of its own cost, computed from its own observation only.

    For every placement and every power fraction of :data:`POWER_GRID` the UE estimates its
    round with the simulator's equations and these assumptions (all UEs decide at once, so
    several may pick the same server):

    - a server m will hold ``n_m + 1`` UEs: the ``n_m`` it served last slot (broadcast load) and
      this UE; the UE gets ``1 / (n_m + 1)`` of the uplink and downlink bands and of F_m;
    - no inter-cell interference (the UE cannot observe other cells' transmitters), so the
      uplink SINR is optimistic;
    - its energy per FLOP is the middle of the configured range (it is not in the observation);
    - a round longer than the deadline misses, and its energy is scaled by deadline / latency.
    """

    name = "greedy"
    decentralised = True

    def __init__(self, config: ScenarioConfig):
        self.config = config
        layout = ObservationLayout(config)
        self.slices = layout.slices
        radio, comp = config.radio, config.compute
        self.constants = compute.RoundConstants.from_config(config)
        self.energy_per_flop = 0.5 * (comp.ue_energy_per_flop_min + comp.ue_energy_per_flop_max)
        self.noise_psd_w = dbm_to_watt(radio.noise_psd_dbm_hz + radio.noise_figure_db)
        self.ue_power_w = dbm_to_watt(radio.ue_max_power_dbm)
        self.server_power_w = dbm_to_watt(radio.server_power_dbm)
        self.power_grid = np.maximum(POWER_GRID, radio.min_power_fraction)

    def estimate_costs(self, obs: np.ndarray) -> np.ndarray:
        """Return the estimated own cost of every (placement, power) pair, (envs, UEs, M+1, P).

        Local placements do not depend on power, so their cost repeats along the last axis.
        """
        cfg, radio, s, const = self.config, self.config.radio, self.slices, self.constants
        tokens = obs[..., s["workload"]][..., 0] * cfg.workload.tokens_max
        flops = np.maximum(obs[..., s["compute_speed"]][..., 0] * cfg.compute.ue_flops_max, 1.0)
        gain_db = obs[..., s["gain_db"]] * GAIN_SCALE_DB - GAIN_OFFSET_DB
        gain = 10.0 ** (gain_db / 10.0)
        users = np.rint(obs[..., s["server_load"]] * cfg.num_ues) + 1.0
        local_resident = obs[..., s["local_resident"]][..., 0] > 0.5
        server_resident = obs[..., s["server_resident"]] > 0.5

        # Local round: optional emulator download from the strongest server, then compute.
        best = np.argmax(gain, axis=2)
        best_gain = np.take_along_axis(gain, best[..., None], axis=2)[..., 0]
        best_users = np.take_along_axis(users, best[..., None], axis=2)[..., 0]
        download_rate = self._downlink_rate(best_gain, best_users)
        download_s = np.where(local_resident, 0.0, const.local_emulator_bits / download_rate)
        local_flops = tokens * (const.flops_adapter + const.flops_local_emulator)
        local_latency = download_s + local_flops / flops
        local_energy = self.energy_per_flop * local_flops
        local_cost = self._cost(local_latency, local_energy, const.fidelity_local)

        # Edge round on each server m, for each power fraction p.
        p = self.power_grid
        band = radio.bandwidth_hz / users
        snr = p * self.ue_power_w * gain[..., None] / (band[..., None] * self.noise_psd_w)
        uplink = band[..., None] * np.log2(1.0 + snr)
        downlink = self._downlink_rate(gain, users)[..., None]
        bits = (const.activation_bits * tokens)[..., None, None]
        transfer_s = 2.0 * bits / np.maximum(uplink, 1.0) + 2.0 * bits / np.maximum(downlink, 1.0)
        server_s = tokens[..., None] * const.flops_edge_emulator * users / cfg.compute.server_flops
        backhaul_s = np.where(server_resident, 0.0, const.edge_emulator_bits / radio.backhaul_bps)
        ue_s = tokens * const.flops_adapter / flops
        edge_latency = ue_s[..., None, None] + (server_s + backhaul_s)[..., None] + transfer_s
        edge_energy = (self.energy_per_flop * tokens * const.flops_adapter)[..., None, None]
        edge_energy = edge_energy + p * self.ue_power_w * 2.0 * bits / np.maximum(uplink, 1.0)
        edge_cost = self._cost(edge_latency, edge_energy, const.fidelity_edge)
        over_capacity = (users > const.server_capacity)[..., None]
        edge_cost = np.where(over_capacity, edge_cost + cfg.reward.miss_penalty, edge_cost)

        local_cost = np.broadcast_to(local_cost[..., None, None], local_cost.shape + (1, p.size))
        return np.concatenate([local_cost, edge_cost], axis=2)

    def _downlink_rate(self, gain: np.ndarray, users: np.ndarray) -> np.ndarray:
        radio = self.config.radio
        band = radio.downlink_bandwidth_hz
        snr = self.server_power_w * gain / (band * self.noise_psd_w)
        return np.maximum(band / users * np.log2(1.0 + snr), 1.0)

    def _cost(self, latency: np.ndarray, energy: np.ndarray, fidelity: float) -> np.ndarray:
        cfg = self.config
        rew = cfg.reward
        miss = latency > cfg.deadline
        energy = energy * np.minimum(1.0, cfg.deadline / np.maximum(latency, 1e-12))
        return (
            rew.latency_weight * np.minimum(latency, cfg.deadline) / cfg.latency_ref
            + rew.energy_weight * energy / rew.energy_ref_j
            - rew.quality_weight * np.where(miss, 0.0, fidelity)
            + rew.miss_penalty * miss
        )

    def act(self, obs: np.ndarray, mask: np.ndarray, sim: Simulator) -> HybridAction:
        cost = self.estimate_costs(obs)
        cost = np.where(mask[..., None], cost, np.inf)
        envs, ues, options, powers = cost.shape
        flat = np.argmin(cost.reshape(envs, ues, options * powers), axis=2)
        placement, power_index = np.divmod(flat, powers)
        bandwidth = np.ones((envs, ues))
        return HybridAction(placement.astype(np.int64), bandwidth, self.power_grid[power_index])


class BestResponsePolicy(Policy):
    """Sequential best responses on the true slot, starting from ``greedy``'s choice.

    UEs revise their placement and power (from :data:`POWER_GRID`) one at a time, in index
    order, against everyone else's current choice, maximising their own reward of the
    configured reward mode as :meth:`Simulator.play` computes it (equal bandwidth shares). A
    round ends after every UE had its turn; the search stops when a round changes nothing or
    after ``max_rounds`` rounds. Cost per slot: at most ``max_rounds x N`` batched plays of
    ``1 + M x len(POWER_GRID)`` candidates.
    """

    name = "best-response"
    decentralised = False

    def __init__(self, config: ScenarioConfig, max_rounds: int = 3):
        self.config = config
        self.max_rounds = max_rounds
        self.greedy = GreedyPolicy(config)
        self.power_grid = self.greedy.power_grid

    def act(self, obs: np.ndarray, mask: np.ndarray, sim: Simulator) -> HybridAction:
        start = self.greedy.act(obs, mask, sim)
        return self.improve(start, mask, sim)

    def improve(self, start: HybridAction, mask: np.ndarray, sim: Simulator) -> HybridAction:
        """Run the best-response rounds from ``start``; return the final actions."""
        placement, power = coordinate_descent(
            sim,
            start.placement,
            start.power,
            mask,
            self.power_grid,
            self.max_rounds,
            own_reward=True,
        )
        return HybridAction(placement, np.ones(placement.shape), power)


register_policy("random", lambda config, path: RandomPolicy(config))
register_policy("all-local", lambda config, path: AllLocalPolicy(config))
register_policy("nearest-edge", lambda config, path: NearestEdgePolicy(config))
register_policy("greedy", lambda config, path: GreedyPolicy(config))
register_policy("best-response", lambda config, path: BestResponsePolicy(config))
