"""Centralised single-agent gymnasium view and the gymnasium / PettingZoo registrations."""

import importlib.util

import gymnasium
import numpy as np
import pettingzoo
import pytest
from gymnasium.utils.env_checker import check_env

import mec_ea_env
from mec_ea_env.central import CentralMECEnv
from mec_ea_env.registration import CENTRAL_ID, PETTINGZOO_ID
from mec_ea_env.wrappers import BoxActionMap, MultiDiscreteActionMap

N, M = 3, 2  # UEs and servers of the "small" scenario


@pytest.mark.parametrize("action", ["box", "multidiscrete"])
@pytest.mark.parametrize("observation", ["state", "observations"])
def test_central_view_passes_check_env(action, observation):
    env = gymnasium.make(CENTRAL_ID, scenario="small", action=action, observation=observation)
    # The render check draws the rgb_array picture, which needs matplotlib (the plot extra).
    has_matplotlib = importlib.util.find_spec("matplotlib") is not None
    check_env(env.unwrapped, skip_render_check=not has_matplotlib)


def test_make_after_import():
    env = gymnasium.make("mec_ea_env/CentralMEC-v0", scenario="small", max_cycles=4)
    obs, _ = env.reset(seed=0)
    assert env.observation_space.contains(obs)
    assert env.action_space.shape == (N * (M + 3),)


def test_central_spaces():
    env = CentralMECEnv("small", action="multidiscrete", bandwidth_levels=5, power_levels=3)
    assert env.action_space.nvec.tolist() == [M + 1, 5, 3] * N
    state_dim = mec_ea_env.parallel_env("small").state_space.shape[0]
    assert env.observation_space.shape == (state_dim,)


@pytest.mark.parametrize("action", ["box", "multidiscrete"])
def test_central_matches_parallel_env(action):
    """Row i of the central action acts for ue_i exactly as the ParallelEnv's hybrid action."""
    central = CentralMECEnv("small", action=action, max_cycles=4)
    parallel = mec_ea_env.parallel_env("small", max_cycles=4)
    obs, _ = central.reset(seed=5)
    parallel.reset(seed=5)
    assert np.array_equal(obs, parallel.state())
    action_map = central.action_map
    rng = np.random.default_rng(1)
    for slot in range(4):
        placement = rng.integers(0, M + 1, N)
        levels = rng.integers(0, 11, (2, N))
        bandwidth, power = levels[0] / 10.0, levels[1] / 10.0
        flat = action_map.from_hybrid(placement, bandwidth, power).reshape(-1)
        decoded = action_map.to_hybrid(flat.reshape(N, -1))
        hybrid = {
            f"ue_{i}": {
                "placement": int(decoded[0][i]),
                "bandwidth": float(decoded[1][i]),
                "power": float(decoded[2][i]),
            }
            for i in range(N)
        }
        obs, reward, terminated, truncated, info = central.step(flat)
        _, rewards, _, truncations, _ = parallel.step(hybrid)
        assert np.array_equal(obs, parallel.state())
        # The vector API returns float32 rewards, the ParallelEnv Python floats.
        assert reward == pytest.approx(np.mean(list(rewards.values())), rel=1e-6)
        assert not terminated
        assert truncated == (slot == 3)
        assert info["latency_s"].shape == (N,)


def test_central_action_masks():
    env = CentralMECEnv(
        "small",
        action="multidiscrete",
        compute={"ue_memory_min_bytes": 1e9, "ue_memory_max_bytes": 2e9},
    )
    env.reset(seed=0)
    mask = env.action_masks()
    assert mask.shape == (N * (M + 1 + 11 + 11),)
    per_ue = mask.reshape(N, -1)
    assert not per_ue[:, 0].any()
    assert per_ue[:, 1:].all()
    with pytest.raises(AttributeError):
        CentralMECEnv("small", action="box").action_masks()


def test_central_rejects_bad_input():
    env = CentralMECEnv("small")
    env.reset(seed=0)
    with pytest.raises(ValueError, match="shape"):
        env.step(np.zeros(N * (M + 3) - 1, np.float32))
    bad = np.zeros(N * (M + 3), np.float32)
    bad[M + 3] = np.nan
    with pytest.raises(ValueError, match="ue_1"):
        env.step(bad)
    with pytest.raises(ValueError, match="observation"):
        CentralMECEnv("small", observation="pixels")


def test_central_ansi_render():
    env = CentralMECEnv("small", render_mode="ansi")
    env.reset(seed=0)
    env.step(BoxActionMap(M).from_hybrid(np.ones(N, int), np.ones(N), np.ones(N)).reshape(-1))
    text = env.render()
    assert "ue_2" in text


def test_multidiscrete_map_shared_with_wrappers():
    env = CentralMECEnv("small", action="multidiscrete")
    assert isinstance(env.action_map, MultiDiscreteActionMap)


@pytest.mark.skipif(not hasattr(pettingzoo, "make"), reason="this PettingZoo has no registry")
def test_pettingzoo_registry_make():
    parallel = pettingzoo.make("parallel", PETTINGZOO_ID, scenario="small", max_cycles=7)
    assert isinstance(parallel, mec_ea_env.MECEAParallelEnv)
    assert parallel.config.max_cycles == 7
    aec = pettingzoo.make("aec", "mec_ea_env/mec_ea_v0", scenario="small")
    aec.reset(seed=0)
    assert aec.agent_selection == "ue_0"
