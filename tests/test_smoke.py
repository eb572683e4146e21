"""Smoke tests: every preset builds, resets and plays a whole episode with finite numbers."""

import numpy as np
import pytest

import mec_ea_env


@pytest.mark.parametrize("scenario", mec_ea_env.SCENARIO_NAMES)
def test_preset_episode_finite(scenario):
    env = mec_ea_env.parallel_env(scenario, max_cycles=5)
    observations, _ = env.reset(seed=0)
    for agent in env.agents:
        env.action_space(agent).seed(1)
    while env.agents:
        actions = {a: env.action_space(a).sample() for a in env.agents}
        observations, rewards, _, _, infos = env.step(actions)
        for agent, obs in observations.items():
            assert env.observation_space(agent).contains(obs)
        assert np.isfinite(list(rewards.values())).all()
