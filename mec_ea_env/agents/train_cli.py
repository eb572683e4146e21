"""The ``mec-ea-env train`` command: train hybrid PPO and write its run directory.

``mec-ea-env train --algo hmappo --scenario paper --steps N --seed S --output runs/NAME`` writes

- ``runs/NAME/checkpoint.pt``: policy, normalisers, optimiser, configs (``--resume`` continues it,
  ``mec-ea-env evaluate --policies hmappo:runs/NAME/checkpoint.pt`` scores it);
- ``runs/NAME/progress.csv``: one row per iteration (steps per second, episode reward, losses,
  approximate KL, clip fraction, entropies);
- ``runs/NAME/learning_curve.png`` and ``runs/NAME/summary.json`` (wall time and a seeded
  evaluation of the deterministic policy).

Every field of :class:`HybridPPOConfig` is an option (``--learning-rate``, ``--num-envs``, ...)
whose help text is the field's documentation. torch is imported only when the command runs.
"""

from __future__ import annotations

import argparse
import ast
import csv
import inspect
import json
import logging
import textwrap
import time
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from mec_ea_env.cli import (
    CLIError,
    add_scenario_arguments,
    register,
    scenario_from_args,
    scenario_options_given,
)
from mec_ea_env.config import REWARD_MODES

logger = logging.getLogger("mec_ea_env.agents.train")

DEMO_TOTAL_STEPS = 480_000
"""Default budget (env steps); equal to hybrid_ppo.DEMO_TOTAL_STEPS, kept here so that building
the parser does not import torch. A test checks that the two agree."""
CHECKPOINT_EVERY = 20
"""Default iterations between checkpoints of `mec-ea-env train` (32,000 env steps by default)."""
OWN_OPTIONS = ("algo", "seed", "total_steps")
"""Config fields with a hand-written option instead of a generated one."""
FIELD_CHOICES = {"train_reward": REWARD_MODES}
"""Choices of the optional text fields, besides "none" for None."""


def config_fields() -> list[tuple[str, str, Any, str]]:
    """Return (name, annotation, default, docstring) of every HybridPPOConfig field.

    They are read from the class source, so building the parser does not import torch.
    """
    spec = find_spec("mec_ea_env.agents.hybrid_ppo")
    if spec is None or spec.origin is None:
        raise CLIError("mec_ea_env.agents.hybrid_ppo not found: reinstall mec_ea_env")
    tree = ast.parse(Path(spec.origin).read_text())
    config_class = next(
        node
        for node in tree.body
        if isinstance(node, ast.ClassDef) and node.name == "HybridPPOConfig"
    )
    fields = []
    body = config_class.body
    for index, item in enumerate(body):
        if not (isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)):
            continue
        following = body[index + 1] if index + 1 < len(body) else None
        doc = ""
        if isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant):
            doc = inspect.cleandoc(str(following.value.value))
        try:
            default = ast.literal_eval(item.value) if item.value is not None else None
        except ValueError:
            default = ast.unparse(item.value)
        fields.append((item.target.id, ast.unparse(item.annotation), default, doc))
    return fields


def _optional_float(text: str) -> float | None:
    return None if text.strip().lower() in ("none", "null") else float(text)


def _optional_text(text: str) -> str | None:
    return None if text.strip().lower() in ("none", "null") else text


def _add_train(parser: argparse.ArgumentParser) -> None:
    add_scenario_arguments(parser)
    parser.add_argument(
        "--algo",
        choices=("hmappo", "hippo"),
        default="hmappo",
        help="hmappo: centralised critic on the global state; hippo: critic on the local "
        "observation (independent PPO) (default: hmappo)",
    )
    parser.add_argument(
        "--steps",
        type=int,
        help=f"training budget in env steps, one slot of one env each (default: the make demo "
        f"budget, {DEMO_TOTAL_STEPS})",
    )
    parser.add_argument("--seed", type=int, default=0, help="training seed (default: 0)")
    parser.add_argument(
        "--output",
        type=Path,
        help="run directory for checkpoint.pt, progress.csv, learning_curve.png and "
        "summary.json (default: runs/ALGO-SCENARIO-seedS)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue from OUTPUT/checkpoint.pt with its scenario and configuration; only "
        "--steps changes (the total budget, counting the steps already done)",
    )
    parser.add_argument(
        "--eval-episodes",
        type=int,
        default=32,
        help="seeded episodes on which to score the final deterministic policy (default: 32; "
        "0 skips it)",
    )
    parser.add_argument(
        "--eval-seed", type=int, default=12345, help="seed of those episodes (default: 12345)"
    )
    parser.add_argument(
        "--checkpoint-every",
        type=int,
        default=CHECKPOINT_EVERY,
        metavar="ITERATIONS",
        help="also save OUTPUT/checkpoint.pt every this many iterations, so --resume after an "
        f"interruption loses at most that much work (default: {CHECKPOINT_EVERY}; 0 saves only "
        "at the end)",
    )
    parser.add_argument(
        "--tensorboard",
        action="store_true",
        help="also write TensorBoard events to OUTPUT/tensorboard (needs the tensorboard package)",
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    group = parser.add_argument_group(
        "hyperparameters (docs/agents.md gives the defaults' reasons)"
    )
    for name, annotation, default, doc in config_fields():
        if name in OWN_OPTIONS:
            continue
        option = "--" + name.replace("_", "-")
        help_text = f"{doc} (default: {default})".replace("%", "%%")
        if annotation == "bool":
            group.add_argument(option, action=argparse.BooleanOptionalAction, help=help_text)
        elif annotation == "int":
            group.add_argument(option, type=int, help=help_text)
        elif annotation == "float":
            group.add_argument(option, type=float, help=help_text)
        elif annotation == "float | None":
            group.add_argument(option, type=_optional_float, metavar="FLOAT|none", help=help_text)
        elif annotation == "str | None" and name in FIELD_CHOICES:
            choices = FIELD_CHOICES[name]
            group.add_argument(
                option,
                type=_optional_text,
                choices=(*choices, None),
                metavar="{" + ",".join((*choices, "none")) + "}",
                help=help_text,
            )
        else:
            group.add_argument(option, help=help_text)


def _hyperparameter_overrides(args: argparse.Namespace) -> dict[str, Any]:
    overrides = {}
    for name, _, _, _ in config_fields():
        if name in OWN_OPTIONS:
            continue
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    return overrides


def _train(args: argparse.Namespace) -> None:
    start = time.perf_counter()
    from mec_ea_env.agents.hybrid_ppo import (
        HybridPPO,
        HybridPPOConfig,
        HybridPPOPolicy,
        evaluate_episodes,
    )
    from mec_ea_env.evaluation.stats import mean_ci95

    scenario = scenario_from_args(args)
    output = args.output or Path("runs") / f"{args.algo}-{scenario.name}-seed{args.seed}"
    overrides = _hyperparameter_overrides(args)
    try:
        if args.resume:
            checkpoint = output / "checkpoint.pt"
            if overrides:
                raise CLIError(
                    f"--resume keeps the checkpoint's hyperparameters: drop "
                    f"{', '.join('--' + k.replace('_', '-') for k in overrides)}"
                )
            scenario_options = scenario_options_given(args)
            if scenario_options:
                raise CLIError(
                    f"--resume keeps the checkpoint's scenario: drop {', '.join(scenario_options)}"
                )
            resume_overrides = {} if args.steps is None else {"total_steps": args.steps}
            trainer = HybridPPO.from_checkpoint(checkpoint, **resume_overrides)
            logger.info(
                "resuming %s from %s at %d env steps",
                trainer.config.algo,
                checkpoint,
                trainer.global_step,
            )
        else:
            if (output / "checkpoint.pt").exists() or (output / "progress.csv").exists():
                raise CLIError(
                    f"{output} already contains a run: pass --resume to continue it or choose "
                    "another --output"
                )
            config = HybridPPOConfig(
                algo=args.algo,
                seed=args.seed,
                total_steps=args.steps if args.steps is not None else DEMO_TOTAL_STEPS,
                **overrides,
            )
            trainer = HybridPPO(config, scenario)
    except ValueError as error:
        raise CLIError(str(error)) from error
    if args.eval_episodes < 0:
        raise CLIError(f"--eval-episodes = {args.eval_episodes} is invalid: expected >= 0")
    if args.checkpoint_every < 0:
        raise CLIError(f"--checkpoint-every = {args.checkpoint_every} is invalid: expected >= 0")
    if args.tensorboard and find_spec("tensorboard") is None:
        # Checked before training, so that a long run does not end without the requested events.
        raise CLIError("--tensorboard needs the tensorboard package: pip install tensorboard")

    try:
        trainer.train(
            output_dir=output,
            progress=not args.no_progress,
            tensorboard=args.tensorboard,
            checkpoint_every=args.checkpoint_every,
        )
    except KeyboardInterrupt:
        raise CLIError(_interrupted_message(output, args), status=130) from None
    summary: dict[str, Any] = {
        "algo": trainer.config.algo,
        "scenario": trainer.scenario.name,
        "seed": trainer.config.seed,
        "train_reward": trainer.train_scenario.reward.mode,
        "env_steps": trainer.global_step,
        "iterations": trainer.iteration,
        "wall_time_s": round(trainer.wall_time_s, 2),
        "torch_threads": trainer.config.torch_threads,
        "checkpoint": str(output / "checkpoint.pt"),
    }
    if args.eval_episodes > 0:
        rewards = evaluate_episodes(
            HybridPPOPolicy.from_trainer(trainer),
            trainer.scenario,
            args.eval_episodes,
            args.eval_seed,
        )
        # A t interval, as in `mec-ea-env evaluate`. It is None (JSON null) for one episode.
        mean, half_width = mean_ci95(rewards)
        summary.update(
            eval_episodes=len(rewards),
            eval_seed=args.eval_seed,
            eval_reward_mean=mean,
            eval_reward_ci95=half_width,
        )
    summary["command_time_s"] = round(time.perf_counter() - start, 2)
    (output / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    plot_learning_curve(
        output / "progress.csv",
        output / "learning_curve.png",
        f"{summary['algo']} on {summary['scenario']}, seed {summary['seed']}",
    )

    print(
        f"{summary['algo']} on {summary['scenario']!r}: {summary['env_steps']} env steps in "
        f"{summary['wall_time_s']:.0f} s of training ({summary['iterations']} iterations, "
        f"counting any earlier runs this one resumed); this command took "
        f"{summary['command_time_s']:.0f} s"
    )
    if "eval_reward_mean" in summary:
        print(
            f"deterministic policy, {summary['eval_episodes']} episodes (seed "
            f"{args.eval_seed}): mean episode reward {summary['eval_reward_mean']:.2f}"
            + _ci_text(summary["eval_reward_ci95"])
        )
    print(f"run directory: {output}")
    print(
        f"compare: mec-ea-env evaluate --scenario {summary['scenario']} --policies "
        f"random,all-local,greedy,best-response,{summary['algo']}:{output / 'checkpoint.pt'} "
        f"--output {output / 'evaluation'}"
    )


def _ci_text(half_width: float | None) -> str:
    if half_width is None:
        return " (one episode, no interval)"
    return f" +/- {half_width:.2f} (95% CI)"


def _interrupted_message(output: Path, args: argparse.Namespace) -> str:
    """Return what to do after Ctrl-C stopped a training run."""
    checkpoint = output / "checkpoint.pt"
    if not checkpoint.is_file():
        return (
            f"training interrupted before its first checkpoint: delete {output} and start again "
            "(lower --checkpoint-every to save more often)"
        )
    from mec_ea_env.agents.hybrid_ppo import load_checkpoint

    saved = load_checkpoint(checkpoint)
    steps = "" if args.steps is None else f" --steps {args.steps}"
    return (
        f"training interrupted; {checkpoint} holds iteration {saved['iteration']} "
        f"({saved['global_step']} env steps). Continue with: mec-ea-env train --resume "
        f"--output {output}{steps}"
    )


def plot_learning_curve(progress_csv: Path, image: Path, title: str) -> None:
    """Plot the training episode reward against env steps from progress.csv into a PNG."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        logger.warning("learning curve skipped: install matplotlib (the [plot] extra)")
        return
    with progress_csv.open() as handle:
        rows = list(csv.DictReader(handle))
    steps = [int(row["global_step"]) for row in rows]
    rewards = [float(row["episode_reward_mean"]) for row in rows]
    figure, axis = plt.subplots(figsize=(6, 3.5), dpi=120)
    axis.plot(steps, rewards, label="training episodes (stochastic policy)")
    axis.set_xlabel("env steps")
    axis.set_ylabel("mean episode reward per iteration")
    axis.set_title(textwrap.shorten(title, 70))
    axis.grid(alpha=0.3)
    axis.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(image)
    plt.close(figure)


register(
    "train",
    "train hybrid multi-agent PPO (hmappo) or its independent variant (hippo)",
    _add_train,
    _train,
)
