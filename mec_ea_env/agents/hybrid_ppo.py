"""Reference hybrid multi-agent PPO (HMAPPO) and its independent variant (IPPO), in PyTorch.

Every UE is an agent with a hybrid action: a discrete placement (0 = local, m = edge server m)
and, for an edge placement, two fractions in (0, 1): the uplink band requested and the transmit
power. One actor network is shared by all agents (parameter sharing). It reads a UE's local
observation plus a one-hot agent id and outputs

- a categorical distribution over the M + 1 placements, with infeasible placements (from
  ``placement_mask``) at probability zero, and
- for each edge server m, two independent Beta distributions over (bandwidth, power) with
  alpha, beta = 1 + softplus(.) so that every density is unimodal and finite inside (0, 1).

The joint log-probability of an action is log Cat(placement) + log Beta(fractions | placement)
for an edge placement and log Cat(placement) alone for the local one, where the fractions have
no effect on the environment. HMAPPO trains the actor with PPO's clipped surrogate (Schulman et
al. 2017, "Proximal Policy Optimization Algorithms") on the joint ratio. Its critic is
centralised as in MAPPO (Yu et al. 2022, "The Surprising Effectiveness of PPO in Cooperative
Multi-Agent Games"): it reads the env's global ``state()`` and outputs one value per agent.
``algo="hippo"`` gives the critic only the agent's local observation and a one-hot agent id
(independent PPO, de Witt et al. 2020).

The file reads top to bottom: configuration, distributions, networks, normalisers, GAE, the
trainer (rollout, update, logging, checkpoints) and the :class:`HybridPPOPolicy` that the
evaluation harness loads from a checkpoint. docs/agents.md gives the loss equations and the
reason for each default. Units: steps are env steps (one slot of one env, N agent transitions).
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import logging
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.distributions import Beta, Categorical

from mec_ea_env.agents.base import HybridAction, Policy
from mec_ea_env.agents.registry import register_policy
from mec_ea_env.config import REWARD_MODES, ScenarioConfig
from mec_ea_env.observation import ObservationLayout
from mec_ea_env.simulator import LOCAL
from mec_ea_env.vector import VectorMECEnv

logger = logging.getLogger("mec_ea_env.agents.hybrid_ppo")

ALGOS = ("hmappo", "hippo")
"""Algorithm names: centralised critic on the global state, or critic on local observations."""
DEMO_TOTAL_STEPS = 480_000
"""Training budget of ``make demo`` (env steps); docs/agents.md gives its measured wall time."""
FRACTION_EPS = 1e-6
"""Sampled fractions are clipped to [eps, 1 - eps] so every Beta log-density stays finite."""
MASKED_LOGIT = -1e8
"""Logit of an infeasible placement: its probability underflows to exactly 0 in float32."""
CHECKPOINT_FORMAT = 1
"""Version of the checkpoint dictionary layout."""


# ------------------------------------------------------------------------------------------------
# Configuration


@dataclass
class HybridPPOConfig:
    """Hyperparameters of hybrid PPO; docs/agents.md gives the reason for each default."""

    algo: str = "hmappo"
    """"hmappo" (critic on the global state) or "hippo" (critic on the local observation)."""
    seed: int = 0
    """Seed of torch, of the minibatch order and of the training envs."""
    total_steps: int = DEMO_TOTAL_STEPS
    """Training budget in env steps (one slot of one env, which contains N agent transitions)."""
    num_envs: int = 32
    """Envs collected from at once through the batched vector API."""
    rollout_length: int = 50
    """Slots per env per iteration; a multiple of the episode length keeps episodes whole."""
    learning_rate: float = 1.5e-3
    """Adam step size of actor and critic."""
    anneal_lr: bool = True
    """Decay the learning rate linearly to zero over the budget."""
    gamma: float = 0.5
    """Discount factor per slot."""
    gae_lambda: float = 0.8
    """GAE lambda, trading the critic's bias against the return's variance."""
    update_epochs: int = 4
    """Passes over each rollout."""
    num_minibatches: int = 4
    """Minibatches per pass, drawn over (slot, env) pairs with all N agents of each pair."""
    clip_coef: float = 0.2
    """PPO ratio clip epsilon."""
    separate_clip: bool = False
    """Clip the discrete and the continuous ratio separately instead of the joint ratio."""
    entropy_coef_discrete: float = 0.01
    """Weight of the categorical entropy bonus."""
    entropy_coef_continuous: float = 0.001
    """Weight of the Beta entropy bonus of the chosen placement."""
    value_coef: float = 0.5
    """Weight of the value loss."""
    max_grad_norm: float = 0.5
    """Global gradient-norm clip of actor and critic."""
    target_kl: float | None = None
    """Stop an iteration's epochs early when the approximate KL exceeds this (None: never)."""
    hidden_size: int = 128
    """Width of the two hidden layers of actor and critic."""
    agent_id: bool = True
    """Append a one-hot agent id to the actor input (the critics always tell agents apart)."""
    normalize_observations: bool = False
    """Standardise actor and critic inputs with running statistics."""
    normalize_values: bool = True
    """Train the critic on standardised returns (running mean and std)."""
    normalize_advantages: bool = True
    """Standardise advantages per minibatch."""
    torch_threads: int = 1
    """torch intra-op threads; 1 suits the small networks and leaves cores to the envs."""
    deterministic_torch: bool = True
    """Call torch.use_deterministic_algorithms(True) during training."""
    train_reward: str | None = None
    """Reward mode learnt from: "shared", "individual", "mixed" (weights reward.mix_alpha) or
    None (the scenario's mode). The checkpoint keeps the scenario, so evaluations score the
    scenario's own reward."""

    def __post_init__(self) -> None:
        if self.algo not in ALGOS:
            raise ValueError(f"algo = {self.algo!r} is invalid: expected one of {ALGOS}")
        for name in ("total_steps", "num_envs", "rollout_length", "update_epochs"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} = {value!r} is invalid: expected an integer >= 1")
        if not isinstance(self.num_minibatches, int) or self.num_minibatches < 1:
            raise ValueError(
                f"num_minibatches = {self.num_minibatches!r} is invalid: expected an integer >= 1"
            )
        for name in ("learning_rate", "clip_coef", "max_grad_norm", "hidden_size"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} = {getattr(self, name)!r} is invalid: expected > 0")
        for name in ("gamma", "gae_lambda"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} = {getattr(self, name)!r} is invalid: expected [0, 1]")
        if self.train_reward is not None and self.train_reward not in REWARD_MODES:
            raise ValueError(
                f"train_reward = {self.train_reward!r} is invalid: expected one of "
                f"{REWARD_MODES} or None"
            )

    @property
    def steps_per_iteration(self) -> int:
        """Env steps collected per iteration."""
        return self.num_envs * self.rollout_length

    @property
    def num_iterations(self) -> int:
        """Iterations needed to cover ``total_steps`` (the last one may overshoot)."""
        return math.ceil(self.total_steps / self.steps_per_iteration)


# ------------------------------------------------------------------------------------------------
# The hybrid action distribution


class HybridDistribution:
    """Categorical placement times per-server Beta fractions, batched over K agent rows.

    ``logits`` (K, M + 1) are already masked; ``alpha`` and ``beta`` are (K, M, 2), one Beta
    pair per edge server for (bandwidth, power).
    """

    def __init__(self, logits: torch.Tensor, alpha: torch.Tensor, beta: torch.Tensor):
        self.categorical = Categorical(logits=logits)
        self.alpha = alpha
        self.beta = beta

    def _chosen_beta(self, placement: torch.Tensor) -> Beta:
        # Only the chosen server's Beta parameters enter the graph, so the heads of the other
        # servers get exactly zero gradient. Local rows read server 1's head and are masked.
        index = (placement - 1).clamp(min=0)[:, None, None].expand(-1, 1, 2)
        alpha = self.alpha.gather(1, index)[:, 0]
        beta = self.beta.gather(1, index)[:, 0]
        return Beta(alpha, beta)

    def sample(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw placements (K,) int64 and fractions (K, 2) float32; local rows get 0 fractions."""
        placement = self.categorical.sample()
        fractions = self._chosen_beta(placement).sample().clamp(FRACTION_EPS, 1.0 - FRACTION_EPS)
        fractions = torch.where((placement != LOCAL)[:, None], fractions, 0.0)
        return placement, fractions

    def mode(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Return the deterministic action: the most likely placement and the Beta means."""
        placement = self.categorical.probs.argmax(dim=-1)
        chosen = self._chosen_beta(placement)
        fractions = torch.where((placement != LOCAL)[:, None], chosen.mean, 0.0)
        return placement, fractions

    def log_prob(
        self, placement: torch.Tensor, fractions: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Return (log Cat(placement), log Beta(fractions | placement)), the latter 0 if local."""
        log_prob_discrete = self.categorical.log_prob(placement)
        clipped = fractions.clamp(FRACTION_EPS, 1.0 - FRACTION_EPS)
        log_prob_beta = self._chosen_beta(placement).log_prob(clipped).sum(dim=-1)
        log_prob_continuous = torch.where(placement != LOCAL, log_prob_beta, 0.0)
        return log_prob_discrete, log_prob_continuous

    def entropy_discrete(self) -> torch.Tensor:
        """Return the analytic entropy of the placement distribution (nats), (K,)."""
        return self.categorical.entropy()

    def entropy_continuous(self, placement: torch.Tensor) -> torch.Tensor:
        """Return the differential entropy (nats) of the chosen server's Betas; 0 if local."""
        entropy = self._chosen_beta(placement).entropy().sum(dim=-1)
        return torch.where(placement != LOCAL, entropy, 0.0)

    def joint_entropy(self) -> torch.Tensor:
        """Return H(placement) + sum_m P(m) H(fractions | m), the entropy of the joint action."""
        edge_entropy = Beta(self.alpha, self.beta).entropy().sum(dim=-1)
        return self.entropy_discrete() + (self.categorical.probs[:, 1:] * edge_entropy).sum(-1)


# ------------------------------------------------------------------------------------------------
# Networks


def layer_init(layer: nn.Linear, gain: float) -> nn.Linear:
    """Initialise a linear layer orthogonally with ``gain`` and a zero bias."""
    nn.init.orthogonal_(layer.weight, gain)
    nn.init.zeros_(layer.bias)
    return layer


def mlp_torso(input_size: int, hidden_size: int) -> nn.Sequential:
    """Return two tanh hidden layers of ``hidden_size`` units."""
    return nn.Sequential(
        layer_init(nn.Linear(input_size, hidden_size), math.sqrt(2.0)),
        nn.Tanh(),
        layer_init(nn.Linear(hidden_size, hidden_size), math.sqrt(2.0)),
        nn.Tanh(),
    )


class Actor(nn.Module):
    """Shared actor: input row -> masked placement logits and per-server Beta parameters."""

    def __init__(self, input_size: int, num_servers: int, hidden_size: int):
        super().__init__()
        self.num_servers = num_servers
        self.torso = mlp_torso(input_size, hidden_size)
        # Small output gains start every head near uniform: all placements equally likely and
        # Beta(1.69, 1.69) fractions centred on 0.5.
        self.placement_head = layer_init(nn.Linear(hidden_size, num_servers + 1), 0.01)
        self.beta_head = layer_init(nn.Linear(hidden_size, num_servers * 4), 0.01)

    def forward(self, inputs: torch.Tensor, mask: torch.Tensor) -> HybridDistribution:
        """Return the action distribution of input rows (K, in) with feasibility mask (K, M+1)."""
        hidden = self.torso(inputs)
        logits = self.placement_head(hidden).masked_fill(~mask, MASKED_LOGIT)
        concentration = 1.0 + nn.functional.softplus(self.beta_head(hidden))
        concentration = concentration.view(-1, self.num_servers, 2, 2)
        return HybridDistribution(logits, concentration[..., 0], concentration[..., 1])


class Critic(nn.Module):
    """Value network with one standardised value per agent.

    Centralised (hmappo): global state (K, state_dim) -> (K, N), one output unit per agent, so a
    state passes through the torso once rather than once per agent. Independent (hippo): local
    observation plus one-hot agent id (K, N, obs_dim + N) -> (K, N, 1).
    """

    def __init__(self, input_size: int, hidden_size: int, num_outputs: int):
        super().__init__()
        self.torso = mlp_torso(input_size, hidden_size)
        self.head = layer_init(nn.Linear(hidden_size, num_outputs), 1.0)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """Return values (..., num_outputs) of input rows (..., in)."""
        return self.head(self.torso(inputs))


# ------------------------------------------------------------------------------------------------
# Running normalisers


class RunningMeanStd(nn.Module):
    """Running mean and variance of a stream of vectors (parallel update of Chan et al. 1979).

    Used for observation normalisation and, with shape (), as the value normaliser: the critic
    predicts standardised returns and :meth:`denormalize` maps them back.
    """

    def __init__(self, shape: tuple[int, ...] = (), epsilon: float = 1e-4):
        super().__init__()
        self.register_buffer("mean", torch.zeros(shape, dtype=torch.float64))
        self.register_buffer("var", torch.ones(shape, dtype=torch.float64))
        self.register_buffer("count", torch.tensor(epsilon, dtype=torch.float64))

    def update(self, batch: torch.Tensor) -> None:
        """Fold a batch (K, *shape) into the statistics."""
        batch = batch.detach().to(torch.float64).reshape(-1, *self.mean.shape)
        batch_count = batch.shape[0]
        if batch_count == 0:
            return
        batch_mean = batch.mean(dim=0)
        batch_var = batch.var(dim=0, unbiased=False)
        delta = batch_mean - self.mean
        total = self.count + batch_count
        new_mean = self.mean + delta * batch_count / total
        m2 = (
            self.var * self.count
            + batch_var * batch_count
            + delta**2 * self.count * batch_count / total
        )
        self.mean.copy_(new_mean)
        self.var.copy_(m2 / total)
        self.count.copy_(total)

    def normalize(self, values: torch.Tensor) -> torch.Tensor:
        """Return (values - mean) / std in the dtype of ``values``."""
        std = torch.sqrt(self.var + 1e-8)
        return ((values.to(torch.float64) - self.mean) / std).to(values.dtype)

    def denormalize(self, values: torch.Tensor) -> torch.Tensor:
        """Return values * std + mean in the dtype of ``values`` (inverse of :meth:`normalize`)."""
        std = torch.sqrt(self.var + 1e-8)
        return (values.to(torch.float64) * std + self.mean).to(values.dtype)


class IdentityNormalizer(nn.Module):
    """Stand-in for :class:`RunningMeanStd` when a normaliser is switched off."""

    def update(self, batch: torch.Tensor) -> None:
        """Ignore the batch."""

    def normalize(self, values: torch.Tensor) -> torch.Tensor:
        """Return ``values`` unchanged."""
        return values

    def denormalize(self, values: torch.Tensor) -> torch.Tensor:
        """Return ``values`` unchanged."""
        return values


# ------------------------------------------------------------------------------------------------
# Generalised advantage estimation


def compute_gae(
    rewards: torch.Tensor,
    values: torch.Tensor,
    next_values: torch.Tensor,
    terminated: torch.Tensor,
    episode_end: torch.Tensor,
    gamma: float,
    gae_lambda: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (advantages, returns) of a rollout, every tensor shaped (T, ...).

    GAE (Schulman et al. 2016, "High-Dimensional Continuous Control Using Generalized Advantage
    Estimation"): delta_t = r_t + gamma V'(t) (1 - term_t) - V(s_t) and
    A_t = delta_t + gamma lambda (1 - end_t) A_{t+1}. ``next_values`` V'(t) is the value of the
    state after step t: the next observation's value inside an episode, the final state's value
    where the episode was truncated (the env autoresets, so the next observation belongs to a new
    episode). ``terminated`` stops bootstrapping (a true end); ``episode_end`` (terminated or
    truncated) only stops the recursion, so a time-out is never treated as terminal.
    """
    advantages = torch.zeros_like(rewards)
    last = torch.zeros_like(rewards[0])
    for t in reversed(range(rewards.shape[0])):
        bootstrap = next_values[t] * (~terminated[t])
        delta = rewards[t] + gamma * bootstrap - values[t]
        last = delta + gamma * gae_lambda * (~episode_end[t]) * last
        advantages[t] = last
    return advantages, advantages + values


# ------------------------------------------------------------------------------------------------
# The trainer


@dataclass
class IterationStats:
    """Metrics of one training iteration, one row of progress.csv."""

    iteration: int
    global_step: int
    wall_time_s: float
    steps_per_second: float
    episodes: int
    episode_reward_mean: float
    episode_reward_std: float
    edge_share: float
    deadline_miss_rate: float
    policy_loss: float
    value_loss: float
    entropy_discrete: float
    entropy_continuous: float
    approx_kl: float
    clip_fraction: float
    explained_variance: float
    learning_rate: float


@dataclass
class Rollout:
    """One iteration's experience; leading axes (T, B, N), or (T, B) for per-env arrays."""

    obs: torch.Tensor
    """Normalised observations (T, B, N, obs_dim)."""
    critic_base: torch.Tensor
    """Normalised critic input before the agent id: state (T, B, d) or observations."""
    mask: torch.Tensor
    placement: torch.Tensor
    fractions: torch.Tensor
    log_prob_discrete: torch.Tensor
    log_prob_continuous: torch.Tensor
    values: torch.Tensor
    next_values: torch.Tensor
    """Value of the state after each step: the final state where an episode ended."""
    terminated: torch.Tensor
    episode_end: torch.Tensor
    advantages: torch.Tensor
    returns: torch.Tensor
    active: torch.Tensor
    episode_rewards: list[float] = field(default_factory=list)
    edge_share: float = 0.0
    miss_rate: float = 0.0


def training_scenario(scenario: ScenarioConfig, train_reward: str | None) -> ScenarioConfig:
    """Return ``scenario`` with its reward mode set to ``train_reward`` (None keeps it).

    The mean reward of the active UEs, the logged episode reward, is minus their mean cost in
    every mode (docs/api.md, reward modes), so learning curves stay comparable across modes.
    """
    if train_reward is None or train_reward == scenario.reward.mode:
        return scenario
    reward = dataclasses.replace(scenario.reward, mode=train_reward)
    return dataclasses.replace(scenario, reward=reward)


class HybridPPO:
    """Hybrid multi-agent PPO on a :class:`VectorMECEnv`: collect, estimate, update, log."""

    def __init__(self, config: HybridPPOConfig, scenario: ScenarioConfig):
        self.config = config
        self.scenario = scenario
        # The thread count is set before any torch work: a trainer built while torch still used
        # its default thread count trained to different last bits than the same trainer built
        # after a previous run had set it (measured with torch 2.13 on CPU).
        torch.set_num_threads(config.torch_threads)
        torch.manual_seed(config.seed)
        # The envs run the scenario with the reward mode learnt from. The checkpoint keeps
        # ``scenario`` itself.
        self.train_scenario = training_scenario(scenario, config.train_reward)
        self.env = VectorMECEnv(config.num_envs, self.train_scenario)
        self.num_agents = scenario.num_ues
        self.num_servers = scenario.num_servers
        obs_dim, state_dim = self.env.obs_dim, self.env.state_dim
        self.agent_ids = torch.eye(self.num_agents)

        actor_size = obs_dim + (self.num_agents if config.agent_id else 0)
        critic_base = state_dim if config.algo == "hmappo" else obs_dim
        self.actor = Actor(actor_size, self.num_servers, config.hidden_size)
        if config.algo == "hmappo":
            self.critic = Critic(state_dim, config.hidden_size, self.num_agents)
        else:
            self.critic = Critic(obs_dim + self.num_agents, config.hidden_size, 1)
        self.optimizer = torch.optim.Adam(
            [*self.actor.parameters(), *self.critic.parameters()], lr=config.learning_rate, eps=1e-5
        )
        if config.normalize_observations:
            self.obs_normalizer = RunningMeanStd((obs_dim,))
            self.critic_normalizer = RunningMeanStd((critic_base,))
        else:
            self.obs_normalizer = IdentityNormalizer()
            self.critic_normalizer = IdentityNormalizer()
        self.value_normalizer = (
            RunningMeanStd() if config.normalize_values else IdentityNormalizer()
        )
        self.minibatch_generator = torch.Generator().manual_seed(config.seed)

        self.iteration = 0
        self.global_step = 0
        self.wall_time_s = 0.0
        self._obs: np.ndarray | None = None
        self._mask: np.ndarray | None = None
        self._episode_reward = np.zeros(config.num_envs)

    # -- inputs ----------------------------------------------------------------------------------

    def actor_rows(self, obs: torch.Tensor, agent: torch.Tensor) -> torch.Tensor:
        """Return actor input rows (K, in) from normalised observations (K, d) and agent ids."""
        if not self.config.agent_id:
            return obs
        return torch.cat([obs, self.agent_ids[agent]], dim=-1)

    def _critic_base(self, obs: np.ndarray, state: np.ndarray) -> torch.Tensor:
        """Return the normalised critic input: state (B, d) for hmappo, obs (B, N, d) for hippo."""
        base = torch.from_numpy(state if self.config.algo == "hmappo" else obs)
        return self.critic_normalizer.normalize(base)

    def critic_values(self, base: torch.Tensor) -> torch.Tensor:
        """Return standardised values (K, N) from a normalised critic input (K, d) or (K, N, d)."""
        if self.config.algo == "hmappo":
            return self.critic(base)
        ids = self.agent_ids.expand(*base.shape[:-1], self.num_agents)
        return self.critic(torch.cat([base, ids], dim=-1))[..., 0]

    def values_of(self, base: torch.Tensor) -> torch.Tensor:
        """Return denormalised values (K, N) of every agent from a normalised critic input."""
        return self.value_normalizer.denormalize(self.critic_values(base))

    # -- rollout ---------------------------------------------------------------------------------

    def _reset_envs_if_aligned(self) -> None:
        """Reseed the envs at an iteration start where every episode has just begun.

        Seeding each iteration from (seed, iteration) lets ``--resume`` continue with exactly
        the episodes an uninterrupted run would have seen.
        """
        if self._obs is not None and not (self.env.sim.t == 0).all():
            return
        seed = int(np.random.SeedSequence([self.config.seed, self.iteration]).generate_state(1)[0])
        self._obs, infos = self.env.reset(seed=seed)
        self._mask = infos["placement_mask"]
        self._episode_reward[:] = 0.0

    @torch.no_grad()
    def collect_rollout(self) -> Rollout:
        """Play ``rollout_length`` slots in every env with the stochastic policy; compute GAE."""
        cfg = self.config
        b, n = cfg.num_envs, self.num_agents
        agent = torch.arange(n).repeat(b)
        self._reset_envs_if_aligned()
        obs_np, mask_np = self._obs, self._mask
        state_np = self.env.state()

        columns: dict[str, list[torch.Tensor]] = {}
        episode_rewards: list[float] = []
        edge_count = miss_count = active_count = 0.0

        for _ in range(cfg.rollout_length):
            # Inputs are normalised with the statistics of the moment and stored normalised,
            # so the update recomputes exactly the log-probabilities of the actions taken.
            obs = torch.from_numpy(obs_np)
            self.obs_normalizer.update(obs.reshape(-1, obs.shape[-1]))
            raw_base = torch.from_numpy(state_np if cfg.algo == "hmappo" else obs_np)
            self.critic_normalizer.update(raw_base.reshape(-1, raw_base.shape[-1]))
            obs = self.obs_normalizer.normalize(obs).reshape(b * n, -1)
            critic_base = self._critic_base(obs_np, state_np)
            mask = torch.from_numpy(mask_np).reshape(b * n, -1)

            dist = self.actor(self.actor_rows(obs, agent), mask)
            placement, fractions = dist.sample()
            logp_d, logp_c = dist.log_prob(placement, fractions)
            values = self.values_of(critic_base)

            fractions_np = fractions.view(b, n, 2).numpy()
            obs_np, rewards, terminations, truncations, infos = self.env.step(
                placement.view(b, n).numpy(), fractions_np[..., 0], fractions_np[..., 1]
            )
            state_np = self.env.state()

            # Bootstrap value of the state after this step: the final state of an episode that
            # just ended (the env has autoreset), otherwise the next state of the same episode.
            next_base = self._critic_base(obs_np, state_np)
            done_envs = infos["done_envs"]
            if done_envs.any():
                final = self._critic_base(infos["final_observation"], infos["final_state"])
                done = torch.from_numpy(done_envs)
                next_base = next_base.clone()
                next_base[done] = final[done]
            next_values = self.values_of(next_base)

            active = infos["active"]
            episode_end = terminations | truncations | done_envs[:, None]
            self._episode_reward += rewards.sum(axis=1) / np.maximum(active.sum(axis=1), 1)
            episode_rewards += self._episode_reward[done_envs].tolist()
            self._episode_reward[done_envs] = 0.0
            edge_count += float((infos["server"] > LOCAL).sum())
            miss_count += float(infos["deadline_miss"].sum())
            active_count += float(active.sum())

            step = {
                "obs": obs.view(b, n, -1),
                "critic_base": critic_base,
                "mask": mask.view(b, n, -1),
                "placement": placement.view(b, n),
                "fractions": fractions.view(b, n, 2),
                "log_prob_discrete": logp_d.view(b, n),
                "log_prob_continuous": logp_c.view(b, n),
                "values": values,
                "next_values": next_values,
                "rewards": torch.from_numpy(rewards),
                "terminated": torch.from_numpy(terminations),
                "episode_end": torch.from_numpy(episode_end),
                "active": torch.from_numpy(active),
            }
            for key, value in step.items():
                columns.setdefault(key, []).append(value)
            mask_np = infos["placement_mask"]

        self._obs, self._mask = obs_np, mask_np
        self.global_step += cfg.rollout_length * b
        data = {key: torch.stack(value) for key, value in columns.items()}

        advantages, returns = compute_gae(
            data["rewards"],
            data["values"],
            data["next_values"],
            data["terminated"],
            data["episode_end"],
            cfg.gamma,
            cfg.gae_lambda,
        )
        return Rollout(
            obs=data["obs"],
            critic_base=data["critic_base"],
            mask=data["mask"],
            placement=data["placement"],
            fractions=data["fractions"],
            log_prob_discrete=data["log_prob_discrete"],
            log_prob_continuous=data["log_prob_continuous"],
            values=data["values"],
            next_values=data["next_values"],
            terminated=data["terminated"],
            episode_end=data["episode_end"],
            advantages=advantages,
            returns=returns,
            active=data["active"],
            episode_rewards=episode_rewards,
            edge_share=edge_count / max(active_count, 1.0),
            miss_rate=miss_count / max(active_count, 1.0),
        )

    # -- update ----------------------------------------------------------------------------------

    def update(self, rollout: Rollout) -> dict[str, float]:
        """Run the PPO epochs on one rollout; return the mean loss terms and diagnostics.

        Minibatches are drawn over (slot, env) pairs and contain all N agents of each pair,
        so the centralised critic reads each global state once.
        """
        cfg = self.config
        n = self.num_agents
        pairs = rollout.placement.shape[0] * rollout.placement.shape[1]
        flat = {
            "obs": rollout.obs.reshape(pairs, n, -1),
            "critic_base": rollout.critic_base.reshape(pairs, *rollout.critic_base.shape[2:]),
            "mask": rollout.mask.reshape(pairs, n, -1),
            "placement": rollout.placement.reshape(pairs, n),
            "fractions": rollout.fractions.reshape(pairs, n, 2),
            "old_logp_d": rollout.log_prob_discrete.reshape(pairs, n),
            "old_logp_c": rollout.log_prob_continuous.reshape(pairs, n),
            "advantages": rollout.advantages.reshape(pairs, n),
            "weights": rollout.active.reshape(pairs, n).float(),
        }
        # Agents that had already terminated (inactive rows) get weight 0 everywhere.
        active = rollout.active.reshape(-1)
        returns = rollout.returns.reshape(pairs, n)
        self.value_normalizer.update(returns.reshape(-1)[active])
        flat["target"] = self.value_normalizer.normalize(returns)

        minibatch_size = max(1, math.ceil(pairs / cfg.num_minibatches))
        sums: dict[str, float] = {}
        count = 0
        for _ in range(cfg.update_epochs):
            order = torch.randperm(pairs, generator=self.minibatch_generator)
            epoch_kl = []
            for start in range(0, pairs, minibatch_size):
                batch = order[start : start + minibatch_size]
                stats = self.minibatch_step({key: value[batch] for key, value in flat.items()})
                epoch_kl.append(stats["approx_kl"])
                for key, value in stats.items():
                    sums[key] = sums.get(key, 0.0) + value
                count += 1
            if cfg.target_kl is not None and float(np.mean(epoch_kl)) > cfg.target_kl:
                break

        result = {key: value / max(count, 1) for key, value in sums.items()}
        active_returns = rollout.returns.reshape(-1)[active]
        active_values = rollout.values.reshape(-1)[active]
        variance = float(active_returns.var())
        residual = float((active_returns - active_values).var())
        result["explained_variance"] = float("nan") if variance == 0.0 else 1 - residual / variance
        return result

    def minibatch_step(self, batch: dict[str, torch.Tensor]) -> dict[str, float]:
        """Take one gradient step on a minibatch of (K, N) agent rows; return its diagnostics."""
        cfg = self.config
        k, n = batch["placement"].shape
        agent = torch.arange(n).repeat(k)
        weights = batch["weights"].reshape(-1)
        total_weight = weights.sum().clamp(min=1.0)

        def weighted_mean(values: torch.Tensor) -> torch.Tensor:
            return (values * weights).sum() / total_weight

        dist = self.actor(
            self.actor_rows(batch["obs"].reshape(k * n, -1), agent),
            batch["mask"].reshape(k * n, -1),
        )
        placement = batch["placement"].reshape(-1)
        logp_d, logp_c = dist.log_prob(placement, batch["fractions"].reshape(-1, 2))
        old_logp_d = batch["old_logp_d"].reshape(-1)
        old_logp_c = batch["old_logp_c"].reshape(-1)
        advantages = batch["advantages"].reshape(-1)
        if cfg.normalize_advantages and k * n > 1:
            mean = weighted_mean(advantages)
            std = torch.sqrt(weighted_mean((advantages - mean) ** 2))
            advantages = (advantages - mean) / (std + 1e-8)

        # Joint ratio pi(a_d, a_c) / pi_old(a_d, a_c); the continuous factor is 1 for local rows.
        log_ratio = (logp_d + logp_c) - (old_logp_d + old_logp_c)
        ratio = log_ratio.exp()
        if cfg.separate_clip:
            policy_loss = weighted_mean(
                clipped_surrogate((logp_d - old_logp_d).exp(), advantages, cfg.clip_coef)
            ) + weighted_mean(
                clipped_surrogate((logp_c - old_logp_c).exp(), advantages, cfg.clip_coef)
            )
        else:
            policy_loss = weighted_mean(clipped_surrogate(ratio, advantages, cfg.clip_coef))

        # Entropy bonuses: the categorical's, and the chosen server's Beta entropy averaged over
        # edge rows (an unbiased estimate of E_m[H(fractions | m)] that leaves the heads of the
        # servers not chosen untouched).
        entropy_discrete = weighted_mean(dist.entropy_discrete())
        edge_weights = weights * (placement != LOCAL)
        entropy_continuous = (dist.entropy_continuous(placement) * edge_weights).sum() / (
            edge_weights.sum().clamp(min=1.0)
        )
        value_error = self.critic_values(batch["critic_base"]) - batch["target"]
        value_loss = 0.5 * weighted_mean(value_error.reshape(-1) ** 2)
        loss = (
            policy_loss
            - cfg.entropy_coef_discrete * entropy_discrete
            - cfg.entropy_coef_continuous * entropy_continuous
            + cfg.value_coef * value_loss
        )

        self.optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(
            [*self.actor.parameters(), *self.critic.parameters()], cfg.max_grad_norm
        )
        self.optimizer.step()

        with torch.no_grad():
            approx_kl = weighted_mean((ratio - 1.0) - log_ratio)
            clip_fraction = weighted_mean(((ratio - 1.0).abs() > cfg.clip_coef).float())
        return {
            "policy_loss": policy_loss.item(),
            "value_loss": value_loss.item(),
            "entropy_discrete": entropy_discrete.item(),
            "entropy_continuous": entropy_continuous.item(),
            "approx_kl": approx_kl.item(),
            "clip_fraction": clip_fraction.item(),
        }

    # -- training loop and logging ---------------------------------------------------------------

    def train(
        self,
        output_dir: Path | None = None,
        progress: bool = True,
        tensorboard: bool = False,
        checkpoint_every: int = 0,
    ) -> list[IterationStats]:
        """Train until ``total_steps``; log each iteration and save the final checkpoint.

        With ``output_dir`` it appends one row per iteration to ``progress.csv``, writes
        TensorBoard events when asked (and installed) and saves ``checkpoint.pt`` at the end,
        and also every ``checkpoint_every`` iterations when that is positive. Rows of
        ``progress.csv`` past this trainer's iteration (logged after the checkpoint a resumed
        run starts from) are dropped first, so the file stays one row per iteration.
        """
        if not isinstance(checkpoint_every, int) or checkpoint_every < 0:
            raise ValueError(
                f"checkpoint_every = {checkpoint_every!r} is invalid: expected an integer >= 0 "
                "(iterations between checkpoints, 0 for the final one only)"
            )
        from tqdm.auto import tqdm

        cfg = self.config
        torch.set_num_threads(cfg.torch_threads)
        was_deterministic = torch.are_deterministic_algorithms_enabled()
        if cfg.deterministic_torch:
            torch.use_deterministic_algorithms(True)
        writer = ProgressWriter(output_dir, tensorboard, resume_iteration=self.iteration)
        bar = tqdm(
            total=cfg.total_steps,
            initial=min(self.global_step, cfg.total_steps),
            unit="step",
            desc=f"{cfg.algo} {self.scenario.name}",
            disable=not progress,
        )
        logger.info(
            "training %s on %r: %d env steps, %d envs x %d slots per iteration, %d agents, "
            "%s reward",
            cfg.algo,
            self.scenario.name,
            cfg.total_steps,
            cfg.num_envs,
            cfg.rollout_length,
            self.num_agents,
            self.train_scenario.reward.mode,
        )
        planned = cfg.num_iterations * cfg.steps_per_iteration
        if planned != cfg.total_steps:
            logger.info(
                "training runs whole iterations of %d env steps, so it stops after %d env steps",
                cfg.steps_per_iteration,
                planned,
            )
        history: list[IterationStats] = []
        try:
            while self.global_step < cfg.total_steps:
                learning_rate = cfg.learning_rate
                if cfg.anneal_lr:
                    learning_rate *= max(0.0, 1.0 - self.global_step / cfg.total_steps)
                for group in self.optimizer.param_groups:
                    group["lr"] = learning_rate

                start = time.perf_counter()
                rollout = self.collect_rollout()
                losses = self.update(rollout)
                elapsed = time.perf_counter() - start
                self.wall_time_s += elapsed
                self.iteration += 1

                rewards = np.asarray(rollout.episode_rewards)
                stats = IterationStats(
                    iteration=self.iteration,
                    global_step=self.global_step,
                    wall_time_s=self.wall_time_s,
                    steps_per_second=cfg.steps_per_iteration / elapsed,
                    episodes=len(rewards),
                    episode_reward_mean=float(rewards.mean()) if len(rewards) else float("nan"),
                    episode_reward_std=float(rewards.std()) if len(rewards) else float("nan"),
                    edge_share=rollout.edge_share,
                    deadline_miss_rate=rollout.miss_rate,
                    learning_rate=learning_rate,
                    **losses,
                )
                history.append(stats)
                writer.write(stats)
                bar.update(min(self.global_step, cfg.total_steps) - bar.n)
                bar.set_postfix(reward=f"{stats.episode_reward_mean:.2f}", refresh=False)
                logger.debug("iteration %d: %s", self.iteration, stats)
                periodic = checkpoint_every and self.iteration % checkpoint_every == 0
                if output_dir is not None and periodic and self.global_step < cfg.total_steps:
                    self.save(Path(output_dir) / "checkpoint.pt")
        finally:
            bar.close()
            writer.close()
            torch.use_deterministic_algorithms(was_deterministic)
        if output_dir is not None:
            self.save(Path(output_dir) / "checkpoint.pt")
        return history

    # -- checkpoints -----------------------------------------------------------------------------

    def save(self, path: Path | str) -> None:
        """Save networks, optimiser, normalisers, counters, RNG states and both configs."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        checkpoint = {
            "format": CHECKPOINT_FORMAT,
            "algo": self.config.algo,
            "config": dataclasses.asdict(self.config),
            "scenario": self.scenario.to_dict(),
            "actor": self.actor.state_dict(),
            "critic": self.critic.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "obs_normalizer": self.obs_normalizer.state_dict(),
            "critic_normalizer": self.critic_normalizer.state_dict(),
            "value_normalizer": self.value_normalizer.state_dict(),
            "iteration": self.iteration,
            "global_step": self.global_step,
            "wall_time_s": self.wall_time_s,
            "torch_rng_state": torch.get_rng_state(),
            "minibatch_rng_state": self.minibatch_generator.get_state(),
        }
        # Written next to the target and renamed over it, so an interrupted save never leaves
        # a truncated checkpoint in place of the previous one.
        partial = path.with_name(path.name + ".partial")
        torch.save(checkpoint, partial)
        os.replace(partial, path)
        logger.info("saved checkpoint %s (iteration %d)", path, self.iteration)

    @classmethod
    def from_checkpoint(cls, path: Path | str, **overrides: Any) -> HybridPPO:
        """Rebuild a trainer from a checkpoint to resume training; overrides change the config.

        NOTE: resuming repeats an uninterrupted run exactly only when every env had just started
        an episode at the checkpoint. That holds when rollout_length is a multiple of the
        episode length and no battery terminates a UE. Otherwise the envs restart from fresh
        episodes.
        """
        checkpoint = load_checkpoint(path)
        config = HybridPPOConfig(**{**checkpoint["config"], **overrides})
        trainer = cls(config, ScenarioConfig.from_dict(checkpoint["scenario"]))
        trainer.actor.load_state_dict(checkpoint["actor"])
        trainer.critic.load_state_dict(checkpoint["critic"])
        trainer.optimizer.load_state_dict(checkpoint["optimizer"])
        trainer.obs_normalizer.load_state_dict(checkpoint["obs_normalizer"])
        trainer.critic_normalizer.load_state_dict(checkpoint["critic_normalizer"])
        trainer.value_normalizer.load_state_dict(checkpoint["value_normalizer"])
        trainer.iteration = checkpoint["iteration"]
        trainer.global_step = checkpoint["global_step"]
        trainer.wall_time_s = checkpoint["wall_time_s"]
        torch.set_rng_state(checkpoint["torch_rng_state"])
        trainer.minibatch_generator.set_state(checkpoint["minibatch_rng_state"])
        return trainer


def clipped_surrogate(ratio: torch.Tensor, advantages: torch.Tensor, clip: float) -> torch.Tensor:
    """Return PPO's per-row clipped surrogate loss -min(r A, clip(r, 1 - eps, 1 + eps) A)."""
    unclipped = ratio * advantages
    clipped = ratio.clamp(1.0 - clip, 1.0 + clip) * advantages
    return -torch.min(unclipped, clipped)


def load_checkpoint(path: Path | str) -> dict[str, Any]:
    """Load a checkpoint dictionary (tensors and plain values only); check its format."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"checkpoint {str(path)!r} not found: expected a file from train")
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(
            f"checkpoint {str(path)!r} is invalid: expected a hybrid PPO checkpoint of format "
            f"{CHECKPOINT_FORMAT}, written by `mec-ea-env train`"
        )
    return checkpoint


def _drop_rows_after(path: Path, iteration: int) -> None:
    """Remove the rows of the progress CSV ``path`` whose iteration is above ``iteration``."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        fieldnames = reader.fieldnames or []
        rows = list(reader)
    earlier_rows = [row for row in rows if int(row["iteration"]) <= iteration]
    if len(earlier_rows) == len(rows):
        return
    dropped = len(rows) - len(earlier_rows)
    logger.warning(
        "%s: dropping %d %s after iteration %d, logged after the checkpoint this run starts from",
        path,
        dropped,
        "row" if dropped == 1 else "rows",
        iteration,
    )
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fieldnames)
        writer.writeheader()
        writer.writerows(earlier_rows)
    os.replace(partial, path)


class ProgressWriter:
    """Per-iteration metrics to progress.csv and, optionally, TensorBoard."""

    def __init__(
        self,
        output_dir: Path | str | None,
        tensorboard: bool = False,
        resume_iteration: int | None = None,
    ):
        self._file = None
        self._csv = None
        self._tensorboard = None
        if output_dir is None:
            return
        output_dir = Path(output_dir)
        output_dir.mkdir(parents=True, exist_ok=True)
        path = output_dir / "progress.csv"
        fieldnames = [f.name for f in dataclasses.fields(IterationStats)]
        if resume_iteration is not None:
            _drop_rows_after(path, resume_iteration)
        new_file = not path.exists() or path.stat().st_size == 0
        self._file = path.open("a", newline="")
        self._csv = csv.DictWriter(self._file, fieldnames=fieldnames)
        if new_file:
            self._csv.writeheader()
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError:
                logger.warning("TensorBoard logging skipped: install the tensorboard package")
            else:
                self._tensorboard = SummaryWriter(str(output_dir / "tensorboard"))

    def write(self, stats: IterationStats) -> None:
        """Append one iteration's metrics."""
        row = dataclasses.asdict(stats)
        if self._csv is not None:
            self._csv.writerow(row)
            self._file.flush()
        if self._tensorboard is not None:
            for key, value in row.items():
                if key not in ("iteration", "global_step"):
                    self._tensorboard.add_scalar(_tensorboard_tag(key), value, stats.global_step)

    def close(self) -> None:
        """Close the CSV file and the TensorBoard writer."""
        if self._file is not None:
            self._file.close()
        if self._tensorboard is not None:
            self._tensorboard.close()


def _tensorboard_tag(key: str) -> str:
    losses = ("policy_loss", "value_loss", "entropy_discrete", "entropy_continuous", "approx_kl")
    if key in losses or key in ("clip_fraction", "explained_variance"):
        return f"losses/{key}"
    return f"charts/{key}"


# ------------------------------------------------------------------------------------------------
# The trained policy, as the evaluation harness runs it


class HybridPPOPolicy(Policy):
    """A trained hybrid PPO actor loaded from a checkpoint; decentralised at execution.

    Deterministic by default: the most likely feasible placement and the means of the chosen
    server's Betas. With ``deterministic=False`` it samples, seeded through :meth:`reset`.
    """

    decentralised = True

    def __init__(
        self,
        checkpoint: Path | str,
        scenario: ScenarioConfig | None = None,
        deterministic: bool = True,
    ):
        data = load_checkpoint(checkpoint)
        config = HybridPPOConfig(**data["config"])
        trained = ScenarioConfig.from_dict(data["scenario"])
        scenario = trained if scenario is None else scenario
        if (scenario.num_ues, scenario.num_servers) != (trained.num_ues, trained.num_servers):
            raise ValueError(
                f"checkpoint {str(checkpoint)!r} was trained with {trained.num_ues} UEs and "
                f"{trained.num_servers} servers but the scenario {scenario.name!r} has "
                f"{scenario.num_ues} UEs and {scenario.num_servers} servers: evaluate it on a "
                "scenario of the same size"
            )
        if scenario.to_dict() != data["scenario"]:
            logger.warning(
                "evaluating %s checkpoint %s, trained on %r, on a different scenario %r",
                config.algo,
                checkpoint,
                trained.name,
                scenario.name,
            )
        obs_dim = ObservationLayout(scenario).obs_dim
        actor = Actor(
            obs_dim + (scenario.num_ues if config.agent_id else 0),
            scenario.num_servers,
            config.hidden_size,
        )
        actor.load_state_dict(data["actor"])
        obs_normalizer: RunningMeanStd | IdentityNormalizer = IdentityNormalizer()
        if config.normalize_observations:
            obs_normalizer = RunningMeanStd((obs_dim,))
        obs_normalizer.load_state_dict(data["obs_normalizer"])
        self._setup(actor, obs_normalizer, config, scenario.num_ues, deterministic)

    @classmethod
    def from_trainer(cls, trainer: HybridPPO, deterministic: bool = True) -> HybridPPOPolicy:
        """Return a policy acting with a copy of a trainer's current actor."""
        policy = cls.__new__(cls)
        policy._setup(
            copy.deepcopy(trainer.actor),
            copy.deepcopy(trainer.obs_normalizer),
            trainer.config,
            trainer.num_agents,
            deterministic,
        )
        return policy

    def _setup(
        self,
        actor: Actor,
        obs_normalizer: RunningMeanStd | IdentityNormalizer,
        config: HybridPPOConfig,
        num_agents: int,
        deterministic: bool,
    ) -> None:
        self.name = config.algo
        self.config = config
        self.actor = actor.eval()
        self.obs_normalizer = obs_normalizer
        self.num_agents = num_agents
        self.deterministic = deterministic
        self._rng_state = torch.Generator().manual_seed(0).get_state()

    def reset(self, sim: Any, seed: int | None = None) -> None:
        """Seed the sampling stream (used only when ``deterministic`` is False)."""
        if seed is not None:
            self._rng_state = torch.Generator().manual_seed(seed).get_state()

    @torch.no_grad()
    def act(self, obs: np.ndarray, mask: np.ndarray, sim: Any) -> HybridAction:
        """Return actions for observations (B, N, obs_dim) and masks (B, N, M + 1)."""
        b, n = obs.shape[:2]
        rows = self.obs_normalizer.normalize(torch.as_tensor(obs, dtype=torch.float32))
        rows = rows.reshape(b * n, -1)
        if self.config.agent_id:
            ids = torch.eye(self.num_agents)[torch.arange(n).repeat(b)]
            rows = torch.cat([rows, ids], dim=-1)
        dist = self.actor(rows, torch.as_tensor(mask, dtype=torch.bool).reshape(b * n, -1))
        if self.deterministic:
            placement, fractions = dist.mode()
        else:
            with torch.random.fork_rng(devices=[]):
                torch.set_rng_state(self._rng_state)
                placement, fractions = dist.sample()
                self._rng_state = torch.get_rng_state()
        fractions = fractions.view(b, n, 2).double().numpy()
        return HybridAction(
            placement=placement.view(b, n).numpy().astype(np.int64),
            bandwidth=fractions[..., 0],
            power=fractions[..., 1],
        )


def evaluate_episodes(
    policy: Policy, scenario: ScenarioConfig, episodes: int, seed: int
) -> np.ndarray:
    """Return the rewards of ``episodes`` seeded episodes played at once (one per env).

    An episode's reward is the sum over slots of the mean reward of the active UEs.
    """
    env = VectorMECEnv(episodes, scenario)
    obs, infos = env.reset(seed=seed)
    policy.reset(env.sim, seed=seed)
    totals = np.zeros(episodes)
    finished = np.zeros(episodes, dtype=bool)
    while not finished.all():
        action = policy.act(obs, infos["placement_mask"], env.sim)
        obs, rewards, _, _, infos = env.step(action.placement, action.bandwidth, action.power)
        slot = rewards.sum(axis=1) / np.maximum(infos["active"].sum(axis=1), 1)
        totals += np.where(finished, 0.0, slot)
        finished |= infos["done_envs"]
    return totals


def _policy_factory(name: str):
    def factory(config: ScenarioConfig, path: str | None) -> Policy:
        if path is None:
            raise ValueError(
                f"policy {name!r} needs a checkpoint path, e.g. {name}:runs/NAME/checkpoint.pt"
            )
        return HybridPPOPolicy(path, config)

    return factory


for _name in ALGOS:
    register_policy(_name, _policy_factory(_name))
