"""Feasibility rules the environment enforces on every action: admission and band sharing.

Arrays are (envs, UEs) for per-UE values and (envs, servers) for per-server ones. Fractions are
of a server's uplink band.
"""

from __future__ import annotations

import numpy as np


def admit(
    server_index: np.ndarray, on_server: np.ndarray, priority: np.ndarray, capacity: np.ndarray
) -> np.ndarray:
    """Return which UEs a server admits when more UEs request it than its memory fits.

    ``server_index`` (envs, UEs) is the requested server, valid where ``on_server`` is True.
    ``priority`` (envs, UEs) contains distinct random keys, and the lowest is served first.
    ``capacity`` (servers,) is how many UEs each server fits. The UEs beyond it are rejected.
    """
    num_envs, num_servers = server_index.shape[0], capacity.shape[0]
    # Requests per (env, server) counted with one bincount over flat indexes (np.add.at is slower).
    flat = np.arange(num_envs)[:, None] * num_servers + server_index
    requests = np.bincount(flat[on_server], minlength=num_envs * num_servers)
    requests = requests.reshape(num_envs, num_servers)
    if not (requests > capacity).any():
        return on_server.copy()

    # Sort each env's UEs by (server, priority) and rank them within their server's group.
    group = np.where(on_server, server_index, num_servers)
    key = group * 2.0 + priority  # priority lies in [0, 1), so the server dominates the order
    order = np.argsort(key, axis=1, kind="stable")
    sorted_group = np.take_along_axis(group, order, axis=1)
    position = np.arange(group.shape[1])[None, :]
    starts = np.ones_like(sorted_group, dtype=bool)
    starts[:, 1:] = sorted_group[:, 1:] != sorted_group[:, :-1]
    first_of_group = np.maximum.accumulate(np.where(starts, position, 0), axis=1)
    rank_sorted = position - first_of_group
    rank = np.empty_like(rank_sorted)
    np.put_along_axis(rank, order, rank_sorted, axis=1)

    limit = np.append(capacity, 0)[group]
    return on_server & (rank < limit)


def project_bandwidth(
    requested: np.ndarray,
    serving: np.ndarray,
    floor: float,
    served: np.ndarray | None = None,
    server_index: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the effective uplink fractions and each server's sum of requests.

    Each request of a served UE is raised to ``floor`` (b_min). On a server whose raised requests
    sum above 1, they are all scaled by the same factor so the sum is exactly 1. UEs not served
    get 0. ``serving`` is the (envs, UEs, servers) one-hot of served UEs; ``served`` (envs,
    UEs), if given, is ``serving.any(axis=2)`` already computed, and ``server_index`` (envs,
    UEs), if given, each served UE's server: the sums then use it instead of the one-hot, with
    the same result (both add a server's requests in UE order).
    """
    if served is None:
        served = serving.any(axis=2)
    raised = np.where(served, np.maximum(requested, floor), 0.0)
    if server_index is None:
        per_server = np.einsum("bn,bnm->bm", raised, serving)
        scale = 1.0 / np.maximum(per_server, 1.0)
        return raised * np.einsum("bm,bnm->bn", scale, serving), per_server

    num_envs, num_servers = serving.shape[0], serving.shape[2]
    flat = np.arange(num_envs)[:, None] * num_servers + server_index
    per_server = np.bincount(flat[served], weights=raised[served], minlength=num_envs * num_servers)
    per_server = per_server.astype(np.float64, copy=False).reshape(num_envs, num_servers)
    scale = 1.0 / np.maximum(per_server, 1.0)
    return raised * np.where(served, scale.take(flat), 0.0), per_server
