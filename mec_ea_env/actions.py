"""Validation of hybrid actions: one discrete placement and two fractions per UE.

Malformed input raises a ``ValueError`` naming the agent, the action key and the value. Finite
fractions outside [0, 1] are clipped and counted; NaN and inf are rejected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

ACTION_KEYS = ("placement", "bandwidth", "power")
"""Keys of one agent's action dict."""
_ACTION_KEY_SET = frozenset(ACTION_KEYS)


def agent_name(index: int) -> str:
    """Return the PettingZoo name of UE ``index``."""
    return f"ue_{index}"


def _where(env_index: int | None, ue_index: int) -> str:
    prefix = "" if env_index is None else f"env {env_index}, "
    return f"{prefix}agent {agent_name(ue_index)}"


def check_arrays(
    placement: Any,
    bandwidth: Any,
    power: Any,
    num_envs: int,
    num_ues: int,
    num_servers: int,
    batched: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Validate batched action arrays; return (placement, bandwidth, power, clipped counts).

    ``placement`` must be integers in [0, num_servers], shaped (envs, UEs); ``bandwidth`` and
    ``power`` finite reals shaped (envs, UEs) or (envs, UEs, 1). Out-of-range finite fractions
    are clipped to [0, 1] and counted per UE. With ``batched=False`` errors omit the env index.
    """
    shape = (num_envs, num_ues)
    placement = np.asarray(placement)
    if placement.shape != shape:
        raise ValueError(f"placement has shape {placement.shape}: expected {shape} (envs, UEs)")
    if placement.dtype == bool or not np.issubdtype(placement.dtype, np.integer):
        raise ValueError(
            f"placement has dtype {placement.dtype}: expected integers in [0, {num_servers}]"
        )
    bad = (placement < 0) | (placement > num_servers)
    if bad.any():
        e, i = np.argwhere(bad)[0]
        raise ValueError(
            f"{_where(e if batched else None, i)}: placement = {placement[e, i]} is out of "
            f"range: expected an integer in [0, {num_servers}] (0 = local, m = server m)"
        )

    fractions = []
    clipped = np.zeros(shape, dtype=np.int64)
    for key, value in (("bandwidth", bandwidth), ("power", power)):
        array = np.asarray(value)
        if array.ndim == 3 and array.shape[2] == 1:
            array = array[..., 0]
        if array.shape != shape:
            raise ValueError(f"{key} has shape {np.shape(value)}: expected {shape} (envs, UEs)")
        if not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
            raise ValueError(f"{key} has dtype {array.dtype}: expected real numbers in [0, 1]")
        array = array.astype(np.float64, copy=False)
        finite = np.isfinite(array)
        if not finite.all():
            e, i = np.argwhere(~finite)[0]
            raise ValueError(
                f"{_where(e if batched else None, i)}: {key} = {array[e, i]} is not finite: "
                "expected a real number in [0, 1]"
            )
        outside = (array < 0.0) | (array > 1.0)
        clipped += outside
        fractions.append(np.clip(array, 0.0, 1.0) if outside.any() else array)
    return placement.astype(np.int64, copy=False), fractions[0], fractions[1], clipped


def _scalar(agent: str, key: str, value: Any, integer: bool) -> float | int:
    """Return one action field as a Python number, accepting scalars and 1-element arrays."""
    # Fast path for plain Python numbers; bool is a subclass of int but not of type int.
    kind = type(value)
    if kind is int:
        return value if integer else float(value)
    if kind is float and not integer:
        return value
    if kind is np.ndarray:
        if value.size != 1:
            raise ValueError(
                f"agent {agent}: {key} = {value.tolist()!r} has shape {value.shape}: expected "
                "a scalar or an array of 1 element"
            )
        value = value.reshape(-1)[0]
        kind = type(value)
    # Fast paths for what gymnasium's Box.sample() and Discrete.sample() return.
    if not integer and (kind is np.float32 or kind is np.float64):
        return float(value)
    if integer and kind is np.int64:
        return int(value)
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"agent {agent}: {key} = {value!r} is a bool: expected a number")
    if integer:
        if isinstance(value, (int, np.integer)):
            return int(value)
        raise ValueError(
            f"agent {agent}: {key} = {value!r} has type {type(value).__name__}: expected an integer"
        )
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    raise ValueError(
        f"agent {agent}: {key} = {value!r} has type {type(value).__name__}: expected a real number"
    )


def dict_to_arrays(
    actions: Mapping[str, Any], agents: Sequence[str], possible_agents: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Convert a PettingZoo action dict into (placement, bandwidth, power) arrays of shape (N,).

    Entries of ``possible_agents`` not in ``agents`` (inactive) get placement 0 and are ignored
    by the simulator. The caller's dict and arrays are never modified.
    """
    if not isinstance(actions, Mapping):
        raise ValueError(
            f"actions has type {type(actions).__name__}: expected a dict mapping agent names "
            "to action dicts"
        )
    active = agents if isinstance(agents, (set, frozenset)) else set(agents)
    unknown = [a for a in actions if a not in active]
    if unknown:
        raise ValueError(
            f"actions for unknown or inactive agents {unknown}: expected only agents of "
            f"env.agents ({len(agents)} active)"
        )
    missing = [a for a in agents if a not in actions]
    if missing:
        raise ValueError(f"actions missing for agents {missing}: every active agent must act")

    n = len(possible_agents)
    # Python lists, converted once at the end: setting numpy elements one by one is slower.
    placement = [0] * n
    bandwidth = [0.0] * n
    power = [0.0] * n
    index = {name: i for i, name in enumerate(possible_agents)}
    for agent in agents:
        action = actions[agent]
        # type() first: isinstance against the Mapping ABC is slow and a dict is the usual case.
        if type(action) is not dict and not isinstance(action, Mapping):
            raise ValueError(
                f"agent {agent}: action has type {type(action).__name__}: expected a dict with "
                f"keys {list(ACTION_KEYS)}"
            )
        if action.keys() != _ACTION_KEY_SET:
            raise ValueError(
                f"agent {agent}: action has keys {sorted(action)}: expected exactly "
                f"{list(ACTION_KEYS)}"
            )
        i = index[agent]
        placement[i] = _scalar(agent, "placement", action["placement"], integer=True)
        bandwidth[i] = _scalar(agent, "bandwidth", action["bandwidth"], integer=False)
        power[i] = _scalar(agent, "power", action["power"], integer=False)
    return np.array(placement, dtype=np.int64), np.array(bandwidth), np.array(power)
