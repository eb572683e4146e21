"""Copy the benchmark suite's committed tables and figures into docs/benchmarks.md.

The suite writes its tables to ``policies.md`` (one ``#### SCENARIO (N = n)`` section per
scenario) and ``scaling.md``, and its figures to PNG files, in its results folder. This script
replaces the table under each matching ``####`` heading of docs/benchmarks.md and copies the
figures to docs/img/benchmarks/suite_NAME.png, so the docs show exactly the committed numbers.

Usage (from the repository root, after ``mec-ea-env bench`` rebuilt the tables):

    python benchmarks/sync_docs.py           # rewrite the docs
    python benchmarks/sync_docs.py --check   # exit 1 if the docs differ from the results
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "suite"
DOCS = ROOT / "docs" / "benchmarks.md"
FIGURES = ("scores", "learning_curves", "scaling")
SCALING_HEADING = "Scalability"
"""Start of the docs heading whose table is scaling.md's."""


def heading_key(line: str) -> str:
    """Return a ``####`` heading's key: its text without backticks or the bracketed size."""
    return re.sub(r"[`#]", "", line).split("(")[0].strip()


def suite_tables(results: Path) -> dict[str, list[str]]:
    """Return {heading key: table lines} of the suite's policies.md and scaling.md."""
    tables: dict[str, list[str]] = {}
    key = None
    for line in (results / "policies.md").read_text().splitlines():
        if line.startswith("#### "):
            key = heading_key(line)
        elif line.startswith("|") and key:
            tables.setdefault(key, []).append(line)
    scaling = (results / "scaling.md").read_text().splitlines()
    tables[SCALING_HEADING] = [line for line in scaling if line.startswith("|")]
    return tables


def synced_docs(text: str, tables: dict[str, list[str]]) -> tuple[str, list[str]]:
    """Return the docs text with each known heading's table replaced, and the keys replaced."""
    lines = text.split("\n")
    out: list[str] = []
    replaced = []
    index = 0
    while index < len(lines):
        line = lines[index]
        out.append(line)
        index += 1
        if not line.startswith("#### "):
            continue
        key = heading_key(line)
        key = SCALING_HEADING if key.startswith(SCALING_HEADING) else key
        if key not in tables:
            continue

        # Keep the text between the heading and its table, then swap the table's lines.
        while index < len(lines) and not lines[index].startswith("|"):
            out.append(lines[index])
            index += 1
        while index < len(lines) and lines[index].startswith("|"):
            index += 1
        out.extend(tables[key])
        replaced.append(key)
    return "\n".join(out), replaced


def stale_figures(results: Path, images: Path) -> list[str]:
    """Return the figures whose docs copy differs from the results folder's."""
    stale = []
    for name in FIGURES:
        target = images / f"suite_{name}.png"
        if not target.is_file() or target.read_bytes() != (results / f"{name}.png").read_bytes():
            stale.append(name)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if the docs are stale"
    )
    args = parser.parse_args(argv)

    tables = suite_tables(RESULTS)
    text = DOCS.read_text()
    synced, replaced = synced_docs(text, tables)
    missing = sorted(set(tables) - set(replaced))
    if missing:
        print(
            f"docs/benchmarks.md has no #### heading for: {', '.join(missing)}; add one per "
            "table, then run this script again",
            file=sys.stderr,
        )
        return 1
    images = DOCS.parent / "img" / "benchmarks"
    stale = stale_figures(RESULTS, images)

    if args.check:
        problems = (["tables"] if synced != text else []) + [f"{n}.png" for n in stale]
        if problems:
            print(
                f"docs/benchmarks.md is stale ({', '.join(problems)}): run "
                "python benchmarks/sync_docs.py",
                file=sys.stderr,
            )
            return 1
        print("docs/benchmarks.md matches benchmarks/results/suite")
        return 0

    DOCS.write_text(synced)
    for name in stale:
        shutil.copyfile(RESULTS / f"{name}.png", images / f"suite_{name}.png")
    print(f"tables: {', '.join(replaced)}; figures copied: {', '.join(stale) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
