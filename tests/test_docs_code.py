"""Run every Python code block of the README and docs/, so that no example in them rots.

A block preceded by the line ``<!-- no-test -->`` is skipped, which suits code that trains for
minutes. Every other ```python block runs in a fresh namespace in a temporary folder.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"(?P<marker><!-- no-test -->\s*\n)?```python\n(?P<code>.*?)```", re.DOTALL)


def _blocks() -> list[tuple[str, str]]:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    found = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        for number, match in enumerate(BLOCK.finditer(text), start=1):
            if match.group("marker"):
                continue
            found.append((f"{path.relative_to(ROOT)}#{number}", match.group("code")))
    return found


@pytest.mark.parametrize(("where", "code"), _blocks(), ids=[w for w, _ in _blocks()])
def test_doc_block_runs(where, code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(compile(code, where, "exec"), {"__name__": "__docs__"})
