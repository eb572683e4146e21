"""Per-slot oracle: placements, bandwidth and power of all UEs that minimise one slot's cost.

The oracle reads the whole simulator state of the coming slot (every UE's channels, workload,
compute, residency), which no decentralised agent has, and minimises the mean cost over UEs of
that slot alone (minus the shared reward). It is myopic: it ignores what its choice does to later
slots (emulator residency, the loads the UEs observe next). It is a reference point for the
per-slot optimum, not a learning agent, and not an upper bound on episode reward.

Search, per env:

1. Placements. When ``(M + 1)^N <= enumeration_limit`` every placement that respects local
   memory and server capacity is scored with equal bandwidth shares and full power, in one
   vectorised play, and the best ones join the descent from ``best-response``'s action (below)
   as candidates. Otherwise coordinate descent (single-UE moves of placement and power, as
   ``best-response`` does, but on the mean cost and within server capacity) runs from several
   starts: ``best-response``'s action, all-local and nearest-edge.
2. Bandwidth and power. The ``refine`` best candidates (default 4 when enumerating, else 1)
   get their bandwidth requests and power fractions optimised jointly with L-BFGS-B (scipy)
   on the exact slot cost of
   :meth:`Simulator.play`, with a finite-difference gradient played as one batch of copies.
   Optimising all UEs of all servers jointly keeps inter-cell interference exact, because a
   UE's power enters the other cells' interference and so the problem does not separate by
   server.
3. The best action found, compared with ``best-response``'s action on the same slot, is
   returned, so the oracle is never worse than ``best-response`` on the slot it plays.

Every candidate respects local memory and server capacity, so no round the oracle chooses is
rejected. Units follow the simulator.

NOTE: the search costs about N^2 plays of one slot per slot and env (0.6 s per slot at N = 50
on a shared 2-core machine), so on the 200-UE ``large`` preset it is too slow for routine use.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import minimize

from mec_ea_env.agents.base import HybridAction, Policy
from mec_ea_env.agents.baselines import (
    AllLocalPolicy,
    BestResponsePolicy,
    NearestEdgePolicy,
)
from mec_ea_env.agents.planning import (
    POWER_GRID,
    coordinate_descent,
    score,
    server_counts,
    slot_cost,
    tile_slots,
)
from mec_ea_env.agents.registry import register_policy
from mec_ea_env.config import ScenarioConfig
from mec_ea_env.simulator import LOCAL, Simulator

FD_STEP = 1e-4
"""Forward finite-difference step on bandwidth requests and power fractions."""


class OraclePolicy(Policy):
    """Myopic per-slot optimiser with full knowledge of the slot (centralised, not an agent)."""

    name = "oracle"
    decentralised = False

    def __init__(
        self,
        config: ScenarioConfig,
        enumeration_limit: int = 4096,
        refine: int | None = None,
        max_rounds: int = 3,
        max_iterations: int = 25,
    ):
        self.config = config
        self.enumeration_limit = enumeration_limit
        self.max_rounds = max_rounds
        self.max_iterations = max_iterations
        self.best_response = BestResponsePolicy(config)
        self.greedy = self.best_response.greedy
        self.starts = [AllLocalPolicy(config), NearestEdgePolicy(config)]
        radio = config.radio
        self.low = np.array([radio.min_bandwidth_fraction, radio.min_power_fraction])
        self.exact = (config.num_servers + 1) ** config.num_ues <= enumeration_limit
        # The continuous step is cheap for the few UEs of enumerable scenarios.
        if refine is None:
            refine = 4 if self.exact else 1
        self.refine = refine

    # ----------------------------------------------------------------------------------------
    # Placement search

    def _capacity_ok(self, placement: np.ndarray, sim: Simulator) -> np.ndarray:
        return (server_counts(placement, sim.num_servers) <= sim.server_capacity).all(axis=-1)

    def _enumerate(self, mask: np.ndarray, sim: Simulator) -> np.ndarray:
        """Return the ``refine`` best placements by exhaustive search, (envs, refine, UEs)."""
        envs, ues = mask.shape[:2]
        table = np.array(list(itertools.product(range(sim.num_servers + 1), repeat=ues)))
        copies = len(table)
        placement = np.broadcast_to(table, (envs, copies, ues))
        ones = np.ones((1, 1, ues))
        cost = slot_cost(
            score(tile_slots(sim, copies), placement, ones, ones), envs, copies, sim.active
        )
        allowed = np.take_along_axis(mask[:, None], placement[..., None], axis=3)[..., 0]
        allowed = allowed.all(axis=2) & self._capacity_ok(placement, sim)
        cost = np.where(allowed, cost, np.inf)
        order = np.argsort(cost, axis=1)[:, : self.refine]
        return np.take_along_axis(placement, order[..., None], axis=1)

    def _descend(self, start: HybridAction, mask: np.ndarray, sim: Simulator) -> HybridAction:
        """Run coordinate descent on the mean slot cost over each UE's placement and power."""
        placement, power = coordinate_descent(
            sim,
            self._within_capacity(start.placement.copy(), mask, sim),
            start.power,
            mask,
            np.maximum(POWER_GRID, self.low[1]),
            self.max_rounds,
            own_reward=False,
            capacity=sim.server_capacity,
        )
        return HybridAction(placement, np.ones(placement.shape), power)

    def _within_capacity(
        self, placement: np.ndarray, mask: np.ndarray, sim: Simulator
    ) -> np.ndarray:
        """Move UEs beyond a server's capacity (highest index first) to local, or else to the
        least loaded server, so a start point of the descent is feasible."""
        for i in reversed(range(placement.shape[1])):
            over = ~self._capacity_ok(placement, sim)
            if not over.any():
                break
            counts = server_counts(placement, sim.num_servers)
            on_full = placement[:, i] > LOCAL
            full = np.take_along_axis(
                counts > sim.server_capacity, np.maximum(placement[:, i : i + 1] - 1, 0), axis=1
            )[:, 0]
            move = over & on_full & full
            spare = np.argmin(counts, axis=1) + 1
            placement[move, i] = np.where(mask[move, i, LOCAL], LOCAL, spare[move])
        return placement

    # ----------------------------------------------------------------------------------------
    # Bandwidth and power

    def _refine(self, placement: np.ndarray, start_power: np.ndarray, sim: Simulator):
        """Optimise bandwidth requests and power for placements (envs, K, UEs) with L-BFGS-B.

        Returns (bandwidth, power, cost) shaped (envs, K, UEs) and (envs, K). The objective is
        the sum over envs and candidates of each slot's mean cost; they are independent, so the
        joint problem is their union.
        """
        envs, k, ues = placement.shape
        nvar = 2 * ues
        copies = k * (nvar + 1)
        tiled = tile_slots(sim, copies)
        place = np.repeat(placement[:, :, None, :], nvar + 1, axis=2).reshape(envs, copies, ues)
        steps = np.zeros((nvar + 1, 2, ues))
        steps[1:].reshape(nvar, nvar)[np.arange(nvar), np.arange(nvar)] = FD_STEP
        low = np.broadcast_to(self.low[:, None], (envs, k, 2, ues))

        def evaluate(flat: np.ndarray) -> tuple[float, np.ndarray]:
            x = flat.reshape(envs, k, 1, 2, ues)
            # Step down near the upper bound so every probe stays inside [low, 1].
            probe = np.where(x + steps > 1.0, x - steps, x + steps)
            sign = np.where(x + steps > 1.0, -1.0, 1.0)[:, :, 1:]
            probe = probe.reshape(envs, copies, 2, ues)
            result = score(tiled, place, probe[:, :, 0], probe[:, :, 1])
            cost = slot_cost(result, envs, copies, sim.active).reshape(envs, k, nvar + 1)
            base = cost[..., 0]
            diff = (cost[..., 1:] - base[..., None]) / FD_STEP
            grad = diff * sign.reshape(envs, k, nvar, nvar).diagonal(axis1=2, axis2=3)
            return float(base.sum()), grad.reshape(-1)

        x0 = np.stack([np.ones((envs, k, ues)), np.maximum(start_power, self.low[1])], axis=2)
        bounds = list(zip(low.reshape(-1), np.ones(low.size), strict=True))
        solution = minimize(
            evaluate,
            x0.reshape(-1),
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": self.max_iterations},
        )
        x = np.clip(solution.x.reshape(envs, k, 2, ues), low, 1.0)
        cost = slot_cost(
            score(tile_slots(sim, k), placement, x[:, :, 0], x[:, :, 1]), envs, k, sim.active
        )
        return x[:, :, 0], x[:, :, 1], cost

    # ----------------------------------------------------------------------------------------

    def act(self, obs: np.ndarray, mask: np.ndarray, sim: Simulator) -> HybridAction:
        envs, ues = obs.shape[:2]
        greedy = self.greedy.act(obs, mask, sim)
        response = self.best_response.improve(greedy, mask, sim)

        ones = np.ones((envs, ues))
        candidates: list[HybridAction] = []
        if self.exact:
            top = self._enumerate(mask, sim)
            candidates += [HybridAction(top[:, j], ones, ones) for j in range(top.shape[1])]
            candidates.append(self._descend(response, mask, sim))
        else:
            starts = [response] + [policy.act(obs, mask, sim) for policy in self.starts]
            candidates += [self._descend(start, mask, sim) for start in starts]

        placement = np.stack([c.placement for c in candidates], axis=1)
        power = np.stack([c.power for c in candidates], axis=1)
        copies = placement.shape[1]
        cost = slot_cost(
            score(tile_slots(sim, copies), placement, ones[:, None], power),
            envs,
            copies,
            sim.active,
        )
        keep = min(self.refine, copies)
        order = np.argsort(cost, axis=1)[:, :keep]
        chosen = np.take_along_axis(placement, order[..., None], axis=1)
        chosen_power = np.take_along_axis(power, order[..., None], axis=1)
        band, power_opt, refined = self._refine(chosen, chosen_power, sim)

        # The best of the refined candidates and best-response's own action.
        best = np.argmin(refined, axis=1)
        rows = np.arange(envs)
        action = HybridAction(chosen[rows, best], band[rows, best], power_opt[rows, best])
        response_cost = slot_cost(
            score(
                tile_slots(sim, 1),
                response.placement[:, None],
                response.bandwidth[:, None],
                response.power[:, None],
            ),
            envs,
            1,
            sim.active,
        )[:, 0]
        response_ok = self._capacity_ok(response.placement, sim)
        response_ok &= np.take_along_axis(mask, response.placement[..., None], axis=2).all(
            axis=(1, 2)
        )
        use_response = response_ok & (response_cost < refined[rows, best])
        for name in ("placement", "bandwidth", "power"):
            value = getattr(action, name)
            value[use_response] = getattr(response, name)[use_response]
        return action


register_policy("oracle", lambda config, path: OraclePolicy(config))
