"""SuperSuit + SB3 pipeline: truncation, seeding, masks, training, saved-model evaluation."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from sb3_contrib import MaskablePPO
from sb3_contrib.common.maskable.utils import get_action_masks, is_masking_supported
from stable_baselines3 import PPO

import mec_ea_env
from mec_ea_env.agents.registry import make_policy
from mec_ea_env.vector import VectorMECEnv
from mec_ea_env.wrappers import BoxActionMap, sb3_vec_env

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[1]
N, M = 3, 2  # UEs and servers of the "small" scenario
TINY = {"n_steps": 32, "batch_size": 96, "n_epochs": 2, "device": "cpu"}


def _feasible_actions(vec, rng):
    """Random MultiDiscrete actions whose placement the mask allows."""
    masks = vec.action_masks()
    placements = [rng.choice(np.flatnonzero(mask[: M + 1])) for mask in masks]
    return np.array([[p, rng.integers(11), rng.integers(11)] for p in placements])


# ---------------------------------------------------------------------------------------------
# Truncation and seeding


def test_truncation_reaches_sb3_as_truncation():
    vec = sb3_vec_env(scenario="small", num_vec_envs=2, action="box", max_cycles=3)
    vec.seed(7)
    vec.reset()
    box = BoxActionMap(M)
    action = np.tile(box.from_hybrid(np.array(1), np.array(0.5), np.array(1.0)), (2 * N, 1))

    reference = mec_ea_env.parallel_env("small", max_cycles=3)
    reference.reset(seed=7)  # env copy 0 is reset with seed 7
    hybrid = {a: {"placement": 1, "bandwidth": 0.5, "power": 1.0} for a in reference.agents}
    for slot in range(3):
        obs, rewards, dones, infos = vec.step(action)
        final_obs = reference.step(hybrid)[0]
        last = slot == 2
        assert dones.tolist() == [last] * (2 * N)
        assert [info["TimeLimit.truncated"] for info in infos] == [last] * (2 * N)
    for i, agent in enumerate(reference.possible_agents):
        assert np.array_equal(infos[i]["terminal_observation"], final_obs[agent])
        assert "episode" in infos[i]  # VecMonitor saw the episode end
        assert infos[i]["episode"]["l"] == 3
    time_index = -1  # the observation's last entry is slot index / max_cycles
    assert (obs[:, time_index] == 0.0).all()  # the returned observation starts a new episode


def test_seed_then_reset_repeats():
    vec = sb3_vec_env(scenario="small", num_vec_envs=3, action="multidiscrete")
    vec.seed(11)
    first = vec.reset()
    actions = _feasible_actions(vec, np.random.default_rng(0))
    step_first = vec.step(actions)[0]
    vec.seed(11)
    second = vec.reset()
    step_second = vec.step(actions)[0]
    assert np.array_equal(first, second)
    assert np.array_equal(step_first, step_second)


def test_env_copies_differ_without_seed():
    vec = sb3_vec_env(scenario="small", num_vec_envs=2, action="box")
    obs = vec.reset()
    assert not np.array_equal(obs[:N], obs[N:])


def test_battery_budget_rejected():
    with pytest.raises(ValueError, match="battery_j"):
        sb3_vec_env(scenario="small", battery_j=100.0)


# ---------------------------------------------------------------------------------------------
# Action masks


def test_action_masks_for_maskable_ppo():
    vec = sb3_vec_env(
        scenario="small",
        num_vec_envs=2,
        action="multidiscrete",
        compute={"ue_memory_min_bytes": 1e9, "ue_memory_max_bytes": 2e9},
    )
    vec.seed(0)
    vec.reset()
    assert is_masking_supported(vec)
    masks = get_action_masks(vec)
    assert masks.shape == (2 * N, M + 1 + 11 + 11)
    assert not masks[:, 0].any()  # no UE can hold the local emulator with 1-2 GB
    assert masks[:, 1:].all()


def test_box_view_has_no_masks():
    vec = sb3_vec_env(scenario="small", action="box")
    assert not is_masking_supported(vec)


# ---------------------------------------------------------------------------------------------
# Training and evaluation of saved models


def _episode_reward(spec: str, episodes: int = 2) -> float:
    env = VectorMECEnv(num_envs=episodes, scenario="small", autoreset=False)
    policy = make_policy(spec, env.config)
    obs, infos = env.reset(seed=0)
    total = 0.0
    for _ in range(env.config.max_cycles):
        action = policy.act(obs, infos["placement_mask"], env.sim)
        assert action.placement.shape == (episodes, N)
        obs, rewards, _, _, infos = env.step(action.placement, action.bandwidth, action.power)
        total += float(rewards.mean())
    return total


@pytest.mark.parametrize("action", ["box", "multidiscrete"])
def test_ppo_trains_and_evaluates(action, tmp_path):
    vec = sb3_vec_env(scenario="small", num_vec_envs=2, action=action)
    model = PPO("MlpPolicy", vec, seed=0, **TINY)
    model.learn(total_timesteps=2000)
    assert model.num_timesteps >= 2000
    path = tmp_path / "model.zip"
    model.save(path)
    policy = make_policy(f"sb3:{path}", mec_ea_env.make_config("small"))
    assert policy.name == "sb3_ppo"
    assert np.isfinite(_episode_reward(f"sb3:{path}"))


def test_ppo_seeded_runs_repeat():
    params = []
    for _ in range(2):
        vec = sb3_vec_env(scenario="small", num_vec_envs=2, action="box")
        model = PPO("MlpPolicy", vec, seed=3, **TINY)
        model.learn(total_timesteps=400)
        params.append(torch.nn.utils.parameters_to_vector(model.policy.parameters()).detach())
    assert torch.equal(params[0], params[1])


def test_maskable_ppo_respects_mask(tmp_path):
    memory = {"ue_memory_min_bytes": 1e9, "ue_memory_max_bytes": 2e9}
    vec = sb3_vec_env(scenario="small", num_vec_envs=2, action="multidiscrete", compute=memory)
    model = MaskablePPO("MlpPolicy", vec, seed=0, **TINY)
    model.learn(total_timesteps=1000)
    path = tmp_path / "masked.zip"
    model.save(path)

    config = mec_ea_env.make_config("small", compute=memory)
    policy = make_policy(f"sb3:{path}", config)  # detected as MaskablePPO from the zip
    assert policy.name == "sb3_maskable_ppo"
    env = VectorMECEnv(num_envs=4, scenario=config, autoreset=False)
    obs, infos = env.reset(seed=1)
    for _ in range(5):
        mask = infos["placement_mask"]
        action = policy.act(obs, mask, env.sim)
        chosen = np.take_along_axis(mask, action.placement[..., None], axis=-1)
        assert chosen.all()
        obs, _, _, _, infos = env.step(action.placement, action.bandwidth, action.power)


def test_sb3_policy_rejects_other_scenario(tmp_path):
    vec = sb3_vec_env(scenario="small", action="box")
    path = tmp_path / "model.zip"
    PPO("MlpPolicy", vec, seed=0, **TINY).save(path)
    with pytest.raises(ValueError, match="observations of size"):
        make_policy(f"sb3:{path}", mec_ea_env.make_config("paper"))


def test_sb3_policy_with_agent_indicator(tmp_path):
    vec = sb3_vec_env(scenario="small", action="box", agent_indicator=True)
    path = tmp_path / "model.zip"
    PPO("MlpPolicy", vec, seed=0, **TINY).save(path)
    policy = make_policy(f"sb3:{path}", mec_ea_env.make_config("small"))
    assert policy.agent_indicator
    assert np.isfinite(_episode_reward(f"sb3:{path}", episodes=1))


# ---------------------------------------------------------------------------------------------
# Examples, run as a user runs them, with a tiny budget


@pytest.mark.parametrize("script", ["train_sb3_ppo.py", "train_sb3_maskable_ppo.py"])
def test_sb3_example_runs(script, tmp_path):
    command = [
        sys.executable,
        str(ROOT / "examples" / script),
        "--scenario", "small",
        "--timesteps", "1500",
        "--n-steps", "32",
        "--batch-size", "96",
        "--episodes", "2",
        "--baselines", "random",
        "--output", str(tmp_path),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "model.zip").is_file()
    assert "sb3:" in result.stdout
