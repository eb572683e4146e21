"""Property tests: random small scenarios and random actions keep every output valid.

Checked on every slot: observations and states inside their spaces and finite, rewards and
costs finite, each server's effective bandwidth fractions sum to at most 1, latency and energy
non-negative and latency at most the deadline.
"""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mec_ea_env
from mec_ea_env.simulator import LOCAL, NOT_SERVED

TOLERANCE = 1e-9

scenario_overrides = st.fixed_dictionaries(
    {
        "num_ues": st.integers(1, 8),
        "num_servers": st.integers(1, 4),
        "area_m": st.sampled_from([50.0, 500.0, 1000.0, 5000.0]),
        "server_layout": st.sampled_from(["grid", "random"]),
        "mobility": st.sampled_from(["static", "random_waypoint", "gauss_markov"]),
        "max_cycles": st.integers(1, 4),
        "fading": st.sampled_from(["rayleigh", "none"]),
        "interference": st.booleans(),
        "shadowing_std_db": st.sampled_from([0.0, 8.0, 20.0]),
        "server_memory_bytes": st.sampled_from([2.5e9, 5e9, 16e9]),
        "server_share": st.sampled_from(["equal", "workload"]),
        "mode": st.sampled_from(["shared", "individual", "mixed"]),
        "battery_j": st.sampled_from([None, 5.0, 50.0]),
        "local_resident_prob": st.sampled_from([0.0, 0.5, 1.0]),
        "server_resident_prob": st.sampled_from([0.0, 0.5, 1.0]),
    }
)

fraction = st.one_of(
    st.floats(-0.5, 1.5, allow_nan=False),
    st.sampled_from([0.0, 1.0, 1e-12]),
)


def _check_step(env, observations, rewards, infos, deadline):
    for agent, obs in observations.items():
        assert np.isfinite(obs).all(), f"{agent}: observation not finite"
        assert env.observation_space(agent).contains(obs), f"{agent}: observation outside space"
    assert np.isfinite(list(rewards.values())).all()
    assert env.state_space.contains(env.state())

    band_per_server = np.zeros(env.num_servers)
    for info in infos.values():
        assert np.isfinite(info["cost"])
        assert info["latency_s"] >= 0.0
        assert info["latency_s"] <= deadline + TOLERANCE
        assert info["energy_j"] >= 0.0
        assert np.isfinite(info["energy_j"])
        assert 0.0 <= info["quality"] <= 1.0
        assert 0.0 <= info["bandwidth"] <= 1.0
        assert 0.0 <= info["power"] <= 1.0
        assert np.isfinite(info["uplink_rate_bps"])
        assert np.isfinite(info["downlink_rate_bps"])
        if info["server"] >= 1:
            band_per_server[info["server"] - 1] += info["bandwidth"]
            assert info["uplink_rate_bps"] >= 1.0
        else:
            assert info["server"] in (LOCAL, NOT_SERVED)
            assert info["bandwidth"] == 0.0
    assert (band_per_server <= 1.0 + TOLERANCE).all(), band_per_server


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(overrides=scenario_overrides, seed=st.integers(0, 2**31 - 1), data=st.data())
def test_parallel_env_outputs_valid(overrides, seed, data):
    env = mec_ea_env.parallel_env("small", **overrides)
    deadline = env.config.deadline
    observations, infos = env.reset(seed=seed)
    _check_step(env, observations, {}, {}, deadline)
    while env.agents:
        actions = {
            agent: {
                "placement": data.draw(st.integers(0, env.num_servers)),
                "bandwidth": data.draw(fraction),
                "power": data.draw(fraction),
            }
            for agent in env.agents
        }
        observations, rewards, terminations, truncations, infos = env.step(actions)
        _check_step(env, observations, rewards, infos, deadline)
        for agent in terminations:
            assert not (terminations[agent] and truncations[agent])


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    overrides=scenario_overrides,
    seed=st.integers(0, 2**31 - 1),
    num_envs=st.integers(1, 4),
    action_seed=st.integers(0, 2**31 - 1),
)
def test_vector_env_outputs_valid(overrides, seed, num_envs, action_seed):
    vec = mec_ea_env.VectorMECEnv(num_envs=num_envs, scenario="small", **overrides)
    rng = np.random.default_rng(action_seed)
    b, n, m = num_envs, vec.num_ues, vec.num_servers
    deadline = vec.config.deadline
    obs, _ = vec.reset(seed=seed)
    space = vec.single_observation_space
    for _ in range(vec.config.max_cycles + 2):
        placement = rng.integers(0, m + 1, size=(b, n))
        bandwidth = rng.uniform(-0.2, 1.2, size=(b, n))
        power = rng.uniform(-0.2, 1.2, size=(b, n))
        obs, rewards, terminations, truncations, infos = vec.step(placement, bandwidth, power)

        assert obs.shape == (b, n, vec.obs_dim)
        assert np.isfinite(obs).all()
        assert ((obs >= space.low) & (obs <= space.high)).all()
        assert np.isfinite(rewards).all()
        assert (infos["latency_s"] >= 0).all()
        assert (infos["latency_s"] <= deadline + TOLERANCE).all()
        assert (infos["energy_j"] >= 0).all()
        assert np.isfinite(infos["energy_j"]).all()
        assert not (terminations & truncations).any()

        server = infos["server"]
        on_server = server[:, :, None] == np.arange(1, m + 1)
        band_sum = np.einsum("bn,bnm->bm", infos["bandwidth"], on_server)
        assert (band_sum <= 1.0 + TOLERANCE).all(), band_sum
        outside = (bandwidth < 0) | (bandwidth > 1)
        outside_power = (power < 0) | (power > 1)
        np.testing.assert_array_equal(infos["clipped"], outside.astype(int) + outside_power)
