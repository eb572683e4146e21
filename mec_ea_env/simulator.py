"""The batched simulator: every env of a batch advanced one slot at a time with numpy.

State is a struct of arrays shaped (envs, UEs), (envs, servers) or (envs, UEs, servers). One
``np.random.Generator`` drives all randomness. The number and shape of the random draws in a
step depend only on the batch shape, so exogenous randomness (fading, workloads, mobility) is the
same for every policy run from the same seed (common random numbers).

Units: s, J, W, Hz, bit/s, FLOP, FLOP/s, m. docs/system-model.md gives every equation used here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mec_ea_env.config import ScenarioConfig, dbm_to_watt
from mec_ea_env.observation import ObservationLayout
from mec_ea_env.physics import channel, compute, feasibility, mobility

LOCAL = 0
"""Placement code of running the emulator on the UE; codes 1..M are the edge servers."""
NOT_SERVED = -1
"""Served-server code of a UE whose round was rejected, infeasible, or that is inactive."""
NUM_PHASES = 10
"""Phases of a round, in order (see :meth:`Simulator._round_time_energy`)."""
MIN_RATE_BPS = 1.0
"""Floor on every rate (bit/s): a UE in a deep fade gets a huge but finite transfer time."""


@dataclass
class StepResult:
    """Per-UE outcome of one slot, arrays shaped (envs, UEs) unless stated."""

    reward: np.ndarray
    cost: np.ndarray
    latency_s: np.ndarray
    energy_j: np.ndarray
    quality: np.ndarray
    deadline_miss: np.ndarray
    rejected: np.ndarray
    server: np.ndarray
    bandwidth: np.ndarray
    power: np.ndarray
    uplink_rate_bps: np.ndarray
    downlink_rate_bps: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray
    """Shape (envs,): the slot limit was reached."""


_STATE_ARRAYS = (
    "position",
    "waypoint",
    "velocity",
    "server_position",
    "ue_flops",
    "ue_energy_per_flop",
    "ue_memory",
    "local_ok",
    "shadowing",
    "local_resident",
    "server_resident",
    "battery",
    "active",
    "t",
    "tokens",
    "fading",
    "distance",
    "gain",
    "last_load",
    "last_latency",
    "last_energy",
    "last_miss",
)
"""Names of the per-env state arrays (leading axis = env)."""


def grid_positions(num_servers: int, area_m: float) -> np.ndarray:
    """Return server positions at the centres of a near-square grid of cells, shape (M, 2)."""
    cols = math.ceil(math.sqrt(num_servers))
    rows = math.ceil(num_servers / cols)
    index = np.arange(num_servers)
    x = (index % cols + 0.5) * area_m / cols
    y = (index // cols + 0.5) * area_m / rows
    return np.stack([x, y], axis=1)


def _add_phase(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    """Add two phase terms, where None is a term known to be 0 (x + 0 == x exactly)."""
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _sum_phases(terms: list[np.ndarray | None]) -> np.ndarray:
    """Sum the NUM_PHASES per-phase arrays in the order numpy 2.4 sums a length-10 last axis.

    numpy adds eight partial sums pairwise and then the remaining two terms (measured), so the
    result equals ``np.stack(terms, -1).sum(-1)`` bit for bit, without the stacked block.
    """
    t = terms
    first_eight = _add_phase(
        _add_phase(_add_phase(t[0], t[1]), _add_phase(t[2], t[3])),
        _add_phase(_add_phase(t[4], t[5]), _add_phase(t[6], t[7])),
    )
    total = _add_phase(_add_phase(first_eight, t[8]), t[9])
    assert total is not None
    return total


class Simulator:
    """Batched state machine of ``num_envs`` independent copies of one scenario.

    Call :meth:`reset` before :meth:`step`. Actions must already be validated: placement an
    integer array in [0, M], bandwidth and power float arrays in [0, 1], all shaped (envs, UEs).
    """

    def __init__(self, config: ScenarioConfig, num_envs: int = 1):
        if not isinstance(num_envs, int) or isinstance(num_envs, bool) or num_envs < 1:
            raise ValueError(f"num_envs = {num_envs!r} is invalid: expected an integer >= 1")
        self.config = config
        self.num_envs = num_envs
        self.num_ues = config.num_ues
        self.num_servers = config.num_servers
        self.layout = ObservationLayout(config)
        self.rng = np.random.default_rng()

        radio = config.radio
        self.deadline = config.deadline
        self.ue_max_power_w = dbm_to_watt(radio.ue_max_power_dbm)
        self.server_power_w = dbm_to_watt(radio.server_power_dbm)
        self.uplink_noise_w = radio.noise_power_w
        self.downlink_noise_w = radio.downlink_noise_power_w

        # Memory limits use the largest round, so a UE that fits once fits every slot. Each
        # constant also becomes an attribute (self.flops_adapter, self.fidelity_edge, ...).
        self.constants = compute.RoundConstants.from_config(config)
        for name, value in vars(self.constants).items():
            if name != "server_capacity":
                setattr(self, name, value)
        self.server_capacity = np.full(
            self.num_servers, self.constants.server_capacity, dtype=np.int64
        )

        self._placement_one_hot = np.eye(self.num_servers + 1, self.num_servers, -1, dtype=bool)
        self._allocate()

    # ----------------------------------------------------------------------------------------
    # State

    def _allocate(self) -> None:
        b, n, m = self.num_envs, self.num_ues, self.num_servers
        self.position = np.zeros((b, n, 2))
        self.waypoint = np.zeros((b, n, 2))
        self.velocity = np.zeros((b, n, 2))
        self.server_position = np.zeros((b, m, 2))
        self.ue_flops = np.zeros((b, n))
        self.ue_energy_per_flop = np.zeros((b, n))
        self.ue_memory = np.zeros((b, n))
        self.local_ok = np.zeros((b, n), dtype=bool)
        self.shadowing = np.ones((b, n, m))
        self.local_resident = np.zeros((b, n), dtype=bool)
        self.server_resident = np.zeros((b, m), dtype=bool)
        self.battery = np.full((b, n), np.inf)
        self.active = np.ones((b, n), dtype=bool)
        self.t = np.zeros(b, dtype=np.int64)
        self.tokens = np.zeros((b, n))
        self.fading = np.ones((b, n, m))
        self.distance = np.zeros((b, n, m))
        self.gain = np.ones((b, n, m))
        self.last_load = np.zeros((b, m), dtype=np.int64)
        self.last_latency = np.zeros((b, n))
        self.last_energy = np.zeros((b, n))
        self.last_miss = np.zeros((b, n), dtype=bool)

    def seed(self, seed: int | None) -> None:
        """Restart the random stream from ``seed`` (None draws fresh entropy)."""
        self.rng = np.random.default_rng(seed)

    def reset(self, seed: int | None = None, envs: np.ndarray | None = None) -> None:
        """Start new episodes in all envs, or only where the boolean mask ``envs`` is True.

        With a seed the random stream restarts from it; without one it continues.
        """
        if seed is not None:
            self.seed(seed)
        if envs is None:
            envs = np.ones(self.num_envs, dtype=bool)
        count = int(envs.sum())
        if count == 0:
            return
        cfg, rng = self.config, self.rng
        n, m, area = self.num_ues, self.num_servers, cfg.area_m
        comp = cfg.compute

        if cfg.server_layout == "grid":
            self.server_position[envs] = grid_positions(m, area)[None]
        else:
            self.server_position[envs] = rng.uniform(0.0, area, size=(count, m, 2))
        self.position[envs] = rng.uniform(0.0, area, size=(count, n, 2))
        self.waypoint[envs] = rng.uniform(0.0, area, size=(count, n, 2))
        angle = rng.uniform(0.0, 2.0 * np.pi, size=(count, n))
        self.velocity[envs] = cfg.speed_mps * np.stack([np.cos(angle), np.sin(angle)], axis=-1)

        self.ue_flops[envs] = rng.uniform(comp.ue_flops_min, comp.ue_flops_max, size=(count, n))
        self.ue_energy_per_flop[envs] = rng.uniform(
            comp.ue_energy_per_flop_min, comp.ue_energy_per_flop_max, size=(count, n)
        )
        self.ue_memory[envs] = rng.uniform(
            comp.ue_memory_min_bytes, comp.ue_memory_max_bytes, size=(count, n)
        )
        self.local_ok[envs] = self.ue_memory[envs] >= self.local_memory_bytes
        shadow_db = cfg.radio.shadowing_std_db * rng.standard_normal(size=(count, n, m))
        self.shadowing[envs] = 10.0 ** (shadow_db / 10.0)
        self.local_resident[envs] = (rng.random((count, n)) < cfg.local_resident_prob) & (
            self.local_ok[envs]
        )
        self.server_resident[envs] = rng.random((count, m)) < cfg.server_resident_prob

        self.battery[envs] = np.inf if cfg.battery_j is None else cfg.battery_j
        self.active[envs] = True
        self.t[envs] = 0
        self.last_load[envs] = 0
        self.last_latency[envs] = 0.0
        self.last_energy[envs] = 0.0
        self.last_miss[envs] = False

        tokens, fading = self._draw_slot(count)
        self.tokens[envs] = tokens
        self.fading[envs] = fading
        self._update_gain(envs)

    def _draw_slot(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        work = self.config.workload
        shape = (count, self.num_ues)
        tokens = self.rng.uniform(work.tokens_min, work.tokens_max, size=shape)
        if self.config.radio.fading == "rayleigh":
            # Unit-mean exponential power gain. standard_exponential draws the same values as
            # exponential(1.0), without the cost of broadcasting the scale.
            fading = self.rng.standard_exponential(size=shape + (self.num_servers,))
        else:
            fading = np.ones(shape + (self.num_servers,))
        return tokens, fading

    def _update_gain(self, envs: np.ndarray | None = None) -> None:
        radio = self.config.radio
        sel = slice(None) if envs is None else envs
        position, server = self.position[sel], self.server_position[sel]
        # x and y as separate arrays, because summing a length-2 last axis costs more than the
        # arithmetic (dx * dx + dy * dy has the same bits as (delta**2).sum(-1)).
        # The squares are formed in (envs, servers, UEs) order, so numpy's inner loop runs over
        # the UEs and not over the few servers, then copied once into (envs, UEs, servers) order.
        dx = position[:, None, :, 0] - server[:, :, None, 0]
        dy = position[:, None, :, 1] - server[:, :, None, 1]
        dx *= dx
        dy *= dy
        dx += dy
        squared = np.ascontiguousarray(dx.transpose(0, 2, 1))
        distance = np.sqrt(squared, out=squared)
        loss_db = channel.pathloss_db(
            distance,
            radio.pathloss_intercept_db,
            radio.pathloss_slope_db_per_decade,
            radio.min_distance_m,
        )
        # In place, 10 ** (-loss_db / 10) * shadowing * fading, with the power written as
        # exp(-loss_db ln(10) / 10): numpy's exp is vectorised and about 4x faster than its pow.
        gain = np.multiply(loss_db, -math.log(10.0) / 10.0, out=loss_db)
        np.exp(gain, out=gain)
        gain *= self.shadowing[sel]
        gain *= self.fading[sel]
        if envs is None:
            # Every env changed: take the new arrays rather than copying them into the old.
            self.distance, self.gain = distance, gain
        else:
            self.distance[sel] = distance
            self.gain[sel] = gain

    # ----------------------------------------------------------------------------------------
    # One slot

    def step(self, placement: np.ndarray, bandwidth: np.ndarray, power: np.ndarray) -> StepResult:
        """Play one slot with validated actions, then draw the next slot's channel and workload."""
        cfg = self.config
        active = self.active
        priority = self.rng.random(placement.shape)
        result, load = self._play(placement, bandwidth, power, priority)

        local = result.server == LOCAL
        self._commit_slot(local, load, result.latency_s, result.energy_j, result.deadline_miss)
        if cfg.battery_j is not None:
            result.terminated = active & (self.battery <= 0.0)
            self.active = active & ~result.terminated
        self.t += 1
        result.truncated = self.t >= cfg.max_cycles
        self._advance()
        return result

    def play(
        self,
        placement: np.ndarray,
        bandwidth: np.ndarray,
        power: np.ndarray,
        priority: np.ndarray | None = None,
    ) -> StepResult:
        """Return the outcome of one slot with validated actions, without changing the state.

        ``priority`` (envs, UEs) orders admission on a full server, lowest first; None uses the
        UE index. Planners (greedy, best response, the oracle) call this on a
        :meth:`replicate` copy to score candidate actions; :meth:`step` calls it, then commits.
        """
        return self._play(placement, bandwidth, power, priority)[0]

    def _play(
        self,
        placement: np.ndarray,
        bandwidth: np.ndarray,
        power: np.ndarray,
        priority: np.ndarray | None,
    ) -> tuple[StepResult, np.ndarray]:
        """Return :meth:`play`'s outcome and the UEs each server serves, int (envs, servers)."""
        radio = self.config.radio
        b, n = placement.shape
        m = self.num_servers
        active = self.active
        if priority is None:
            priority = np.broadcast_to(np.arange(self.num_ues) / self.num_ues, placement.shape)

        # Placement: local needs the memory, an edge server admits up to its capacity.
        wants_local = active & (placement == LOCAL)
        wants_edge = active & (placement > LOCAL)
        server_index = np.where(wants_edge, placement - 1, 0)
        local = wants_local & self.local_ok
        edge = feasibility.admit(server_index, wants_edge, priority, self.server_capacity)
        rejected = (wants_local & ~self.local_ok) | (wants_edge & ~edge)
        # Row k of the lookup table is the one-hot of placement k (row 0, local, is all False):
        # one take builds the (envs, UEs, servers) one-hot in a single pass.
        serving = self._placement_one_hot.take(np.where(edge, placement, LOCAL), axis=0)
        # Flat indexes of each UE's server in (envs, servers) and (envs, UEs, servers) arrays.
        # np.take through them reads a UE's own entry faster than masking with the one-hot and
        # summing over servers, and gives the same bits (the masked sum has one nonzero term).
        env_server = np.arange(b)[:, None] * m + server_index
        ue_server = np.arange(b * n).reshape(b, n) * m + server_index
        load = np.bincount(env_server[edge], minlength=b * m).reshape(b, m)
        own_load = np.where(edge, load.take(env_server), 0)
        own_gain = np.where(edge, self.gain.take(ue_server), 0.0)

        # Uplink band and power after projection (b_min floor, proportional scaling, p_min).
        band, _ = feasibility.project_bandwidth(
            bandwidth, serving, radio.min_bandwidth_fraction, served=edge, server_index=server_index
        )
        # np.minimum(np.maximum()) is np.clip without its Python wrapper (same values).
        power_eff = np.minimum(np.maximum(power, radio.min_power_fraction), 1.0)
        power_eff = np.where(edge, power_eff, 0.0)

        uplink_rate, downlink_rate = self._edge_rates(
            edge, serving, load, band, power_eff, own_gain, own_load, env_server
        )
        download_rate = self._download_rate(local & ~self.local_resident, load)
        server_missing = edge & ~self.server_resident.take(env_server)
        server_seconds = self._server_seconds(edge, serving, load, env_server)
        total_s, energy = self._round_time_energy(
            local,
            edge,
            server_missing,
            server_seconds,
            uplink_rate,
            downlink_rate,
            download_rate,
            power_eff,
        )

        # A round not finished by the deadline is abandoned there; a rejected round costs it.
        done = local | edge
        miss = (done & (total_s > self.deadline)) | rejected
        latency = np.where(done, np.minimum(total_s, self.deadline), 0.0)
        latency = np.where(rejected, self.deadline, latency)
        quality = np.where(local, self.fidelity_local, self.fidelity_edge)
        quality = np.where(done & ~miss, quality, 0.0)

        cost = self._cost(latency, energy, quality, miss, active)
        reward = self._reward(cost, active)

        server = np.where(local, LOCAL, np.where(edge, server_index + 1, NOT_SERVED))
        result = StepResult(
            reward=reward,
            cost=cost,
            latency_s=latency,
            energy_j=energy,
            quality=quality,
            deadline_miss=miss,
            rejected=rejected,
            server=server,
            bandwidth=band,
            power=power_eff,
            uplink_rate_bps=uplink_rate,
            downlink_rate_bps=downlink_rate,
            terminated=np.zeros_like(active),
            truncated=self.t + 1 >= self.config.max_cycles,
        )
        return result, load

    def replicate(self, env_index: int, copies: int) -> Simulator:
        """Return a new simulator holding ``copies`` copies of env ``env_index``'s current slot.

        The copy shares nothing mutable with this simulator; use it with :meth:`play` to score
        many candidate actions for the same slot at once.
        """
        clone = Simulator.__new__(Simulator)
        clone.__dict__.update(self.__dict__)
        clone.num_envs = copies
        clone.rng = np.random.default_rng(0)
        for name in _STATE_ARRAYS:
            value = getattr(self, name)[env_index]
            setattr(clone, name, np.repeat(value[None], copies, axis=0))
        return clone

    def _edge_rates(
        self,
        edge: np.ndarray,
        serving: np.ndarray,
        load: np.ndarray,
        band: np.ndarray,
        power_eff: np.ndarray,
        own_gain: np.ndarray,
        own_load: np.ndarray,
        env_server: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the uplink and downlink Shannon rates (bit/s) of UEs served at the edge.

        ``own_gain`` and ``own_load`` are each UE's gain to its server and that server's load,
        0 off the edge. ``env_server`` indexes a UE's server in flattened (envs, servers) arrays.
        """
        radio = self.config.radio
        tx_power = power_eff * self.ue_max_power_w
        others_gain = None
        if radio.interference:
            # Each UE's gain to the servers that do not serve it, shared by both links.
            others_gain = np.where(serving, 0.0, self.gain)
            interference = channel.uplink_interference(
                tx_power, self.gain, serving, others_gain=others_gain
            )
            serving_interference = np.where(edge, interference.take(env_server), 0.0)
        else:
            serving_interference = np.zeros_like(tx_power)

        # Unserved UEs get a dummy band of 1 so nothing divides by zero; their rate is masked.
        safe_band = np.where(edge, band, 1.0)
        sinr_up = channel.uplink_sinr(
            tx_power, own_gain, safe_band, self.uplink_noise_w, serving_interference
        )
        uplink = safe_band * radio.bandwidth_hz * np.log1p(sinr_up) / np.log(2.0)

        sinr_down = channel.downlink_sinr(
            self.server_power_w,
            self.gain,
            serving,
            load > 0,
            self.downlink_noise_w,
            radio.interference,
            own_gain=own_gain,
            others_gain=others_gain,
        )
        share = 1.0 / np.maximum(own_load, 1)
        downlink = share * radio.downlink_bandwidth_hz * np.log1p(sinr_down) / np.log(2.0)

        uplink = np.where(edge, np.maximum(uplink, MIN_RATE_BPS), 0.0)
        downlink = np.where(edge, np.maximum(downlink, MIN_RATE_BPS), 0.0)
        return uplink, downlink

    def _download_rate(self, downloading: np.ndarray, load: np.ndarray) -> np.ndarray:
        """Return the rate (bit/s) at which a UE downloads the local emulator it lacks.

        It downloads from the server with its strongest gain this slot, sharing that server's
        downlink equally with the UEs the server serves and the other UEs downloading from it.
        """
        radio = self.config.radio
        m = self.num_servers
        rate = np.zeros(downloading.shape)
        # Only the downloading UEs (few once emulators are resident) are evaluated, each as a
        # one-UE row, so the cost follows their count rather than B x N.
        rows = np.flatnonzero(downloading)
        if rows.size == 0:
            return rate
        env = rows // downloading.shape[1]
        gain = self.gain.reshape(-1, m)[rows]
        best = np.argmax(gain, axis=1)
        source = best[:, None] == np.arange(m)
        users = load + np.bincount(env * m + best, minlength=load.size).reshape(load.shape)
        sinr = channel.downlink_sinr(
            self.server_power_w,
            gain[:, None, :],
            source[:, None, :],
            (users > 0)[env],
            self.downlink_noise_w,
            radio.interference,
        )[:, 0]
        share = 1.0 / np.maximum(users[env, best], 1)
        ue_rate = share * radio.downlink_bandwidth_hz * np.log1p(sinr) / np.log(2.0)
        rate.reshape(-1)[rows] = np.maximum(ue_rate, MIN_RATE_BPS)
        return rate

    def _round_time_energy(
        self,
        local: np.ndarray,
        edge: np.ndarray,
        server_missing: np.ndarray,
        server_seconds: np.ndarray,
        uplink_rate: np.ndarray,
        downlink_rate: np.ndarray,
        download_rate: np.ndarray,
        power_eff: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return each UE's round duration (s) and UE energy (J) spent up to the deadline.

        A round runs NUM_PHASES phases in order. Local round: 0 emulator download if not
        resident, 1 adapter and emulator compute. Edge round: 0 emulator load over the backhaul
        if the server lacks it, 1 bottom adapter forward, 2 activation uplink, 3 emulator
        forward on the server, 4 activation downlink, 5 top adapter forward and backward,
        6 gradient uplink, 7 emulator backward on the server, 8 gradient downlink, 9 bottom
        adapter backward. Phases that do not apply last 0. The UE draws its receive power in
        phases 0 (local only), 4 and 8, its compute power in 1, 5 and 9, its transmit power in
        2 and 6, and nothing while the server computes (3 and 7).
        """
        cfg = self.config
        tokens, flops = self.tokens, self.ue_flops
        compute_power = self.ue_energy_per_flop * flops
        transfer_bits = self.activation_bits * tokens
        receive_power = cfg.radio.ue_receive_power_w
        safe_up = np.where(edge, uplink_rate, 1.0)
        safe_down = np.where(edge, downlink_rate, 1.0)

        # One (envs, UEs) array per phase rather than an (envs, UEs, 10) block: reductions over
        # a short last axis cost more than the arithmetic (a (10, envs, UEs) block measured
        # slower too, because of the row copies).
        duration: list[np.ndarray] = [np.empty(0)] * NUM_PHASES
        duration[0] = np.where(
            local & ~self.local_resident,
            self.local_emulator_bits / np.where(download_rate > 0, download_rate, 1.0),
            np.where(edge & server_missing, self.edge_emulator_bits / cfg.radio.backhaul_bps, 0.0),
        )
        local_flops = tokens * (self.flops_adapter + self.flops_local_emulator)
        duration[1] = np.where(
            local,
            local_flops / flops,
            np.where(edge, tokens * self.flops_bottom_forward / flops, 0),
        )
        duration[2] = np.where(edge, transfer_bits / safe_up, 0.0)
        duration[3] = server_seconds
        duration[4] = np.where(edge, transfer_bits / safe_down, 0.0)
        duration[5] = np.where(edge, tokens * self.flops_top / flops, 0.0)
        duration[6] = duration[2]
        duration[7] = server_seconds
        duration[8] = duration[4]
        duration[9] = np.where(edge, tokens * self.flops_bottom_backward / flops, 0.0)

        # None marks the phases in which the UE draws no power (the server computes).
        tx_power = power_eff * self.ue_max_power_w
        power: list[np.ndarray | float | None] = [
            np.where(local, receive_power, 0.0),
            compute_power,
            tx_power,
            None,
            receive_power,
            compute_power,
            tx_power,
            None,
            receive_power,
            compute_power,
        ]

        # A phase draws power from its start until it ends or the deadline passes. The UE thus
        # spends clip(deadline - (end - duration), 0, duration) in it. Here end is the running
        # sum of durations, added left to right as np.cumsum adds them.
        energy_terms: list[np.ndarray | None] = [None] * NUM_PHASES
        end = duration[0]
        for k in range(NUM_PHASES):
            if k > 0:
                end = end + duration[k]
            if power[k] is not None:
                # In place, the same values as the clip expression above times the power.
                spent = np.subtract(end, duration[k])
                np.subtract(self.deadline, spent, out=spent)
                np.maximum(spent, 0.0, out=spent)
                np.minimum(spent, duration[k], out=spent)
                spent *= power[k]
                energy_terms[k] = spent
        return _sum_phases(duration), _sum_phases(energy_terms)

    def _server_seconds(
        self,
        edge: np.ndarray,
        serving: np.ndarray,
        load: np.ndarray,
        env_server: np.ndarray | None = None,
    ) -> np.ndarray:
        """Return the time (s) of one emulator pass (forward or backward) on the server.

        Each pass is half of F_em(rho_edge). The server splits F_m equally among its n_m UEs
        (processor sharing) or, with ``server_share="workload"``, in proportion to tokens.
        ``env_server`` indexes each UE's server in flattened (envs, servers) arrays; None
        derives it from the one-hot ``serving``.
        """
        comp = self.config.compute
        pass_flops = 0.5 * self.flops_edge_emulator * self.tokens
        if env_server is None:
            env_server = np.arange(edge.shape[0])[:, None] * load.shape[1] + serving.argmax(axis=2)
        if comp.server_share == "equal":
            own_load = np.where(edge, load.take(env_server), 0)
            share = comp.server_flops / np.maximum(own_load, 1)
        else:
            server_tokens = np.einsum("bn,bnm->bm", np.where(edge, self.tokens, 0.0), serving)
            own = np.where(edge, server_tokens.take(env_server), 0.0)
            share = comp.server_flops * self.tokens / np.maximum(own, 1e-12)
        return np.where(edge, pass_flops / share, 0.0)

    def _cost(
        self,
        latency: np.ndarray,
        energy: np.ndarray,
        quality: np.ndarray,
        miss: np.ndarray,
        active: np.ndarray,
    ) -> np.ndarray:
        """Return c_i = w_T T/T_ref + w_E E/E_ref - w_Q q + penalty miss; 0 for inactive UEs."""
        rew = self.config.reward
        cost = (
            rew.latency_weight * latency / self.config.latency_ref
            + rew.energy_weight * energy / rew.energy_ref_j
            - rew.quality_weight * quality
            + rew.miss_penalty * miss
        )
        return np.where(active, cost, 0.0)

    def _reward(self, cost: np.ndarray, active: np.ndarray) -> np.ndarray:
        """Return the rewards of the configured mode from the costs of the active UEs."""
        rew = self.config.reward
        if rew.mode == "individual":
            return -cost
        mean = cost.sum(axis=1, keepdims=True) / np.maximum(active.sum(axis=1, keepdims=True), 1)
        if rew.mode == "shared":
            return np.where(active, -mean, 0.0)
        return np.where(active, -(rew.mix_alpha * cost + (1.0 - rew.mix_alpha) * mean), 0.0)

    def _commit_slot(
        self,
        local: np.ndarray,
        load: np.ndarray,
        latency: np.ndarray,
        energy: np.ndarray,
        miss: np.ndarray,
    ) -> None:
        """Record the slot's outcome: residency, loads, battery and last-slot observations.

        NOTE: an emulator asked for becomes resident after the slot even when the round missed
        its deadline: the download or backhaul load is taken to finish in the background.
        """
        self.local_resident |= local
        self.server_resident |= load > 0
        # Copy into the state arrays rather than binding the result's arrays: reset(envs=...)
        # zeroes these in place, which would otherwise overwrite the infos a caller holds.
        self.last_load[...] = load
        self.last_latency[...] = latency
        self.last_energy[...] = energy
        self.last_miss[...] = miss
        self.battery -= energy

    def _advance(self) -> None:
        """Move the UEs and draw the next slot's workloads and fading."""
        cfg = self.config
        if cfg.mobility == "random_waypoint":
            self.position, self.waypoint = mobility.random_waypoint(
                self.position, self.waypoint, cfg.speed_mps, cfg.slot_s, cfg.area_m, self.rng
            )
        elif cfg.mobility == "gauss_markov":
            self.position, self.velocity = mobility.gauss_markov(
                self.position,
                self.velocity,
                cfg.speed_mps,
                cfg.gauss_markov_memory,
                cfg.slot_s,
                cfg.area_m,
                self.rng,
            )
        self.tokens, self.fading = self._draw_slot(self.num_envs)
        self._update_gain()

    # ----------------------------------------------------------------------------------------
    # Views

    def placement_mask(self) -> np.ndarray:
        """Return the feasible placements of the coming slot, bool (envs, UEs, M + 1).

        Local is feasible when the UE's memory fits the local round. A server is always
        offered, because a full server rejects the excess UEs only when the slot is played.
        """
        mask = np.ones((self.num_envs, self.num_ues, self.num_servers + 1), dtype=bool)
        mask[:, :, LOCAL] = self.local_ok
        return mask

    def observe(self) -> np.ndarray:
        """Return every UE's local observation, float32 (envs, UEs, obs_dim)."""
        return self.layout.observe(self)

    def state(self) -> np.ndarray:
        """Return the global state for centralised critics, float32 (envs, state_dim)."""
        return self.layout.state(self)
