"""Bad input raises a ValueError that names what is wrong; hard but valid input stays finite.

Covers malformed actions of both faces (ParallelEnv and VectorMECEnv), misuse of the episode
life cycle, configuration validation, and extreme scenarios that must play without NaN, inf or
a crash.
"""

import copy
import re
import warnings

import numpy as np
import pytest

import mec_ea_env
from mec_ea_env.simulator import NOT_SERVED


def _env(scenario="small", **overrides):
    env = mec_ea_env.parallel_env(scenario, **overrides)
    env.reset(seed=0)
    return env


def _good_actions(env, placement=1, bandwidth=0.5, power=0.5):
    return {
        agent: {"placement": placement, "bandwidth": bandwidth, "power": power}
        for agent in env.agents
    }


def _with(env, agent, key, value):
    actions = _good_actions(env)
    actions[agent][key] = value
    return actions


def _assert_step_finite(env, actions):
    """Step once with no numpy warning; check every number returned is finite."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        observations, rewards, _, _, infos = env.step(actions)
    for agent in observations:
        assert np.isfinite(observations[agent]).all(), agent
        assert env.observation_space(agent).contains(observations[agent]), agent
        assert np.isfinite(rewards[agent]), agent
        for key in ("latency_s", "energy_j", "cost", "uplink_rate_bps", "downlink_rate_bps"):
            assert np.isfinite(infos[agent][key]), (agent, key)
        assert infos[agent]["latency_s"] <= env.config.deadline
    assert np.isfinite(env.state()).all()
    return observations, rewards, infos


# --- Malformed action dicts of the ParallelEnv ---------------------------------------------------


def test_missing_agent():
    env = _env()
    actions = _good_actions(env)
    del actions["ue_1"]
    with pytest.raises(ValueError, match=r"missing for agents \['ue_1'\]"):
        env.step(actions)


def test_unknown_agent():
    env = _env()
    actions = _good_actions(env)
    actions["ue_99"] = {"placement": 0, "bandwidth": 0.5, "power": 0.5}
    with pytest.raises(ValueError, match=r"unknown or inactive agents \['ue_99'\]"):
        env.step(actions)


def test_actions_not_a_dict():
    env = _env()
    with pytest.raises(ValueError, match="actions has type list"):
        env.step([0, 1, 2])


def test_agent_action_not_a_dict():
    env = _env()
    actions = _good_actions(env)
    actions["ue_2"] = 1
    with pytest.raises(ValueError, match="agent ue_2: action has type int"):
        env.step(actions)


def test_missing_key():
    env = _env()
    actions = _good_actions(env)
    del actions["ue_0"]["power"]
    with pytest.raises(
        ValueError, match=r"agent ue_0: action has keys \['bandwidth', 'placement'\]"
    ):
        env.step(actions)


def test_extra_key():
    env = _env()
    actions = _with(env, "ue_1", "priority", 3)
    with pytest.raises(ValueError, match=r"agent ue_1: action has keys .*'priority'"):
        env.step(actions)


def test_wrong_shape():
    env = _env()
    actions = _with(env, "ue_1", "bandwidth", np.array([0.1, 0.2]))
    with pytest.raises(
        ValueError, match=r"agent ue_1: bandwidth = \[0\.1, 0\.2\] has shape \(2,\)"
    ):
        env.step(actions)


def test_empty_array():
    env = _env()
    with pytest.raises(ValueError, match=r"agent ue_0: power = \[\] has shape \(0,\)"):
        env.step(_with(env, "ue_0", "power", np.array([])))


def test_placement_array_wrong_shape():
    env = _env()
    with pytest.raises(ValueError, match=r"agent ue_2: placement = \[1, 2\] has shape \(2,\)"):
        env.step(_with(env, "ue_2", "placement", np.array([1, 2])))


@pytest.mark.parametrize("key", ["bandwidth", "power"])
def test_nan_fraction(key):
    env = _env()
    with pytest.raises(ValueError, match=f"agent ue_1: {key} = nan is not finite"):
        env.step(_with(env, "ue_1", key, float("nan")))


@pytest.mark.parametrize("value", [np.inf, -np.inf])
@pytest.mark.parametrize("key", ["bandwidth", "power"])
def test_inf_fraction(key, value):
    env = _env()
    with pytest.raises(ValueError, match=f"agent ue_2: {key} = -?inf is not finite"):
        env.step(_with(env, "ue_2", key, value))


def test_nan_in_float32_array():
    env = _env()
    with pytest.raises(ValueError, match="agent ue_0: power = nan is not finite"):
        env.step(_with(env, "ue_0", "power", np.array([np.nan], dtype=np.float32)))


def test_placement_negative():
    env = _env()
    with pytest.raises(ValueError, match=r"agent ue_0: placement = -1 is out of range.*\[0, 2\]"):
        env.step(_with(env, "ue_0", "placement", -1))


def test_placement_above_servers():
    env = _env()
    with pytest.raises(ValueError, match=r"agent ue_1: placement = 3 is out of range.*\[0, 2\]"):
        env.step(_with(env, "ue_1", "placement", 3))


def test_placement_string():
    env = _env()
    with pytest.raises(ValueError, match="agent ue_0: placement = '1' has type str"):
        env.step(_with(env, "ue_0", "placement", "1"))


def test_placement_float():
    env = _env()
    with pytest.raises(ValueError, match="agent ue_0: placement = 1.0 has type float"):
        env.step(_with(env, "ue_0", "placement", 1.0))


def test_placement_numpy_float():
    env = _env()
    with pytest.raises(ValueError, match="agent ue_1: placement = .*1.0.* has type float32"):
        env.step(_with(env, "ue_1", "placement", np.float32(1.0)))


def test_placement_none():
    env = _env()
    with pytest.raises(ValueError, match="agent ue_2: placement = None has type NoneType"):
        env.step(_with(env, "ue_2", "placement", None))


def test_placement_bool():
    env = _env()
    with pytest.raises(ValueError, match="agent ue_0: placement = True is a bool"):
        env.step(_with(env, "ue_0", "placement", True))


def test_bandwidth_bool():
    env = _env()
    with pytest.raises(ValueError, match="agent ue_1: bandwidth = .*False.* is a bool"):
        env.step(_with(env, "ue_1", "bandwidth", np.bool_(False)))


def test_bandwidth_string():
    env = _env()
    with pytest.raises(ValueError, match="agent ue_0: bandwidth = '0.5' has type str"):
        env.step(_with(env, "ue_0", "bandwidth", "0.5"))


def test_power_none():
    env = _env()
    with pytest.raises(ValueError, match="agent ue_2: power = None has type NoneType"):
        env.step(_with(env, "ue_2", "power", None))


def test_power_list():
    env = _env()
    with pytest.raises(ValueError, match=r"agent ue_2: power = \[0.5\] has type list"):
        env.step(_with(env, "ue_2", "power", [0.5]))


def test_complex_fraction():
    env = _env()
    with pytest.raises(ValueError, match="agent ue_0: bandwidth = .*has type complex"):
        env.step(_with(env, "ue_0", "bandwidth", 0.5 + 1j))


def test_failed_step_keeps_state():
    """A rejected action dict does not advance the episode."""
    env = _env()
    state = env.state().copy()
    with pytest.raises(ValueError):
        env.step(_with(env, "ue_0", "placement", 7))
    np.testing.assert_array_equal(env.state(), state)
    assert int(env.sim.t[0]) == 0


# --- Clipping, accepted types, and the caller's dict ---------------------------------------------


def test_clipping_counted():
    env = _env()
    actions = _good_actions(env)
    actions["ue_0"]["bandwidth"] = 1.7
    actions["ue_0"]["power"] = -0.3
    actions["ue_1"]["power"] = 2.0
    _, _, _, _, infos = env.step(actions)
    assert infos["ue_0"]["clipped"] == 2
    assert infos["ue_1"]["clipped"] == 1
    assert infos["ue_2"]["clipped"] == 0
    assert infos["ue_0"]["power"] == env.config.radio.min_power_fraction
    assert infos["ue_1"]["power"] == 1.0


def test_clipping_same_as_boundary():
    """A bandwidth of 5.0 plays exactly as 1.0; a power of -1 exactly as 0."""
    clipped_env, boundary_env = _env(), _env()
    actions = _good_actions(clipped_env)
    actions["ue_0"].update(bandwidth=5.0, power=-1.0)
    boundary = _good_actions(boundary_env)
    boundary["ue_0"].update(bandwidth=1.0, power=0.0)
    _, rewards_a, _, _, infos_a = clipped_env.step(actions)
    _, rewards_b, _, _, infos_b = boundary_env.step(boundary)
    assert rewards_a == rewards_b
    assert infos_a["ue_0"]["bandwidth"] == infos_b["ue_0"]["bandwidth"]


def test_action_dict_not_mutated():
    env = _env()
    actions = {
        "ue_0": {"placement": np.int64(1), "bandwidth": np.array([1.5]), "power": [0.5][0]},
        "ue_1": {"placement": 2, "bandwidth": np.float32(-0.5), "power": np.array(0.3)},
        "ue_2": {"placement": np.array([0]), "bandwidth": 0.2, "power": np.array([[0.9]])},
    }
    before = copy.deepcopy(actions)
    env.step(actions)
    assert actions.keys() == before.keys()
    for agent in actions:
        assert actions[agent].keys() == before[agent].keys()
        for key, value in actions[agent].items():
            assert type(value) is type(before[agent][key])
            np.testing.assert_array_equal(value, before[agent][key])


@pytest.mark.parametrize(
    "placement",
    [1, np.int64(1), np.int32(1), np.uint8(1), np.array(1), np.array([1]), np.array([[1]])],
    ids=["int", "int64", "int32", "uint8", "0-d", "1-element", "1x1"],
)
def test_placement_forms_accepted(placement):
    env = _env()
    actions = _good_actions(env)
    actions["ue_0"]["placement"] = placement
    _, _, _, _, infos = env.step(actions)
    assert infos["ue_0"]["server"] == 1


@pytest.mark.parametrize(
    "fraction",
    [
        0.25,
        np.float32(0.25),
        np.float64(0.25),
        np.array(0.25),
        np.array([0.25], dtype=np.float32),
        np.array([[0.25]]),
    ],
    ids=["float", "float32", "float64", "0-d", "1-element", "1x1"],
)
def test_fraction_forms_accepted(fraction):
    env = _env()
    actions = _good_actions(env, placement=0)
    actions["ue_0"].update(placement=1, bandwidth=fraction, power=fraction)
    _, _, _, _, infos = env.step(actions)
    assert infos["ue_0"]["bandwidth"] == pytest.approx(0.25)
    assert infos["ue_0"]["power"] == pytest.approx(0.25)


def test_integer_fractions_accepted():
    env = _env()
    actions = _good_actions(env, placement=2, bandwidth=0, power=1)
    _, _, _, _, infos = env.step(actions)
    assert infos["ue_0"]["power"] == 1.0
    assert infos["ue_0"]["bandwidth"] == env.config.radio.min_bandwidth_fraction


def test_sampled_actions_accepted():
    env = _env()
    for agent in env.agents:
        env.action_space(agent).seed(0)
    actions = {agent: env.action_space(agent).sample() for agent in env.agents}
    _assert_step_finite(env, actions)


# --- Episode life cycle --------------------------------------------------------------------------


def test_step_before_reset():
    env = mec_ea_env.parallel_env("small")
    with pytest.raises(RuntimeError, match=r"before reset\(\)"):
        env.step({"ue_0": {"placement": 0, "bandwidth": 0.5, "power": 0.5}})


def test_step_after_episode_end():
    env = _env(max_cycles=2)
    env.step(_good_actions(env))
    env.step(_good_actions(env))
    assert env.agents == []
    with pytest.raises(RuntimeError, match="after the episode ended"):
        env.step({})


def test_reset_after_episode_end():
    env = _env(max_cycles=1)
    env.step(_good_actions(env))
    observations, _ = env.reset(seed=1)
    assert set(observations) == set(env.possible_agents)
    _assert_step_finite(env, _good_actions(env))


def test_battery_termination_removes_agents():
    """With a 1 J budget every UE empties its battery in the first slot and leaves env.agents."""
    env = _env(battery_j=1.0)
    _, _, terminations, truncations, _ = env.step(_good_actions(env, placement=0))
    assert all(terminations.values())
    assert not any(truncations.values())
    assert env.agents == []
    with pytest.raises(RuntimeError, match="after the episode ended"):
        env.step({})


# --- Hard but valid scenes -----------------------------------------------------------------------


def test_zero_bandwidth_and_power():
    env = _env("paper")
    for placement in range(env.num_servers + 1):
        _, _, infos = _assert_step_finite(env, _good_actions(env, placement, 0.0, 0.0))
        if placement >= 1:
            for info in infos.values():
                if info["server"] >= 1:
                    assert info["bandwidth"] > 0.0
                    assert info["power"] == env.config.radio.min_power_fraction


def test_ue_on_server_position():
    env = _env("small", mobility="static")
    env.sim.position[0, :] = env.sim.server_position[0, 0]
    env.sim._update_gain()
    assert (env.sim.distance[0, :, 0] == 0.0).all()
    _, _, infos = _assert_step_finite(env, _good_actions(env, placement=1))
    assert all(info["uplink_rate_bps"] > 1e6 for info in infos.values())


def test_ue_at_far_corner():
    env = _env("paper", mobility="static")
    area = env.config.area_m
    env.sim.position[0, :] = [area, area]
    env.sim._update_gain()
    for placement in range(env.num_servers + 1):
        _assert_step_finite(env, _good_actions(env, placement, 1.0, 1.0))


def test_ue_at_origin_corner():
    env = _env("small", mobility="static")
    env.sim.position[0, :] = [0.0, 0.0]
    env.sim._update_gain()
    _assert_step_finite(env, _good_actions(env, placement=2))


@pytest.mark.parametrize("scenario", mec_ea_env.SCENARIO_NAMES)
def test_all_ues_on_one_server(scenario):
    env = _env(scenario, max_cycles=3)
    while env.agents:
        _, _, infos = _assert_step_finite(env, _good_actions(env, placement=1, bandwidth=1.0))
        served = [info for info in infos.values() if info["server"] == 1]
        assert sum(info["bandwidth"] for info in served) <= 1.0 + 1e-9


def test_full_server_rejections_reported():
    """In "dense" a 12 GB server fits 10 UEs; 60 UEs asking for server 1 leave 50 rejected."""
    env = _env("dense")
    capacity = int(env.sim.server_capacity[0])
    assert capacity == 10
    _, rewards, infos = _assert_step_finite(env, _good_actions(env, placement=1))
    rejected = [agent for agent, info in infos.items() if info["rejected"]]
    assert len(rejected) == env.config.num_ues - capacity
    for agent in rejected:
        assert infos[agent]["server"] == NOT_SERVED
        assert infos[agent]["deadline_miss"]
        assert infos[agent]["quality"] == 0.0
        assert infos[agent]["latency_s"] == env.config.deadline
    served = [info for info in infos.values() if info["server"] == 1]
    assert len(served) == capacity


def test_server_too_small_for_any_ue():
    """A server whose memory does not fit the emulator admits no UE: every edge UE is rejected."""
    env = _env("small", server_memory_bytes=1e9)
    assert env.sim.server_capacity.tolist() == [0, 0]
    _, _, infos = _assert_step_finite(env, _good_actions(env, placement=2))
    assert all(info["rejected"] for info in infos.values())


def test_no_ue_fits_locally():
    env = _env("small", ue_memory_min_bytes=1e9, ue_memory_max_bytes=2e9)
    _, _, infos = _assert_step_finite(env, _good_actions(env, placement=0))
    assert all(info["rejected"] for info in infos.values())
    assert not env.sim.placement_mask()[0, :, 0].any()


def test_area_above_maximum_rejected():
    with pytest.raises(ValueError, match="area_m = 1e\\+100"):
        _env("small", area_m=1e100)


@pytest.mark.parametrize("area_m", [1e5, 1e7])
def test_huge_area(area_m):
    env = _env("small", area_m=area_m)
    for placement in (0, 1, 2):
        _, _, infos = _assert_step_finite(env, _good_actions(env, placement, 1.0, 1.0))
        for info in infos.values():
            if info["server"] >= 1:
                assert info["deadline_miss"]


def test_tiny_area():
    env = _env("small", area_m=1e-3)
    _assert_step_finite(env, _good_actions(env, placement=1))


def test_one_ue_one_server():
    env = _env("small", num_ues=1, num_servers=1, max_cycles=5)
    assert env.possible_agents == ["ue_0"]
    while env.agents:
        _assert_step_finite(env, _good_actions(env, placement=1))


def test_large_scenario_steps():
    env = _env("large", max_cycles=2)
    rng = np.random.default_rng(0)
    while env.agents:
        actions = {
            agent: {
                "placement": int(rng.integers(0, env.num_servers + 1)),
                "bandwidth": float(rng.random()),
                "power": float(rng.random()),
            }
            for agent in env.agents
        }
        _assert_step_finite(env, actions)


def test_extreme_radio_settings():
    env = _env(
        "small",
        bandwidth_hz=1.0,
        downlink_bandwidth_hz=1.0,
        ue_max_power_dbm=-100.0,
        server_power_dbm=-100.0,
        shadowing_std_db=40.0,
    )
    _assert_step_finite(env, _good_actions(env, placement=1))


# --- Vector API ----------------------------------------------------------------------------------


def _vec(num_envs=2, **overrides):
    vec = mec_ea_env.VectorMECEnv(num_envs=num_envs, scenario="small", **overrides)
    vec.reset(seed=0)
    return vec


def _vec_actions(vec):
    shape = (vec.num_envs, vec.num_ues)
    return np.ones(shape, dtype=np.int64), np.full(shape, 0.5), np.full(shape, 0.5)


def test_vector_step_before_reset():
    vec = mec_ea_env.VectorMECEnv(num_envs=2, scenario="small")
    with pytest.raises(RuntimeError, match=r"before reset\(\)"):
        vec.step(*_vec_actions(vec))


def test_vector_placement_shape():
    vec = _vec()
    placement, bandwidth, power = _vec_actions(vec)
    with pytest.raises(ValueError, match=re.escape("placement has shape (3,): expected (2, 3)")):
        vec.step(placement[0], bandwidth, power)


def test_vector_bandwidth_shape():
    vec = _vec()
    placement, _, power = _vec_actions(vec)
    with pytest.raises(
        ValueError, match=re.escape("bandwidth has shape (2, 3, 2): expected (2, 3)")
    ):
        vec.step(placement, np.zeros((2, 3, 2)), power)


def test_vector_power_shape():
    vec = _vec()
    placement, bandwidth, _ = _vec_actions(vec)
    with pytest.raises(ValueError, match=re.escape("power has shape (1, 3): expected (2, 3)")):
        vec.step(placement, bandwidth, np.zeros((1, 3)))


def test_vector_trailing_axis_accepted():
    vec = _vec()
    placement, bandwidth, power = _vec_actions(vec)
    bandwidth[:] = 0.3
    _, _, _, _, infos = vec.step(placement, bandwidth[..., None], power[..., None])
    np.testing.assert_allclose(infos["bandwidth"], 0.3)


def test_vector_placement_float_dtype():
    vec = _vec()
    placement, bandwidth, power = _vec_actions(vec)
    with pytest.raises(ValueError, match="placement has dtype float64: expected integers"):
        vec.step(placement.astype(float), bandwidth, power)


def test_vector_placement_bool_dtype():
    vec = _vec()
    placement, bandwidth, power = _vec_actions(vec)
    with pytest.raises(ValueError, match="placement has dtype bool"):
        vec.step(placement.astype(bool), bandwidth, power)


def test_vector_placement_out_of_range_names_env():
    vec = _vec()
    placement, bandwidth, power = _vec_actions(vec)
    placement[1, 2] = 3
    with pytest.raises(ValueError, match="env 1, agent ue_2: placement = 3 is out of range"):
        vec.step(placement, bandwidth, power)


def test_vector_placement_negative_names_env():
    vec = _vec()
    placement, bandwidth, power = _vec_actions(vec)
    placement[0, 1] = -2
    with pytest.raises(ValueError, match="env 0, agent ue_1: placement = -2 is out of range"):
        vec.step(placement, bandwidth, power)


def test_vector_nan_names_env():
    vec = _vec()
    placement, bandwidth, power = _vec_actions(vec)
    bandwidth[1, 0] = np.nan
    with pytest.raises(ValueError, match="env 1, agent ue_0: bandwidth = nan is not finite"):
        vec.step(placement, bandwidth, power)


def test_vector_inf_names_env():
    vec = _vec()
    placement, bandwidth, power = _vec_actions(vec)
    power[0, 2] = -np.inf
    with pytest.raises(ValueError, match="env 0, agent ue_2: power = -inf is not finite"):
        vec.step(placement, bandwidth, power)


def test_vector_string_dtype():
    vec = _vec()
    placement, bandwidth, power = _vec_actions(vec)
    with pytest.raises(ValueError, match="bandwidth has dtype <U"):
        vec.step(placement, bandwidth.astype(str), power)


def test_vector_clipping_counted():
    vec = _vec()
    placement, bandwidth, power = _vec_actions(vec)
    bandwidth[0, 0] = 3.0
    power[0, 0] = -1.0
    power[1, 2] = 1.5
    _, _, _, _, infos = vec.step(placement, bandwidth, power)
    np.testing.assert_array_equal(infos["clipped"], [[2, 0, 0], [0, 0, 1]])


def test_vector_inputs_not_mutated():
    vec = _vec()
    placement, bandwidth, power = _vec_actions(vec)
    bandwidth[0, 0] = 3.0
    power[1, 1] = -0.5
    before = [placement.copy(), bandwidth.copy(), power.copy()]
    vec.step(placement, bandwidth, power)
    for after, original in zip((placement, bandwidth, power), before, strict=True):
        np.testing.assert_array_equal(after, original)


def test_vector_lists_accepted():
    vec = _vec(num_envs=1)
    obs, rewards, _, _, _ = vec.step([[0, 1, 2]], [[0.5, 0.5, 0.5]], [[1, 1, 1]])
    assert obs.shape == (1, 3, vec.obs_dim)
    assert rewards.shape == (1, 3)


def test_vector_step_after_end_without_autoreset():
    vec = _vec(num_envs=2, autoreset=False, max_cycles=1)
    vec.step(*_vec_actions(vec))
    with pytest.raises(RuntimeError, match=r"envs \[0, 1\] whose episode has ended"):
        vec.step(*_vec_actions(vec))


def test_vector_autoreset_continues():
    vec = _vec(num_envs=2, max_cycles=2)
    for step in range(5):
        obs, _, _, truncations, infos = vec.step(*_vec_actions(vec))
        ended = step % 2 == 1
        assert infos["done_envs"].tolist() == [ended, ended]
        assert truncations.all() == ended
        assert ("final_observation" in infos) == ended
        assert np.isfinite(obs).all()


@pytest.mark.parametrize("num_envs", [0, -1, 1.5, True])
def test_vector_bad_num_envs(num_envs):
    with pytest.raises(ValueError, match=f"num_envs = {num_envs!r} is invalid"):
        mec_ea_env.VectorMECEnv(num_envs=num_envs, scenario="small")


def test_vector_zero_bandwidth_power_finite():
    vec = _vec(num_envs=3)
    shape = (3, vec.num_ues)
    for placement in range(vec.num_servers + 1):
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            obs, rewards, _, _, infos = vec.step(
                np.full(shape, placement), np.zeros(shape), np.zeros(shape)
            )
        assert np.isfinite(obs).all()
        assert np.isfinite(rewards).all()
        assert np.isfinite(infos["energy_j"]).all()


# --- Configuration validation --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"num_ues": 0}, r"scenario\.num_ues = 0 is invalid: expected an integer in \[1, "),
        ({"num_ues": -3}, r"scenario\.num_ues = -3 is invalid"),
        ({"num_ues": 2.5}, r"scenario\.num_ues = 2\.5 is invalid"),
        ({"num_ues": True}, r"scenario\.num_ues = True is invalid"),
        ({"num_servers": 0}, r"scenario\.num_servers = 0 is invalid"),
        ({"area_m": 0.0}, r"scenario\.area_m = 0\.0 is invalid: expected a finite number > 0"),
        ({"area_m": -10.0}, r"scenario\.area_m = -10\.0 is invalid"),
        ({"area_m": float("inf")}, r"scenario\.area_m = inf is invalid"),
        ({"slot_s": float("nan")}, r"scenario\.slot_s = nan is invalid"),
        ({"max_cycles": 0}, r"scenario\.max_cycles = 0 is invalid"),
        ({"deadline_s": -1.0}, r"scenario\.deadline_s = -1\.0 is invalid"),
        ({"bandwidth_hz": 0.0}, r"radio\.bandwidth_hz = 0\.0 is invalid"),
        ({"server_flops": -1.0}, r"compute\.server_flops = -1\.0 is invalid"),
        ({"hidden_size": 0}, r"model\.hidden_size = 0 is invalid"),
        ({"num_layers": 4}, r"model\.num_layers = 4 leaves 0 middle layers"),
        ({"tokens_max": 0.0}, r"workload\.tokens_max = 0\.0 is invalid"),
        ({"energy_ref_j": 0.0}, r"reward\.energy_ref_j = 0\.0 is invalid"),
        ({"speed_mps": -1.0}, r"scenario\.speed_mps = -1\.0 is invalid"),
    ],
)
def test_config_bad_size(override, message):
    with pytest.raises(ValueError, match=message):
        mec_ea_env.make_config("paper", **override)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"local_resident_prob": 1.5}, r"scenario\.local_resident_prob = 1\.5 .*\[0, 1\]"),
        ({"server_resident_prob": -0.1}, r"scenario\.server_resident_prob = -0\.1"),
        ({"mix_alpha": 2.0}, r"reward\.mix_alpha = 2\.0 .*\[0, 1\]"),
        ({"keep_ratio_edge": 0.0}, r"model\.keep_ratio_edge = 0\.0 .*\(0, 1\]"),
        ({"keep_ratio_local": 1.2}, r"model\.keep_ratio_local = 1\.2"),
        ({"min_bandwidth_fraction": 0.0}, r"radio\.min_bandwidth_fraction = 0\.0"),
        ({"min_power_fraction": 1.5}, r"radio\.min_power_fraction = 1\.5"),
        ({"fidelity_scale": -0.5}, r"model\.fidelity_scale = -0\.5"),
        ({"gauss_markov_memory": 1.0}, r"scenario\.gauss_markov_memory = 1\.0 .*\[0, 1\)"),
    ],
)
def test_config_bad_fraction(override, message):
    with pytest.raises(ValueError, match=message):
        mec_ea_env.make_config("paper", **override)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"ue_flops_min": 3e12}, r"compute\.ue_flops_min = .* is above compute\.ue_flops_max"),
        ({"ue_memory_max_bytes": 1e9}, r"compute\.ue_memory_min_bytes = .* is above"),
        ({"ue_energy_per_flop_min": 9e-12}, r"compute\.ue_energy_per_flop_min = .* is above"),
        ({"tokens_min": 4096.0}, r"workload\.tokens_min = 4096\.0 is above workload\.tokens_max"),
    ],
)
def test_config_min_above_max(override, message):
    with pytest.raises(ValueError, match=message):
        mec_ea_env.make_config("paper", **override)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"fading": "rician"}, r"radio\.fading = 'rician' is invalid: expected one of"),
        ({"mobility": "teleport"}, r"scenario\.mobility = 'teleport'"),
        ({"mode": "selfish"}, r"reward\.mode = 'selfish'"),
        ({"server_layout": "hex"}, r"scenario\.server_layout = 'hex'"),
        ({"server_share": "fair"}, r"compute\.server_share = 'fair'"),
        ({"interference": 1}, r"radio\.interference = 1 is invalid: expected True or False"),
    ],
)
def test_config_bad_choice(override, message):
    with pytest.raises(ValueError, match=message):
        mec_ea_env.make_config("paper", **override)


def test_unknown_keyword_lists_valid_names():
    with pytest.raises(ValueError, match="unknown configuration name 'num_users'") as error:
        mec_ea_env.make_config("paper", num_users=5)
    text = str(error.value)
    for name in ("num_ues", "area_m", "radio.bandwidth_hz", "reward.mode", "model.hidden_size"):
        assert name in text


def test_unknown_section_field_lists_fields():
    with pytest.raises(ValueError, match="unknown field radio.bandwith_hz") as error:
        mec_ea_env.make_config("paper", **{"radio.bandwith_hz": 1e6})
    assert "bandwidth_hz" in str(error.value)


def test_unknown_section_mapping_field():
    with pytest.raises(ValueError, match="unknown field compute.gpu_flops"):
        mec_ea_env.make_config("paper", compute={"gpu_flops": 1e12})


def test_unknown_section():
    with pytest.raises(ValueError, match="unknown configuration section 'antenna'"):
        mec_ea_env.make_config("paper", **{"antenna.gain_db": 3.0})


def test_unknown_keyword_through_env():
    with pytest.raises(ValueError, match="unknown configuration name 'speed'"):
        mec_ea_env.parallel_env("small", speed=2.0)
    with pytest.raises(ValueError, match="unknown configuration name 'speed'"):
        mec_ea_env.VectorMECEnv(num_envs=1, scenario="small", speed=2.0)


def test_unknown_scenario():
    with pytest.raises(ValueError, match="unknown scenario 'huge'; valid scenarios: paper"):
        mec_ea_env.parallel_env("huge")


def test_bad_render_mode():
    with pytest.raises(ValueError, match="render_mode = 'video' is invalid"):
        mec_ea_env.parallel_env("small", render_mode="video")
