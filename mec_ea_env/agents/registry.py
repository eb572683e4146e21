"""Policy names for the command line and the evaluation harness.

A spec is a plain name (``greedy``) or a prefix and a path (``hmappo:runs/x/checkpoint.pt``,
``sb3:model.zip``). Modules register factories here; the optional ones (torch, SB3) are
imported only when their prefix is used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from mec_ea_env.agents.base import Policy
from mec_ea_env.config import ScenarioConfig

PolicyFactory = Callable[[ScenarioConfig, str | None], Policy]
"""A factory takes the scenario and the spec's path part (None for plain names)."""

_FACTORIES: dict[str, PolicyFactory] = {}

_LAZY_MODULES: dict[str, str] = {}
"""Prefix -> module that registers it on import (kept lazy for optional dependencies)."""


def register_policy(name: str, factory: PolicyFactory) -> None:
    """Register a policy factory under ``name`` (the part of a spec before any colon)."""
    _FACTORIES[name] = factory


def register_lazy(name: str, module: str) -> None:
    """Declare that importing ``module`` registers the policy ``name``."""
    _LAZY_MODULES[name] = module


def available_policies() -> list[str]:
    """List every registered or lazily available policy name."""
    return sorted(set(_FACTORIES) | set(_LAZY_MODULES))


def make_policy(spec: str, config: ScenarioConfig) -> Policy:
    """Build the policy named by ``spec`` for ``config``; raise ValueError with the valid names."""
    name, _, path = spec.partition(":")
    name = name.strip()
    if name not in _FACTORIES and name in _LAZY_MODULES:
        importlib.import_module(_LAZY_MODULES[name])
    if name not in _FACTORIES:
        raise ValueError(
            f"unknown policy {spec!r}; valid policies: {', '.join(available_policies())} "
            "(learned ones take a path, e.g. hmappo:runs/NAME/checkpoint.pt). A policy of your "
            "own is registered by its module: pass `mec-ea-env --import MODULE` before the command"
        )
    return _FACTORIES[name](config, path or None)


for _name in ("random", "all-local", "nearest-edge", "greedy", "best-response"):
    register_lazy(_name, "mec_ea_env.agents.baselines")
register_lazy("oracle", "mec_ea_env.agents.oracle")
register_lazy("sb3", "mec_ea_env.agents.sb3_policy")
register_lazy("sb3-maskable", "mec_ea_env.agents.sb3_policy")
register_lazy("hmappo", "mec_ea_env.agents.hybrid_ppo")
register_lazy("hippo", "mec_ea_env.agents.hybrid_ppo")
