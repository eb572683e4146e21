"""What the benchmark suite runs: studies, scenarios, policies, seeds, budgets, and its cost.

A run unit is one (study, scenario, policy, seed). Learned policies (``sb3-ppo``, ``hmappo``,
``hippo``) get one unit per training seed. The other policies have no training, so they get one
unit (seed 0) whose confidence interval is taken over evaluation episodes. Training budgets
are in env steps, one slot of one env copy, the unit of ``HybridPPOConfig.total_steps``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from mec_ea_env.config import ScenarioConfig
from mec_ea_env.scenarios import make_config

BASELINES = ("random", "all-local", "nearest-edge", "greedy", "best-response", "oracle")
"""Policies without training, evaluated once per scenario."""
LEARNED = ("sb3-ppo", "hmappo", "hippo")
"""Policies trained once per seed before evaluation."""
ALL_POLICIES = BASELINES + LEARNED
SCENARIOS = ("small", "paper", "dense", "large")
STUDIES = ("policies", "scaling")

SCALING_POLICIES = ("random", "best-response", "oracle", "hmappo")
"""Policies of the scalability study: the score's anchors and the reference hybrid PPO."""


@dataclass(frozen=True)
class RunUnit:
    """One result file of the suite: a policy's evaluation (after training, if learned)."""

    study: str
    scenario: str
    """Scenario label: a preset name, or ``paper-N{n}`` in the scalability study."""
    policy: str
    seed: int

    @property
    def learned(self) -> bool:
        """True for a policy that is trained before it is evaluated."""
        return self.policy in LEARNED


@dataclass
class SuiteSpec:
    """Settings of one suite run; :func:`quick_spec` and :func:`full_spec` are the presets."""

    mode: str = "full"
    """"full" or "quick"; only stored in the results and metadata."""
    scenarios: tuple[str, ...] = SCENARIOS
    policies: tuple[str, ...] = ALL_POLICIES
    seeds: int = 5
    """Training seeds 0 .. seeds - 1 of every learned policy."""
    episodes: int = 20
    """Evaluation episodes per unit; every policy plays the same seeded batch."""
    eval_seed: int = 1000
    """Seed of the evaluation episode batch (distinct from the training seeds)."""
    train_steps: dict[str, int] = field(default_factory=dict)
    """Training budget in env steps per scenario label; ``default`` covers the rest."""
    oracle_max_ues: int = 60
    """The oracle runs only on scenarios with at most this many UEs (its cost grows as N^2)."""
    scaling_sizes: tuple[int, ...] = (10, 20, 50, 100)
    """Numbers of UEs of the scalability study on ``paper``'s geometry; empty skips it."""
    scaling_seeds: int = 3
    scenario_overrides: dict[str, Any] = field(default_factory=dict)
    """Overrides applied to every scenario (the quick mode shortens episodes)."""
    hybrid_overrides: dict[str, Any] = field(default_factory=dict)
    """HybridPPOConfig fields other than algo, seed and total_steps."""
    sb3_overrides: dict[str, Any] = field(default_factory=dict)
    """SB3 PPO settings: num_vec_envs, n_steps, batch_size, n_epochs, gamma, ent_coef."""

    def __post_init__(self) -> None:
        unknown = sorted(set(self.scenarios) - set(SCENARIOS))
        if unknown:
            raise ValueError(f"scenarios {unknown} are unknown: expected some of {SCENARIOS}")
        unknown = sorted(set(self.policies) - set(ALL_POLICIES))
        if unknown:
            raise ValueError(f"policies {unknown} are unknown: expected some of {ALL_POLICIES}")
        for name in ("seeds", "episodes", "oracle_max_ues"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} = {value!r} is invalid: expected an integer >= 1")
        if self.scaling_sizes and self.scaling_seeds < 1:
            raise ValueError(f"scaling_seeds = {self.scaling_seeds!r} is invalid: expected >= 1")
        for size in self.scaling_sizes:
            if isinstance(size, bool) or not isinstance(size, int) or size < 1:
                raise ValueError(f"scaling size {size!r} is invalid: expected an integer >= 1")

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as plain JSON-ready values."""
        return dataclasses.asdict(self)

    def scenario_config(self, label: str) -> ScenarioConfig:
        """Build the scenario of a label: a preset, or ``paper-N{n}`` for the scaling study."""
        if label.startswith("paper-N"):
            return make_config(
                "paper", num_ues=int(label[len("paper-N") :]), **self.scenario_overrides
            )
        return make_config(label, **self.scenario_overrides)

    def budget(self, label: str) -> int:
        """Return the training budget (env steps) of a scenario label."""
        if label in self.train_steps:
            return self.train_steps[label]
        if "default" in self.train_steps:
            return self.train_steps["default"]
        raise ValueError(f"no training budget for scenario {label!r}: set train_steps")

    def oracle_runs(self, config: ScenarioConfig) -> bool:
        """Return True when the oracle's cost allows it on ``config``."""
        return config.num_ues <= self.oracle_max_ues

    def units(self) -> tuple[list[RunUnit], list[tuple[str, str, str]]]:
        """Return the run units and the skipped (study, scenario, policy) triples."""
        units: list[RunUnit] = []
        skipped: list[tuple[str, str, str]] = []
        plan = [("policies", label, self.policies, self.seeds) for label in self.scenarios]
        plan += [
            ("scaling", f"paper-N{n}", SCALING_POLICIES, self.scaling_seeds)
            for n in self.scaling_sizes
        ]
        for study, label, policies, seeds in plan:
            config = self.scenario_config(label)
            for policy in policies:
                if policy == "oracle" and not self.oracle_runs(config):
                    skipped.append((study, label, policy))
                    continue
                count = seeds if policy in LEARNED else 1
                units.extend(RunUnit(study, label, policy, seed) for seed in range(count))
        return units, skipped

    def fingerprint(self, unit: RunUnit) -> dict[str, Any]:
        """Return the settings that determine a unit's result; resuming requires a match."""
        settings: dict[str, Any] = {
            "scenario": self.scenario_config(unit.scenario).to_dict(),
            "episodes": self.episodes,
            "eval_seed": self.eval_seed,
        }
        if unit.policy in ("hmappo", "hippo"):
            settings["train_steps"] = self.budget(unit.scenario)
            settings["hybrid_overrides"] = dict(self.hybrid_overrides)
            settings["trainer"] = self.hybrid_settings(unit.policy, unit.scenario)
        elif unit.policy == "sb3-ppo":
            settings["train_steps"] = self.budget(unit.scenario)
            settings["sb3_overrides"] = dict(self.sb3_overrides)
            settings["trainer"] = self.sb3_settings()
        return settings

    def hybrid_settings(self, algo: str, label: str) -> dict[str, Any]:
        """Return every hybrid PPO setting of a unit but its seed: defaults with overrides.

        The defaults are part of the fingerprint, so a stored result trained under other
        defaults (an older version of the trainer) is not reused silently.
        """
        from mec_ea_env.agents.hybrid_ppo import HybridPPOConfig

        config = HybridPPOConfig(algo=algo, total_steps=self.budget(label), **self.hybrid_overrides)
        settings = dataclasses.asdict(config)
        del settings["seed"]
        return settings

    def sb3_settings(self) -> dict[str, Any]:
        """Return the SB3 PPO settings of the suite: defaults with overrides."""
        from mec_ea_env.benchmark.training import SB3_DEFAULTS

        return {**SB3_DEFAULTS, **self.sb3_overrides}


def full_spec(**changes: Any) -> SuiteSpec:
    """Return the full suite: 4 scenarios, 9 policies, 5 seeds, 20 episodes, N = 10 .. 100.

    The budgets are the ``make demo`` budget of hybrid PPO (480 000 env steps) on small and
    paper, 240 000 on dense (60 UEs) and 100 000 on large (200 UEs), whose env steps cost
    about 3 and 10 times more. Every learner of a scenario gets the same budget.
    """
    settings: dict[str, Any] = {
        "mode": "full",
        "train_steps": {"default": 480_000, "dense": 240_000, "large": 100_000},
    }
    settings.update(changes)
    return SuiteSpec(**settings)


def quick_spec(**changes: Any) -> SuiteSpec:
    """Return the quick suite: the full suite's code paths with tiny budgets, in about a minute.

    small and paper with 10-slot episodes, 2 seeds, 4 episodes, about 120 env steps of
    training, and the scalability study at N = 5 and 10. Its numbers check the pipeline and
    mean nothing about the policies.
    """
    settings: dict[str, Any] = {
        "mode": "quick",
        "scenarios": ("small", "paper"),
        "seeds": 2,
        "episodes": 4,
        "train_steps": {"default": 120},
        "scaling_sizes": (5, 10),
        "scaling_seeds": 1,
        "scenario_overrides": {"max_cycles": 10},
        "hybrid_overrides": {"num_envs": 4, "rollout_length": 10, "hidden_size": 32},
        "sb3_overrides": {"num_vec_envs": 2, "n_steps": 8, "batch_size": 16, "n_epochs": 2},
    }
    settings.update(changes)
    return SuiteSpec(**settings)


# Cost model of the expected wall time, fitted to the unit times of the full suite's stored
# results (`python benchmarks/suite_costs.py`, 2-core AMD EPYC).
# NOTE: those units often ran next to other work, so on idle cores the training parts run
# faster than estimated.
_HYBRID_UE_STEPS_PER_S = 20_000.0
"""Hybrid PPO training throughput in UE-steps per second (env steps x N), at most 5000 env
steps per second on small scenarios."""
_HIPPO_COST_FACTOR = 1.5
"""Hybrid IPPO's training time over hybrid MAPPO's: its critic runs once per UE. The suite
measured 1.2 to 1.7 on paper, dense and large."""
_SB3_UE_STEPS_PER_S = 14_000.0
"""SB3 PPO training throughput in UE-steps per second through SuperSuit. The suite's units
measured 10,000 to 25,000 on paper, dense and large, more at larger N."""
_SB3_ENV_STEPS_PER_S = 1_050.0
"""SB3 PPO's ceiling in env steps per second, which bounds small scenarios (small: N = 3)."""
_EVAL_SECONDS_OTHER = 2.0e-5
"""Seconds per env, slot and UE of the policies without a search, including learned actors."""
_UNIT_OVERHEAD_S = 2.0


def _search_seconds_per_slot(policy: str, n: int) -> float:
    """Return the estimated seconds per env and slot of best-response or the oracle at N = n."""
    if policy == "best-response":
        return max(4e-5 * n**2, 5e-7 * n**3)
    return 0.05 + 2.5e-4 * n**2


def estimate_seconds(spec: SuiteSpec, unit: RunUnit) -> float:
    """Return the estimated wall time of one unit (training and evaluation), in seconds."""
    config = spec.scenario_config(unit.scenario)
    n = config.num_ues
    slots = spec.episodes * config.max_cycles
    if unit.policy in ("best-response", "oracle"):
        seconds = slots * _search_seconds_per_slot(unit.policy, n)
    else:
        seconds = slots * _EVAL_SECONDS_OTHER * n
    if unit.policy in ("hmappo", "hippo"):
        steps_per_s = min(5000.0, _HYBRID_UE_STEPS_PER_S / n)
        factor = _HIPPO_COST_FACTOR if unit.policy == "hippo" else 1.0
        seconds += factor * spec.budget(unit.scenario) / steps_per_s
    elif unit.policy == "sb3-ppo":
        steps_per_s = min(_SB3_ENV_STEPS_PER_S, _SB3_UE_STEPS_PER_S / n)
        seconds += spec.budget(unit.scenario) / steps_per_s
    return seconds + _UNIT_OVERHEAD_S
