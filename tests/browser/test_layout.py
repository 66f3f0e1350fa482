"""Layout of every page of the built book (issue 11, §1 and §4).

- At 1280 x 900 no code input or output block scrolls sideways (``scrollWidth <= clientWidth``,
  folded cells unfolded first), and no page is longer than 15 screens
  (``scrollHeight / 900 <= 15``).
- At 390 px (a phone) no page is wider than the viewport.

Each page is measured once its saved widgets have rendered, MathJax has typeset and the web
fonts are ready, since all change its size (``conftest.load``); the page's load is shared with
the other tests of the page at that viewport (``conftest.Pages``). The length of every page is
printed (``-s``).
"""

from __future__ import annotations

import pytest

from .conftest import (
    DESKTOP,
    EXPLORER_PARTS_OUTSIDE,
    ON_PAGE,
    PHONE,
    SLIDER_WIDTHS,
    isolated_page,
    load,
    narrow,
    toc_pages,
)

PAGES = toc_pages()
MAX_SCREENS = 15

# Every block a reader sees as code or as printed output, and any element inside them that
# scrolls by itself (highlighted code, plain-text outputs, tables printed by a cell).
_OVERFLOWING_BLOCKS = """() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  document.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
  const blocks = document.querySelectorAll(
    '.cell_input, .cell_input .highlight, .cell_input pre,'
    + ' .cell_output > .output, .cell_output pre, .cell_output .highlight');
  return Array.from(blocks)
    .filter(e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1)
    .map(e => `${e.className || e.tagName}: ${e.scrollWidth} > ${e.clientWidth}: `
              + (e.innerText || '').split('\\n').sort((a, b) => b.length - a.length)[0]
                  .slice(0, 90));
}"""

_PAGE_WIDTH = """() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"""
_PAGE_HEIGHT = """() => document.documentElement.scrollHeight"""


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
def test_desktop_code_fits_and_page_is_short(pages, path):
    page, _ = pages.get(f"{path}.html", DESKTOP, changes="unfolded")
    screens = page.evaluate(_PAGE_HEIGHT) / DESKTOP[1]
    print(f"\n{path}: {screens:.1f} screens of {DESKTOP[0]} x {DESKTOP[1]}")
    wide = page.evaluate(_OVERFLOWING_BLOCKS)  # unfolds the folded cells: measure length first
    assert not wide, f"{path}: code or output blocks that scroll sideways at 1280 px: {wide}"
    assert screens <= MAX_SCREENS, (
        f"{path}: {screens:.1f} screens long at 1280 x 900 (at most {MAX_SCREENS}): split it")


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
def test_phone_page_fits_the_viewport(pages, path):
    # the desktop load, narrowed (conftest.Pages): unfolded cells, opened hints and moved
    # explorers only add to what must fit
    page, _ = pages.get(f"{path}.html", PHONE, tolerates=ON_PAGE)
    width = page.evaluate(_PAGE_WIDTH)
    assert width <= PHONE[0], f"{path}: {width} px wide at a {PHONE[0]} px viewport"


# What the phone tests measure: the page's width, the explorer parts outside their explorer,
# the sliders' widths, and the text column's width and left edge.
_PHONE_MEASURES = f"""() => ({{
  width: ({_PAGE_WIDTH})(),
  outside: ({EXPLORER_PARTS_OUTSIDE})(),
  sliders: ({SLIDER_WIDTHS})().map(Math.round),
  column: (({{left, width}}) => [Math.round(left), Math.round(width)])(
    document.querySelector('.bd-article, article, main').getBoundingClientRect()),
}})"""


@pytest.mark.browser
@pytest.mark.parametrize("path", ["book/index", "book/4_5_parameterisations",
                                  "book/api_surrogate"])
def test_phone_load_matches_a_narrowed_page(browser, base_url, path):
    """The phone tests narrow each page's desktop load to 390 px (conftest.Pages). On pages
    with the widest content (the index table, an explorer, API signatures), a fresh load at
    390 px measures exactly the same as the narrowed desktop load."""
    measured = {}
    for how, viewport in (("phone load", PHONE), ("narrowed", DESKTOP)):
        ctx, page, log = isolated_page(browser, (base_url + "/",), viewport)
        try:
            load(page, log, f"{base_url}/{path}.html")
            if viewport != PHONE:
                narrow(page, PHONE)
            measured[how] = page.evaluate(_PHONE_MEASURES)
        finally:
            ctx.close()
    assert measured["phone load"] == measured["narrowed"], f"{path}: {measured}"
    assert measured["phone load"]["width"] <= PHONE[0], f"{path}: {measured}"
