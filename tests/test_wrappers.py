"""Flat action views and the agent indicator: exact maps, edges, inverses, PettingZoo API."""

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pettingzoo.test import parallel_api_test, parallel_seed_test

import mec_ea_env
from mec_ea_env.wrappers import (
    AgentIndicatorWrapper,
    BoxActionMap,
    BoxActionWrapper,
    MultiDiscreteActionMap,
    MultiDiscreteActionWrapper,
    append_agent_indicator,
    flat_parallel_env,
)

M = 2  # servers in the "small" scenario


# ---------------------------------------------------------------------------------------------
# Box map


def test_box_space_shape_and_bounds():
    box = BoxActionMap(4)
    assert box.space.shape == (7,)
    assert box.space.dtype == np.float32
    assert (box.space.low == -1).all()
    assert (box.space.high == 1).all()


def test_box_argmax_picks_placement():
    box = BoxActionMap(M)
    placement, _, _ = box.to_hybrid(np.array([[-1.0, 0.3, 0.9, 0, 0], [0.2, -0.5, 0.1, 0, 0]]))
    assert placement.tolist() == [2, 0]


def test_box_ties_go_to_lowest_index():
    box = BoxActionMap(M)
    equal = np.array([0.4, 0.4, 0.4, 0.0, 0.0])
    assert box.to_hybrid(equal)[0] == 0
    tie_1_2 = np.array([-1.0, 0.7, 0.7, 0.0, 0.0])
    assert box.to_hybrid(tie_1_2)[0] == 1


def test_box_edges_map_to_exact_fractions():
    box = BoxActionMap(M)
    _, bandwidth, power = box.to_hybrid(np.array([[0, 0, 0, -1.0, 1.0], [0, 0, 0, 1.0, -1.0]]))
    assert bandwidth.tolist() == [0.0, 1.0]
    assert power.tolist() == [1.0, 0.0]
    _, bandwidth, power = box.to_hybrid(np.array([0, 0, 0, 0.0, 0.5], dtype=np.float32))
    assert bandwidth == 0.5
    assert power == 0.75


def test_box_clips_outside_values():
    box = BoxActionMap(M)
    _, bandwidth, power = box.to_hybrid(np.array([0, 0, 0, -3.0, 7.5]))
    assert bandwidth == 0.0
    assert power == 1.0


def test_box_rejects_nan_naming_agent():
    box = BoxActionMap(M)
    actions = np.zeros((2, 5))
    actions[1, 3] = np.nan
    with pytest.raises(ValueError, match="agent ue_1"):
        box.to_hybrid(actions, names=["ue_0", "ue_1"])


def test_box_rejects_wrong_size():
    with pytest.raises(ValueError, match=r"expected \(\.\.\., 5\)"):
        BoxActionMap(M).to_hybrid(np.zeros(4))


def test_box_inverse_is_canonical():
    box = BoxActionMap(M)
    action = box.from_hybrid(np.array([1]), np.array([0.0]), np.array([1.0]))
    assert action.dtype == np.float32
    assert action.tolist() == [[-1.0, 1.0, -1.0, -1.0, 1.0]]
    assert box.space.contains(action[0])


@settings(max_examples=200, deadline=None)
@given(
    placement=st.integers(0, 4),
    bandwidth=st.floats(0.0, 1.0),
    power=st.floats(0.0, 1.0),
)
def test_box_round_trip(placement, bandwidth, power):
    box = BoxActionMap(4)
    action = box.from_hybrid(np.array(placement), np.array(bandwidth), np.array(power))
    assert box.space.contains(action)
    back = box.to_hybrid(action)
    assert back[0] == placement
    assert abs(back[1] - bandwidth) <= 1e-7
    assert abs(back[2] - power) <= 1e-7


def test_box_round_trip_exact_on_edges():
    box = BoxActionMap(M)
    fractions = np.array([0.0, 0.5, 1.0])
    action = box.from_hybrid(np.array([0, 1, 2]), fractions, fractions[::-1])
    placement, bandwidth, power = box.to_hybrid(action)
    assert placement.tolist() == [0, 1, 2]
    assert bandwidth.tolist() == fractions.tolist()
    assert power.tolist() == fractions[::-1].tolist()


# ---------------------------------------------------------------------------------------------
# MultiDiscrete map


def test_multidiscrete_levels_include_zero_and_one():
    md = MultiDiscreteActionMap(M, bandwidth_levels=5, power_levels=3)
    assert md.space.nvec.tolist() == [3, 5, 3]
    assert md.bandwidth_levels[0] == 0.0
    assert md.bandwidth_levels[-1] == 1.0
    assert md.power_levels.tolist() == [0.0, 0.5, 1.0]


def test_multidiscrete_decodes_levels():
    md = MultiDiscreteActionMap(M, bandwidth_levels=5, power_levels=3)
    placement, bandwidth, power = md.to_hybrid(np.array([[2, 0, 2], [0, 4, 0], [1, 1, 1]]))
    assert placement.tolist() == [2, 0, 1]
    assert bandwidth.tolist() == [0.0, 1.0, 0.25]
    assert power.tolist() == [1.0, 0.0, 0.5]


def test_multidiscrete_round_trip_on_levels():
    md = MultiDiscreteActionMap(3, bandwidth_levels=11, power_levels=7)
    grid = np.array([[p, b, w] for p in range(4) for b in range(11) for w in range(7)])
    decoded = md.to_hybrid(grid)
    assert np.array_equal(md.from_hybrid(*decoded), grid)
    assert all(md.space.contains(row) for row in grid[:20])


def test_multidiscrete_projects_to_nearest_level():
    md = MultiDiscreteActionMap(M, bandwidth_levels=5, power_levels=5)
    action = md.from_hybrid(np.array([0, 0]), np.array([0.3, 0.125]), np.array([0.99, 0.0]))
    assert action.tolist() == [[0, 1, 4], [0, 1, 0]]  # 0.125 is half-way: rounds up to 0.25


def test_multidiscrete_rejects_out_of_range():
    md = MultiDiscreteActionMap(M)
    with pytest.raises(ValueError, match="agent ue_0"):
        md.to_hybrid(np.array([[3, 0, 0]]), names=["ue_0"])
    with pytest.raises(ValueError, match="dtype"):
        md.to_hybrid(np.array([0.0, 1.0, 1.0]))


@pytest.mark.parametrize("levels", [1, 0, True, 2.5])
def test_multidiscrete_rejects_bad_level_count(levels):
    with pytest.raises(ValueError, match="bandwidth_levels"):
        MultiDiscreteActionMap(M, bandwidth_levels=levels)


def test_multidiscrete_action_mask_layout():
    md = MultiDiscreteActionMap(M, bandwidth_levels=4, power_levels=3)
    mask = md.action_mask(np.array([[False, True, True], [True, False, True]]))
    assert mask.shape == (2, 3 + 4 + 3)
    assert mask[0].tolist() == [False, True, True] + [True] * 7
    assert mask[1, :3].tolist() == [True, False, True]


def test_inverse_rejects_bad_fraction():
    with pytest.raises(ValueError, match="bandwidth"):
        BoxActionMap(M).from_hybrid(np.array([0]), np.array([1.5]), np.array([0.5]))


# ---------------------------------------------------------------------------------------------
# ParallelEnv wrappers


@pytest.mark.parametrize("action", ["box", "multidiscrete"])
@pytest.mark.parametrize("agent_indicator", [False, True])
def test_wrapped_env_passes_parallel_api(action, agent_indicator):
    env = flat_parallel_env("small", action=action, agent_indicator=agent_indicator, max_cycles=6)
    parallel_api_test(env, num_cycles=10)


def test_wrapped_env_passes_seed_test():
    parallel_seed_test(lambda: flat_parallel_env("small", action="multidiscrete", max_cycles=6))


@pytest.mark.parametrize("wrapper", [BoxActionWrapper, MultiDiscreteActionWrapper])
def test_wrapper_matches_hybrid_env(wrapper):
    """The view of a hybrid action steps the env exactly as the hybrid action itself."""
    base = mec_ea_env.parallel_env("small", max_cycles=5)
    wrapped = wrapper(mec_ea_env.parallel_env("small", max_cycles=5))
    base.reset(seed=3)
    wrapped.reset(seed=3)
    rng = np.random.default_rng(0)
    levels = np.linspace(0.0, 1.0, 11)
    while base.agents:
        hybrid = {
            a: {
                "placement": int(rng.integers(0, M + 1)),
                "bandwidth": float(rng.choice(levels)),
                "power": float(rng.choice(levels)),
            }
            for a in base.agents
        }
        out_base = base.step(hybrid)
        out_wrapped = wrapped.step(wrapped.hybrid_to_view(hybrid))
        # The Box view carries fractions as float32, so they agree to float32 rounding only.
        tolerance = 1e-6 if wrapper is BoxActionWrapper else 0.0
        for agent in base.possible_agents:
            np.testing.assert_allclose(out_base[0][agent], out_wrapped[0][agent], atol=tolerance)
            assert out_base[1][agent] == pytest.approx(out_wrapped[1][agent], abs=tolerance)
            assert out_base[4][agent]["server"] == out_wrapped[4][agent]["server"]
            assert out_base[4][agent]["power"] == pytest.approx(
                out_wrapped[4][agent]["power"], abs=tolerance
            )


@pytest.mark.parametrize("action", ["box", "multidiscrete"])
def test_wrapper_never_mutates_caller_action(action):
    env = flat_parallel_env("small", action=action, max_cycles=3)
    env.reset(seed=0)
    for agent in env.agents:
        env.action_space(agent).seed(5)
    actions = {a: env.action_space(a).sample() for a in env.agents}
    if action == "box":
        actions["ue_0"] = np.array([5.0, -3.0, 0.0, 2.0, -2.0], np.float32)  # clipped inside
    before = copy.deepcopy(actions)
    env.step(actions)
    for agent in actions:
        assert np.array_equal(actions[agent], before[agent])
        assert actions[agent].dtype == before[agent].dtype


def test_wrapper_error_names_agent():
    env = flat_parallel_env("small", action="box", max_cycles=3)
    env.reset(seed=0)
    actions = {a: np.zeros(5, np.float32) for a in env.agents}
    actions["ue_2"] = np.zeros(4, np.float32)
    with pytest.raises(ValueError, match="agent ue_2"):
        env.step(actions)


def test_action_space_is_same_object():
    env = flat_parallel_env("small", action="box")
    assert env.action_space("ue_0") is env.action_space("ue_0")
    assert env.action_space("ue_0") is not env.action_space("ue_1")


def test_multidiscrete_infos_carry_action_mask():
    env = MultiDiscreteActionWrapper(
        mec_ea_env.parallel_env("small", max_cycles=3), bandwidth_levels=4, power_levels=6
    )
    _, infos = env.reset(seed=1)
    for info in infos.values():
        assert info["action_mask"].shape == (3 + 4 + 6,)
        assert np.array_equal(info["action_mask"][:3], info["placement_mask"])
        assert info["action_mask"][3:].all()


# ---------------------------------------------------------------------------------------------
# Agent indicator


def test_agent_indicator_appends_one_hot():
    env = AgentIndicatorWrapper(mec_ea_env.parallel_env("small", max_cycles=3))
    base_dim = mec_ea_env.parallel_env("small").observation_space("ue_0").shape[0]
    observations, _ = env.reset(seed=0)
    for i, agent in enumerate(env.possible_agents):
        obs = observations[agent]
        assert obs.shape == (base_dim + 3,)
        assert obs[base_dim:].tolist() == np.eye(3)[i].tolist()
        assert env.observation_space(agent).contains(obs)


def test_append_agent_indicator_batched():
    obs = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    extended = append_agent_indicator(obs)
    assert extended.shape == (2, 3, 7)
    assert np.array_equal(extended[:, :, :4], obs)
    assert np.array_equal(extended[1, :, 4:], np.eye(3))
