"""Command line: ``mec-ea-env info | rollout`` (and the commands later modules register).

Every command takes ``--scenario`` plus overrides (``--num-ues``, ``--num-servers``,
``--max-cycles`` and any field through ``--set section.field=value``), validated by the
configuration classes. Results go to stdout as tables and to files; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import ast
import json
import logging
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from mec_ea_env.config import ScenarioConfig
from mec_ea_env.scenarios import SCENARIO_NAMES, make_config

logger = logging.getLogger("mec_ea_env")


class CLIError(Exception):
    """A user error on the command line: printed as one message, exit status 2 by default."""

    def __init__(self, message: str, status: int = 2):
        super().__init__(message)
        self.status = status


def parse_value(text: str) -> Any:
    """Parse an override value: a Python literal (number, bool, None, string) or a bare string."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def add_scenario_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--scenario``, the common overrides and ``--set`` to a subcommand."""
    # The default is applied in scenario_from_args, so that commands can tell whether the
    # option was given (train --resume rejects it).
    parser.add_argument(
        "--scenario",
        help=f"preset name, one of {', '.join(SCENARIO_NAMES)} (default: paper)",
    )
    parser.add_argument("--num-ues", type=int, help="number of UEs N (overrides the preset)")
    parser.add_argument("--num-servers", type=int, help="number of edge servers M")
    parser.add_argument("--max-cycles", type=int, help="slots per episode")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override any field, e.g. --set radio.bandwidth_hz=2e7 (repeatable)",
    )


def scenario_options_given(args: argparse.Namespace) -> list[str]:
    """Return the scenario options of :func:`add_scenario_arguments` given on the command line."""
    options = [
        f"--{name.replace('_', '-')}"
        for name in ("scenario", "num_ues", "num_servers", "max_cycles")
        if getattr(args, name, None) is not None
    ]
    return options + (["--set"] if args.set else [])


def scenario_from_args(args: argparse.Namespace) -> ScenarioConfig:
    """Build the scenario of parsed arguments; raise CLIError on a bad name or value."""
    overrides: dict[str, Any] = {}
    for name in ("num_ues", "num_servers", "max_cycles"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    for item in args.set:
        if "=" not in item:
            raise CLIError(
                f"--set {item!r} is malformed: expected NAME=VALUE, for example "
                "--set radio.bandwidth_hz=2e7"
            )
        name, _, text = item.partition("=")
        overrides[name.strip()] = parse_value(text)
    try:
        return make_config(args.scenario or "paper", **overrides)
    except ValueError as error:
        raise CLIError(str(error)) from error


def _info(args: argparse.Namespace) -> None:
    from mec_ea_env.simulator import Simulator

    config = scenario_from_args(args)
    sim = Simulator(config)
    model = config.model
    rows = [
        ("scenario", config.name),
        ("UEs N / servers M", f"{config.num_ues} / {config.num_servers}"),
        ("area", f"{config.area_m:.0f} m x {config.area_m:.0f} m"),
        (
            "uplink / downlink band per server",
            f"{config.radio.bandwidth_hz / 1e6:g} MHz / "
            f"{config.radio.downlink_bandwidth_hz / 1e6:g} MHz",
        ),
        ("interference / fading", f"{config.radio.interference} / {config.radio.fading}"),
        ("slot / deadline", f"{config.slot_s:g} s / {config.deadline:g} s"),
        ("slots per episode", str(config.max_cycles)),
        (
            "model",
            f"L={model.num_layers} h={model.hidden_size} a_b={model.bottom_adapter_layers}"
            f" a_t={model.top_adapter_layers}",
        ),
        ("adapter FLOPs per 1024 tokens", f"{sim.flops_adapter * 1024 / 1e12:.3f} TFLOP"),
        (
            "edge emulator FLOPs per 1024 tokens",
            f"{sim.flops_edge_emulator * 1024 / 1e12:.3f} TFLOP "
            f"(keep ratio {model.keep_ratio_edge})",
        ),
        (
            "local emulator FLOPs per 1024 tokens",
            f"{sim.flops_local_emulator * 1024 / 1e12:.3f} TFLOP "
            f"(keep ratio {model.keep_ratio_local})",
        ),
        ("activation transfer per 1024 tokens", f"{sim.activation_bits * 1024 / 1e6:.1f} Mbit"),
        ("fidelity local / edge", f"{sim.fidelity_local:.3f} / {sim.fidelity_edge:.3f}"),
        ("UEs per server (memory)", str(int(sim.server_capacity[0]))),
        ("UE memory for a local round", f"{sim.local_memory_bytes / 1e9:.2f} GB"),
        ("observation / state size", f"{sim.layout.obs_dim} / {sim.layout.state_dim}"),
        ("reward mode", config.reward.mode),
    ]
    width = max(len(k) for k, _ in rows)
    print("\n".join(f"{k:<{width}}  {v}" for k, v in rows))
    if args.json:
        print(json.dumps(config.to_dict(), indent=2))


def _rollout(args: argparse.Namespace) -> None:
    from mec_ea_env.vector import VectorMECEnv

    config = scenario_from_args(args)
    env = VectorMECEnv(num_envs=1, scenario=config, autoreset=False)
    rng = np.random.default_rng(args.seed)
    obs, infos = env.reset(seed=args.seed)
    totals = {
        "reward": 0.0,
        "latency_s": 0.0,
        "energy_j": 0.0,
        "quality": 0.0,
        "miss": 0.0,
        "edge": 0.0,
    }
    slots = 0
    for _ in range(config.max_cycles):
        shape = (1, env.num_ues)
        placement = rng.integers(0, env.num_servers + 1, size=shape)
        obs, rewards, _, truncations, infos = env.step(
            placement, rng.random(shape), rng.random(shape)
        )
        slots += 1
        totals["reward"] += float(rewards.mean())
        totals["latency_s"] += float(infos["latency_s"].mean())
        totals["energy_j"] += float(infos["energy_j"].mean())
        totals["quality"] += float(infos["quality"].mean())
        totals["miss"] += float(infos["deadline_miss"].mean())
        totals["edge"] += float((infos["server"] > 0).mean())
        if infos["done_envs"].all():
            break
    print(f"random-policy episode on {config.name!r}, seed {args.seed}, {slots} slots")
    print(f"  episode reward (sum over slots, mean over UEs)  {totals['reward']:.3f}")
    print(f"  mean latency per round                          {totals['latency_s'] / slots:.3f} s")
    print(f"  mean UE energy per round                        {totals['energy_j'] / slots:.3f} J")
    print(f"  mean quality                                    {totals['quality'] / slots:.3f}")
    print(f"  deadline-miss rate                              {totals['miss'] / slots:.3f}")
    print(f"  share of rounds served at the edge              {totals['edge'] / slots:.3f}")


COMMANDS: dict[
    str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], None]]
] = {}
"""Subcommands: name -> (help, add_arguments, run). Modules add theirs with :func:`register`."""


def register(
    name: str,
    help_text: str,
    add_arguments: Callable[[argparse.ArgumentParser], None],
    run: Callable[[argparse.Namespace], None],
) -> None:
    """Register a subcommand of ``mec-ea-env``."""
    COMMANDS[name] = (help_text, add_arguments, run)


def _add_info(parser: argparse.ArgumentParser) -> None:
    add_scenario_arguments(parser)
    parser.add_argument("--json", action="store_true", help="also print the full configuration")


def _add_rollout(parser: argparse.ArgumentParser) -> None:
    add_scenario_arguments(parser)
    parser.add_argument("--seed", type=int, default=0, help="episode seed (default: 0)")


register("info", "show a scenario's parameters and derived sizes", _add_info, _info)
register(
    "rollout", "play one seeded random-policy episode and summarise it", _add_rollout, _rollout
)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every registered subcommand."""
    _load_commands()
    parser = argparse.ArgumentParser(
        prog="mec-ea-env",
        description="Mobile edge tuning with the Emulator-Adapter split: a multi-agent RL testbed.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    parser.add_argument(
        "--import",
        dest="imports",
        action="append",
        default=[],
        metavar="MODULE",
        help="import MODULE first (repeatable), e.g. one that registers your own policy with "
        "mec_ea_env.agents.registry.register_policy; the current folder is searched too",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (help_text, add_arguments, _) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        add_arguments(command)
        # --import is accepted after the command too. Its own dest keeps the subcommand's
        # parse from replacing the modules given before the command.
        command.add_argument(
            "--import",
            dest="imports_after",
            action="append",
            default=argparse.SUPPRESS,
            metavar="MODULE",
            help="the same as mec-ea-env --import MODULE before the command (repeatable)",
        )
    return parser


def _load_commands() -> None:
    """Import the modules that register further subcommands (evaluate, train, bench, render)."""
    import importlib

    for module in (
        "mec_ea_env.evaluation.cli",
        "mec_ea_env.agents.train_cli",
        "mec_ea_env.render_cli",
        "mec_ea_env.bench_cli",
    ):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            # Only a missing command module itself is skipped, never a missing dependency.
            if error.name is None or not module.startswith(error.name):
                raise


def _import_user_modules(modules: list[str]) -> None:
    """Import the modules named by ``--import``, with the current folder on the module path."""
    import importlib
    import os

    if modules and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as error:
            raise CLIError(
                f"--import {module}: import failed ({error}); give a module name importable "
                "from the current folder or the Python path, without the .py suffix"
            ) from error


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        _import_user_modules([*args.imports, *getattr(args, "imports_after", [])])
        COMMANDS[args.command][2](args)
    except CLIError as error:
        print(f"mec-ea-env {args.command}: error: {error}", file=sys.stderr)
        return error.status
    return 0


if __name__ == "__main__":
    # Under `python -m mec_ea_env.cli` this file is __main__, while command modules register
    # into the imported mec_ea_env.cli, so run that module's main to see their commands.
    from mec_ea_env.cli import main as _package_main

    sys.exit(_package_main())
