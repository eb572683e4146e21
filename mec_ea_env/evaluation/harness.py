"""Evaluation harness: every policy plays the same seeded episodes (common random numbers).

For each policy the harness builds a batch of ``episodes`` envs and resets it with the same seed.
The simulator's random draws (positions, fading, workloads, mobility, admission keys) depend only
on the batch shape, never on actions, so every policy meets identical exogenous randomness and
differences between policies are not sampling noise of the scenario.

Per-episode metrics (one row per policy and episode):

- ``reward``: sum over slots of the mean reward over active UEs (shared mode: minus mean cost);
- ``latency_s``, ``energy_j``, ``quality``: means over the active UE-rounds of the episode;
- ``miss_rate``: share of UE-rounds that missed the deadline or were rejected;
- ``rejected_rate``: share of UE-rounds rejected (infeasible local round or a full server);
- ``edge_share``: share of UE-rounds served by an edge server;
- ``slots``: slots played before the episode ended.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from mec_ea_env.actions import check_arrays
from mec_ea_env.agents.base import Policy
from mec_ea_env.agents.registry import make_policy
from mec_ea_env.config import ScenarioConfig, dbm_to_watt
from mec_ea_env.evaluation.stats import mean_ci95, normalized_score
from mec_ea_env.vector import VectorMECEnv

logger = logging.getLogger("mec_ea_env.evaluation")

EPISODE_METRICS = (
    "reward",
    "latency_s",
    "energy_j",
    "quality",
    "miss_rate",
    "rejected_rate",
    "edge_share",
)
"""Per-episode metrics, in the order of the per-episode CSV."""

SUMMARY_COLUMNS = (
    "policy",
    "episodes",
    "reward_mean",
    "reward_ci95",
    "latency_mean_s",
    "energy_mean_j",
    "quality_mean",
    "miss_rate",
    "edge_share",
    "normalized_score",
    "latency_ci95_s",
    "energy_ci95_j",
    "quality_ci95",
    "miss_rate_ci95",
    "edge_share_ci95",
    "rejected_rate",
    "decentralised",
    "seconds_per_slot",
    "score_vs_best_response",
)
"""Columns of summary.csv: the first ten are the stable schema, the rest are extras."""

_SUMMARY_SOURCES = {
    "reward": ("reward_mean", "reward_ci95"),
    "latency_s": ("latency_mean_s", "latency_ci95_s"),
    "energy_j": ("energy_mean_j", "energy_ci95_j"),
    "quality": ("quality_mean", "quality_ci95"),
    "miss_rate": ("miss_rate", "miss_rate_ci95"),
    "edge_share": ("edge_share", "edge_share_ci95"),
    "rejected_rate": ("rejected_rate", None),
}


def episode_reward_floor(config: ScenarioConfig) -> float:
    """Return the lowest mean-over-UEs episode reward any policy can get on ``config`` (shared
    mode; in the other modes it bounds every UE's reward too).

    A round is abandoned at the deadline tau, so per slot a UE's cost is at most
    w_T tau / T_ref + w_E tau P_ue / E_ref + penalty. P_ue is the largest power a UE draws: its
    compute power eps_max f_max, its full transmit power P_max or its receive power. The floor
    is minus that bound times the slots per episode.
    """
    comp, radio, rew = config.compute, config.radio, config.reward
    ue_power_w = max(
        comp.ue_energy_per_flop_max * comp.ue_flops_max,
        dbm_to_watt(radio.ue_max_power_dbm),
        radio.ue_receive_power_w,
    )
    tau = config.deadline
    per_slot = (
        rew.latency_weight * tau / config.latency_ref
        + rew.energy_weight * tau * ue_power_w / rew.energy_ref_j
        + rew.miss_penalty
    )
    return -config.max_cycles * per_slot


@dataclass
class EvaluationResult:
    """Per-episode rows and per-policy summary rows of one evaluation run."""

    config: ScenarioConfig
    seed: int
    episodes: int
    per_episode: list[dict[str, Any]] = field(default_factory=list)
    summary: list[dict[str, Any]] = field(default_factory=list)

    def summary_of(self, policy: str) -> dict[str, Any]:
        """Return the summary row of ``policy``; raise KeyError if it was not evaluated."""
        for row in self.summary:
            if row["policy"] == policy:
                return row
        raise KeyError(f"policy {policy!r} not in this evaluation")


def run_episodes(
    policy: Policy,
    config: ScenarioConfig,
    episodes: int,
    seed: int,
    progress: tqdm | None = None,
) -> tuple[list[dict[str, float]], float]:
    """Play ``episodes`` seeded episodes of ``policy`` in one batch.

    Returns the per-episode metrics and the wall time per slot (s) of the policy and simulator.
    ``progress`` advances by one per episode and slot.
    """
    env = VectorMECEnv(num_envs=episodes, scenario=config, autoreset=False)
    sim = env.sim
    obs, infos = env.reset(seed=seed)
    mask = infos["placement_mask"]
    policy.reset(sim, seed=seed)

    totals = {name: np.zeros(episodes) for name in EPISODE_METRICS}
    rounds = np.zeros(episodes)
    slots = np.zeros(episodes, dtype=np.int64)
    running = np.ones(episodes, dtype=bool)
    start = time.perf_counter()
    steps = 0
    credited = 0
    # NOTE: the harness steps the simulator behind the vector env directly. Without autoreset
    # the vector env raises when a batch contains an episode that ended early (battery
    # termination), so here ended episodes just stop accumulating.
    for _ in range(config.max_cycles):
        action = policy.act(obs, mask, sim)
        placement, bandwidth, power, _ = check_arrays(
            action.placement,
            action.bandwidth,
            action.power,
            episodes,
            sim.num_ues,
            sim.num_servers,
        )
        active = sim.active.copy() & running[:, None]
        result = sim.step(placement, bandwidth, power)
        steps += 1

        count = active.sum(axis=1)
        safe = np.maximum(count, 1)
        totals["reward"] += np.where(active, result.reward, 0.0).sum(axis=1) / safe
        totals["latency_s"] += np.where(active, result.latency_s, 0.0).sum(axis=1)
        totals["energy_j"] += np.where(active, result.energy_j, 0.0).sum(axis=1)
        totals["quality"] += np.where(active, result.quality, 0.0).sum(axis=1)
        totals["miss_rate"] += (active & result.deadline_miss).sum(axis=1)
        totals["rejected_rate"] += (active & result.rejected).sum(axis=1)
        totals["edge_share"] += (active & (result.server > 0)).sum(axis=1)
        rounds += count
        slots += running

        if progress is not None:
            progress.update(int(running.sum()))
            credited += int(running.sum())
        running &= ~(result.truncated | ~sim.active.any(axis=1))
        if not running.any():
            break
        obs = sim.observe()
        mask = sim.placement_mask()

    if progress is not None:
        # An episode that ended early still counts as max_cycles slots, one whole episode.
        progress.update(episodes * config.max_cycles - credited)
    seconds_per_slot = (time.perf_counter() - start) / max(steps, 1)
    per_round = np.maximum(rounds, 1)
    rows = []
    for e in range(episodes):
        row = {"episode": e, "slots": int(slots[e]), "reward": float(totals["reward"][e])}
        for name in EPISODE_METRICS[1:]:
            row[name] = float(totals[name][e] / per_round[e])
        rows.append(row)
    return rows, seconds_per_slot


def summarise(rows: Sequence[dict[str, float]]) -> dict[str, Any]:
    """Return the summary columns (means and 95% half-widths) of one policy's episode rows."""
    summary: dict[str, Any] = {"episodes": len(rows)}
    for metric, (mean_name, ci_name) in _SUMMARY_SOURCES.items():
        mean, half_width = mean_ci95([row[metric] for row in rows])
        summary[mean_name] = mean
        if ci_name is not None:
            summary[ci_name] = half_width
    return summary


def evaluate_policies(
    config: ScenarioConfig,
    specs: Sequence[str],
    episodes: int = 20,
    seed: int = 0,
    show_progress: bool = True,
) -> EvaluationResult:
    """Evaluate every policy spec on the same ``episodes`` seeded episodes of ``config``.

    Specs are names from :func:`mec_ea_env.agents.registry.available_policies` (learned ones take
    a path, ``hmappo:PATH``). Unknown specs raise ValueError before any episode runs. The
    normalised score needs ``random`` and ``oracle`` among the specs, and the score against
    best-response needs ``random`` and ``best-response``. Without them each score is None.
    """
    if not isinstance(episodes, int) or isinstance(episodes, bool) or episodes < 1:
        raise ValueError(f"episodes = {episodes!r} is invalid: expected an integer >= 1")
    if not specs:
        raise ValueError("specs is empty: expected at least one policy name")
    duplicates = sorted({s for s in specs if list(specs).count(s) > 1})
    if duplicates:
        raise ValueError(f"policies {duplicates} are listed more than once")
    policies = [(spec, make_policy(spec, config)) for spec in specs]

    result = EvaluationResult(config=config, seed=seed, episodes=episodes)
    # The bar counts slots and displays them in episodes (unit_scale = 1 / slots per episode).
    bar = tqdm(
        total=len(policies) * episodes * config.max_cycles,
        unit=" episodes",
        unit_scale=1.0 / config.max_cycles,
        desc="evaluate",
        disable=not show_progress,
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total:.0f} episodes "
        "[{elapsed}<{remaining}]",
    )
    with bar:
        for spec, policy in policies:
            bar.set_description_str(f"evaluate {spec}")
            logger.debug("evaluating %s on %s, %d episodes", spec, config.name, episodes)
            rows, seconds_per_slot = run_episodes(policy, config, episodes, seed, bar)
            for row in rows:
                result.per_episode.append({"policy": spec, "seed": seed, **row})
            summary = {"policy": spec, **summarise(rows)}
            summary["decentralised"] = bool(policy.decentralised)
            summary["seconds_per_slot"] = seconds_per_slot
            result.summary.append(summary)

    # The score against best-response is the benchmark suite's, defined where the oracle is
    # too costly to run (large scenarios).
    references = {row["policy"]: row["reward_mean"] for row in result.summary}
    for row in result.summary:
        row["normalized_score"] = normalized_score(
            row["reward_mean"], references.get("random"), references.get("oracle")
        )
        row["score_vs_best_response"] = normalized_score(
            row["reward_mean"], references.get("random"), references.get("best-response")
        )
    return result
