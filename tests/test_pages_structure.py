"""The chapter pages' structure (issue 11, §1 and §4), read from the notebooks and _toc.yml.

- Every printed line of every notebook (stored stream and plain-text outputs) fits the
  76-column page of the HTML book.
- Every chapter page opens, right after its ``# title``, with an overview box
  (``{admonition}`` with the class ``pg-overview``): what you will learn, the key results
  linked to their definitions, theorems and sections *on that page*, and a reading time that
  this test recomputes from the notebook (see :func:`reading_minutes`).
- The "Map of the book" lives on the index only, and names every chapter page of the toc,
  in the toc's order, by the page's own title.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
WIDTH = 76  # characters of a printed line (the code column of the HTML book)

# Reading speeds of the estimate, stated in every overview box.
WORDS_PER_MINUTE = 200  # prose: whitespace-separated words of the markdown cells
LINES_PER_MINUTE = 20  # code: non-blank lines of the code cells a reader sees unfolded
HIDDEN_TAGS = {"remove-input", "remove-cell", "hide-input", "hide-cell", "pgbook-install"}

OVERVIEW = re.compile(r"(?P<f>`{3,}|:{3,})\{admonition\}[^\n]*\n:class:[^\n]*\bpg-overview\b"
                      r"[^\n]*\n(?P<body>.*?)\n(?P=f)", re.DOTALL)
READING = re.compile(r"\*\*Reading time:?\*\*:? about (\d+) minutes")
LINK = re.compile(r"\{(prf:ref|ref|numref|eq)\}`(?:[^`<]*<)?([^`<>]+)>?`")
LABEL = re.compile(r"^:label:\s*(\S+)|^\((\S+)\)=\s*$|^\$\$\s*\((\S+)\)\s*$", re.MULTILINE)


def toc_pages() -> list[str]:
    """Every page of ``_toc.yml`` after the root, in reading order (``book/4_1_motivation``)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    pages: list[str] = []

    def walk(entries):
        for e in entries or []:
            if "file" in e:
                pages.append(e["file"])
            walk(e.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return pages


CHAPTERS = [p for p in toc_pages() if (ROOT / f"{p}.ipynb").exists()]
NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))


def cells(page: str | Path) -> list[dict]:
    path = Path(page) if str(page).endswith(".ipynb") else ROOT / f"{page}.ipynb"
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def src(cell: dict) -> str:
    return "".join(cell["source"])


def title(page: str) -> str:
    """The page's title: the ``# ...`` line that opens its first markdown cell."""
    first = next(c for c in cells(page) if c["cell_type"] == "markdown")
    line = src(first).lstrip().splitlines()[0]
    assert line.startswith("# "), f"{page}: the first markdown cell does not open with '# '"
    return line[2:].strip()


def reading_minutes(page_cells: list[dict]) -> int:
    """Estimated reading time of a page, in whole minutes (rounded up).

    Prose: every whitespace-separated word of the markdown cells (maths and directive lines
    included), except the overview box itself, at ``WORDS_PER_MINUTE``. Code: every non-blank
    line of the code cells a reader sees without unfolding anything (not the cells tagged
    ``remove-input``, ``hide-input``, ... nor the install cell), at ``LINES_PER_MINUTE``.
    Outputs and figures are not counted.
    """
    words = lines = 0
    for c in page_cells:
        if c["cell_type"] == "markdown":
            words += len(OVERVIEW.sub("", src(c)).split())
        elif c["cell_type"] == "code":
            if HIDDEN_TAGS & set(c.get("metadata", {}).get("tags", [])):
                continue
            lines += sum(1 for line in src(c).splitlines() if line.strip())
    return math.ceil(words / WORDS_PER_MINUTE + lines / LINES_PER_MINUTE)


def labels(page_cells: list[dict]) -> set[str]:
    """Every label a reference can point to on a page: directive ``:label:``s, ``(target)=``,
    labelled equations and figure names in the cells' ``mystnb`` metadata."""
    out = set()
    for c in page_cells:
        if c["cell_type"] == "markdown":
            out |= {next(g for g in m.groups() if g) for m in LABEL.finditer(src(c))}
        fig = c.get("metadata", {}).get("mystnb", {}).get("figure", {})
        if fig.get("name"):
            out.add(fig["name"])
    return out


def overview(page: str) -> re.Match:
    """The overview box, which must follow the title with nothing in between."""
    md = [c for c in cells(page) if c["cell_type"] == "markdown"]
    head = src(md[0]).lstrip()
    rest = head.split("\n", 1)[1] if "\n" in head else ""
    if not rest.strip() and len(md) > 1:  # the title alone in its cell: the box comes next
        rest = src(md[1])
    m = OVERVIEW.match(rest.lstrip())
    assert m, f"{page}: no overview box (admonition with class pg-overview) right after the title"
    return m


# ===================================================================== §1 printed lines
def _printed(cell):
    for o in cell.get("outputs", []):
        if o["output_type"] == "stream":
            yield "".join(o["text"])
        elif o["output_type"] in ("execute_result", "display_data"):
            data = o.get("data", {})
            if set(data) == {"text/plain"}:  # plain text only (not a figure's or widget's repr)
                yield "".join(data["text/plain"])


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_printed_lines_fit_the_column(nb):
    long = [(i, len(line), line) for i, c in enumerate(cells(nb)) if c["cell_type"] == "code"
            for text in _printed(c) for line in text.splitlines() if len(line) > WIDTH]
    assert not long, (f"{nb.name}: printed lines longer than {WIDTH} characters "
                      "(cell, length, line):\n" + "\n".join(map(str, long)))


# ===================================================================== §4 the overview box
@pytest.mark.parametrize("page", CHAPTERS)
def test_page_opens_with_an_overview_box(page):
    body = overview(page).group("body")
    assert "**You will learn**" in body, f"{page}: the box does not say what you will learn"
    assert "**Key results**" in body, f"{page}: the box does not list the key results"
    links = [m.group(2) for m in LINK.finditer(body.split("**Key results**", 1)[1])]
    assert len(links) >= 2, f"{page}: the key results link fewer than two places on the page"
    missing = sorted(set(links) - labels(cells(page)))
    assert not missing, f"{page}: the box links labels that are not on this page: {missing}"
    assert READING.search(body), f"{page}: the box gives no 'Reading time: about N minutes'"
    assert f"{WORDS_PER_MINUTE} words a minute" in body and \
        f"{LINES_PER_MINUTE} lines" in body, f"{page}: the box does not say how it is estimated"


@pytest.mark.parametrize("page", CHAPTERS)
def test_reading_time_is_recomputed(page):
    """The stated minutes agree with the notebook (within a minute, or 10% on long pages)."""
    stated = int(READING.search(overview(page).group("body")).group(1))
    computed = reading_minutes(cells(page))
    assert abs(stated - computed) <= max(1, round(0.1 * computed)), (
        f"{page}: the box says about {stated} minutes; the notebook reads in {computed}")


# ===================================================================== §4 the map of the book
MAP_ROW = re.compile(r"^\|\s*\{doc\}`([^`<]+?)\s*<([^`>]+)>`\s*\|")


def map_rows() -> list[tuple[str, str]]:
    """``(title, page)`` of every row of the index's "Map of the book", in order."""
    text = (BOOK / "index.md").read_text(encoding="utf-8")
    m = re.search(r"^## Map of the book\n(.*?)(?=^## |\Z)", text, re.DOTALL | re.MULTILINE)
    assert m, "book/index.md has no '## Map of the book' section"
    rows = []
    for line in m.group(1).splitlines():
        row = MAP_ROW.match(line)
        if row:
            rows.append((row.group(1).strip(), "book/" + row.group(2).strip().lstrip("/")
                         .removeprefix("book/")))
    return rows


def test_map_of_the_book_names_every_page_by_its_title():
    assert map_rows() == [(title(p), p) for p in CHAPTERS]


def test_map_of_the_book_is_only_on_the_index():
    """No notebook carries a table that links three or more chapter pages (a second map)."""
    for nb in NOTEBOOKS:
        for c in cells(nb):
            if c["cell_type"] != "markdown":
                continue
            rows = [line for line in src(c).splitlines()
                    if line.lstrip().startswith("|") and re.search(r"\{doc\}`[^`]*4_\d+", line)]
            assert len(rows) < 3, f"{nb.name}: a table of the chapter's pages (the map is on " \
                                  "the index only)"
