"""docs/benchmarks.md shows exactly the benchmark suite's committed tables and figures."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _sync_module():
    spec = importlib.util.spec_from_file_location("sync_docs", ROOT / "benchmarks" / "sync_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_match_committed_results(capsys):
    assert _sync_module().main(["--check"]) == 0, capsys.readouterr().err


def test_sync_replaces_table_under_heading():
    sync = _sync_module()
    text = "#### `small` (N = 3)\n\nintro\n\n| old |\n|---|\n\nafter\n#### Other\n| kept |\n"
    synced, replaced = sync.synced_docs(text, {"small": ["| new |", "|---|", "| row |"]})
    assert replaced == ["small"]
    assert synced == "#### `small` (N = 3)\n\nintro\n\n| new |\n|---|\n| row |\n\nafter\n" \
                     "#### Other\n| kept |\n"  # fmt: skip
