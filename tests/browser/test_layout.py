"""Layout of every page of the built book (issue 11, §1 and §4).

- At 1280 x 900 no code input or output block scrolls sideways (``scrollWidth <= clientWidth``,
  folded cells unfolded first), and no page is longer than 15 screens
  (``scrollHeight / 900 <= 15``).
- At 390 px (a phone) no page is wider than the viewport.

One browser context per viewport serves every page in turn (the pages need no isolation from
each other here); each page is measured once its saved widgets have rendered and MathJax has
typeset, since both change its size. The length of every page is printed (``-s``).
"""

from __future__ import annotations

import pytest

from .conftest import RENDERED_ALL, _wait_for_mathjax, isolated_page, toc_pages

PAGES = toc_pages()
DESKTOP, PHONE = (1280, 900), (390, 844)
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


@pytest.fixture(scope="module")
def tab(browser, base_url):
    """``tab(viewport)``: one page of a context of that viewport, reused for every page."""
    opened = {}

    def _tab(viewport):
        if viewport not in opened:
            opened[viewport] = isolated_page(browser, (base_url + "/",), viewport=viewport)
        return opened[viewport][1]

    yield _tab
    for ctx, _, _ in opened.values():
        ctx.close()


def _load(page, url):
    page.goto(url, wait_until="load")
    if page.locator('script[type="application/vnd.jupyter.widget-state+json"]').count():
        page.wait_for_function(RENDERED_ALL, timeout=15000)
    _wait_for_mathjax(page)
    page.evaluate("() => document.fonts.ready.then(() => true)")


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
def test_desktop_code_fits_and_page_is_short(tab, base_url, path):
    page = tab(DESKTOP)
    _load(page, f"{base_url}/{path}.html")
    screens = page.evaluate(_PAGE_HEIGHT) / DESKTOP[1]
    print(f"\n{path}: {screens:.1f} screens of {DESKTOP[0]} x {DESKTOP[1]}")
    wide = page.evaluate(_OVERFLOWING_BLOCKS)  # unfolds the folded cells: measure length first
    assert not wide, f"{path}: code or output blocks that scroll sideways at 1280 px: {wide}"
    assert screens <= MAX_SCREENS, (
        f"{path}: {screens:.1f} screens long at 1280 x 900 (at most {MAX_SCREENS}): split it")


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
def test_phone_page_fits_the_viewport(tab, base_url, path):
    page = tab(PHONE)
    _load(page, f"{base_url}/{path}.html")
    width = page.evaluate(_PAGE_WIDTH)
    assert width <= PHONE[0], f"{path}: {width} px wide at a {PHONE[0]} px viewport"
