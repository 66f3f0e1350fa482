"""Explorers in the static HTML book respond with no kernel, and show what the kernel drew.

Every explorer is a ``pgtools.explorer.FrameExplorer``: its saved widget state holds one SVG frame
(and alt text) per grid state, drawn by the section's own ``draw``. On every chapter page, each
control of each explorer is moved from the keyboard, as a reader would; the figure must change to
the stored frame of the new state (the expected frame is found by enumerating the grid here, not
by the page's code), with that frame's alt text. Also: every control has a visible label that
names it, the controls stay inside the widget at phone width (390 px), the widget takes the
theme's colours in dark mode, and every section 4.N has such an explorer.
"""

from __future__ import annotations

import itertools
import json
import re
import urllib.parse

import pytest

from pgtools.explorer import decode_frame

from .conftest import (
    EXPLORER_PARTS_OUTSIDE,
    ON_PAGE,
    PHONE,
    SITE,
    SLIDER_WIDTHS,
    toc_pages,
)

STATE = 'script[type="application/vnd.jupyter.widget-state+json"]'


def _saved_explorers(html: str) -> dict:
    """{label: state} of every FrameExplorer in a page's saved widget state."""
    m = re.search(r'<script type="application/vnd\.jupyter\.widget-state\+json">(.*?)</script>',
                  html, re.DOTALL)
    if not m:
        return {}
    out = {}
    for model in json.loads(m.group(1))["state"].values():
        st = model.get("state", {})
        if model.get("model_module") == "anywidget" and "_frames" in st and "_controls" in st:
            assert st["label"] not in out, f"two explorers labelled {st['label']!r} on one page"
            out[st["label"]] = st
    return out


def _page_html(path: str) -> str:
    f = SITE / f"{path}.html"
    return f.read_text(encoding="utf-8") if f.exists() else ""


PAGES = toc_pages()
SECTIONS = sorted({m.group(1) for p in PAGES if (m := re.search(r"\b4_(\d+)_", p))}, key=int)


def _grid(c: dict) -> list:
    return list(c["values"] if c["kind"] == "choice" else c["grid"])


def _expected_index(state: dict, values: dict) -> int:
    """Position of ``values`` in the enumeration of the grid (last control fastest)."""
    grids = [_grid(c) for c in state["_controls"]]
    for i, combo in enumerate(itertools.product(*grids)):
        if all(_same(v, values[c["name"]]) for c, v in zip(state["_controls"], combo)):
            return i
    raise AssertionError(f"{values} is not a grid state of {state['label']!r}")


def _shown(root) -> tuple[str, str]:
    img = root.locator("img.pgxp-img")
    src = img.get_attribute("src") or ""
    assert src.startswith("data:image/svg+xml;charset=utf-8,"), src[:60]
    return urllib.parse.unquote(src.split(",", 1)[1]), img.get_attribute("alt") or ""


def _same(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    return a == b


def _move(page, root, k: int, c: dict, values: dict) -> dict:
    """Move control k to a neighbouring grid point from the keyboard; returns the new values."""
    grid = _grid(c)
    i = next(j for j, v in enumerate(grid) if _same(v, values[c["name"]]))
    j = i + 1 if i + 1 < len(grid) else i - 1
    control = root.locator(".pgxp-control").nth(k).locator("select, input[type=range]")
    control.focus()
    if control.evaluate("e => e.tagName") == "SELECT":
        page.keyboard.press("ArrowDown" if j > i else "ArrowUp")
    else:
        page.keyboard.press("ArrowRight" if j > i else "ArrowLeft")
    return {**values, c["name"]: grid[j]}


@pytest.mark.browser
@pytest.mark.parametrize("section", SECTIONS)
def test_every_section_has_a_static_explorer(section):
    pages = [p for p in PAGES if re.search(rf"\b4_{section}[a-z]?_", p)]  # + sub-pages
    found = {p: list(_saved_explorers(_page_html(p))) for p in pages}
    assert any(found.values()), (
        f"§4.{section}: no FrameExplorer in the saved widget state of {pages} (an explorer "
        "built on interactive_output does nothing in the static page)")


EXPLORER_PAGES = [p for p in PAGES if _saved_explorers(_page_html(p))] or PAGES[:1]


@pytest.mark.browser
@pytest.mark.parametrize("path", EXPLORER_PAGES)
def test_explorer_controls_redraw_the_stored_frame(pages, path):
    saved = _saved_explorers(_page_html(path))
    assert saved, f"{path}: no explorer in the saved widget state"
    # the exercise widgets (hints, answers) and unfolded cells and solutions are not the
    # explorers
    page, log = pages.get(f"{path}.html", changes="explorers",
                          tolerates=("widgets", "unfolded", "answered"))
    roots = page.locator(".pgxp")
    assert roots.count() == len(saved), "every saved explorer is rendered once"
    for r in range(roots.count()):
        root = roots.nth(r)
        root.scroll_into_view_if_needed()
        label = root.get_attribute("aria-label")
        state = saved[label]
        values = dict(state["values"])
        svg, alt = _shown(root)
        first = _expected_index(state, values)
        assert svg == decode_frame(state["_frames"][first]) and alt == state["_alts"][first]
        for k, c in enumerate(state["_controls"]):
            # a visible label names the control (its accessible name)
            control = root.locator(".pgxp-control").nth(k).locator("select, input[type=range]")
            cid = control.get_attribute("id")
            assert root.locator(f'label[for="{cid}"]').inner_text().strip() == c["label"]
            before = svg
            values = _move(page, root, k, c, values)
            i = _expected_index(state, values)
            page.wait_for_function(
                "([root, i]) => root.querySelector('img.pgxp-img').dataset.frame === String(i)",
                arg=[root.element_handle(), i], timeout=5_000)
            svg, alt = _shown(root)
            assert svg != before, f"{label}: moving {c['name']!r} left the figure unchanged"
            assert svg == decode_frame(state["_frames"][i]), f"{label}: not the stored frame"
            assert alt == state["_alts"][i] and alt.strip() and "/" not in alt.split()[0]
    assert not log.page_errors, log.page_errors
    assert not log.off_host, log.off_host


@pytest.mark.browser
@pytest.mark.parametrize("path", EXPLORER_PAGES)
def test_explorer_fits_a_phone_and_follows_dark_mode(pages, path):
    page, _log = pages.get(f"{path}.html", PHONE, changes="dark", tolerates=ON_PAGE)
    page.wait_for_selector(".pgxp img[data-frame]", timeout=15_000)
    boxes = page.evaluate(EXPLORER_PARTS_OUTSIDE)
    assert boxes and not any(boxes), f"controls stick out of the explorer at 390 px: {boxes}"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    widths = page.evaluate(SLIDER_WIDTHS)
    assert all(w >= 100 for w in widths), f"a slider collapsed at 390 px: {widths}"
    colour = """() => [getComputedStyle(document.querySelector('.pgxp')).color,
                      getComputedStyle(document.body).color]"""
    light = page.evaluate(colour)
    page.evaluate("() => { document.documentElement.dataset.theme = 'dark'; }")
    dark = page.evaluate(colour)
    assert dark[0] == dark[1], "the explorer's text does not take the theme's text colour"
    assert dark[0] != light[0], "the explorer's text colour ignores dark mode"
