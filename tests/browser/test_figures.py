"""Figures of every page of the built book, read at 1280 px the way a reader sees them.

On every page of ``_toc.yml``:

* every ``<img>`` of the article (figures and the explorers' frames) has an alt text that says
  something: at least four words, not a file name or a path;
* every figure image outside a widget sits in a numbered figure with its caption attached
  (``figure > figcaption`` with "Figure 4.7.2"); on a section page the numbers are the
  section's, 4.7.1, 4.7.2, ... in order (book/_ext/pgbook_fignum.py), and a reference in the
  text ({numref}) reads "Figure 4.7.2" too; no loose italic caption follows a figure;
* the smallest text of a figure is at least 10 CSS px on the page. The figures are drawn with
  the book's style (pgtools.plotting.use_book_style: no text below MIN_FONT_PT points), so the
  smallest text is MIN_FONT_PT points at the image's resolution (the PNG's dpi), scaled by the
  width the page gives it over its natural width;
* figure PNGs are drawn for HiDPI screens (at least twice as many pixels as they are shown
  with) and are opaque with a white margin, so they stay legible in dark mode.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from pgtools.plotting import MIN_FONT_PT

from .conftest import SITE, toc_pages

PAGES = toc_pages()
MIN_PX = 10.0
# an explorer's or another widget's image: alt text checked, numbering and sizes are theirs
_WIDGET = ".jupyter-widgets, .jupyter-widgets-disconnected, .widget-area, .pgxp, .pgx"

_IMAGES = """(widget) => Array.from(document.querySelectorAll('article img')).map(img => {
  const fig = img.closest('figure');
  const cap = fig ? fig.querySelector(':scope > figcaption') : null;
  const num = cap ? cap.querySelector('.caption-number') : null;
  const text = cap ? cap.querySelector('.caption-text') : null;
  return {src: img.currentSrc || img.src, alt: img.getAttribute('alt'),
          widget: !!img.closest(widget), figure: !!fig, id: fig ? fig.id : '',
          number: num ? num.textContent.trim() : '',
          caption: text ? text.textContent.trim() : '',
          shown: img.getBoundingClientRect().width, natural: img.naturalWidth};
})"""

# Paragraphs set (almost) entirely in italics within two blocks after a cell with a figure: a
# caption left loose (in 4.2 a paragraph once sat between a figure and its caption).
_LOOSE_CAPTIONS = """(widget) => {
  const out = [];
  document.querySelectorAll('article .cell').forEach(cell => {
    const imgs = Array.from(cell.querySelectorAll('.cell_output img'))
      .filter(i => !i.closest(widget));
    if (!imgs.length) return;
    let n = cell.nextElementSibling;
    for (let k = 0; k < 2 && n; k++, n = n.nextElementSibling) {
      const all = n.textContent.trim().length;
      const em = Array.from(n.children).filter(c => c.tagName === 'EM')
        .reduce((s, c) => s + c.textContent.trim().length, 0);
      if (n.tagName === 'P' && all > 0 && em >= 0.8 * all)   // (mostly) all in italics
        out.push(n.textContent.trim().slice(0, 80));
    }
  });
  return out;
}"""

_NUMREFS = """() => Array.from(document.querySelectorAll('article a.reference span.std-numref'))
  .map(s => s.textContent.trim())"""

_ALL_ALTS_SET = """() => Array.from(document.querySelectorAll('article img'))
  .every(i => i.complete && i.naturalWidth > 0 && (i.getAttribute('alt') || '').trim())"""

_FILE_LIKE = re.compile(r"(^|[\\/])[\w.-]+\.(png|jpe?g|gif|svg|webp|pdf)$", re.IGNORECASE)
_FIG_NUMBER = re.compile(r"^Figure (\d+(?:\.\d+)*)$")
_SECTION = re.compile(r"\s*(\d+(?:\.\d+)+)\s")


def alt_problem(alt: str | None) -> str | None:
    """Why ``alt`` does not say what an image shows, or None when it does."""
    text = " ".join((alt or "").split())
    if not text:
        return "no alt text"
    if _FILE_LIKE.search(text) or text.startswith(("_images/", "data:", "http")) or (
            " " not in text and "/" in text):
        return f"alt text is a file name or path: {text!r}"
    if len(text.split()) < 4:
        return f"alt text too short to say what the image shows: {text!r}"
    return None


def _local_file(src: str) -> Path | None:
    url = urlparse(src)
    if url.scheme not in ("http", "https", "file"):
        return None
    path = SITE / unquote(url.path).lstrip("/")
    return path if path.exists() else None


def _png_facts(path: Path):
    """(dpi, opaque white margin?) of a PNG, from its pHYs chunk and its corner pixels."""
    from PIL import Image

    with Image.open(path) as im:
        dpi = im.info.get("dpi", (72.0, 72.0))[0]
        rgba = im.convert("RGBA")
        w, h = rgba.size
        corners = [rgba.getpixel((x, y)) for x in (0, w - 1) for y in (0, h - 1)]
    white = all(a == 255 and min(r, g, b) >= 235 for r, g, b, a in corners)
    return float(dpi), white


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
def test_figures_are_described_numbered_and_legible(pages, path):
    page, _ = pages.get(f"{path}.html")
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:  # explorers set each frame's alt text once the frame is decoded: an event, not a delay
        page.wait_for_function(_ALL_ALTS_SET, timeout=10000)
    except PlaywrightTimeout:  # the assertions below say which image lacks what
        pass
    assert page.locator("article").count(), f"{path}: no article on the page (not built?)"
    images = page.evaluate(_IMAGES, _WIDGET)
    problems = []

    for im in images:
        why = alt_problem(im["alt"])
        if why:
            problems.append(f"{im['src'].rsplit('/', 1)[-1][:40]}: {why}")

    figures = [im for im in images if not im["widget"]]
    title = page.locator("article h1").first.inner_text() if page.locator(
        "article h1").count() else ""
    m = _SECTION.match(title + " ")
    section = m.group(1) if m else None
    numbers, sizes = [], []
    # a sub-page of a split section (book/4_3b_...) continues its section's count
    sub, first = re.search(r"/4_\d+[a-z]_", path) is not None, 0
    for k, im in enumerate(figures, 1):
        name = im["id"] or im["src"].rsplit("/", 1)[-1][:40]
        if not im["figure"]:
            problems.append(f"{name}: image not in a figure (no number, no caption)")
            continue
        got = _FIG_NUMBER.match(im["number"])
        if not got:
            problems.append(f"{name}: figure has no number in its caption ({im['number']!r})")
        elif section and got.group(1) != f"{section}.{k + first}":
            if k == 1 and sub and got.group(1).startswith(f"{section}."):
                first = int(got.group(1).rsplit(".", 1)[1]) - 1
            else:
                problems.append(f"{name}: numbered {im['number']!r}, expected Figure "
                                f"{section}.{k + first}")
        if len(im["caption"].split()) < 4:
            problems.append(f"{name}: caption missing or too short: {im['caption']!r}")
        numbers.append(im["number"])

        # legibility: MIN_FONT_PT points at the image's resolution, at the width shown
        file = _local_file(im["src"])
        if im["natural"] <= 0 or im["shown"] <= 0:
            problems.append(f"{name}: image not loaded or not shown")
            continue
        scale = im["shown"] / im["natural"]
        if file is not None and file.suffix.lower() == ".png":
            dpi, white = _png_facts(file)
            if not white:
                problems.append(f"{name}: PNG not opaque with a white margin (dark mode)")
            if im["natural"] < 1.9 * im["shown"]:
                problems.append(f"{name}: {im['natural']} px PNG shown {im['shown']:.0f} px wide:"
                                " not HiDPI (2x)")
        else:  # SVG: matplotlib writes points; the browser draws 96 px per inch
            dpi = 96.0
        smallest = MIN_FONT_PT * dpi / 72 * scale
        sizes.append(round(smallest, 1))
        if smallest < MIN_PX:
            problems.append(f"{name}: smallest text {smallest:.1f} px (< {MIN_PX:g} px): shown "
                            f"{im['shown']:.0f} px wide, {im['natural']} px at {dpi:.0f} dpi")

    if len(set(numbers)) != len(numbers):
        problems.append(f"figure numbers repeat: {numbers}")
    for ref in page.evaluate(_NUMREFS):
        if not _FIG_NUMBER.match(ref) and not ref.startswith(
                ("Table", "Listing", "Section", "Exercise")):
            problems.append(f"a reference reads {ref!r}, not 'Figure 4.x.n'")
    for loose in page.evaluate(_LOOSE_CAPTIONS, _WIDGET):
        problems.append(f"loose italic caption after a figure: {loose!r}")

    print(f"\n{path}: {len(figures)} figures {numbers}, {len(images) - len(figures)} widget "
          f"images; smallest text per figure (px): {sizes}")
    assert not problems, f"{path}:\n  " + "\n  ".join(problems)


def test_alt_problem_recognises_paths_and_empty_texts():
    assert alt_problem("") == "no alt text" and alt_problem(None) == "no alt text"
    assert "file name" in alt_problem("../_images/3f2a9c.png")
    assert "file name" in alt_problem("_images/figure")
    assert "file name" in alt_problem("book/4_6/policy")
    assert "too short" in alt_problem("a plot")
    assert alt_problem("Two line plots against the step length s from 0 to 6") is None
