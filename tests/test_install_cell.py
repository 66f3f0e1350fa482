"""Every chapter notebook's first code cell installs pgtools when it is missing (issue 10 §3).

The cell is the page's own install instruction for a downloaded notebook (tests/fresh runs it in
a fresh environment); here we check that every notebook has the current version of it, and that
the tool which inserts it finds a notebook without it.
"""

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import install_cell


@pytest.mark.parametrize("nb", install_cell.notebooks(), ids=lambda p: p.stem)
def test_first_code_cell_installs_pgtools(nb):
    assert install_cell.check(nb), f"{nb.name}: run `python tools/install_cell.py --fix`"


def test_the_cell_is_a_no_op_when_pgtools_is_importable():
    src = install_cell.SOURCE
    assert "import pgtools" in src and "%pip install" in src
    assert src.index("import pgtools") < src.index("except ImportError") < src.index("%pip")


def test_fix_inserts_the_cell_after_the_title(tmp_path):
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# 4.9 Title"]},
                    {"cell_type": "code", "metadata": {}, "source": ["x = 1"],
                     "outputs": [], "execution_count": 1}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "t.ipynb"
    path.write_text(json.dumps(nb))
    assert not install_cell.check(path)
    install_cell.fix(path)
    assert install_cell.check(path)
    cells = json.loads(path.read_text())["cells"]
    assert cells[0]["source"] == ["# 4.9 Title"] and cells[2]["source"] == ["x = 1"]
