"""Run every shell command of the README and docs/, so that none of them rots.

test_docs_code.py runs the ```python blocks, and this file runs the ```bash blocks. Each block
is split into commands: comments are dropped, backslash continuations joined and ``&&`` chains
split. The commands of one page run in order in one temporary folder, so that a later command
finds what an earlier one wrote (a checkpoint, a model). A fenced block preceded by the line
``<!-- file: NAME -->`` is written to NAME in that folder first (a module that a command
imports, for instance). docs_pages.py lists the pages and parses the blocks and markers.

How each program runs:

- ``mec-ea-env``: through its entry point ``mec_ea_env.cli.main``, with the page's arguments
  followed by the budget options of BUDGET. argparse keeps the last value of an option, so the
  command runs as written except for its size. ``bench`` gets ``--dry-run`` (it checks the
  arguments and prints the plan): the suite itself runs in quick mode in test_bench_suite.py.
- ``python examples/X.py`` and ``python benchmarks/X.py``: as scripts in a subprocess, with
  budget options likewise; ``python -c CODE`` runs CODE.
- ``pip install`` and ``make``: the set-up that these tests stand on. Their extras and make
  targets must exist in pyproject.toml and the Makefile; they are not run.
- ``ray start``: Ray's own command, not run. The RLlib example runs in the ``rllib`` target
  (``make test-rllib``) with a local Ray instance in place of ``--address``.

Any other program fails the test, so a new kind of command in the docs needs a rule here.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from docs_pages import PAGES, ROOT, blocks

from mec_ea_env.cli import build_parser
from mec_ea_env.cli import main as cli_main

# Options appended to a `mec-ea-env` subcommand: a few slots of a few episodes.
BUDGET = {
    "info": [],
    "rollout": [],
    "train": ["--steps", "64", "--num-envs", "2", "--rollout-length", "8",
              "--eval-episodes", "1", "--no-progress"],
    "evaluate": ["--episodes", "2", "--max-cycles", "3", "--no-progress"],
    "render": ["--frames", "2"],
    "bench": ["--dry-run"],
}  # fmt: skip

# Options appended to a script, by its path in the repository. Both SB3 examples take the
# flags of examples/sb3_common.py.
SB3_BUDGET = ["--timesteps", "160", "--num-vec-envs", "1", "--n-steps", "8", "--batch-size", "80",
              "--episodes", "1", "--baselines", "random"]  # fmt: skip
SCRIPT_BUDGET = {
    "examples/train_sb3_ppo.py": SB3_BUDGET,
    "examples/train_sb3_maskable_ppo.py": SB3_BUDGET,
    "examples/rllib_multiagent.py": ["--iterations", "1", "--num-env-runners", "1",
                                     "--batch-size", "200", "--minibatch-size", "100",
                                     "--address", "local"],
    "benchmarks/calibration.py": ["--episodes", "2", "--timing-slots", "1"],
    "benchmarks/throughput.py": ["--quick", "--out", "throughput"],
    "benchmarks/suite_costs.py": ["--results", str(ROOT / "benchmarks" / "results" / "suite"),
                                  "--out", "costs.csv"],
}  # fmt: skip
NEEDS_RAY = {"examples/rllib_multiagent.py"}

# Placeholders that the docs ask the reader to fill in.
PLACEHOLDERS = {"R": "1"}


def _commands(body: str) -> list[list[str]]:
    """Split a bash block into commands, each a list of words."""
    joined = body.replace("\\\n", " ")
    commands = []
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        while words:
            cut = words.index("&&") if "&&" in words else len(words)
            commands.append([PLACEHOLDERS.get(word, word) for word in words[:cut]])
            words = words[cut + 1 :]
    return commands


def _page_commands(page: Path) -> list[list[str]]:
    commands = []
    for block in blocks(page):
        if block.lang == "bash":
            commands += _commands(block.budgeted())
    return commands


def _program(words: list[str]) -> str:
    return words[0].removeprefix(".venv/bin/")


def _needs_ray(words: list[str]) -> bool:
    return _program(words) == "ray" or (len(words) > 1 and words[1] in NEEDS_RAY)


def _check_setup(words: list[str]) -> None:
    """Check that the extras and make targets a set-up command names exist."""
    extras = set(metadata.metadata("mec_ea_env").get_all("Provides-Extra") or [])
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([\w-]+):", makefile, re.MULTILINE))
    named = []
    if _program(words) == "pip":
        assert words[1:3] == ["install", "-e"], f"unexpected pip command: {shlex.join(words)}"
        match = re.fullmatch(r"\.(?:\[([\w,-]+)\])?", words[3])
        assert match, f"unexpected pip target {words[3]!r}"
        named = match.group(1).split(",") if match.group(1) else []
    else:
        for word in words[1:]:
            if word.startswith("EXTRAS="):
                named += word.removeprefix("EXTRAS=").split(",")
            else:
                assert word in targets, f"make target {word!r} is not in the Makefile"
    unknown = set(named) - extras
    assert not unknown, f"{shlex.join(words)}: extras {sorted(unknown)} are not in pyproject.toml"


def _run(words: list[str], folder: Path) -> None:
    program = _program(words)
    if program in ("pip", "make"):
        _check_setup(words)
    elif program == "ray":
        assert words[1] in ("start", "stop", "status"), shlex.join(words)
    elif program == "mec-ea-env":
        arguments = words[1:]
        command = build_parser().parse_args(arguments).command
        assert command in BUDGET, f"no budget for `mec-ea-env {command}`: add one to BUDGET"
        status = cli_main([*arguments, *BUDGET[command]])
        assert status == 0, f"{shlex.join(words)} exited with {status}"
    elif program == "python" and words[1] == "-c":
        _subprocess([sys.executable, "-c", words[2]], words, folder)
    elif program == "python":
        script = words[1]
        assert script in SCRIPT_BUDGET, f"no budget for {script}: add one to SCRIPT_BUDGET"
        command = [sys.executable, str(ROOT / script), *words[2:], *SCRIPT_BUDGET[script]]
        _subprocess(command, words, folder)
    else:
        pytest.fail(f"no rule to run {shlex.join(words)!r}: add one to {Path(__file__).name}")


def _subprocess(command: list[str], words: list[str], folder: Path) -> None:
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"{shlex.join(words)} failed:\n{result.stderr[-3000:]}"


def _run_page(page: Path, folder: Path, monkeypatch, ray: bool) -> int:
    """Run the page's commands that need Ray (or those that do not) in order, and count them."""
    monkeypatch.chdir(folder)
    for block in blocks(page):
        if block.file:
            (folder / block.file).write_text(block.body, encoding="utf-8")
    ran = 0
    for words in _page_commands(page):
        if _needs_ray(words) == ray:
            _run(words, folder)
            ran += 1
    return ran


PAGES_WITH_COMMANDS = [page for page in PAGES if _page_commands(page)]


@pytest.mark.parametrize("page", PAGES_WITH_COMMANDS, ids=lambda p: str(p.relative_to(ROOT)))
def test_page_commands_run(page, tmp_path, monkeypatch):
    _run_page(page, tmp_path, monkeypatch, ray=False)


@pytest.mark.rllib
@pytest.mark.parametrize(
    "page", [p for p in PAGES_WITH_COMMANDS if any(map(_needs_ray, _page_commands(p)))],
    ids=lambda p: str(p.relative_to(ROOT)),
)  # fmt: skip
def test_page_ray_commands_run(page, tmp_path, monkeypatch):
    pytest.importorskip("ray.rllib", reason="ray[rllib] is not installed: make test-rllib")
    assert _run_page(page, tmp_path, monkeypatch, ray=True) > 0


def test_every_fence_names_its_language():
    """An untagged block would hide its commands from these tests: tag output as ```text."""
    untagged = [
        f"{block.where}: {block.body.splitlines()[0] if block.body else ''}"
        for page in PAGES
        for block in blocks(page)
        if not block.lang
    ]
    assert not untagged, untagged


def test_command_splitting():
    body = "make venv && .venv/bin/x --a 1  # note\nmec-ea-env evaluate \\\n    --seed R\n"
    assert _commands(body) == [
        ["make", "venv"],
        [".venv/bin/x", "--a", "1"],
        ["mec-ea-env", "evaluate", "--seed", "1"],
    ]


def test_fence_markers(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- file: mod.py -->\n```python\nX = 1\n```\n\n"
        "<!-- budget: 1000 -> 10 -->\n```bash\nrun --steps 1000\n```\n\n"
        "```text\noutput\n```\n"
    )
    module, command, output = blocks(page)
    assert module.where == "page.md#1"
    assert module.lang == "python"
    assert module.file == "mod.py"
    assert module.body == "X = 1\n"
    assert command.budgeted() == "run --steps 10\n"
    assert command.file is None
    assert output.budgeted() == "output\n"


def test_budget_text_must_be_in_block(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("<!-- budget: 1000 -> 10 -->\n```bash\nrun --steps 500\n```\n")
    (block,) = blocks(page)
    with pytest.raises(AssertionError, match="budget text '1000' is not in the block"):
        block.budgeted()


def test_unknown_program_fails(tmp_path):
    with pytest.raises(pytest.fail.Exception, match="no rule to run"):
        _run(["unknown-tool", "--flag"], tmp_path)


def test_setup_unknown_names_fail():
    with pytest.raises(AssertionError, match="extras"):
        _check_setup(["pip", "install", "-e", ".[agents,nope]"])
    with pytest.raises(AssertionError, match="make target"):
        _check_setup(["make", "nonexistent-target"])
