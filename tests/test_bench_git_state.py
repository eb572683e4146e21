"""Git provenance of benchmark results: which uncommitted changes make a checkout dirty."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from mec_ea_env.benchmark.metadata import RESULTS_PATH, git_commit

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git(root, *args):
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def checkout(tmp_path):
    """A one-commit repository with a source file and a results file."""
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "config", "user.email", "test@example.invalid")
    _git(tmp_path, "config", "user.name", "test")
    (tmp_path / "code.py").write_text("x = 1\n")
    results = tmp_path / RESULTS_PATH
    results.mkdir(parents=True)
    (results / "metadata.json").write_text("{}\n")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "start")
    return tmp_path


def test_clean_checkout_not_dirty(checkout):
    state = git_commit(checkout)
    assert len(state["commit"]) == 40
    assert state["dirty"] is False


def test_changed_results_not_dirty(checkout):
    (checkout / RESULTS_PATH / "metadata.json").write_text('{"command": "bench"}\n')
    (checkout / RESULTS_PATH / "new.csv").write_text("a\n")
    assert git_commit(checkout)["dirty"] is False


def test_untracked_file_not_dirty(checkout):
    (checkout / "notes.txt").write_text("scratch\n")
    assert git_commit(checkout)["dirty"] is False


def test_changed_code_dirty(checkout):
    (checkout / "code.py").write_text("x = 2\n")
    assert git_commit(checkout)["dirty"] is True


def test_outside_checkout_unknown(tmp_path):
    assert git_commit(tmp_path) == {"commit": None, "dirty": None}
