"""metadata.json's invocation history when several `mec-ea-env bench` runs share a folder."""

from __future__ import annotations

import json

from mec_ea_env.benchmark import metadata
from mec_ea_env.benchmark.store import write_json_atomic


def _write(path, record):
    metadata.record_invocation(path, record)
    write_json_atomic(path, record)


def test_overlapping_invocations_keep_both(tmp_path):
    path = tmp_path / "metadata.json"
    first = metadata.collect("bench --scenarios dense")
    _write(path, first)
    second = metadata.collect("bench --scenarios large")
    _write(path, second)

    second["units_run"] = 5
    _write(path, second)
    first["units_run"] = 16
    _write(path, first)

    history = json.loads(path.read_text())["invocations"]
    assert [entry["command"] for entry in history] == [
        "bench --scenarios dense",
        "bench --scenarios large",
    ]
    assert [entry["units_run"] for entry in history] == [16, 5]


def test_history_before_ids_is_kept(tmp_path):
    path = tmp_path / "metadata.json"
    old = {"command": "bench --scenarios small", "date_utc": "2026-12-04T00:00:00+00:00"}
    path.write_text(json.dumps(old))
    record = metadata.collect("bench --scenarios paper")
    _write(path, record)
    _write(path, record)

    history = json.loads(path.read_text())["invocations"]
    assert [entry["command"] for entry in history] == [
        "bench --scenarios small",
        "bench --scenarios paper",
    ]
    assert history[0]["invocation_id"] is None


def test_invocation_ids_differ():
    assert metadata.collect("a")["invocation_id"] != metadata.collect("a")["invocation_id"]
