"""mec_ea_env: multi-agent mobile edge tuning of foundation models with the Emulator-Adapter split.

Quick start::

    import mec_ea_env
    env = mec_ea_env.parallel_env()              # the "paper" scenario, PettingZoo ParallelEnv
    vec = mec_ea_env.VectorMECEnv(num_envs=64)   # the batched array API
"""

from __future__ import annotations

from typing import Any

from mec_ea_env.config import (
    ComputeConfig,
    ModelConfig,
    RadioConfig,
    RewardConfig,
    ScenarioConfig,
    WorkloadConfig,
)
from mec_ea_env.env import MECEAParallelEnv
from mec_ea_env.scenarios import PRESETS, SCENARIO_NAMES, make_config
from mec_ea_env.vector import VectorMECEnv

__version__ = "0.1.0"

__all__ = [
    "ComputeConfig",
    "MECEAParallelEnv",
    "ModelConfig",
    "PRESETS",
    "RadioConfig",
    "RewardConfig",
    "SCENARIO_NAMES",
    "ScenarioConfig",
    "VectorMECEnv",
    "WorkloadConfig",
    "__version__",
    "env",
    "make_config",
    "parallel_env",
    "raw_env",
]


def parallel_env(scenario: str | ScenarioConfig = "paper", **kwargs: Any) -> MECEAParallelEnv:
    """Build the PettingZoo ParallelEnv of ``scenario`` with keyword overrides."""
    return MECEAParallelEnv(scenario=scenario, **kwargs)


def raw_env(scenario: str | ScenarioConfig = "paper", **kwargs: Any):
    """Build the AEC env (PettingZoo's standard conversion of the ParallelEnv)."""
    from mec_ea_env import mec_ea_v0

    return mec_ea_v0.raw_env(scenario=scenario, **kwargs)


def env(scenario: str | ScenarioConfig = "paper", **kwargs: Any):
    """Build the AEC env with PettingZoo's order-enforcing wrapper."""
    from mec_ea_env import mec_ea_v0

    return mec_ea_v0.env(scenario=scenario, **kwargs)


def _register() -> None:
    """Register "mec_ea_env/CentralMEC-v0" with gymnasium and the env with PettingZoo's registry."""
    from mec_ea_env.registration import register_envs

    register_envs()


_register()
