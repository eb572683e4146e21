"""Run every Python code block of the README and docs/, so that no example in them rots.

Every ```python block runs in a fresh namespace in a temporary folder. A block preceded by the
line ``<!-- budget: OLD -> NEW -->`` runs with the text OLD replaced by NEW, which shrinks code
that trains for minutes to a few seconds while running the rest as written.
test_docs_commands.py does the same for the ```bash blocks.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(
    r"(?:<!-- budget: (?P<old>.+?) -> (?P<new>.+?) -->\s*\n)?```python\n(?P<code>.*?)```",
    re.DOTALL,
)


def _blocks() -> list[tuple[str, str]]:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    found = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        for number, match in enumerate(BLOCK.finditer(text), start=1):
            where = f"{path.relative_to(ROOT)}#{number}"
            code = match.group("code")
            if match.group("old"):
                assert match.group("old") in code, f"{where}: budget text not in the block"
                code = code.replace(match.group("old"), match.group("new"))
            found.append((where, code))
    return found


@pytest.mark.parametrize(("where", "code"), _blocks(), ids=[w for w, _ in _blocks()])
def test_doc_block_runs(where, code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(compile(code, where, "exec"), {"__name__": "__docs__"})
