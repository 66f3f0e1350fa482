"""Notebook code fits the 76-column code column of the HTML book.

`make lint` runs ruff on ``book/*.ipynb`` with ``book/ruff.toml`` (E501 at 76 columns), but
E501 lets some lines through (a lone long word or URL, IPython magics such as ``%pip``), so
here every line of every code cell's source is measured directly. The printed lines (stored
stream and plain-text outputs) are checked by ``test_pages_structure.py``
(``test_printed_lines_fit_the_column``) against the same width.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
WIDTH = 76  # characters of a line in the code column of the HTML book
NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))


def test_ruff_config_for_the_notebooks_uses_the_same_width():
    config = tomllib.loads((BOOK / "ruff.toml").read_text(encoding="utf-8"))
    assert config["line-length"] == WIDTH
    assert "E501" in config["lint"]["extend-select"]


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_code_lines_fit_the_column(nb):
    cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
    long = [(i, len(line), line) for i, c in enumerate(cells) if c["cell_type"] == "code"
            for line in "".join(c["source"]).splitlines() if len(line) > WIDTH]
    assert not long, (f"{nb.name}: code lines longer than {WIDTH} characters "
                      "(cell, length, line):\n" + "\n".join(map(str, long)))
