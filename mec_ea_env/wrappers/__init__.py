"""Flat action views, agent identity, and the SuperSuit + SB3 pipeline.

Apply the wrappers to the ParallelEnv before vectorising it::

    from mec_ea_env.wrappers import BoxActionWrapper, sb3_vec_env
    env = BoxActionWrapper(mec_ea_env.parallel_env("paper"))
    vec = sb3_vec_env(scenario="paper", num_vec_envs=4, action="multidiscrete")

``sb3_vec_env`` imports SuperSuit and SB3 only when it is called.
"""

from __future__ import annotations

from typing import Any

from mec_ea_env.wrappers.action_maps import BoxActionMap, MultiDiscreteActionMap
from mec_ea_env.wrappers.actions import BoxActionWrapper, MultiDiscreteActionWrapper
from mec_ea_env.wrappers.agent_indicator import AgentIndicatorWrapper, append_agent_indicator
from mec_ea_env.wrappers.factory import ACTION_VIEWS, flat_parallel_env

__all__ = [
    "ACTION_VIEWS",
    "AgentIndicatorWrapper",
    "BoxActionMap",
    "BoxActionWrapper",
    "MultiDiscreteActionMap",
    "MultiDiscreteActionWrapper",
    "append_agent_indicator",
    "flat_parallel_env",
    "sb3_vec_env",
]


def sb3_vec_env(*args: Any, **kwargs: Any):
    """Build the SuperSuit + SB3 VecEnv; see :func:`mec_ea_env.wrappers.sb3.sb3_vec_env`."""
    from mec_ea_env.wrappers.sb3 import sb3_vec_env as build

    return build(*args, **kwargs)
