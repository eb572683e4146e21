"""The documentation pages whose code blocks the tests run, and their fenced blocks.

A block may follow one marker line that the docs tests act on:

- ``<!-- file: NAME -->``: the block is a file (NAME in the folder where the page's commands
  run), written there before they run;
- ``<!-- budget: OLD -> NEW -->``: the block runs with the text OLD replaced by NEW, which
  shrinks code that trains for minutes to seconds while running the rest as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The README files of results folders record past runs at their commits, so they are not run.
PAGES = [
    ROOT / "README.md",
    ROOT / "benchmarks" / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
]
FENCE = re.compile(
    r"(?:<!-- (?P<marker>file|budget): (?P<value>[^\n]+?) -->[ \t]*\n)?"
    r"^```(?P<lang>\w*)\n(?P<body>.*?)^```",
    re.DOTALL | re.MULTILINE,
)


@dataclass(frozen=True)
class Block:
    """A fenced code block of a page, with its marker."""

    where: str
    """Page and the block's number on it, for example ``docs/api.md#2``."""
    lang: str
    body: str
    file: str | None = None
    """NAME of a ``file`` marker."""
    budget: tuple[str, str] | None = None
    """(OLD, NEW) of a ``budget`` marker."""

    def budgeted(self) -> str:
        """Return the body with the budget replacement applied."""
        if self.budget is None:
            return self.body
        old, new = self.budget
        assert old in self.body, f"{self.where}: budget text {old!r} is not in the block"
        return self.body.replace(old, new)


def blocks(page: Path) -> list[Block]:
    """Return the fenced blocks of ``page`` in order."""
    found = []
    name = page.relative_to(ROOT) if page.is_relative_to(ROOT) else page.name
    text = page.read_text(encoding="utf-8")
    for number, match in enumerate(FENCE.finditer(text), start=1):
        marker, value = match.group("marker"), match.group("value")
        budget = None
        if marker == "budget":
            old, arrow, new = value.partition(" -> ")
            assert arrow, f"{name}#{number}: a budget marker reads OLD -> NEW"
            budget = (old, new)
        found.append(
            Block(
                where=f"{name}#{number}",
                lang=match.group("lang"),
                body=match.group("body"),
                file=value if marker == "file" else None,
                budget=budget,
            )
        )
    return found
