"""The book as one PDF (``make pdf``): pages, bookmarks, titles, typeset math, figures.

Expectations come from ``_toc.yml`` and the built HTML pages (titles, section headings, exercise
boxes), read here with BeautifulSoup; the PDF is read with pypdf and three pages are rendered
with ``pdftoppm`` (Debian's poppler-utils) into ``_build/pdf/preview/`` to be looked at.
"""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess

import pytest

from .conftest import (
    PDF,
    ROOT,
    SITE,
    all_pages,
    contains_run,
    heading_runs,
    is_subsequence,
    need,
    notebook_pages,
    soup,
    toc,
    words,
)

KEY_TITLE = "Instructor's key"


@pytest.fixture(scope="module")
def book():
    from pypdf import PdfReader

    need(PDF, "pdf", newer_than=SITE / "index.html")
    reader = PdfReader(PDF)
    texts = [p.extract_text() or "" for p in reader.pages]
    outline = []

    def walk(items, depth):
        for it in items:
            if isinstance(it, list):
                walk(it, depth + 1)
            else:
                outline.append((depth, it.title, reader.get_destination_page_number(it)))

    walk(reader.outline, 0)
    return reader, texts, outline


def _headings(page: str):
    """(h1 tag, [h2 tags]) of a built page's article."""
    art = soup(SITE / f"{page}.html").select_one("article.bd-article")
    return art.find("h1"), art.find_all("h2")


def _title_words(tag) -> list[str]:
    return [w for run in heading_runs(tag) for w in run]


def _tree(outline):
    """Bookmarks as nested (title, page, children) from the flat (depth, title, page) list."""
    root: list = []
    stack = [(-1, root)]
    for depth, title, page in outline:
        while stack[-1][0] >= depth:
            stack.pop()
        node = (title, page, [])
        stack[-1][1].append(node)
        stack.append((depth, node[2]))
    return root


def test_page_count_and_numbers(book):
    reader, texts, _ = book
    n = len(reader.pages)
    # a title page, the contents, one page at least per page of the toc, the key
    assert len(all_pages()) + 3 <= n <= 1000, n
    missing = [i + 1 for i in range(1, n)
               if not re.search(rf"(^|\n)\s*{i + 1}\s*(\n|$)", texts[i])]
    assert not missing, f"pages without their number: {missing[:20]}"
    print(f"\nbook.pdf: {n} pages, {PDF.stat().st_size / 1e6:.1f} MB")


def test_one_bookmark_per_part_chapter_and_section(book):
    _, _, outline = book
    tree = _tree(outline)
    root, parts = toc()
    top = [t for t, _, _ in tree]
    assert top[0] == "Contents" and top[-1] == KEY_TITLE, top
    h1, h2s = _headings(root)
    assert is_subsequence(_title_words(h1), words(top[1])), (top[1], h1.get_text())
    assert len(tree) == 3 + len(parts), top
    for (caption, pages), (title, _, children) in zip(parts, tree[2:-1]):
        assert title == caption
        assert len(children) == len(pages), (caption, [c[0] for c in children])
        for page, (ctitle, _, sections) in zip(pages, children):
            h1, h2s = _headings(page)
            assert is_subsequence(_title_words(h1), words(ctitle)), (page, ctitle)
            assert len(sections) == len(h2s), (page, [s[0] for s in sections])
            for h2, (stitle, _, _) in zip(h2s, sections):
                assert is_subsequence(_title_words(h2), words(stitle)), (page, stitle)
    key_children = [t for t, _, _ in tree[-1][2]]
    chapters_with_exercises = [p for p in all_pages()
                               if soup(SITE / f"{p}.html").select("div.exercise")]
    assert len(key_children) == len(chapters_with_exercises), key_children


def test_each_title_is_on_its_page(book):
    _, texts, outline = book
    tree = _tree(outline)
    root, parts = toc()
    targets = [(root, tree[1][1])]
    for (_, pages), (_, _, children) in zip(parts, tree[2:-1]):
        targets += [(p, c[1]) for p, c in zip(pages, children)]
    for page, index in targets:
        h1, _ = _headings(page)
        hay = words(texts[index])
        for run in heading_runs(h1):
            assert contains_run(run, hay), (page, index + 1, run, texts[index][:300])
    key_page = tree[-1][1]
    assert contains_run(words(KEY_TITLE), words(texts[key_page]))


def test_no_raw_tex(book):
    _, texts, _ = book
    bad = [(i + 1, tex) for i, t in enumerate(texts)
           for tex in ("\\frac", "$$", "\\(", "\\mathbb", "\\begin{") if tex in t]
    assert not bad, f"raw TeX in the printed text: {bad[:20]}"


def _images(resources, seen=None) -> int:
    seen = set() if seen is None else seen
    n = 0
    xobjects = (resources or {}).get("/XObject") or {}
    for ref in xobjects.values():
        obj = ref.get_object()
        key = getattr(ref, "idnum", id(obj))
        if key in seen:
            continue
        seen.add(key)
        if obj.get("/Subtype") == "/Image":
            n += 1
        elif obj.get("/Subtype") == "/Form":
            n += _images(obj.get("/Resources"), seen)
    return n


def test_every_chapter_has_its_figures(book):
    reader, _, outline = book
    tree = _tree(outline)
    _, parts = toc()
    starts = []
    for (_, pages), (_, _, children) in zip(parts, tree[2:-1]):
        starts += [(p, c[1]) for p, c in zip(pages, children)]
    starts.append(("key", tree[-1][1]))
    chapters = set(notebook_pages())
    for (page, first), (_, nxt) in itertools.pairwise(starts):
        if page not in chapters:
            continue
        n_html = len(soup(SITE / f"{page}.html").select("article.bd-article img"))
        n_pdf = sum(_images(reader.pages[i].get("/Resources")) for i in range(first, nxt))
        assert n_pdf >= 1, f"{page}: no image on its pages {first + 1}-{nxt}"
        assert n_pdf >= n_html, f"{page}: {n_pdf} images printed, the page has {n_html}"


def test_every_exercise_in_the_key(book):
    _, texts, outline = book
    tree = _tree(outline)
    key_text = "\n".join(texts[tree[-1][1]:])
    boxes = [b for p in all_pages() for b in soup(SITE / f"{p}.html").select("div.exercise")]
    captions = [" ".join(b.select_one(".caption-number").get_text().split()) for b in boxes]
    found = re.findall(r"Exercise \d+", key_text)  # captions, and mentions in the prompts
    assert is_subsequence(captions, found), (found, captions)
    print(f"\nkey in the PDF: {len(captions)} exercises")


def test_widgets_print_as_notes_not_boxes(book):
    _, texts, _ = book
    text = " ".join(" ".join(texts).split())
    views = sum(len(soup(SITE / f"{p}.html").select(
        'article script[type="application/vnd.jupyter.widget-view+json"]')) for p in all_pages())
    notes = text.count("interactive in the web edition") + text.count(
        "it runs in the web edition")
    assert notes >= views > 0, (notes, views)
    for control in ("Show hint", "Your answer:"):
        assert control not in text, f"a widget control printed: {control!r}"


def test_three_pages_render_to_png(book):
    from PIL import Image

    assert shutil.which("pdftoppm"), "pdftoppm is missing: apt-get install poppler-utils"
    _reader, _, outline = book
    tree = _tree(outline)
    first_chapter = tree[2][2][0][1] if tree[2][2] else tree[1][1]
    pages = [1, first_chapter + 1, tree[-1][1] + 1]
    out = ROOT / "_build" / "pdf" / "preview"
    out.mkdir(parents=True, exist_ok=True)
    for p in pages:
        stem = out / f"page-{p:03d}"
        subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", "-f", str(p), "-l",
                        str(p), str(PDF), str(stem)], check=True)
        img = Image.open(f"{stem}.png").convert("L")
        w, h = img.size
        assert 400 < w < h, (p, img.size)  # A4 portrait
        dark = sum(img.histogram()[:128]) / (w * h)
        assert dark > 0.002, f"page {p} renders nearly blank ({dark:.4f} dark)"
