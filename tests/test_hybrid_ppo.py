"""Tests of the reference hybrid multi-agent PPO: distributions, GAE, normalisers, checkpoints."""

import csv
import json
import math
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pytest
import torch

from mec_ea_env.agents.hybrid_ppo import (
    Actor,
    HybridDistribution,
    HybridPPO,
    HybridPPOConfig,
    HybridPPOPolicy,
    RunningMeanStd,
    compute_gae,
    evaluate_episodes,
)
from mec_ea_env.agents.registry import make_policy
from mec_ea_env.env import MECEAParallelEnv
from mec_ea_env.scenarios import make_config
from mec_ea_env.vector import VectorMECEnv


def small_trainer(algo="hmappo", **overrides):
    settings = dict(algo=algo, num_envs=4, rollout_length=25, total_steps=200, seed=3)
    settings.update(overrides)
    return HybridPPO(HybridPPOConfig(**settings), make_config("small"))


def random_distribution(rows=6, servers=3, seed=0, requires_grad=False):
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(rows, servers + 1, generator=generator)
    alpha = 1.0 + 3.0 * torch.rand(rows, servers, 2, generator=generator)
    beta = 1.0 + 3.0 * torch.rand(rows, servers, 2, generator=generator)
    alpha.requires_grad_(requires_grad)
    beta.requires_grad_(requires_grad)
    return HybridDistribution(logits, alpha, beta), alpha, beta


# ------------------------------------------------------------------------------------------------
# Log-probabilities, ratio and gradients


def test_stored_log_prob_matches_recomputed():
    trainer = small_trainer()
    rollout = trainer.collect_rollout()
    t_len, b, n = rollout.placement.shape
    agent = torch.arange(n).repeat(b)
    for t in range(t_len):
        with torch.no_grad():
            dist = trainer.actor(
                trainer.actor_rows(rollout.obs[t].reshape(b * n, -1), agent),
                rollout.mask[t].reshape(b * n, -1),
            )
            logp_d, logp_c = dist.log_prob(
                rollout.placement[t].reshape(-1), rollout.fractions[t].reshape(-1, 2)
            )
        assert torch.equal(logp_d, rollout.log_prob_discrete[t].reshape(-1))
        assert torch.equal(logp_c, rollout.log_prob_continuous[t].reshape(-1))


def test_ratio_is_one_before_first_update():
    trainer = small_trainer()
    rollout = trainer.collect_rollout()
    t_len, b, n = rollout.placement.shape
    rows = t_len * b * n
    agent = torch.arange(n).repeat(t_len * b)
    with torch.no_grad():
        dist = trainer.actor(
            trainer.actor_rows(rollout.obs.reshape(rows, -1), agent),
            rollout.mask.reshape(rows, -1),
        )
        logp_d, logp_c = dist.log_prob(
            rollout.placement.reshape(-1), rollout.fractions.reshape(-1, 2)
        )
    old = rollout.log_prob_discrete.reshape(-1) + rollout.log_prob_continuous.reshape(-1)
    ratio = torch.exp(logp_d + logp_c - old)
    # One batch of all rows instead of one per slot may change float rounding by an ulp or two.
    assert torch.allclose(ratio, torch.ones_like(ratio), rtol=0.0, atol=1e-5)

    stats = trainer.minibatch_step(
        {
            "obs": rollout.obs.reshape(t_len * b, n, -1),
            "critic_base": rollout.critic_base.reshape(t_len * b, -1),
            "mask": rollout.mask.reshape(t_len * b, n, -1),
            "placement": rollout.placement.reshape(t_len * b, n),
            "fractions": rollout.fractions.reshape(t_len * b, n, 2),
            "old_logp_d": rollout.log_prob_discrete.reshape(t_len * b, n),
            "old_logp_c": rollout.log_prob_continuous.reshape(t_len * b, n),
            "advantages": rollout.advantages.reshape(t_len * b, n),
            "weights": rollout.active.reshape(t_len * b, n).float(),
            "target": rollout.returns.reshape(t_len * b, n),
        }
    )
    assert stats["clip_fraction"] == 0.0
    assert abs(stats["approx_kl"]) < 1e-6


def test_local_rows_have_no_continuous_log_prob():
    dist, _, _ = random_distribution()
    placement = torch.zeros(6, dtype=torch.int64)
    _, logp_c = dist.log_prob(placement, torch.full((6, 2), 0.3))
    assert torch.equal(logp_c, torch.zeros(6))


def test_unchosen_beta_parameters_get_zero_gradient():
    dist, alpha, beta = random_distribution(requires_grad=True)
    placement = torch.tensor([2, 2, 0, 2, 0, 2])
    fractions = torch.full((6, 2), 0.4)
    logp_d, logp_c = dist.log_prob(placement, fractions)
    loss = -(logp_d + logp_c).sum() - dist.entropy_continuous(placement).sum()
    loss.backward()
    chosen_rows = placement == 2
    # Server 2 is Beta index 1; servers 1 and 3 and every local row get no gradient.
    for grad in (alpha.grad, beta.grad):
        assert torch.all(grad[:, [0, 2]] == 0.0)
        assert torch.all(grad[~chosen_rows] == 0.0)
        assert torch.all(grad[chosen_rows][:, 1] != 0.0)


def test_unchosen_beta_head_rows_get_zero_gradient():
    torch.manual_seed(0)
    actor = Actor(input_size=7, num_servers=3, hidden_size=16)
    inputs = torch.randn(32, 7)
    mask = torch.ones(32, 4, dtype=torch.bool)
    placement = torch.full((32,), 3)
    logp_d, logp_c = actor(inputs, mask).log_prob(placement, torch.full((32, 2), 0.7))
    (-(logp_d + logp_c).mean()).backward()
    # The head's output unit 4 (m - 1) + 2 j + c is parameter c of fraction j of server m.
    grad = actor.beta_head.weight.grad.view(3, 4, -1)
    assert torch.all(grad[0] == 0.0)
    assert torch.all(grad[1] == 0.0)
    assert torch.any(grad[2] != 0.0)


# ------------------------------------------------------------------------------------------------
# Entropies and sampling


def test_entropy_matches_monte_carlo():
    torch.manual_seed(0)
    dist, alpha, beta = random_distribution(rows=3)
    samples = 200_000
    expanded = HybridDistribution(
        dist.categorical.logits.repeat(samples, 1),
        alpha.repeat(samples, 1, 1),
        beta.repeat(samples, 1, 1),
    )
    placement, fractions = expanded.sample()
    logp_d, logp_c = expanded.log_prob(placement, fractions)
    surprisal = -(logp_d + logp_c).view(samples, 3)
    estimate = surprisal.mean(dim=0)
    standard_error = surprisal.std(dim=0) / math.sqrt(samples)
    analytic = dist.joint_entropy()
    assert torch.all((estimate - analytic).abs() < 4 * standard_error + 1e-3)

    discrete = -logp_d.view(samples, 3).mean(dim=0)
    assert torch.allclose(discrete, dist.entropy_discrete(), atol=0.01)


def test_masked_placement_never_sampled_and_entropy_finite():
    torch.manual_seed(0)
    actor = Actor(input_size=5, num_servers=2, hidden_size=8)
    mask = torch.tensor([[False, True, True], [True, False, False]]).repeat(500, 1)
    dist = actor(torch.randn(1000, 5), mask)
    placement, _ = dist.sample()
    assert torch.all(mask.gather(1, placement[:, None]))
    assert torch.all(dist.categorical.probs[~mask] == 0.0)
    assert torch.isfinite(dist.joint_entropy()).all()
    # The second row pattern has one feasible placement: zero discrete entropy.
    assert torch.allclose(dist.entropy_discrete()[1::2], torch.zeros(500), atol=1e-6)


def test_policy_actions_inside_action_space():
    trainer = small_trainer()
    trainer.train(progress=False)
    policy = HybridPPOPolicy.from_trainer(trainer, deterministic=False)
    env = MECEAParallelEnv("small")
    vec = VectorMECEnv(8, "small")
    obs, infos = vec.reset(seed=5)
    policy.reset(vec.sim, seed=5)
    for _ in range(3):
        action = policy.act(obs, infos["placement_mask"], vec.sim)
        assert action.placement.dtype == np.int64
        assert action.bandwidth.dtype == np.float64
        assert action.power.dtype == np.float64
        assert action.placement.shape == (8, 3)
        for e in range(8):
            for agent, value in action.as_dicts(env.possible_agents, e).items():
                assert env.action_space(agent).contains(value), (agent, value)
        edge = action.placement > 0
        assert np.all((action.bandwidth[edge] > 0.0) & (action.bandwidth[edge] < 1.0))
        assert np.all((action.power[edge] > 0.0) & (action.power[edge] < 1.0))
        obs, _, _, _, infos = vec.step(action.placement, action.bandwidth, action.power)


# ------------------------------------------------------------------------------------------------
# GAE and normalisers


def test_gae_hand_computed_with_truncation():
    """Four slots, gamma 0.9, lambda 0.8, truncation after slot 1, termination after slot 3.

    delta_3 = 4 - 0.8 = 3.2 (terminal: no bootstrap), A_3 = 3.2
    delta_2 = 3 + 0.9 * 0.8 - 0.7 = 3.02, A_2 = 3.02 + 0.72 * 3.2 = 5.324
    delta_1 = 2 + 0.9 * 0.9 - 0.6 = 2.21 (bootstraps on the final state's value 0.9), A_1 = 2.21
    delta_0 = 1 + 0.9 * 0.6 - 0.5 = 1.04, A_0 = 1.04 + 0.72 * 2.21 = 2.6312
    """
    rewards = torch.tensor([1.0, 2.0, 3.0, 4.0])[:, None]
    values = torch.tensor([0.5, 0.6, 0.7, 0.8])[:, None]
    next_values = torch.tensor([0.6, 0.9, 0.8, 123.0])[:, None]
    terminated = torch.tensor([False, False, False, True])[:, None]
    episode_end = torch.tensor([False, True, False, True])[:, None]
    advantages, returns = compute_gae(
        rewards, values, next_values, terminated, episode_end, 0.9, 0.8
    )
    expected = torch.tensor([2.6312, 2.21, 5.324, 3.2])[:, None]
    assert torch.allclose(advantages, expected, atol=1e-6)
    assert torch.allclose(returns, expected + values, atol=1e-6)


def test_rollout_bootstraps_truncation_on_final_state():
    config = HybridPPOConfig(num_envs=2, rollout_length=4, total_steps=8, seed=1)
    scenario = make_config("small", max_cycles=4)
    trainer = HybridPPO(config, scenario)
    rollout = trainer.collect_rollout()
    # Replay the same seed and actions without autoreset to get the final state.
    seed = int(np.random.SeedSequence([config.seed, 0]).generate_state(1)[0])
    replay = VectorMECEnv(2, scenario, autoreset=False)
    replay.reset(seed=seed)
    for t in range(4):
        fractions = rollout.fractions[t].numpy()
        replay.step(rollout.placement[t].numpy(), fractions[..., 0], fractions[..., 1])
    with torch.no_grad():
        state = trainer.critic_normalizer.normalize(torch.from_numpy(replay.state()))
        final = trainer.values_of(state)
    assert torch.allclose(rollout.next_values[-1], final)
    assert torch.all(rollout.episode_end[-1])
    assert not torch.any(rollout.terminated)


def test_value_normalizer_round_trip():
    generator = torch.Generator().manual_seed(0)
    normalizer = RunningMeanStd()
    for _ in range(5):
        normalizer.update(50.0 + 10.0 * torch.randn(4000, generator=generator))
    values = 50.0 + 10.0 * torch.randn(1000, generator=generator)
    normalized = normalizer.normalize(values)
    assert abs(float(normalized.mean())) < 0.1
    assert abs(float(normalized.std()) - 1.0) < 0.1
    assert torch.allclose(normalizer.denormalize(normalized), values, atol=1e-4)

    restored = RunningMeanStd()
    restored.load_state_dict(normalizer.state_dict())
    assert torch.equal(restored.normalize(values), normalized)


def test_running_mean_std_matches_batch_statistics():
    generator = torch.Generator().manual_seed(1)
    data = torch.randn(3000, 4, generator=generator) * torch.tensor([1.0, 2.0, 3.0, 4.0]) + 7.0
    normalizer = RunningMeanStd((4,), epsilon=0.0)
    for chunk in data.split(700):
        normalizer.update(chunk)
    assert torch.allclose(normalizer.mean, data.double().mean(dim=0), atol=1e-9)
    assert torch.allclose(normalizer.var, data.double().var(dim=0, unbiased=False), atol=1e-9)


# ------------------------------------------------------------------------------------------------
# Checkpoints, determinism, the policy and the command line


def test_save_load_identical_actions(tmp_path):
    trainer = small_trainer(total_steps=100)
    trainer.train(progress=False)
    path = tmp_path / "checkpoint.pt"
    trainer.save(path)

    vec = VectorMECEnv(6, "small")
    obs, infos = vec.reset(seed=11)
    mask = infos["placement_mask"]
    first = HybridPPOPolicy(path)
    second = HybridPPOPolicy(path)
    a, b = first.act(obs, mask, vec.sim), second.act(obs, mask, vec.sim)
    assert np.array_equal(a.placement, b.placement)
    assert np.array_equal(a.bandwidth, b.bandwidth)
    assert np.array_equal(a.power, b.power)

    in_memory = HybridPPOPolicy.from_trainer(trainer).act(obs, mask, vec.sim)
    assert np.array_equal(a.placement, in_memory.placement)
    assert np.array_equal(a.bandwidth, in_memory.bandwidth)

    first, second = (
        HybridPPOPolicy(path, deterministic=False),
        make_policy(f"hmappo:{path}", make_config("small")),
    )
    second.deterministic = False
    first.reset(vec.sim, seed=4)
    second.reset(vec.sim, seed=4)
    a, b = first.act(obs, mask, vec.sim), second.act(obs, mask, vec.sim)
    assert np.array_equal(a.placement, b.placement)
    assert np.array_equal(a.bandwidth, b.bandwidth)


def test_training_is_deterministic_and_resumes(tmp_path):
    straight = small_trainer(algo="hippo", total_steps=200)
    straight.train(progress=False)

    first = small_trainer(algo="hippo", total_steps=100)
    first.train(output_dir=tmp_path, progress=False)
    resumed = HybridPPO.from_checkpoint(tmp_path / "checkpoint.pt", total_steps=200)
    resumed.train(output_dir=tmp_path, progress=False)

    again = small_trainer(algo="hippo", total_steps=200)
    again.train(progress=False)
    for name, tensor in straight.actor.state_dict().items():
        assert torch.equal(tensor, again.actor.state_dict()[name]), name
        assert torch.equal(tensor, resumed.actor.state_dict()[name]), name
    with (tmp_path / "progress.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [int(row["iteration"]) for row in rows] == [1, 2]


def test_policy_rejects_scenario_of_other_size(tmp_path):
    trainer = small_trainer(total_steps=100)
    trainer.save(tmp_path / "checkpoint.pt")
    with pytest.raises(ValueError, match="3 UEs"):
        HybridPPOPolicy(tmp_path / "checkpoint.pt", make_config("paper"))
    with pytest.raises(ValueError, match="needs a checkpoint path"):
        make_policy("hmappo", make_config("small"))
    with pytest.raises(ValueError, match="not found"):
        make_policy(f"hippo:{tmp_path / 'missing.pt'}", make_config("small"))


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="algo"):
        HybridPPOConfig(algo="mappo")
    with pytest.raises(ValueError, match="num_envs"):
        HybridPPOConfig(num_envs=0)
    with pytest.raises(ValueError, match="gamma"):
        HybridPPOConfig(gamma=1.5)
    with pytest.raises(ValueError, match="train_reward = 'own' is invalid"):
        HybridPPOConfig(train_reward="own")


def test_train_reward_matches_reward_mode(tmp_path):
    """train_reward trains exactly as the scenario with that mode would, but keeps the scenario."""
    scenario = make_config("small")
    settings = dict(num_envs=4, rollout_length=25, total_steps=200, seed=3)

    def trained(config, scenario):
        # One at a time: each trainer seeds torch's global generator when it is built.
        trainer = HybridPPO(config, scenario)
        trainer.train(progress=False)
        return trainer

    overridden = trained(HybridPPOConfig(train_reward="individual", **settings), scenario)
    assert overridden.train_scenario.reward.mode == "individual"
    individual = make_config("small", reward={"mode": "individual"})
    direct = trained(HybridPPOConfig(**settings), individual)
    shared = trained(HybridPPOConfig(**settings), scenario)

    for name, tensor in overridden.actor.state_dict().items():
        assert torch.equal(tensor, direct.actor.state_dict()[name]), name
    assert any(
        not torch.equal(tensor, shared.actor.state_dict()[name])
        for name, tensor in overridden.actor.state_dict().items()
    )
    overridden.save(tmp_path / "checkpoint.pt")
    resumed = HybridPPO.from_checkpoint(tmp_path / "checkpoint.pt")
    assert resumed.scenario.reward.mode == "shared"
    assert resumed.train_scenario.reward.mode == "individual"


def test_train_command_writes_outputs(tmp_path):
    from mec_ea_env.cli import main

    output = tmp_path / "run"
    status = main(
        [
            "train",
            "--algo",
            "hippo",
            "--scenario",
            "small",
            "--steps",
            "200",
            "--seed",
            "1",
            "--num-envs",
            "4",
            "--output",
            str(output),
            "--eval-episodes",
            "4",
            "--no-progress",
        ]
    )
    assert status == 0
    assert (output / "checkpoint.pt").is_file()
    assert (output / "progress.csv").is_file()
    assert (output / "learning_curve.png").is_file()
    assert (output / "summary.json").is_file()
    policy = make_policy(f"hippo:{output / 'checkpoint.pt'}", make_config("small"))
    assert policy.name == "hippo"
    assert json.loads((output / "summary.json").read_text())["train_reward"] == "shared"


def test_train_command_train_reward(tmp_path, capsys):
    from mec_ea_env.agents.hybrid_ppo import load_checkpoint
    from mec_ea_env.cli import main

    output = tmp_path / "run"
    arguments = ["train", "--scenario", "small", "--steps", "32", "--num-envs", "2",
                 "--rollout-length", "8", "--eval-episodes", "0", "--output", str(output),
                 "--no-progress", "--train-reward", "individual"]  # fmt: skip
    assert main(arguments) == 0
    assert json.loads((output / "summary.json").read_text())["train_reward"] == "individual"
    checkpoint = load_checkpoint(output / "checkpoint.pt")
    assert checkpoint["config"]["train_reward"] == "individual"
    assert checkpoint["scenario"]["reward"]["mode"] == "shared"

    with pytest.raises(SystemExit):
        main([*arguments[:-1], "own", "--output", str(tmp_path / "other")])
    assert "--train-reward: invalid choice: 'own'" in capsys.readouterr().err

    scenario_mode = tmp_path / "scenario-mode"
    assert main([*arguments[:-1], "none", "--output", str(scenario_mode)]) == 0
    assert load_checkpoint(scenario_mode / "checkpoint.pt")["config"]["train_reward"] is None


def test_train_one_episode_no_interval(tmp_path, capsys):
    """One evaluation episode gives no interval: JSON null and a sentence, never NaN."""
    from mec_ea_env.cli import main

    output = tmp_path / "run"
    arguments = ["train", "--scenario", "small", "--steps", "32", "--num-envs", "2",
                 "--rollout-length", "8", "--eval-episodes", "1", "--output", str(output),
                 "--no-progress"]  # fmt: skip
    assert main(arguments) == 0
    text = (output / "summary.json").read_text()
    summary = json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in summary"))
    assert summary["eval_episodes"] == 1
    assert summary["eval_reward_ci95"] is None
    assert np.isfinite(summary["eval_reward_mean"])
    assert "one episode, no interval" in capsys.readouterr().out


@pytest.mark.skipif(find_spec("tensorboard") is not None, reason="tensorboard is installed")
def test_train_tensorboard_missing_fails_first(tmp_path, capsys):
    from mec_ea_env.cli import main

    output = tmp_path / "run"
    arguments = ["train", "--scenario", "small", "--steps", "32", "--num-envs", "2",
                 "--rollout-length", "8", "--output", str(output), "--tensorboard"]  # fmt: skip
    assert main(arguments) == 2
    assert "--tensorboard needs the tensorboard package" in capsys.readouterr().err
    assert not output.exists()


def test_resume_rejects_scenario_options(tmp_path, capsys):
    from mec_ea_env.cli import main

    small_trainer(total_steps=100).save(tmp_path / "checkpoint.pt")
    status = main(
        ["train", "--resume", "--output", str(tmp_path), "--scenario", "paper", "--num-ues", "7"]
    )
    assert status == 2
    error = capsys.readouterr().err
    assert "keeps the checkpoint's scenario" in error
    assert "--scenario, --num-ues" in error


def test_interrupted_train_command_says_how_to_resume(tmp_path, monkeypatch, capsys):
    from mec_ea_env.cli import main

    def stop(self, output_dir=None, **options):
        self.save(Path(output_dir) / "checkpoint.pt")
        raise KeyboardInterrupt

    monkeypatch.setattr(HybridPPO, "train", stop)
    arguments = ["train", "--scenario", "small", "--steps", "200", "--no-progress"]
    status = main([*arguments, "--output", str(tmp_path / "run")])
    assert status == 130
    error = capsys.readouterr().err
    assert "training interrupted" in error
    assert f"mec-ea-env train --resume --output {tmp_path / 'run'} --steps 200" in error


# ------------------------------------------------------------------------------------------------
# Learning


@pytest.mark.slow
def test_training_improves_small():
    scenario = make_config("small")
    config = HybridPPOConfig(total_steps=40_000, num_envs=16, rollout_length=25, seed=0)
    trainer = HybridPPO(config, scenario)
    untrained = evaluate_episodes(HybridPPOPolicy.from_trainer(trainer), scenario, 64, 999)
    trainer.train(progress=False)
    trained = evaluate_episodes(HybridPPOPolicy.from_trainer(trainer), scenario, 64, 999)
    standard_error = math.sqrt((untrained.var() + trained.var()) / 64)
    assert trained.mean() - untrained.mean() > max(5 * standard_error, 2.0), (
        trained.mean(),
        untrained.mean(),
    )


def test_demo_budget_same_in_cli_and_module():
    from mec_ea_env.agents import hybrid_ppo, train_cli

    assert train_cli.DEMO_TOTAL_STEPS == hybrid_ppo.DEMO_TOTAL_STEPS


def test_resume_after_crash_matches_straight_run(tmp_path, monkeypatch):
    straight = small_trainer(algo="hippo", total_steps=400)
    straight.train(progress=False)

    # Iterations of 100 env steps with a checkpoint every 2: the run stops inside iteration 4,
    # after iteration 3 was logged but before a checkpoint contains it.
    crashing = small_trainer(algo="hippo", total_steps=400)
    real_update = HybridPPO.update

    def update_until_fourth(self, rollout):
        if self.iteration == 3:
            raise RuntimeError("interrupted")
        return real_update(self, rollout)

    monkeypatch.setattr(HybridPPO, "update", update_until_fourth)
    with pytest.raises(RuntimeError, match="interrupted"):
        crashing.train(output_dir=tmp_path, progress=False, checkpoint_every=2)
    monkeypatch.setattr(HybridPPO, "update", real_update)

    resumed = HybridPPO.from_checkpoint(tmp_path / "checkpoint.pt")
    assert resumed.iteration == 2
    resumed.train(output_dir=tmp_path, progress=False, checkpoint_every=2)

    for name, tensor in straight.actor.state_dict().items():
        assert torch.equal(tensor, resumed.actor.state_dict()[name]), name
    with (tmp_path / "progress.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [int(row["iteration"]) for row in rows] == [1, 2, 3, 4]
    assert not list(tmp_path.glob("*.partial"))


def test_train_rejects_negative_checkpoint_interval():
    trainer = small_trainer(total_steps=100)
    with pytest.raises(ValueError, match="checkpoint_every"):
        trainer.train(progress=False, checkpoint_every=-1)
