"""``mec-ea-env render``: play one episode with a policy and save it as an animated GIF or PNGs.

Each frame is the ``rgb_array`` picture of one slot: servers, UEs coloured by placement, links
whose width grows with the bandwidth share, and crosses for deadline misses.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np
from tqdm import tqdm

from mec_ea_env.cli import CLIError, add_scenario_arguments, register, scenario_from_args

logger = logging.getLogger(__name__)


def render_episode(
    scenario,
    policy_spec: str,
    seed: int,
    output: Path,
    fps: float = 2.0,
    max_frames: int | None = None,
) -> list[Path]:
    """Play one seeded episode of ``policy_spec``, write its frames and return the files written.

    ``output`` ending in ``.gif`` gives one animated GIF; any other path is a folder that
    receives ``frame_000.png``, ``frame_001.png`` and so on.
    """
    from mec_ea_env.agents.registry import make_policy
    from mec_ea_env.env import MECEAParallelEnv

    env = MECEAParallelEnv(scenario=scenario, render_mode="rgb_array")
    policy = make_policy(policy_spec, env.config)
    observations, infos = env.reset(seed=seed)
    policy.reset(env.sim, seed=seed)
    frames = []
    total = env.config.max_cycles if max_frames is None else min(max_frames, env.config.max_cycles)
    for _ in tqdm(range(total), desc=f"render {policy_spec}", unit="slot"):
        obs = env.sim.observe()
        action = policy.act(obs, env.sim.placement_mask(), env.sim)
        observations, _, _, _, infos = env.step(action.as_dicts(env.agents))
        frames.append(env.render())
        if not env.agents:
            break
    env.close()
    return _write_frames(frames, output, fps)


def _write_frames(frames: list[np.ndarray], output: Path, fps: float) -> list[Path]:
    try:
        from PIL import Image
    except ImportError as error:
        raise CLIError(
            'rendering needs matplotlib and Pillow: pip install "mec_ea_env[plot]"'
        ) from error

    images = [Image.fromarray(frame) for frame in frames]
    if output.suffix.lower() == ".gif":
        output.parent.mkdir(parents=True, exist_ok=True)
        duration_ms = int(1000 / fps)
        images[0].save(
            output, save_all=True, append_images=images[1:], duration=duration_ms, loop=0
        )
        logger.info("wrote %d frames to %s", len(images), output)
        return [output]
    output.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, image in enumerate(images):
        path = output / f"frame_{number:03d}.png"
        image.save(path)
        paths.append(path)
    logger.info("wrote %d PNG frames to %s", len(paths), output)
    return paths


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    add_scenario_arguments(parser)
    parser.add_argument("--policy", default="greedy", help="policy spec (default: greedy)")
    parser.add_argument("--seed", type=int, default=0, help="episode seed (default: 0)")
    parser.add_argument(
        "--output",
        type=Path,
        default=Path("results/episode.gif"),
        help="a .gif file, or a folder for PNG frames (default: results/episode.gif)",
    )
    parser.add_argument("--fps", type=float, default=2.0, help="GIF frames per second (default: 2)")
    parser.add_argument("--frames", type=int, help="render at most this many slots")


def _run(args: argparse.Namespace) -> None:
    config = scenario_from_args(args)
    if args.fps <= 0:
        raise CLIError(f"--fps {args.fps} is invalid: expected a positive number")
    try:
        paths = render_episode(config, args.policy, args.seed, args.output, args.fps, args.frames)
    except ValueError as error:
        raise CLIError(str(error)) from error
    print(f"wrote {len(paths)} file(s): {paths[0]}{' ...' if len(paths) > 1 else ''}")


register(
    "render",
    "play one episode with a policy and save it as a GIF or PNG frames",
    _add_arguments,
    _run,
)
