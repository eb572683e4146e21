"""Versioned entry module: ``from mec_ea_env import mec_ea_v0``.

The PettingZoo module triple: ``parallel_env`` (the ParallelEnv), ``raw_env`` (its AEC
conversion) and ``env`` (the AEC env with PettingZoo's standard checking wrappers).
"""

from __future__ import annotations

from typing import Any

from pettingzoo.utils import parallel_to_aec, wrappers

from mec_ea_env.env import MECEAParallelEnv


def parallel_env(**kwargs: Any) -> MECEAParallelEnv:
    """Build the ParallelEnv; keyword arguments as in :class:`MECEAParallelEnv`."""
    return MECEAParallelEnv(**kwargs)


def raw_env(**kwargs: Any):
    """Build the AEC version through PettingZoo's standard conversion, without wrappers."""
    return parallel_to_aec(MECEAParallelEnv(**kwargs))


def env(**kwargs: Any):
    """Build the AEC version with PettingZoo's order-enforcing wrapper."""
    return wrappers.OrderEnforcingWrapper(raw_env(**kwargs))
