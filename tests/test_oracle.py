"""Per-slot oracle: feasibility, agreement with brute force on `small`, and calibration figures."""

import itertools

import numpy as np
import pytest

from mec_ea_env.agents.baselines import BestResponsePolicy
from mec_ea_env.agents.oracle import OraclePolicy
from mec_ea_env.agents.planning import score, server_counts, slot_cost, tile_slots
from mec_ea_env.evaluation.harness import episode_reward_floor, evaluate_policies
from mec_ea_env.scenarios import make_config
from mec_ea_env.vector import VectorMECEnv

BRUTE_FORCE_TOLERANCE = 0.001
"""Slack (cost units, mean over UEs) by which the grid may beat the oracle's continuous search.
The grid has bandwidth steps of 0.1 and 12 power levels, so a grid point can lie nearer a better
local optimum than the one the oracle's gradient search reached."""


def _play_oracle(scenario, num_envs, slots, seed, **overrides):
    env = VectorMECEnv(num_envs=num_envs, scenario=scenario, autoreset=False, **overrides)
    oracle = OraclePolicy(env.config)
    obs, infos = env.reset(seed=seed)
    for _ in range(slots):
        mask = infos["placement_mask"]
        action = oracle.act(obs, mask, env.sim)
        yield env, action, mask
        obs, _, _, _, infos = env.step(action.placement, action.bandwidth, action.power)
        assert not infos["rejected"].any()


@pytest.mark.parametrize(("scenario", "num_ues"), [("small", None), ("dense", 24)])
def test_oracle_feasible(scenario, num_ues):
    # The dense variant has room for 4 UEs per server, so capacity binds and is really checked.
    overrides = {} if num_ues is None else {"num_ues": num_ues, "compute.server_memory_bytes": 6e9}
    full_servers = 0
    for env, action, mask in _play_oracle(scenario, 2, 3, seed=4, **overrides):
        sim = env.sim
        counts = server_counts(action.placement, sim.num_servers)
        assert (counts <= sim.server_capacity).all(), counts
        full_servers += int((counts == sim.server_capacity).sum())
        local = action.placement == 0
        assert mask[..., 0][local].all(), "local chosen for a UE without the memory"
        assert ((action.bandwidth >= 0) & (action.bandwidth <= 1)).all()
        assert ((action.power >= 0) & (action.power <= 1)).all()
    if num_ues is not None:
        assert full_servers > 0, "capacity never bound, so the check proves nothing"


def _simplex(parts, step):
    grid = np.round(np.arange(0, 1 + 1e-9, step), 6)
    return [c for c in itertools.product(grid, repeat=parts) if abs(sum(c) - 1) < 1e-6]


def _brute_force_cost(sim, placement):
    """Return the lowest slot cost over a grid of bandwidth and power for fixed placements."""
    ues = placement.size
    edge = np.flatnonzero(placement > 0)
    powers = np.linspace(0.05, 1.0, 12)
    band_choices = []
    for server in np.unique(placement[edge]):
        members = edge[placement[edge] == server]
        band_choices.append([(members, split) for split in _simplex(len(members), 0.1)])
    rows_b, rows_p = [], []
    for splits in itertools.product(*band_choices):
        bandwidth = np.ones(ues)
        for members, split in splits:
            bandwidth[members] = split
        for pw in itertools.product(powers, repeat=len(edge)):
            power = np.ones(ues)
            power[edge] = pw
            rows_b.append(bandwidth)
            rows_p.append(power)
    bandwidth = np.array(rows_b)[None]
    power = np.array(rows_p)[None]
    copies = bandwidth.shape[1]
    tiled = tile_slots(sim, copies, envs=np.array([0]))
    place = np.broadcast_to(placement, (1, copies, ues))
    cost = slot_cost(score(tiled, place, bandwidth, power), 1, copies, sim.active[:1])
    return cost.min()


def test_oracle_matches_brute_force_on_small():
    checked = 0
    for env, action, _ in _play_oracle("small", 1, 6, seed=7):
        if not (action.placement > 0).any():
            continue
        sim = env.sim
        one = tile_slots(sim, 1)
        oracle_cost = slot_cost(
            score(one, action.placement[:, None], action.bandwidth[:, None], action.power[:, None]),
            1,
            1,
            sim.active,
        )[0, 0]
        grid_cost = _brute_force_cost(sim, action.placement[0])
        assert oracle_cost <= grid_cost + BRUTE_FORCE_TOLERANCE, (oracle_cost, grid_cost)
        checked += 1
    assert checked >= 3


def test_oracle_not_worse_than_best_response_per_slot():
    for env, action, mask in _play_oracle("paper", 2, 2, seed=5):
        sim = env.sim
        response = BestResponsePolicy(env.config).act(sim.observe(), mask, sim)
        one = tile_slots(sim, 1)
        costs = [
            slot_cost(
                score(one, a.placement[:, None], a.bandwidth[:, None], a.power[:, None]),
                2,
                1,
                sim.active,
            )[:, 0]
            for a in (action, response)
        ]
        assert (costs[0] <= costs[1] + 1e-9).all(), costs


@pytest.fixture(scope="module")
def paper_run():
    config = make_config("paper", max_cycles=10)
    policies = ["random", "all-local", "nearest-edge", "greedy", "best-response", "oracle"]
    return evaluate_policies(config, policies, episodes=4, seed=0, show_progress=False)


def test_paper_ranking_in_mean_reward(paper_run):
    reward = {row["policy"]: row["reward_mean"] for row in paper_run.summary}
    assert reward["oracle"] >= reward["best-response"]
    assert reward["best-response"] >= reward["greedy"]
    assert reward["greedy"] > reward["random"]


def test_paper_oracle_edge_share(paper_run):
    share = paper_run.summary_of("oracle")["edge_share"]
    assert 0.2 <= share <= 0.8


def test_paper_decentralised_gap(paper_run):
    oracle = paper_run.summary_of("oracle")["reward_mean"]
    best = max(
        paper_run.summary_of(p)["reward_mean"] for p in ("all-local", "nearest-edge", "greedy")
    )
    assert (oracle - best) / abs(oracle) >= 0.05


def test_paper_rewards_above_floor(paper_run):
    floor = episode_reward_floor(paper_run.config)
    lowest = min(row["reward"] for row in paper_run.per_episode)
    assert lowest >= floor


def test_paper_equal_shares_worse_than_oracle():
    gaps = []
    for env, action, _ in _play_oracle("paper", 2, 2, seed=1):
        sim = env.sim
        one = tile_slots(sim, 1)
        full = np.ones_like(action.power)
        tuned, equal = (
            slot_cost(
                score(one, action.placement[:, None], b[:, None], p[:, None]), 2, 1, sim.active
            )[:, 0]
            for b, p in ((action.bandwidth, action.power), (full, full))
        )
        gaps.append((equal - tuned) / np.abs(tuned))
    assert np.mean(gaps) >= 0.02
