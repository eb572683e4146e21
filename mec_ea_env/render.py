"""Rendering of one slot: a text table ("ansi") and a picture of the cell layout ("rgb_array").

The picture needs matplotlib (``pip install "mec_ea_env[plot]"``), imported only when used.
Positions are in m; the text shows latency in s and energy in J.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from mec_ea_env.simulator import Simulator

PLACEMENT_COLOURS = (
    "#555555",
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
)


def ansi(sim: Simulator, infos: dict[str, dict[str, Any]], agents: Sequence[str]) -> str:
    """Return a text table of the servers and of every UE's last slot (env 0)."""
    lines = [
        f"slot {int(sim.t[0])}/{sim.config.max_cycles}  scenario {sim.config.name}  "
        f"N={sim.num_ues} M={sim.num_servers}",
        "server  x(m)    y(m)    load  emulator",
    ]
    for m in range(sim.num_servers):
        x, y = sim.server_position[0, m]
        resident = "yes" if sim.server_resident[0, m] else "no"
        lines.append(f"{m + 1:>6}  {x:6.0f}  {y:6.0f}  {int(sim.last_load[0, m]):>4}  {resident}")
    lines.append("agent     x(m)    y(m)  placed  band   power  latency(s)  energy(J)  miss")
    for i, agent in enumerate(agents):
        x, y = sim.position[0, i]
        info = infos.get(agent, {})
        if "server" not in info:
            lines.append(f"{agent:<8} {x:5.0f}  {y:6.0f}  {'-':>6}")
            continue
        placed = {0: "local", -1: "none"}.get(info["server"], f"es{info['server']}")
        lines.append(
            f"{agent:<8} {x:5.0f}  {y:6.0f}  {placed:>6}  {info['bandwidth']:.2f}   "
            f"{info['power']:.2f}  {info['latency_s']:10.2f}  {info['energy_j']:9.2f}  "
            f"{'yes' if info['deadline_miss'] else 'no'}"
        )
    return "\n".join(lines)


def rgb_array(
    sim: Simulator, infos: dict[str, dict[str, Any]], agents: Sequence[str]
) -> np.ndarray:
    """Return a picture (uint8, H x W x 3) of servers, UEs and their last placements (env 0)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D
    except ImportError as error:
        raise ImportError(
            'render_mode="rgb_array" needs matplotlib: pip install "mec_ea_env[plot]"'
        ) from error

    area = sim.config.area_m
    figure = Figure(figsize=(5, 5.6), dpi=80)
    canvas = FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    axes.set_xlim(0, area)
    axes.set_ylim(0, area)
    axes.set_aspect("equal")
    axes.set_title(f"{sim.config.name}: slot {int(sim.t[0])}/{sim.config.max_cycles}")
    axes.set_xlabel("x (m)")
    axes.set_ylabel("y (m)")

    servers = sim.server_position[0]
    for i, agent in enumerate(agents):
        server = infos.get(agent, {}).get("server", 0)
        x, y = sim.position[0, i]
        colour = PLACEMENT_COLOURS[max(server, 0) % len(PLACEMENT_COLOURS)]
        if server >= 1:
            sx, sy = servers[server - 1]
            width = 0.5 + 4.0 * infos[agent].get("bandwidth", 0.0)
            axes.plot([x, sx], [y, sy], color=colour, linewidth=width, alpha=0.6)
        marker = "x" if infos.get(agent, {}).get("deadline_miss", False) else "o"
        axes.scatter([x], [y], color=colour, marker=marker, s=20)
    for m, (sx, sy) in enumerate(servers):
        colour = PLACEMENT_COLOURS[(m + 1) % len(PLACEMENT_COLOURS)]
        axes.scatter([sx], [sy], color=colour, marker="^", s=120, edgecolors="black")
        axes.annotate(f"ES{m + 1}", (sx, sy), textcoords="offset points", xytext=(6, 6))

    handles = [
        Line2D([], [], color=PLACEMENT_COLOURS[0], marker="o", linestyle="", label="UE, local"),
        Line2D([], [], color=PLACEMENT_COLOURS[1], marker="o", label="UE on ES1 (width = band)"),
        Line2D([], [], color="black", marker="x", linestyle="", label="deadline miss"),
        Line2D(
            [],
            [],
            color="white",
            marker="^",
            markeredgecolor="black",
            linestyle="",
            label="edge server",
        ),
    ]
    figure.legend(handles=handles, loc="lower center", ncol=2, fontsize=7, frameon=False)
    figure.subplots_adjust(bottom=0.2)
    canvas.draw()
    image = np.asarray(canvas.buffer_rgba())[..., :3]
    return np.ascontiguousarray(image, dtype=np.uint8)


def close(sim: Simulator) -> None:
    """Release rendering resources; figures are not kept between calls, so nothing to do."""
