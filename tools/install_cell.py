"""The first code cell of every chapter notebook installs pgtools when it is missing.

A reader who downloads a notebook from the book runs it in a folder with the pgtools wheel the
page links (see book/_ext/pgbook_launch.py); in the repository, pgtools is already importable
and the cell does nothing. Usage:

    python tools/install_cell.py          # check: exit 1 and list notebooks without the cell
    python tools/install_cell.py --fix    # insert (or update) the cell after the title cell
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

BOOK = Path(__file__).resolve().parent.parent / "book"
SOURCE = """\
# Outside the repository: put this notebook and the pgtools wheel linked
# on its web page in one folder; this cell then installs the wheel (and
# numpy, matplotlib, ipywidgets, anywidget, gymnasium). Else: no-op.
try:
    import pgtools  # noqa: F401
except ImportError:
    %pip install -q ./policy_gradients_worked-*.whl"""
TAG = "pgbook-install"


def is_install_cell(cell):
    return cell.get("cell_type") == "code" and TAG in cell.get("metadata", {}).get("tags", [])


def notebooks():
    return sorted(p for p in BOOK.glob("*.ipynb") if not p.name.startswith("."))


def check(path):
    """True if the first code cell of ``path`` is the current install cell."""
    cells = json.loads(path.read_text())["cells"]
    code = [c for c in cells if c.get("cell_type") == "code"]
    return bool(code) and is_install_cell(code[0]) and "".join(code[0]["source"]) == SOURCE


def fix(path):
    nb = json.loads(path.read_text())
    cells = [c for c in nb["cells"] if not is_install_cell(c)]
    cell = {"cell_type": "code", "execution_count": None, "id": "pgbook-install",
            "metadata": {"tags": [TAG]}, "outputs": [],
            "source": SOURCE.splitlines(keepends=True)}
    first_md = next(i for i, c in enumerate(cells) if c["cell_type"] == "markdown")
    cells.insert(first_md + 1, cell)
    nb["cells"] = cells
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


def main(argv):
    bad = [p for p in notebooks() if not check(p)]
    if "--fix" in argv:
        for p in bad:
            fix(p)
            print(f"install cell: {p.name}")
        return 0
    for p in bad:
        print(f"{p.name}: its first code cell is not the pgtools install cell "
              "(python tools/install_cell.py --fix)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
