"""The errata page (book/errata.md) stays in sync with the notebooks' erratum boxes.

Every box ``(erratum-eN)=`` + ``{admonition} Erratum EN — <title>`` in a notebook has one row on
the page that links it, starts its "what is wrong" column with the same title in bold, and quotes
in its "evidence" column only numbers that the box itself states.
"""

import json
import re
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parent.parent / "book"
BOX = re.compile(r"\(erratum-e(\d+)\)=\s*\n```\{admonition\} Erratum E(\d+) — (.*?)\n(.*?)\n```",
                 re.DOTALL)
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _boxes():
    out = {}
    for nb in sorted(BOOK.glob("*.ipynb")):
        for cell in json.loads(nb.read_text())["cells"]:
            if cell["cell_type"] != "markdown":
                continue
            for m in BOX.finditer("".join(cell["source"])):
                assert m.group(1) == m.group(2), f"{nb.name}: label e{m.group(1)} on box E{m.group(2)}"
                assert m.group(1) not in out, f"erratum E{m.group(1)} appears twice"
                out[m.group(1)] = (nb.name, m.group(3).strip(), m.group(4))
    return out


def _rows():
    rows = {}
    for line in (BOOK / "errata.md").read_text().splitlines():
        m = re.match(r"\| \{ref\}`E(\d+) <erratum-e(\d+)>` \|", line)
        if m:
            assert m.group(1) == m.group(2), line
            cols = [c.strip() for c in line.strip().strip("|").split(" | ")]
            assert len(cols) == 4, line
            rows[m.group(1)] = cols
    return rows


BOXES, ROWS = _boxes(), _rows()


def test_every_box_has_a_row_and_every_row_a_box():
    assert BOXES, "no erratum boxes found in the notebooks"
    assert sorted(BOXES, key=int) == sorted(ROWS, key=int)
    assert sorted(BOXES, key=int) == [str(k) for k in range(1, len(BOXES) + 1)]


@pytest.mark.parametrize("num", sorted(BOXES, key=int))
def test_row_starts_with_the_box_title(num):
    title = BOXES[num][1]
    assert ROWS[num][2].startswith(f"**{title}.**") or ROWS[num][2].startswith(f"**{title}**"), (
        f"E{num}: errata.md should start with **{title}.**")


@pytest.mark.parametrize("num", sorted(BOXES, key=int))
def test_row_quotes_only_numbers_the_box_states(num):
    stated = set(NUMBER.findall(BOXES[num][2]))
    quoted = set(NUMBER.findall(ROWS[num][3]))
    assert quoted <= stated, f"E{num}: numbers {sorted(quoted - stated)} are not in the box"
