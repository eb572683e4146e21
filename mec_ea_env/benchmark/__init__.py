"""The benchmark suite behind ``mec-ea-env bench``: every policy on every scenario over seeds.

:mod:`~mec_ea_env.benchmark.spec` defines what runs, :mod:`~mec_ea_env.benchmark.training` trains
the learned policies, :mod:`~mec_ea_env.benchmark.runner` evaluates and stores each unit, and
:mod:`~mec_ea_env.benchmark.report` writes the tables and figures. docs/benchmarks.md shows the
results and the commands that reproduce them.
"""

from mec_ea_env.benchmark.runner import plan_suite, run_suite
from mec_ea_env.benchmark.spec import RunUnit, SuiteSpec, full_spec, quick_spec
from mec_ea_env.benchmark.store import ResultConflict

__all__ = [
    "ResultConflict",
    "RunUnit",
    "SuiteSpec",
    "full_spec",
    "plan_suite",
    "quick_spec",
    "run_suite",
]
