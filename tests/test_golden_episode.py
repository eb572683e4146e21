"""Golden episodes: fixed seeds and actions whose per-step outcomes are stored in the repo.

Any change to the numbers the simulator produces (rewards, latencies, energies, placements,
rates, observations) makes this test fail, so a change of physics or of the random stream is
noticed and explained in the commit that makes it. A pure speed-up must keep it green.

The stored values are in tests/data/golden_episode.json. After a deliberate change of numbers,
rewrite that file and explain why in the commit:

    python tests/test_golden_episode.py --regenerate

Floats are compared with a relative tolerance of 1e-12 (``RTOL``), so only rounding-level
changes (such as a reordered sum) pass; integers and booleans must match exactly.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import mec_ea_env

GOLDEN_PATH = Path(__file__).parent / "data" / "golden_episode.json"
RTOL = 1e-12
FLOAT_INFOS = (
    "cost",
    "latency_s",
    "energy_j",
    "quality",
    "bandwidth",
    "power",
    "uplink_rate_bps",
    "downlink_rate_bps",
)
INT_INFOS = ("server", "rejected", "deadline_miss", "clipped")


def _obs_checksum(obs: np.ndarray) -> np.ndarray:
    """Return a position-weighted sum of each env's observations, float64 (envs,).

    The weights differ per index, so swapping two entries changes the checksum.
    """
    flat = obs.reshape(obs.shape[0], -1).astype(np.float64)
    weights = 1.0 + np.arange(flat.shape[1]) / flat.shape[1]
    return flat @ weights


def _random_actions(
    rng: np.random.Generator, shape: tuple[int, int], num_servers: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw placements in [0, M] and fractions in [-0.1, 1.1], so some get clipped."""
    placement = rng.integers(0, num_servers + 1, size=shape)
    bandwidth = rng.uniform(-0.1, 1.1, size=shape)
    power = rng.uniform(-0.1, 1.1, size=shape)
    return placement, bandwidth, power


def run_parallel_case() -> dict[str, Any]:
    """Play one 12-slot episode of the "paper" scenario through the PettingZoo ParallelEnv."""
    env = mec_ea_env.parallel_env("paper", max_cycles=12)
    env.reset(seed=7)
    rng = np.random.default_rng(1234)
    agents = env.possible_agents
    steps = []
    while env.agents:
        placement, bandwidth, power = _random_actions(rng, (1, len(agents)), env.num_servers)
        actions = {
            a: {
                "placement": int(placement[0, i]),
                "bandwidth": np.array([bandwidth[0, i]], dtype=np.float32),
                "power": float(power[0, i]),
            }
            for i, a in enumerate(env.agents)
        }
        observations, rewards, terminations, truncations, infos = env.step(actions)
        record: dict[str, Any] = {"reward": [float(rewards[a]) for a in agents]}
        for key in FLOAT_INFOS + INT_INFOS:
            record[key] = [infos[a][key] for a in agents]
        record["terminated"] = [bool(terminations[a]) for a in agents]
        record["truncated"] = [bool(truncations[a]) for a in agents]
        obs = np.stack([observations[a] for a in agents])[None]
        record["obs_checksum"] = _obs_checksum(obs).tolist()
        record["state_checksum"] = _obs_checksum(env.state()[None]).tolist()
        steps.append(record)
    return {"steps": steps}


def run_vector_case() -> dict[str, Any]:
    """Play 16 slots of 2 crowded envs through the vector API, with two autoresets.

    Gauss-Markov mobility, random server positions, a battery budget (UEs terminate), full
    servers (admission rejects UEs), workload-proportional server sharing and mixed rewards.
    """
    env = mec_ea_env.VectorMECEnv(
        2,
        "dense",
        num_ues=30,
        max_cycles=8,
        mobility="gauss_markov",
        server_layout="random",
        server_share="workload",
        mode="mixed",
        battery_j=12.0,
    )
    obs, _ = env.reset(seed=3)
    rng = np.random.default_rng(5)
    steps = []
    for _ in range(16):
        actions = _random_actions(rng, (env.num_envs, env.num_ues), env.num_servers)
        obs, rewards, terminations, truncations, infos = env.step(*actions)
        record: dict[str, Any] = {"reward": rewards.astype(np.float64).tolist()}
        for key in FLOAT_INFOS + INT_INFOS:
            record[key] = infos[key].tolist()
        record["terminated"] = terminations.tolist()
        record["truncated"] = truncations.tolist()
        record["done_envs"] = infos["done_envs"].tolist()
        record["obs_checksum"] = _obs_checksum(obs).tolist()
        record["state_checksum"] = _obs_checksum(env.state()).tolist()
        if "final_observation" in infos:
            record["final_obs_checksum"] = _obs_checksum(infos["final_observation"]).tolist()
            record["final_state_checksum"] = _obs_checksum(infos["final_state"]).tolist()
        steps.append(record)
    return {"steps": steps}


def run_small_case() -> dict[str, Any]:
    """Play 10 slots of 4 "small" envs: no fading, no interference, static UEs, own rewards."""
    env = mec_ea_env.VectorMECEnv(
        4, "small", fading="none", interference=False, mobility="static", mode="individual"
    )
    obs, _ = env.reset(seed=11)
    rng = np.random.default_rng(13)
    steps = []
    for _ in range(10):
        actions = _random_actions(rng, (env.num_envs, env.num_ues), env.num_servers)
        obs, rewards, _, _, infos = env.step(*actions)
        record: dict[str, Any] = {"reward": rewards.astype(np.float64).tolist()}
        for key in FLOAT_INFOS + INT_INFOS:
            record[key] = infos[key].tolist()
        record["obs_checksum"] = _obs_checksum(obs).tolist()
        steps.append(record)
    return {"steps": steps}


CASES = {
    "parallel_paper": run_parallel_case,
    "vector_dense_battery": run_vector_case,
    "vector_small_no_fading": run_small_case,
}


def _load_golden() -> dict[str, Any]:
    if not GOLDEN_PATH.exists():
        pytest.fail(
            f"{GOLDEN_PATH} is missing: run `python tests/test_golden_episode.py --regenerate`"
        )
    return json.loads(GOLDEN_PATH.read_text())


@pytest.mark.parametrize("case", list(CASES))
def test_golden_episode_matches(case):
    expected = _load_golden()["cases"][case]["steps"]
    actual = CASES[case]()["steps"]
    assert len(actual) == len(expected), f"{case}: episode length changed"
    for t, (got, want) in enumerate(zip(actual, expected, strict=True)):
        assert sorted(got) == sorted(want), f"{case} step {t}: recorded keys differ"
        for key, value in want.items():
            want_array = np.asarray(value)
            got_array = np.asarray(got[key])
            message = f"{case} step {t}: {key} differs from the golden episode"
            if want_array.dtype.kind == "f":
                np.testing.assert_allclose(
                    got_array, want_array, rtol=RTOL, atol=0, err_msg=message
                )
            else:
                np.testing.assert_array_equal(got_array, want_array, err_msg=message)


def _regenerate() -> None:
    cases = {name: run() for name, run in CASES.items()}
    payload = {
        "description": "Per-step outcomes of fixed-seed episodes; see tests/test_golden_episode.py",
        "numpy_version": np.__version__,
        "cases": cases,
    }
    GOLDEN_PATH.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN_PATH.write_text(json.dumps(payload, indent=None, separators=(",", ":")) + "\n")
    print(f"wrote {GOLDEN_PATH}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--regenerate", action="store_true", help="rewrite the golden file from the current code"
    )
    if parser.parse_args().regenerate:
        _regenerate()
    else:
        parser.print_help()
