"""Result files of the suite: one JSON file per run unit, written atomically.

A unit's file is ``OUTPUT/runs/STUDY/SCENARIO/POLICY/seedS.json``. It is written to a temporary
file in the same directory and moved into place with ``os.replace``, so an interrupted run
leaves either the whole file or none. A present file whose settings match the suite's is
reused. A present file with other settings raises :class:`ResultConflict` unless ``force`` is
set to redo it, so no result is overwritten silently.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

from mec_ea_env.benchmark.spec import RunUnit


class ResultConflict(ValueError):
    """A stored result was made with other settings than the current suite's."""


ADDED_TRAINER_SETTINGS: dict[str, Any] = {"train_reward": None}
"""Trainer settings added after results were stored, with the value that trains as before.

A stored result without such a setting matches a suite that keeps this value."""


def result_path(output: Path, unit: RunUnit) -> Path:
    """Return the result file of ``unit`` under the suite's output folder."""
    return output / "runs" / unit.study / unit.scenario / unit.policy / f"seed{unit.seed}.json"


def training_dir(output: Path, unit: RunUnit) -> Path:
    """Return the run directory in which ``unit``'s policy is trained."""
    return output / "training" / unit.study / unit.scenario / unit.policy / f"seed{unit.seed}"


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` through a temporary file and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # A unique name opened with O_EXCL, like tempfile.mkstemp, but with the mode of any new
    # file (0666 less the umask) where mkstemp would make it readable by its owner only.
    temporary = path.parent / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp"
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "w") as stream:
            json.dump(data, stream, indent=1)
            stream.write("\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def is_legacy(result: dict[str, Any]) -> bool:
    """Return whether a learned policy's stored result lacks the trainer settings."""
    settings = result.get("settings")
    learned = isinstance(settings, dict) and "train_steps" in settings
    return learned and "trainer" not in settings


def _drop_added_settings(expected: dict[str, Any], stored: Any) -> None:
    """Remove from ``expected`` the added trainer settings that ``stored`` predates."""
    trainer = expected.get("trainer")
    stored_trainer = stored.get("trainer") if isinstance(stored, dict) else None
    if not (isinstance(trainer, dict) and isinstance(stored_trainer, dict)):
        return
    for name, value in ADDED_TRAINER_SETTINGS.items():
        if name not in stored_trainer and trainer.get(name, value) == value:
            trainer.pop(name, None)


def load_result(path: Path, fingerprint: dict[str, Any]) -> dict[str, Any] | None:
    """Return the stored result at ``path`` if its settings equal ``fingerprint``.

    Returns None when no file exists. Raises ResultConflict when the file contains another
    suite's result, and ValueError when it is not valid JSON.
    """
    if not path.exists():
        return None
    try:
        result = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(
            f"result file {path} is not valid JSON ({error}): delete it or pass --force"
        ) from error
    # A JSON round trip turns tuples into lists, so compare the fingerprint the same way.
    expected = json.loads(json.dumps(fingerprint))
    stored = result.get("settings")
    if is_legacy(result):
        # NOTE: a result written before the trainer settings were recorded is checked on the
        # other settings only, so its trainer defaults are taken on trust.
        expected.pop("trainer", None)
    _drop_added_settings(expected, stored)
    if stored != expected:
        stored = stored if isinstance(stored, dict) else {}
        differing = sorted(k for k in {*stored, *expected} if stored.get(k) != expected.get(k))
        raise ResultConflict(
            f"result file {path} was made with other settings than this suite's (differing: "
            f"{', '.join(differing)}): pass --force to redo it, or choose another --output"
        )
    return result
