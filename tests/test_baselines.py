"""Baselines: actions inside the action space on every preset, and their ranking in reward."""

import numpy as np
import pytest

import mec_ea_env
from mec_ea_env.agents.baselines import BestResponsePolicy, GreedyPolicy
from mec_ea_env.agents.registry import make_policy
from mec_ea_env.evaluation.harness import evaluate_policies
from mec_ea_env.scenarios import make_config
from mec_ea_env.vector import VectorMECEnv

BASELINES = ("random", "all-local", "nearest-edge", "greedy", "best-response")


def _policy(name, config):
    if name == "best-response" and config.num_ues > 50:
        return BestResponsePolicy(config, max_rounds=1)  # keeps the 200-UE preset fast
    return make_policy(name, config)


@pytest.mark.parametrize("scenario", mec_ea_env.SCENARIO_NAMES)
@pytest.mark.parametrize("name", BASELINES)
def test_baseline_actions_in_space(scenario, name):
    num_envs = 1 if scenario == "large" else 2
    env = VectorMECEnv(num_envs=num_envs, scenario=scenario, autoreset=False, max_cycles=3)
    policy = _policy(name, env.config)
    spaces = mec_ea_env.parallel_env(scenario)
    agents = spaces.possible_agents
    obs, infos = env.reset(seed=3)
    policy.reset(env.sim, seed=3)
    for _ in range(2):
        action = policy.act(obs, infos["placement_mask"], env.sim)
        shape = (num_envs, env.num_ues)
        assert action.placement.shape == shape
        assert action.bandwidth.shape == shape
        assert action.power.shape == shape
        for e in range(num_envs):
            for agent, value in action.as_dicts(agents, e).items():
                assert spaces.action_space(agent).contains(value), (agent, value)
        obs, _, _, _, infos = env.step(action.placement, action.bandwidth, action.power)


def test_all_local_respects_memory():
    env = VectorMECEnv(num_envs=4, scenario="paper", autoreset=False)
    obs, infos = env.reset(seed=0)
    mask = infos["placement_mask"]
    assert not mask[..., 0].all(), "seed 0 should contain a UE without memory for local"
    action = make_policy("all-local", env.config).act(obs, mask, env.sim)
    assert (action.placement[mask[..., 0]] == 0).all()
    assert (action.placement[~mask[..., 0]] > 0).all()


def test_greedy_uses_only_own_row():
    """Changing one UE's observation row changes no other UE's greedy action."""
    env = VectorMECEnv(num_envs=1, scenario="paper", autoreset=False)
    obs, infos = env.reset(seed=1)
    policy = GreedyPolicy(env.config)
    before = policy.act(obs, infos["placement_mask"], None)
    changed = obs.copy()
    changed[0, 0] = obs[0, 5]
    after = policy.act(changed, infos["placement_mask"], None)
    assert np.array_equal(before.placement[0, 1:], after.placement[0, 1:])
    assert np.array_equal(before.power[0, 1:], after.power[0, 1:])


def test_best_response_no_profitable_move():
    """After convergence no single UE can raise its reward by a grid move."""
    config = make_config("small")
    env = VectorMECEnv(num_envs=3, scenario=config, autoreset=False)
    obs, infos = env.reset(seed=2)
    policy = BestResponsePolicy(config, max_rounds=20)
    action = policy.act(obs, infos["placement_mask"], env.sim)
    again = policy.improve(action, infos["placement_mask"], env.sim)
    assert np.array_equal(again.placement, action.placement)
    assert np.array_equal(again.power, action.power)


@pytest.mark.parametrize(("scenario", "episodes", "slots"), [("small", 12, 20)])
def test_ranking_in_mean_reward(scenario, episodes, slots):
    config = make_config(scenario, max_cycles=slots)
    result = evaluate_policies(
        config,
        ["random", "greedy", "best-response", "oracle"],
        episodes,
        seed=0,
        show_progress=False,
    )
    reward = {row["policy"]: row["reward_mean"] for row in result.summary}
    assert reward["oracle"] >= reward["best-response"]
    assert reward["best-response"] >= reward["greedy"]
    assert reward["greedy"] > reward["random"]


# The same ranking on `paper` is checked in test_oracle.py, on the run its calibration tests share.
