"""The documentation site builds with ``mkdocs build --strict`` (skipped without mkdocs).

Strict mode turns every warning into an error, such as a page of the nav that does not exist or
a link to a missing page. mkdocs only reports a docs page left out of the nav, so a second test
checks that the nav and the pages in docs/ agree.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("mkdocs", reason="install the docs extra: pip install -e '.[docs]'")


def nav_pages(items) -> list[str]:
    pages = []
    for item in items:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        pages.extend(nav_pages(value) if isinstance(value, list) else [value])
    return pages


def test_nav_matches_docs_pages():
    import yaml

    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    listed = set(nav_pages(config["nav"]))
    present = {path.name for path in (ROOT / "docs").glob("*.md")}
    assert listed - present == set(), "pages in the nav but missing from docs/"
    assert present - listed == set(), "pages in docs/ but missing from the nav"


def test_mkdocs_strict_build(tmp_path):
    site = tmp_path / "site"
    completed = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    assert (site / "index.html").is_file()
    assert (site / "benchmarks" / "index.html").is_file()
