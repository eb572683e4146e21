"""UE mobility inside the square area: static, random waypoint and Gauss-Markov.

Positions and waypoints are in m, shaped (envs, UEs, 2); velocities in m/s; a step lasts one
slot of ``dt`` seconds. Positions are clipped to [0, area].
"""

from __future__ import annotations

import numpy as np


def random_waypoint(
    position: np.ndarray,
    waypoint: np.ndarray,
    speed_mps: float,
    dt: float,
    area_m: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Move each UE up to speed x dt towards its waypoint; a UE that reaches it draws a new one.

    Random waypoint model without pause time (Johnson and Maltz, 1996). New waypoints are drawn
    for every UE each slot and used only where the old one was reached, so the number of random
    draws does not depend on the state.
    """
    delta = waypoint - position
    # Same bits as (delta**2).sum(-1), without a slow reduction over a length-2 axis.
    distance = np.sqrt(delta[..., :1] * delta[..., :1] + delta[..., 1:] * delta[..., 1:])
    step = speed_mps * dt
    reached = distance[..., 0] <= step
    fraction = np.where(distance > step, step / np.maximum(distance, 1e-12), 1.0)
    new_position = position + delta * fraction
    fresh = rng.uniform(0.0, area_m, size=waypoint.shape)
    new_waypoint = np.where(reached[..., None], fresh, waypoint)
    return np.clip(new_position, 0.0, area_m), new_waypoint


def gauss_markov(
    position: np.ndarray,
    velocity: np.ndarray,
    speed_mps: float,
    memory: float,
    dt: float,
    area_m: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Advance the Gauss-Markov mobility model by one slot.

    v_t = alpha v_{t-1} + (1 - alpha) v_mean + sqrt(1 - alpha^2) sigma w_t, with a zero mean
    velocity and sigma = speed / sqrt(2) per axis (Liang and Haas, 1999). A UE that would leave
    the area is clipped to its border and its velocity component across the border reversed.
    """
    sigma = speed_mps / np.sqrt(2.0)
    noise = rng.standard_normal(velocity.shape)
    velocity = memory * velocity + np.sqrt(1.0 - memory**2) * sigma * noise
    moved = position + velocity * dt
    outside = (moved < 0.0) | (moved > area_m)
    velocity = np.where(outside, -velocity, velocity)
    return np.clip(moved, 0.0, area_m), velocity
