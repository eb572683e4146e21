"""PettingZoo's own API test suite run on every preset, plus state and pickle checks.

The episodes are cut short with ``max_cycles`` so the whole file stays fast: the "large" preset
has 200 UEs and 16 servers. PettingZoo's api_test warns that a Dict action space is unusual;
that warning is expected, because the action of this env is hybrid by design.
"""

import pickle
import warnings

import numpy as np
import pytest
from gymnasium import spaces
from pettingzoo.test import (
    api_test,
    max_cycles_test,
    parallel_api_test,
    parallel_seed_test,
    render_test,
    state_test,
)

import mec_ea_env
from mec_ea_env import mec_ea_v0

SCENARIOS = mec_ea_env.SCENARIO_NAMES
CYCLES = {"small": 8, "paper": 6, "dense": 4, "large": 3}
"""Episode length per preset: enough for a truncation inside every test, small for speed."""


def _parallel(scenario, **kwargs):
    return mec_ea_env.parallel_env(scenario, max_cycles=CYCLES[scenario], **kwargs)


def _aec(scenario, **kwargs):
    return mec_ea_env.env(scenario, max_cycles=CYCLES[scenario], **kwargs)


def _sample_actions(env, seed):
    rng = np.random.default_rng(seed)
    m = env.num_servers
    return {
        agent: {
            "placement": int(rng.integers(0, m + 1)),
            "bandwidth": rng.random(1).astype(np.float32),
            "power": rng.random(1).astype(np.float32),
        }
        for agent in env.agents
    }


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_parallel_api(scenario):
    parallel_api_test(_parallel(scenario), num_cycles=CYCLES[scenario] + 2)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_aec_api(scenario):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Action space for each agent probably")
        api_test(_aec(scenario), num_cycles=CYCLES[scenario] + 2)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_parallel_seed(scenario):
    parallel_seed_test(lambda: _parallel(scenario), num_cycles=CYCLES[scenario] + 2)


def test_max_cycles():
    max_cycles_test(mec_ea_v0)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_render_modes(scenario):
    def make(render_mode=None):
        return _aec(scenario, render_mode=render_mode)

    custom = {"ansi": lambda text: text.startswith("slot ") and "server" in text}
    render_test(make, custom_tests=custom)


@pytest.mark.parametrize("scenario", ["small", "paper"])
def test_rgb_array_shape(scenario):
    env = _parallel(scenario, render_mode="rgb_array")
    env.reset(seed=0)
    env.step(_sample_actions(env, 0))
    image = env.render()
    assert image.dtype == np.uint8
    assert image.ndim == 3
    assert image.shape[2] == 3
    assert image.std() > 0, "the picture is blank"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_state(scenario):
    state_test(_aec(scenario), _parallel(scenario), num_cycles=CYCLES[scenario])


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_state_inside_space_every_step(scenario):
    env = _parallel(scenario)
    env.reset(seed=3)
    assert isinstance(env.state_space, spaces.Box)
    assert np.isfinite(env.state_space.low).all()
    assert np.isfinite(env.state_space.high).all()
    step = 0
    while env.agents:
        state = env.state()
        assert state.shape == env.state_space.shape
        assert state.dtype == np.float32
        assert env.state_space.contains(state), f"state outside state_space at step {step}"
        env.step(_sample_actions(env, step))
        step += 1
    assert env.state_space.contains(env.state())


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_state_starts_with_observations(scenario):
    env = _parallel(scenario)
    observations, _ = env.reset(seed=4)
    obs_dim = env.observation_space("ue_0").shape[0]
    state = env.state()
    for i, agent in enumerate(env.possible_agents):
        np.testing.assert_array_equal(state[i * obs_dim : (i + 1) * obs_dim], observations[agent])


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_spaces_same_object(scenario):
    env = _parallel(scenario)
    for agent in env.possible_agents:
        assert env.observation_space(agent) is env.observation_space(agent)
        assert env.action_space(agent) is env.action_space(agent)
    space = env.action_space("ue_0")
    assert set(space.spaces) == {"placement", "bandwidth", "power"}
    assert space["placement"].n == env.num_servers + 1
    assert env.metadata["name"] == "mec_ea_v0"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_step_outputs_python_types(scenario):
    env = _parallel(scenario)
    env.reset(seed=5)
    while env.agents:
        _, rewards, terminations, truncations, infos = env.step(_sample_actions(env, 1))
        for agent in rewards:
            assert type(rewards[agent]) is float
            assert type(terminations[agent]) is bool
            assert type(truncations[agent]) is bool
    for agent in env.possible_agents:
        assert truncations[agent] is True
        assert infos[agent]["TimeLimit.truncated"] is True
    assert env.agents == []


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_pickle_round_trip(scenario):
    env = _parallel(scenario)
    env.reset(seed=6)
    env.step(_sample_actions(env, 0))
    copy = pickle.loads(pickle.dumps(env))
    assert copy.agents == env.agents
    np.testing.assert_array_equal(copy.state(), env.state())

    step = 1
    while env.agents:
        actions = _sample_actions(env, step)
        obs_a, rew_a, term_a, trunc_a, _ = env.step(actions)
        obs_b, rew_b, term_b, trunc_b, _ = copy.step(actions)
        assert rew_a == rew_b, f"rewards differ after unpickling at step {step}"
        assert term_a == term_b
        assert trunc_a == trunc_b
        for agent in obs_a:
            np.testing.assert_array_equal(obs_a[agent], obs_b[agent])
        step += 1


def test_pickle_before_reset():
    env = _parallel("small")
    copy = pickle.loads(pickle.dumps(env))
    obs_a, _ = env.reset(seed=7)
    obs_b, _ = copy.reset(seed=7)
    for agent in obs_a:
        np.testing.assert_array_equal(obs_a[agent], obs_b[agent])
