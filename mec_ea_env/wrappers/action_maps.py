"""Exact maps between the hybrid action and the flat action spaces that SB3 and RLlib accept.

A hybrid action of one UE is (placement in {0..M}, bandwidth fraction in [0, 1], power fraction
in [0, 1]). The maps work on arrays of any leading shape, such as (UEs,) or (envs, UEs), so
the ParallelEnv wrappers, the centralised gymnasium view and the SB3 policy loader share them.

Box view, ``Box(-1, 1, (M + 3,), float32)``:

| index      | meaning                                  | to hybrid                            |
|------------|------------------------------------------|--------------------------------------|
| 0 .. M     | one score per placement (0 = local)      | placement = argmax, ties to lowest   |
| M + 1      | bandwidth                                | bandwidth = (x + 1) / 2              |
| M + 2      | power                                    | power = (x + 1) / 2                  |

MultiDiscrete view, ``MultiDiscrete([M + 1, n_bandwidth, n_power])``: placement, then the
index of a bandwidth level and of a power level in ``np.linspace(0, 1, n)``, so the levels
include 0 and 1 exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from gymnasium import spaces


def _row_name(index: tuple[int, ...], names: Sequence[str] | None) -> str:
    if names is not None and len(index) == 1:
        return f"agent {names[index[0]]}"
    return f"action {list(index)}"


def _check_fractions(
    bandwidth: np.ndarray, power: np.ndarray, shape: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    result = []
    for key, value in (("bandwidth", bandwidth), ("power", power)):
        array = np.asarray(value, dtype=np.float64)
        if array.shape != shape:
            raise ValueError(f"{key} has shape {array.shape}: expected {shape} like placement")
        bad = ~np.isfinite(array) | (array < 0.0) | (array > 1.0)
        if bad.any():
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ValueError(f"{key}{list(index)} = {array[index]} is invalid: expected [0, 1]")
        result.append(array)
    return result[0], result[1]


def _check_placement(placement: np.ndarray, num_servers: int) -> np.ndarray:
    placement = np.asarray(placement)
    if placement.dtype == bool or not np.issubdtype(placement.dtype, np.integer):
        raise ValueError(f"placement has dtype {placement.dtype}: expected integers")
    bad = (placement < 0) | (placement > num_servers)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"placement{list(index)} = {placement[index]} is out of range: expected [0, "
            f"{num_servers}]"
        )
    return placement.astype(np.int64, copy=False)


class BoxActionMap:
    """Map between hybrid actions and ``Box(-1, 1, (M + 3,), float32)`` score vectors.

    ``to_hybrid`` clips finite values to [-1, 1] first (as SB3 does before stepping), so -1 and
    1 give fractions of exactly 0 and 1. ``from_hybrid`` returns one preimage: score 1 for the
    chosen placement, -1 for the others, and 2 f - 1 for each fraction. The round trip returns
    the placement exactly and each fraction within float32 rounding (about 6e-8).
    """

    def __init__(self, num_servers: int):
        self.num_servers = int(num_servers)
        self.size = self.num_servers + 3
        self.space = spaces.Box(-1.0, 1.0, (self.size,), dtype=np.float32)

    def to_hybrid(
        self, action: np.ndarray, names: Sequence[str] | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Convert actions (..., M + 3) to placement int64 and fractions float64, shape (...).

        ``names`` labels the rows of a 2-D input in error messages (agent names).
        """
        array = np.asarray(action)
        if array.ndim == 0 or array.shape[-1] != self.size:
            raise ValueError(
                f"Box action has shape {array.shape}: expected (..., {self.size}) = M + 1 "
                "placement scores, bandwidth, power"
            )
        if not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
            raise ValueError(f"Box action has dtype {array.dtype}: expected real numbers")
        array = array.astype(np.float64)
        finite = np.isfinite(array).all(axis=-1)
        if not finite.all():
            index = tuple(int(i) for i in np.argwhere(~finite)[0])
            raise ValueError(
                f"{_row_name(index, names)}: Box action {array[index].tolist()} is not finite: "
                "expected real numbers in [-1, 1]"
            )
        array = np.clip(array, -1.0, 1.0)
        # np.argmax returns the first maximum, so equal scores choose the lowest placement.
        placement = np.argmax(array[..., : self.num_servers + 1], axis=-1).astype(np.int64)
        bandwidth = (array[..., self.num_servers + 1] + 1.0) / 2.0
        power = (array[..., self.num_servers + 2] + 1.0) / 2.0
        return placement, bandwidth, power

    def from_hybrid(self, placement: np.ndarray, bandwidth: np.ndarray, power: np.ndarray):
        """Return the canonical Box action (..., M + 3) float32 of hybrid actions."""
        placement = _check_placement(placement, self.num_servers)
        bandwidth, power = _check_fractions(bandwidth, power, placement.shape)
        action = np.full(placement.shape + (self.size,), -1.0, dtype=np.float64)
        np.put_along_axis(action, placement[..., None], 1.0, axis=-1)
        action[..., self.num_servers + 1] = 2.0 * bandwidth - 1.0
        action[..., self.num_servers + 2] = 2.0 * power - 1.0
        return action.astype(np.float32)


class MultiDiscreteActionMap:
    """Map between hybrid actions and ``MultiDiscrete([M + 1, n_bandwidth, n_power])``.

    ``to_hybrid`` is exact: level k of n is ``np.linspace(0, 1, n)[k]``. ``from_hybrid`` picks
    the nearest level (a fraction half-way between two levels goes to the upper one), so it is
    the exact inverse on the levels and a projection elsewhere.
    """

    def __init__(self, num_servers: int, bandwidth_levels: int = 11, power_levels: int = 11):
        for key, value in (("bandwidth_levels", bandwidth_levels), ("power_levels", power_levels)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 2:
                raise ValueError(
                    f"{key} = {value!r} is invalid: expected an integer >= 2 (levels include 0 "
                    "and 1)"
                )
        self.num_servers = int(num_servers)
        self.bandwidth_levels = np.linspace(0.0, 1.0, int(bandwidth_levels))
        self.power_levels = np.linspace(0.0, 1.0, int(power_levels))
        self.nvec = np.array(
            [self.num_servers + 1, int(bandwidth_levels), int(power_levels)], dtype=np.int64
        )
        self.size = 3
        self.space = spaces.MultiDiscrete(self.nvec)
        self.mask_size = int(self.nvec.sum())

    def to_hybrid(
        self, action: np.ndarray, names: Sequence[str] | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Convert actions (..., 3) to placement int64 and fractions float64, shape (...)."""
        array = np.asarray(action)
        if array.ndim == 0 or array.shape[-1] != 3:
            raise ValueError(
                f"MultiDiscrete action has shape {array.shape}: expected (..., 3) = placement, "
                "bandwidth level, power level"
            )
        if array.dtype == bool or not np.issubdtype(array.dtype, np.integer):
            raise ValueError(f"MultiDiscrete action has dtype {array.dtype}: expected integers")
        bad = ((array < 0) | (array >= self.nvec)).any(axis=-1)
        if bad.any():
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ValueError(
                f"{_row_name(index, names)}: MultiDiscrete action {array[index].tolist()} is out "
                f"of range: expected each entry below {self.nvec.tolist()}"
            )
        placement = array[..., 0].astype(np.int64)
        bandwidth = self.bandwidth_levels[array[..., 1]]
        power = self.power_levels[array[..., 2]]
        return placement, bandwidth, power

    def from_hybrid(self, placement: np.ndarray, bandwidth: np.ndarray, power: np.ndarray):
        """Return the MultiDiscrete action (..., 3) int64 with the nearest levels."""
        placement = _check_placement(placement, self.num_servers)
        bandwidth, power = _check_fractions(bandwidth, power, placement.shape)
        bandwidth_steps = len(self.bandwidth_levels) - 1
        power_steps = len(self.power_levels) - 1
        return np.stack(
            [
                placement,
                np.floor(bandwidth * bandwidth_steps + 0.5).astype(np.int64),
                np.floor(power * power_steps + 0.5).astype(np.int64),
            ],
            axis=-1,
        )

    def action_mask(self, placement_mask: np.ndarray) -> np.ndarray:
        """Return the flat mask (..., M + 1 + n_bandwidth + n_power) that MaskablePPO expects.

        The placement part is ``placement_mask`` (..., M + 1); every level is allowed.
        """
        placement_mask = np.asarray(placement_mask, dtype=bool)
        if placement_mask.ndim == 0 or placement_mask.shape[-1] != self.num_servers + 1:
            raise ValueError(
                f"placement_mask has shape {placement_mask.shape}: expected (..., "
                f"{self.num_servers + 1})"
            )
        level_count = self.mask_size - (self.num_servers + 1)
        levels = np.ones(placement_mask.shape[:-1] + (level_count,), dtype=bool)
        return np.concatenate([placement_mask, levels], axis=-1)
