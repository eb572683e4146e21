"""Policies for mec_ea_env: baselines, the per-slot oracle and the reference hybrid PPO."""
