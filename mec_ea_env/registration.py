"""Registration with gymnasium's and PettingZoo's environment registries.

``import mec_ea_env`` calls :func:`register_envs`, after which

- ``gymnasium.make("mec_ea_env/CentralMEC-v0", scenario="small")`` builds the centralised
  single-agent view (:class:`mec_ea_env.central.CentralMECEnv`);
- with a PettingZoo that has a registry (1.27 and later),
  ``pettingzoo.make("parallel", "mec_ea_env/mec_ea-v0", max_cycles=20)`` builds the ParallelEnv
  and ``pettingzoo.make("aec", "mec_ea_env/mec_ea-v0")`` the AEC env.

Entry points are strings, so nothing is imported until an env is made.
"""

from __future__ import annotations

import gymnasium

CENTRAL_ID = "mec_ea_env/CentralMEC-v0"
"""Gymnasium id of the centralised single-agent view."""
PETTINGZOO_ID = "mec_ea_env/mec_ea-v0"
"""PettingZoo id of the multi-agent env (PettingZoo writes ``mec_ea_v0`` as ``mec_ea-v0``)."""


def register_envs() -> None:
    """Register the gymnasium view and, where PettingZoo has a registry, the PettingZoo env."""
    if CENTRAL_ID not in gymnasium.registry:
        gymnasium.register(id=CENTRAL_ID, entry_point="mec_ea_env.central:CentralMECEnv")

    try:
        from pettingzoo import parallel_registry, register
    except ImportError:
        # PettingZoo before 1.27 has no registry: the module triple in mec_ea_env.mec_ea_v0
        # (raw_env, env, parallel_env) is the way to build the env there.
        return
    if PETTINGZOO_ID not in parallel_registry:
        register("parallel", PETTINGZOO_ID, entry_point="mec_ea_env.mec_ea_v0:parallel_env")
        register("aec", PETTINGZOO_ID, entry_point="mec_ea_env.mec_ea_v0:env")
