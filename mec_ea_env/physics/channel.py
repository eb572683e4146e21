"""Radio channel: path loss, shadowing, fading, uplink SINR and Shannon rates.

Units: distances in m, powers in W, bandwidths in Hz, gains as linear power ratios, rates in
bit/s. Arrays are shaped (envs, UEs, servers) for gains and (envs, UEs) or (envs, servers) for
the rest.
"""

from __future__ import annotations

import numpy as np

SEQUENTIAL_SUM_MAX = 7
"""Maximum last-axis length that numpy 2.4 sums left to right (measured); longer is pairwise."""


def sum_over_servers(values: np.ndarray) -> np.ndarray:
    """Return ``values.sum(axis=-1)`` for a short last axis, with the same bits, faster.

    numpy reduces a short contiguous last axis one element per inner loop call, which costs
    about 4x more than adding the M slices as whole arrays. Adding the slices left to right
    repeats numpy's order for up to SEQUENTIAL_SUM_MAX terms, so the result is bit-for-bit the
    same. Longer axes use ``sum`` itself.
    """
    count = values.shape[-1]
    if count > SEQUENTIAL_SUM_MAX or count == 0:
        return values.sum(axis=-1)
    total = values[..., 0].copy()
    for k in range(1, count):
        total += values[..., k]
    return total


def pathloss_db(
    distance_m: np.ndarray, intercept_db: float, slope_db_per_decade: float, min_distance_m: float
) -> np.ndarray:
    """Return the path loss PL(d) = intercept + slope log10(d_km) (dB).

    3GPP TR 36.814, Table A.2.1.1-2 (macro cell, 2 GHz): 128.1 + 37.6 log10(d_km). The distance
    is floored at ``min_distance_m`` so the loss stays finite for a UE on top of a server.
    """
    d_km = np.maximum(distance_m, min_distance_m) * 1e-3
    return intercept_db + slope_db_per_decade * np.log10(d_km)


def uplink_sinr(
    tx_power_w: np.ndarray,
    gain: np.ndarray,
    bandwidth_fraction: np.ndarray,
    noise_power_w: float,
    interference_w: np.ndarray,
) -> np.ndarray:
    """Return the uplink SINR p P g / (b (B N_0 NF + I)) of UEs on their serving server.

    ``tx_power_w`` is p_i P_max, ``gain`` is g_{i,m}, ``bandwidth_fraction`` is b_i, and
    ``interference_w`` is the total inter-cell power I_m at the server over its whole band. A UE
    holding a fraction b of the band collects the noise and, under random sub-band placement,
    the same fraction b of the interference (full-buffer model: every UE placed on a server is
    taken to transmit for the whole slot).
    """
    return tx_power_w * gain / (bandwidth_fraction * (noise_power_w + interference_w))


def shannon_rate(bandwidth_hz: np.ndarray, sinr: np.ndarray) -> np.ndarray:
    """Return the Shannon rate r = B log2(1 + SINR) (bit/s)."""
    return bandwidth_hz * np.log2(1.0 + sinr)


def uplink_interference(
    tx_power_w: np.ndarray,
    gain: np.ndarray,
    serving: np.ndarray,
    others_gain: np.ndarray | None = None,
) -> np.ndarray:
    """Return I_m = sum over UEs j not served by m of p_j P_max g_{j,m} (W), shape (envs, servers).

    ``tx_power_w`` is (envs, UEs) and zero for UEs that do not transmit; ``serving`` is a
    (envs, UEs, servers) boolean one-hot of each UE's serving server. ``others_gain``, if given,
    is ``gain`` with each UE's serving entry set to 0, already computed.
    """
    if others_gain is None:
        others_gain = np.where(serving, 0.0, gain)
    # A batched (1, UEs) x (UEs, servers) product. Summing the middle axis of an (envs, UEs,
    # servers) block instead measured about 4x slower at B = 1024, M = 4.
    return np.matmul(tx_power_w[:, None, :], others_gain)[:, 0, :]


def downlink_sinr(
    server_power_w: float,
    gain: np.ndarray,
    serving: np.ndarray,
    active_server: np.ndarray,
    noise_power_w: float,
    interference: bool,
    own_gain: np.ndarray | None = None,
    others_gain: np.ndarray | None = None,
) -> np.ndarray:
    """Return the downlink SINR of each UE from its serving server, shape (envs, UEs).

    A server spreads P_es evenly over its band, so the power spectral density a UE receives does not
    depend on its share of the band: SINR = P_es g_{i,m} / (B N_0 NF + sum over the other active
    servers m' of P_es g_{i,m'}). A server is active when it serves at least one UE this slot.
    ``own_gain`` (envs, UEs), if given, is g_{i,m} of the serving server, 0 for unserved UEs;
    ``others_gain`` (envs, UEs, servers), if given, is ``gain`` with the serving entries set to 0.
    """
    if own_gain is None:
        own_gain = sum_over_servers(np.where(serving, gain, 0.0))
    signal = server_power_w * own_gain
    if not interference:
        return signal / noise_power_w
    if others_gain is None:
        others_gain = np.where(serving, 0.0, gain)
    # The sum over the other active servers as a (UEs, servers) x (servers, 1) product.
    active = active_server.astype(gain.dtype)[:, :, None]
    interference_w = server_power_w * np.matmul(others_gain, active)[:, :, 0]
    return signal / (noise_power_w + interference_w)
