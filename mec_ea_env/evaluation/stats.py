"""Summary statistics of per-episode results: the mean and a 95% confidence interval.

The interval is the Student t interval of the mean, t_{0.975, n-1} s / sqrt(n), with s the
sample standard deviation (ddof = 1). It assumes independent episodes. The episodes of an
evaluation batch are independent draws, because each has its own initial state and its own
part of the random stream.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats


def mean_ci95(values: Sequence[float] | np.ndarray) -> tuple[float, float | None]:
    """Return the mean of ``values`` and the half-width of its 95% t interval.

    The half-width is None for a single value, where no interval exists. Raises ValueError on
    an empty or non-finite input.
    """
    array = np.asarray(values, dtype=np.float64)
    if array.size == 0:
        raise ValueError("values is empty: expected at least one episode result")
    if not np.isfinite(array).all():
        raise ValueError(f"values contains non-finite entries: {array[~np.isfinite(array)]}")
    mean = float(array.mean())
    if array.size < 2:
        return mean, None
    sem = float(array.std(ddof=1)) / math.sqrt(array.size)
    return mean, float(stats.t.ppf(0.975, df=array.size - 1) * sem)


def normalized_score(
    reward: float, random_reward: float | None, oracle_reward: float | None
) -> float | None:
    """Return (R - R_random) / (R_oracle - R_random), or None when it is undefined.

    Any upper reference can stand for the oracle (the score against best-response passes
    best-response's reward). It is undefined when either reference is missing or when the two
    references are closer than 1e-9 (no scale).
    """
    if random_reward is None or oracle_reward is None:
        return None
    span = oracle_reward - random_reward
    if abs(span) < 1e-9:
        return None
    return (reward - random_reward) / span
