"""``mec-ea-env --import MODULE``: a user's own policy evaluated from the command line."""

import csv
import sys
import textwrap

from mec_ea_env.cli import main

POLICY_MODULE = textwrap.dedent(
    """
    import numpy as np

    from mec_ea_env.agents.base import HybridAction, Policy
    from mec_ea_env.agents.registry import register_policy


    class FirstServer(Policy):
        name = "first-server"

        def act(self, obs, mask, sim):
            placement = np.ones(obs.shape[:2], dtype=np.int64)
            ones = np.ones(placement.shape)
            return HybridAction(placement=placement, bandwidth=ones, power=ones)


    register_policy("first-server", lambda config, path: FirstServer())
    """
)


def test_import_registers_user_policy(tmp_path, monkeypatch):
    (tmp_path / "user_policy_for_test.py").write_text(POLICY_MODULE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    status = main(
        [
            "--import",
            "user_policy_for_test",
            "evaluate",
            "--scenario",
            "small",
            "--episodes",
            "2",
            "--max-cycles",
            "3",
            "--policies",
            "random,first-server",
            "--output",
            str(tmp_path / "out"),
        ]
    )
    assert status == 0
    with open(tmp_path / "out" / "summary.csv") as handle:
        policies = [row["policy"] for row in csv.DictReader(handle)]
    assert policies == ["random", "first-server"]


def test_import_after_command(tmp_path, monkeypatch, capsys):
    (tmp_path / "user_policy_after.py").write_text(POLICY_MODULE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    arguments = ["evaluate", "--scenario", "small", "--episodes", "1", "--max-cycles", "2",
                 "--policies", "first-server", "--output", str(tmp_path / "out"),
                 "--no-plot", "--no-progress"]  # fmt: skip
    assert main([*arguments, "--import", "user_policy_after"]) == 0

    status = main(["--import", "user_policy_after", *arguments, "--import", "no_such_module_xyz"])
    assert status == 2
    assert "--import no_such_module_xyz: import failed" in capsys.readouterr().err


def test_import_missing_module(tmp_path, capsys):
    status = main(["--import", "no_such_module_xyz", "info", "--scenario", "small"])
    assert status == 2
    assert "no_such_module_xyz" in capsys.readouterr().err


def test_override_typo_suggests_name(capsys):
    assert main(["info", "--set", "num_ue=3"]) == 2
    assert "did you mean num_ues" in capsys.readouterr().err
