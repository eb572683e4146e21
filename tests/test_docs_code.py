"""Run every Python code block of the README and docs/, so that no example in them rots.

Every ```python block of the pages in docs_pages.PAGES runs in a fresh namespace in a temporary
folder, with its budget marker applied (docs_pages.py). test_docs_commands.py does the same for
the ```bash blocks.
"""

from __future__ import annotations

import pytest
from docs_pages import PAGES, blocks

PYTHON_BLOCKS = [block for page in PAGES for block in blocks(page) if block.lang == "python"]


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=[block.where for block in PYTHON_BLOCKS])
def test_doc_block_runs(block, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(compile(block.budgeted(), block.where, "exec"), {"__name__": "__docs__"})
