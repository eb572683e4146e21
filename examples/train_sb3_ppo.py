"""Train SB3 PPO with one policy shared by every UE, save it, and evaluate it with the baselines.

    python examples/train_sb3_ppo.py --timesteps 1000000 --seed 0 --output runs/sb3_ppo

Every UE of every env copy is one entry of the SB3 VecEnv (SuperSuit), so one MLP learns from
all UEs. ``--action box`` (default) uses Box(-1, 1, (M + 3,)); ``--action multidiscrete`` uses
MultiDiscrete([M + 1, 11, 11]). Training uses each UE's own cost as its reward
(``--train-reward individual``). The evaluation runs ``sb3:OUTPUT/model.zip`` next to the
baselines and scores the scenario's own reward, shared by default.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from sb3_common import TqdmCallback, describe_training, evaluate, parse_args
from stable_baselines3 import PPO

from mec_ea_env.wrappers import sb3_vec_env


def main(argv: list[str] | None = None) -> None:
    """Train, save and evaluate."""
    args = parse_args(__doc__.splitlines()[0], "runs/sb3_ppo", argv, with_action=True)
    torch.set_num_threads(1)
    # Each UE learns from its own cost: with N UEs sharing one policy, the shared reward
    # (minus the mean cost) dilutes one UE's effect on its reward N-fold.
    vec_env = sb3_vec_env(
        scenario=args.scenario,
        num_vec_envs=args.num_vec_envs,
        action=args.action,
        reward={"mode": args.train_reward},
    )
    model = PPO(
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
    print(describe_training("SB3 PPO", args, vec_env, args.action))
    model.learn(total_timesteps=args.timesteps, callback=TqdmCallback())
    path = Path(args.output) / "model.zip"
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path)
    print(f"saved {path}")
    evaluate(f"sb3:{path}", args)


if __name__ == "__main__":
    main(sys.argv[1:])
