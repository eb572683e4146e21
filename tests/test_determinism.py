"""Whole-episode determinism, and equality of the ParallelEnv and the vector API for B = 1.

PettingZoo's seed test has compared only the first steps in some releases, so these tests play
every slot of an episode and compare every observation, reward, flag and info value.
"""

import numpy as np
import pytest

import mec_ea_env
from mec_ea_env.vector import INFO_KEYS

SCENARIOS = mec_ea_env.SCENARIO_NAMES
CYCLES = {"small": 25, "paper": 20, "dense": 10, "large": 5}


def _action_plan(num_steps, num_ues, num_servers, seed):
    """Return a fixed action sequence: (steps, N) placements and fractions, some outside [0, 1]."""
    rng = np.random.default_rng(seed)
    placement = rng.integers(0, num_servers + 1, size=(num_steps, num_ues))
    bandwidth = rng.uniform(-0.1, 1.1, size=(num_steps, num_ues))
    power = rng.uniform(-0.1, 1.1, size=(num_steps, num_ues))
    return placement, bandwidth, power


def _as_dict(agents, placement, bandwidth, power):
    return {
        agent: {
            "placement": int(placement[i]),
            "bandwidth": np.array([bandwidth[i]], dtype=np.float32),
            "power": np.array([power[i]], dtype=np.float32),
        }
        for i, agent in enumerate(agents)
    }


def _run_parallel(scenario, seed, plan):
    """Play one whole episode; return the list of (obs, rewards, terms, truncs, infos) records."""
    env = mec_ea_env.parallel_env(scenario, max_cycles=CYCLES[scenario])
    obs, infos = env.reset(seed=seed)
    records = [(obs, {}, {}, {}, infos)]
    step = 0
    while env.agents:
        actions = _as_dict(env.agents, plan[0][step], plan[1][step], plan[2][step])
        records.append(env.step(actions))
        step += 1
    return records


def _assert_records_equal(first, second):
    assert len(first) == len(second)
    for step, (a, b) in enumerate(zip(first, second, strict=True)):
        obs_a, rew_a, term_a, trunc_a, info_a = a
        obs_b, rew_b, term_b, trunc_b, info_b = b
        assert obs_a.keys() == obs_b.keys()
        for agent in obs_a:
            np.testing.assert_array_equal(obs_a[agent], obs_b[agent], err_msg=f"step {step}")
        assert rew_a == rew_b, f"rewards differ at step {step}"
        assert term_a == term_b, f"terminations differ at step {step}"
        assert trunc_a == trunc_b, f"truncations differ at step {step}"
        assert info_a.keys() == info_b.keys()
        for agent in info_a:
            assert info_a[agent].keys() == info_b[agent].keys()
            for key, value in info_a[agent].items():
                np.testing.assert_array_equal(
                    value, info_b[agent][key], err_msg=f"infos[{agent}][{key}] at step {step}"
                )


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_same_seed_same_episode(scenario):
    cfg = mec_ea_env.make_config(scenario)
    plan = _action_plan(CYCLES[scenario], cfg.num_ues, cfg.num_servers, seed=11)
    first = _run_parallel(scenario, 123, plan)
    second = _run_parallel(scenario, 123, plan)
    assert len(first) == CYCLES[scenario] + 1
    _assert_records_equal(first, second)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_different_seed_differs(scenario):
    cfg = mec_ea_env.make_config(scenario)
    plan = _action_plan(CYCLES[scenario], cfg.num_ues, cfg.num_servers, seed=11)
    first = _run_parallel(scenario, 1, plan)
    second = _run_parallel(scenario, 2, plan)
    assert not np.array_equal(first[0][0]["ue_0"], second[0][0]["ue_0"])
    rewards_a = [list(record[1].values()) for record in first[1:]]
    rewards_b = [list(record[1].values()) for record in second[1:]]
    assert rewards_a != rewards_b


def test_reset_without_seed_continues_stream():
    env = mec_ea_env.parallel_env("small")
    first, _ = env.reset(seed=5)
    second, _ = env.reset()
    assert not np.array_equal(first["ue_0"], second["ue_0"])


def test_reseed_restarts_episode():
    env = mec_ea_env.parallel_env("small", max_cycles=10)
    plan = _action_plan(10, 3, 2, seed=3)
    obs, _ = env.reset(seed=9)
    rewards_first = []
    for step in range(10):
        _, rewards, _, _, _ = env.step(_as_dict(env.agents, *(p[step] for p in plan)))
        rewards_first.append(rewards)
    obs_again, _ = env.reset(seed=9)
    np.testing.assert_array_equal(obs["ue_1"], obs_again["ue_1"])
    for step in range(10):
        _, rewards, _, _, _ = env.step(_as_dict(env.agents, *(p[step] for p in plan)))
        assert rewards == rewards_first[step]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_parallel_matches_vector(scenario):
    cycles = CYCLES[scenario]
    env = mec_ea_env.parallel_env(scenario, max_cycles=cycles)
    vec = mec_ea_env.VectorMECEnv(num_envs=1, scenario=scenario, max_cycles=cycles)
    agents = env.possible_agents
    plan = _action_plan(cycles, len(agents), env.num_servers, seed=21)

    obs_p, info_p = env.reset(seed=77)
    obs_v, info_v = vec.reset(seed=77)
    np.testing.assert_array_equal(np.stack([obs_p[a] for a in agents]), obs_v[0])
    np.testing.assert_array_equal(
        np.stack([info_p[a]["placement_mask"] for a in agents]), info_v["placement_mask"][0]
    )
    np.testing.assert_array_equal(env.state(), vec.state()[0])

    for step in range(cycles):
        placement, bandwidth, power = (p[step] for p in plan)
        obs_p, rew_p, term_p, trunc_p, info_p = env.step(
            _as_dict(agents, placement, bandwidth, power)
        )
        # The parallel env passes float32 fractions, so the vector API gets the same values.
        obs_v, rew_v, term_v, trunc_v, info_v = vec.step(
            placement[None],
            bandwidth[None].astype(np.float32),
            power[None].astype(np.float32),
        )
        last = step == cycles - 1
        vec_obs = info_v["final_observation"][0] if last else obs_v[0]
        np.testing.assert_array_equal(
            np.stack([obs_p[a] for a in agents]), vec_obs, err_msg=f"step {step}"
        )
        np.testing.assert_array_equal(
            np.array([rew_p[a] for a in agents], dtype=np.float32), rew_v[0]
        )
        assert [term_p[a] for a in agents] == term_v[0].tolist()
        assert [trunc_p[a] for a in agents] == trunc_v[0].tolist()
        assert bool(info_v["done_envs"][0]) is last
        for key in INFO_KEYS + ("clipped",):
            np.testing.assert_array_equal(
                np.array([info_p[a][key] for a in agents]),
                info_v[key][0],
                err_msg=f"infos key {key} at step {step}",
            )
        if not last:
            np.testing.assert_array_equal(env.state(), vec.state()[0])
    assert env.agents == []


def test_vector_reward_float32():
    """The ParallelEnv's float rewards, cast to float32, equal the vector API's float32 ones."""
    env = mec_ea_env.parallel_env("small", max_cycles=3)
    env.reset(seed=1)
    _, rewards, _, _, _ = env.step(_as_dict(env.agents, [1, 2, 0], [0.5, 0.5, 0.5], [1, 1, 1]))
    vec = mec_ea_env.VectorMECEnv(num_envs=1, scenario="small", max_cycles=3)
    vec.reset(seed=1)
    _, rew_v, _, _, _ = vec.step([[1, 2, 0]], np.full((1, 3), 0.5, np.float32), np.ones((1, 3)))
    assert rew_v.dtype == np.float32
    np.testing.assert_array_equal(np.float32(list(rewards.values())), rew_v[0])


def test_vector_batch_reproducible():
    """Two B = 3 batches from the same seed agree, and the envs inside a batch differ.

    All envs of a batch draw from one generator, so env 0 of a B = 3 batch is not the episode
    that B = 1 plays from the same seed.
    """
    plan = _action_plan(5, 20, 4, seed=2)
    runs = []
    for _ in range(2):
        vec = mec_ea_env.VectorMECEnv(num_envs=3, scenario="paper", max_cycles=5)
        obs, _ = vec.reset(seed=8)
        rewards = []
        for step in range(5):
            tiled = [np.repeat(p[step][None], 3, axis=0) for p in plan]
            _, rew, _, _, _ = vec.step(*tiled)
            rewards.append(rew)
        runs.append((obs, np.stack(rewards)))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    assert not np.array_equal(runs[0][0][0], runs[0][0][1])
