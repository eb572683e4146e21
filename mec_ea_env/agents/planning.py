"""What-if scoring of candidate actions with the simulator's own physics, shared by planners.

Centralised planners (best response, the oracle) score many candidate actions of the same slot
by playing them on copies of that slot. :func:`tile_slots` stacks ``copies`` clones of every
selected env along the env axis, and :func:`score` plays actions shaped (envs, copies, UEs) in
one vectorised call. Nothing here changes the state of the simulator it reads.
"""

from __future__ import annotations

import numpy as np

from mec_ea_env.simulator import _STATE_ARRAYS, Simulator, StepResult

POWER_GRID = np.array([0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 1.0])
"""Transmit power fractions tried by the one-dimensional power search of the heuristics."""


def tile_slots(sim: Simulator, copies: int, envs: np.ndarray | None = None) -> Simulator:
    """Return a simulator holding ``copies`` clones of each selected env's current slot.

    The clone's env axis is (selected envs x copies), env-major, so results reshape to
    (envs, copies, ...). It shares no mutable array with ``sim``.
    """
    if envs is None:
        envs = np.arange(sim.num_envs)
    clone = Simulator.__new__(Simulator)
    clone.__dict__.update(sim.__dict__)
    clone.num_envs = len(envs) * copies
    clone.rng = np.random.default_rng(0)
    for name in _STATE_ARRAYS:
        value = getattr(sim, name)[envs]
        setattr(clone, name, np.repeat(value, copies, axis=0))
    return clone


def score(
    tiled: Simulator, placement: np.ndarray, bandwidth: np.ndarray, power: np.ndarray
) -> StepResult:
    """Play candidate actions shaped (envs, copies, UEs) on a :func:`tile_slots` simulator.

    The result's per-UE arrays keep the flat (envs x copies, UEs) shape of the simulator.
    """
    envs, copies, ues = placement.shape
    flat = (envs * copies, ues)
    return tiled.play(
        placement.reshape(flat).astype(np.int64),
        np.broadcast_to(bandwidth, placement.shape).reshape(flat),
        np.broadcast_to(power, placement.shape).reshape(flat),
    )


def slot_cost(result: StepResult, envs: int, copies: int, active: np.ndarray) -> np.ndarray:
    """Return the mean cost over active UEs of each candidate, shape (envs, copies).

    ``active`` is the (envs, UEs) activity of the original envs. This is minus the shared
    reward, the quantity the oracle minimises whatever the reward mode.
    """
    cost = result.cost.reshape(envs, copies, -1)
    count = np.maximum(active.sum(axis=1), 1)[:, None]
    return cost.sum(axis=2) / count


def server_counts(placement: np.ndarray, num_servers: int) -> np.ndarray:
    """Return how many UEs each server is asked for, shape (..., num_servers)."""
    one_hot = placement[..., None] == np.arange(1, num_servers + 1)
    return one_hot.sum(axis=-2)


def coordinate_descent(
    sim: Simulator,
    placement: np.ndarray,
    power: np.ndarray,
    allowed: np.ndarray,
    power_grid: np.ndarray,
    max_rounds: int,
    own_reward: bool,
    capacity: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Revise each UE's placement and power in turn until no UE changes (or ``max_rounds``).

    Candidates of UE i are local (power irrelevant) and every server with every power of
    ``power_grid``. Everyone else keeps their current choice, and bandwidth requests are 1
    (equal shares). With ``own_reward`` a UE maximises its own reward of the configured reward
    mode, which is a best response. Otherwise it minimises the mean slot cost, the team objective.
    ``allowed`` (envs, UEs, M + 1) masks placements; with ``capacity`` (servers,) a move that
    would put more UEs on a server than it holds is not taken. Envs in which a whole round
    changed nothing are not played again. Returns the new (placement, power).
    """
    envs, ues = placement.shape
    m = sim.num_servers
    options = np.concatenate([[0], np.repeat(np.arange(1, m + 1), power_grid.size)])
    powers = np.concatenate([[1.0], np.tile(power_grid, m)])
    copies = options.size
    placement = placement.copy()
    power = power.copy()
    live = np.arange(envs)

    for _ in range(max_rounds):
        tiled = tile_slots(sim, copies, envs=live)
        changed = np.zeros(live.size, dtype=bool)
        rows = np.arange(live.size)
        ones = np.ones((live.size, 1, ues))
        for i in range(ues):
            cand_place = np.repeat(placement[live, None, :], copies, axis=1)
            cand_power = np.repeat(power[live, None, :], copies, axis=1)
            cand_place[:, :, i] = options
            cand_power[:, :, i] = powers
            result = score(tiled, cand_place, ones, cand_power)
            if own_reward:
                value = -result.reward.reshape(live.size, copies, ues)[:, :, i]
            else:
                value = slot_cost(result, live.size, copies, sim.active[live])
            ok = allowed[live][:, i, options]
            if capacity is not None:
                ok &= (server_counts(cand_place, m) <= capacity).all(axis=-1)
            value = np.where(ok, value, np.inf)
            same_power = (powers == power[live, i, None]) | (options == 0)
            current = (options == placement[live, i, None]) & same_power
            current_value = np.where(current, value, np.inf).min(axis=1)
            best = np.argmin(value, axis=1)
            better = value[rows, best] < current_value - 1e-9
            if better.any():
                changed |= better
                placement[live[better], i] = options[best[better]]
                power[live[better], i] = powers[best[better]]
        live = live[changed]
        if live.size == 0:
            break
    return placement, power
