"""Run the benchmark suite; the same as ``mec-ea-env bench`` with the same options.

    python benchmarks/run_suite.py --quick        # about a minute, checks the pipeline
    python benchmarks/run_suite.py --dry-run      # the full plan and its expected wall time
    python benchmarks/run_suite.py                # the full suite, resumable

The logic lives in the package (mec_ea_env.benchmark), so the command works from an installed
package too. This script is the entry point next to the results in benchmarks/results/suite.
"""

from __future__ import annotations

import sys

from mec_ea_env.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
