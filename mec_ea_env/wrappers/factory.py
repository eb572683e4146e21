"""Build the ParallelEnv with a flat action view, the form that SuperSuit, SB3 and RLlib take."""

from __future__ import annotations

from typing import Any

from mec_ea_env.config import ScenarioConfig
from mec_ea_env.env import MECEAParallelEnv
from mec_ea_env.wrappers.actions import BoxActionWrapper, MultiDiscreteActionWrapper
from mec_ea_env.wrappers.agent_indicator import AgentIndicatorWrapper

ACTION_VIEWS = ("box", "multidiscrete")
"""Names of the flat action views."""


def flat_parallel_env(
    scenario: str | ScenarioConfig = "paper",
    action: str = "box",
    agent_indicator: bool = False,
    bandwidth_levels: int = 11,
    power_levels: int = 11,
    **overrides: Any,
):
    """Return ``MECEAParallelEnv(scenario, **overrides)`` with the ``action`` view applied.

    ``action`` is "box" (:class:`BoxActionWrapper`) or "multidiscrete"
    (:class:`MultiDiscreteActionWrapper` with the given numbers of levels). With
    ``agent_indicator`` each observation also carries the one-hot UE index.
    """
    if action not in ACTION_VIEWS:
        raise ValueError(f"action = {action!r} is invalid: expected one of {list(ACTION_VIEWS)}")
    env = MECEAParallelEnv(scenario=scenario, **overrides)
    if action == "box":
        env = BoxActionWrapper(env)
    else:
        env = MultiDiscreteActionWrapper(env, bandwidth_levels, power_levels)
    if agent_indicator:
        env = AgentIndicatorWrapper(env)
    return env
