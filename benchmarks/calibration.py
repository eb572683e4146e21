"""Measure the four calibration targets of a scenario (default: the `paper` preset).

Targets, all on the same seeded episodes (common random numbers):

1. the oracle places between 20% and 80% of UEs on servers, averaged over slots;
2. the best decentralised baseline (all-local, nearest-edge, greedy) is at least 5% worse than
   the oracle in mean episode reward, (R_oracle - R_best) / |R_oracle|; the same gap is reported
   for best-response;
3. no episode reward of any policy is below the floor of
   :func:`mec_ea_env.evaluation.harness.episode_reward_floor`;
4. equal bandwidth shares with full power, on the oracle's own placements, cost measurably more
   than the oracle's bandwidth and power (mean relative increase of the slot cost).

It also times the oracle per slot and env at N = 10 and N = 50 UEs.

Usage: python benchmarks/calibration.py --episodes 40 --seed 0 --output results/calibration
Writes summary.csv, episodes.csv, calibration.json and calibration.csv in the output folder.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import time
from pathlib import Path

import numpy as np

from mec_ea_env.agents.base import HybridAction, Policy
from mec_ea_env.agents.oracle import OraclePolicy
from mec_ea_env.agents.planning import score, slot_cost, tile_slots
from mec_ea_env.config import ScenarioConfig
from mec_ea_env.evaluation.cli import write_outputs
from mec_ea_env.evaluation.harness import episode_reward_floor, evaluate_policies, run_episodes
from mec_ea_env.scenarios import make_config
from mec_ea_env.simulator import Simulator
from mec_ea_env.vector import VectorMECEnv

POLICIES = ["random", "all-local", "nearest-edge", "greedy", "best-response", "oracle"]
DECENTRALISED = ["all-local", "nearest-edge", "greedy"]


class EqualShareProbe(Policy):
    """The oracle, recording what equal shares and full power would cost on its placements."""

    name = "oracle"
    decentralised = False

    def __init__(self, config: ScenarioConfig):
        self.oracle = OraclePolicy(config)
        self.increase: list[float] = []

    def act(self, obs: np.ndarray, mask: np.ndarray, sim: Simulator) -> HybridAction:
        action = self.oracle.act(obs, mask, sim)
        envs = sim.num_envs
        tiled = tile_slots(sim, 1)
        full = np.ones_like(action.power)
        tuned = slot_cost(
            score(
                tiled, action.placement[:, None], action.bandwidth[:, None], action.power[:, None]
            ),
            envs,
            1,
            sim.active,
        )[:, 0]
        equal = slot_cost(
            score(tiled, action.placement[:, None], full[:, None], full[:, None]),
            envs,
            1,
            sim.active,
        )[:, 0]
        served = (action.placement > 0).any(axis=1)
        self.increase.extend(((equal - tuned) / np.abs(tuned))[served].tolist())
        return action


def time_oracle(config: ScenarioConfig, num_ues: int, slots: int, seed: int) -> float:
    """Return the oracle's wall time per slot (s) for one env with ``num_ues`` UEs."""
    config = make_config(config, num_ues=num_ues)
    env = VectorMECEnv(num_envs=1, scenario=config, autoreset=False)
    oracle = OraclePolicy(config)
    obs, infos = env.reset(seed=seed)
    elapsed = 0.0
    for _ in range(slots):
        start = time.perf_counter()
        action = oracle.act(obs, infos["placement_mask"], env.sim)
        elapsed += time.perf_counter() - start
        obs, _, _, _, infos = env.step(action.placement, action.bandwidth, action.power)
    return elapsed / slots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="paper")
    parser.add_argument("--episodes", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timing-slots", type=int, default=5)
    parser.add_argument("--output", default="results/calibration")
    args = parser.parse_args()
    config = make_config(args.scenario)
    output = Path(args.output)

    result = evaluate_policies(config, POLICIES, args.episodes, args.seed)
    write_outputs(result, output, plot=True, arguments=vars(args))
    reward = {row["policy"]: row["reward_mean"] for row in result.summary}
    oracle = reward["oracle"]
    best_name = max(DECENTRALISED, key=reward.get)

    probe = EqualShareProbe(config)
    probe_episodes = min(args.episodes, 8)
    run_episodes(probe, config, probe_episodes, args.seed)

    floor = episode_reward_floor(config)
    lowest = min(row["reward"] for row in result.per_episode)
    figures = {
        "oracle_edge_share": result.summary_of("oracle")["edge_share"],
        "best_decentralised": best_name,
        "gap_best_decentralised": (oracle - reward[best_name]) / abs(oracle),
        "gap_best_response": (oracle - reward["best-response"]) / abs(oracle),
        "reward_floor": floor,
        "lowest_episode_reward": lowest,
        "lowest_episode_policy": min(result.per_episode, key=lambda r: r["reward"])["policy"],
        "equal_share_cost_increase_mean": float(np.mean(probe.increase)),
        "equal_share_cost_increase_median": float(np.median(probe.increase)),
        "equal_share_probe_episodes": probe_episodes,
        "oracle_seconds_per_slot_n10": time_oracle(config, 10, args.timing_slots, args.seed),
        "oracle_seconds_per_slot_n50": time_oracle(config, 50, args.timing_slots, args.seed),
    }
    checks = {
        "edge_share_in_20_80": 0.2 <= figures["oracle_edge_share"] <= 0.8,
        "decentralised_gap_at_least_5pct": figures["gap_best_decentralised"] >= 0.05,
        "rewards_above_floor": lowest >= floor,
        "equal_shares_worse": figures["equal_share_cost_increase_mean"] > 0.01,
    }
    payload = {
        "scenario": config.name,
        "episodes": args.episodes,
        "seed": args.seed,
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "date": time.strftime("%Y-%m-%d"),
        "figures": figures,
        "checks": checks,
    }
    (output / "calibration.json").write_text(json.dumps(payload, indent=2) + "\n")
    with (output / "calibration.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "value"])
        for key, value in {**figures, **checks}.items():
            writer.writerow([key, value])
    for key, value in {**figures, **checks}.items():
        print(f"{key:36s} {value}")


if __name__ == "__main__":
    main()
