"""Tests of the three editions (issue 14): the PDF, the instructor's key, the student edition.

They read what ``make pdf``, ``make key`` and ``make student`` wrote under ``_build/`` and fail
with a message naming the target when it is missing or older than the HTML book it came from.
Expected values come from the sources (``_toc.yml``, the built pages, the exercise bank), never
from the code under test.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # tools.editions

SITE = ROOT / "_build" / "html"
PDF = ROOT / "_build" / "pdf" / "book.pdf"
KEY = SITE / "key.html"
STUDENT = ROOT / "_build" / "student"


def need(path: Path, target: str, newer_than: Path | None = None) -> Path:
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: run `make {target}` first")
    if newer_than is not None and newer_than.exists() and \
            path.stat().st_mtime < newer_than.stat().st_mtime:
        pytest.fail(f"{path.relative_to(ROOT)} is older than {newer_than.relative_to(ROOT)}: "
                    f"run `make {target}` again")
    return path


def toc() -> tuple[str, list[tuple[str, list[str]]]]:
    """(root page, [(part caption, [pages])]) of _toc.yml."""
    data = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    parts = []
    for part in data.get("parts", []):
        pages = []

        def walk(entries, pages=pages):
            for e in entries or []:
                if "file" in e:
                    pages.append(e["file"])
                walk(e.get("sections"))

        walk(part.get("chapters"))
        parts.append((part.get("caption", ""), pages))
    return data["root"], parts


def all_pages() -> list[str]:
    root, parts = toc()
    return [root] + [p for _, pages in parts for p in pages]


def notebook_pages() -> list[str]:
    return [p for p in all_pages() if (ROOT / f"{p}.ipynb").exists()]


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def words(text: str) -> list[str]:
    """Lower-case words and numbers; ligatures of the PDF's fonts (ﬀ, ﬁ) unfolded."""
    return re.findall(r"[a-z0-9]+", unicodedata.normalize("NFKC", text).lower())


def heading_runs(tag) -> list[list[str]]:
    """A heading's words, as the runs between its formulas (formulas print as glyphs whose
    extracted text is not the TeX), without the headerlink."""
    runs, cur = [], []
    for node in tag.descendants:
        if isinstance(node, str):
            parent = node.parent
            if parent is not None and ("headerlink" in (parent.get("class") or [])):
                continue
            if parent is not None and parent.find_parent(class_="math") is None and \
                    "math" not in (parent.get("class") or []):
                cur.extend(words(node))
            else:
                if cur:
                    runs.append(cur)
                cur = []
    if cur:
        runs.append(cur)
    return runs


def is_subsequence(needle: list[str], hay: list[str]) -> bool:
    it = iter(hay)
    return all(w in it for w in needle)


def contains_run(run: list[str], hay: list[str]) -> bool:
    n = len(run)
    return any(hay[i:i + n] == run for i in range(len(hay) - n + 1))


def book_entries() -> list:
    """The exercise bank's entries whose section is a page of the book (in _toc.yml)."""
    from pgtools import exercise_bank as bank

    pages = all_pages()
    return [e for e in bank.entries()
            if any(p.startswith("book/" + e.section.replace(".", "_") + "_") for p in pages)]
