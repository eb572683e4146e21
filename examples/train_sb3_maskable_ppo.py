"""Train sb3-contrib MaskablePPO with the placement mask, shared by every UE, and evaluate it.

    python examples/train_sb3_maskable_ppo.py --timesteps 1000000 --seed 0 --output runs/sb3_mppo

The MultiDiscrete view (placement, bandwidth level, power level) lets MaskablePPO rule out the
placements that the env reports as infeasible (local emulator beyond UE memory). The mask
comes from ``vec_env.action_masks()``: the placement mask, then True for every level.
Training uses each UE's own cost as its reward (``--train-reward individual``); the evaluation
scores the scenario's own reward (shared by default).
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from sb3_common import TqdmCallback, describe_training, evaluate, parse_args
from sb3_contrib import MaskablePPO

from mec_ea_env.wrappers import sb3_vec_env


def main(argv: list[str] | None = None) -> None:
    """Train, save and evaluate."""
    args = parse_args(__doc__.splitlines()[0], "runs/sb3_mppo", argv)
    torch.set_num_threads(1)
    # Each UE learns from its own cost: with N UEs sharing one policy, the shared reward
    # (minus the mean cost) dilutes one UE's effect on its reward N-fold.
    vec_env = sb3_vec_env(
        scenario=args.scenario,
        num_vec_envs=args.num_vec_envs,
        action="multidiscrete",
        reward={"mode": args.train_reward},
    )
    model = MaskablePPO(
        "MlpPolicy",
        vec_env,
        n_steps=args.n_steps,
        batch_size=args.batch_size,
        n_epochs=5,
        gamma=0.95,
        ent_coef=0.001,
        seed=args.seed,
        device="cpu",
    )
    print(describe_training("MaskablePPO", args, vec_env, "multidiscrete"))
    model.learn(total_timesteps=args.timesteps, callback=TqdmCallback())
    path = Path(args.output) / "model.zip"
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path)
    print(f"saved {path}")
    # The zip records MaskablePPO, so "sb3:" loads it as such and acts with the mask.
    evaluate(f"sb3:{path}", args)


if __name__ == "__main__":
    main(sys.argv[1:])
