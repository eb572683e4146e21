"""Evaluation of policies on seeded episodes: harness, statistics, plots and the CLI command."""

from mec_ea_env.evaluation.harness import EvaluationResult, evaluate_policies
from mec_ea_env.evaluation.stats import mean_ci95

__all__ = ["EvaluationResult", "evaluate_policies", "mean_ci95"]
