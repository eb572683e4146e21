"""Named scenario presets.

A preset is data: a :class:`~mec_ea_env.config.ScenarioConfig`. The simulator is the same for
all of them. docs/scenarios.md explains each preset and how to build your own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mec_ea_env.config import ComputeConfig, ScenarioConfig, apply_overrides


def paper() -> ScenarioConfig:
    """Return the default scenario: 20 UEs and 4 servers on a 2 x 2 grid in 1 km x 1 km."""
    return ScenarioConfig(name="paper")


def small() -> ScenarioConfig:
    """Return a 3-UE, 2-server scenario for tests, debugging and exact per-slot optima."""
    return ScenarioConfig(name="small", num_ues=3, num_servers=2, area_m=500.0, max_cycles=25)


def dense() -> ScenarioConfig:
    """Return 60 UEs on 4 servers in 600 m x 600 m: crowded cells, interference-limited.

    Server memory of 12 GB caps each server at 10 UEs (at the largest workload of 1536 tokens),
    so with 15 UEs per server on average a server is often full.
    """
    return ScenarioConfig(
        name="dense",
        num_ues=60,
        num_servers=4,
        area_m=600.0,
        compute=ComputeConfig(server_memory_bytes=12e9),
    )


def large() -> ScenarioConfig:
    """Return 200 UEs and 16 servers on a 4 x 4 grid in 2 km x 2 km, for scale."""
    return ScenarioConfig(name="large", num_ues=200, num_servers=16, area_m=2000.0)


PRESETS: dict[str, Callable[[], ScenarioConfig]] = {
    "paper": paper,
    "small": small,
    "dense": dense,
    "large": large,
}
"""The named presets, by name."""

SCENARIO_NAMES: tuple[str, ...] = tuple(PRESETS)


def make_config(scenario: str | ScenarioConfig = "paper", **overrides: Any) -> ScenarioConfig:
    """Build a scenario from a preset name or a config, then apply keyword overrides."""
    if isinstance(scenario, ScenarioConfig):
        base = scenario
    elif isinstance(scenario, str) and scenario in PRESETS:
        base = PRESETS[scenario]()
    else:
        raise ValueError(
            f"unknown scenario {scenario!r}; valid scenarios: {', '.join(SCENARIO_NAMES)} "
            "or a ScenarioConfig"
        )
    if not overrides:
        return base
    return apply_overrides(base, overrides)
