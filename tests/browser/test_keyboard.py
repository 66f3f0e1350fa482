"""Keyboard use: arrow keys move a focused explorer control and turn the page only otherwise;
exercise widgets work from the keyboard alone (Tab to the answer box, Enter checks)."""

from __future__ import annotations

import pytest

from .conftest import ON_PAGE

SLIDER = (".pgxp input[type=range], .jupyter-widgets .noUi-handle,"
          " .jupyter-widgets input[type=range]")


# 4.2's explorer and numeric box; the tests share the page's load (conftest.Pages), after
# the tests that read it, as a reader who has unfolded cells, answered and moved the explorer
PAGE = "book/4_2b_sga_rate"


@pytest.mark.browser
@pytest.mark.parametrize("path", [PAGE])
def test_arrow_keys_move_a_focused_slider_not_the_page(pages, path):
    page, _ = pages.get(f"{path}.html", changes="navigated", tolerates=ON_PAGE)
    url = page.url
    handle = page.locator(SLIDER).first
    handle.focus()
    before = handle.get_attribute("aria-valuenow") or handle.input_value()
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("([sel, v]) => { const h = document.querySelector(sel);"
                           " return (h.getAttribute('aria-valuenow') || h.value) !== v; }",
                           arg=[SLIDER, before])
    assert page.url == url, "ArrowLeft on a focused slider turned the page"
    page.evaluate("() => document.activeElement.blur()")
    with page.expect_navigation():
        page.keyboard.press("ArrowRight")
    assert page.url.endswith("4_3_reinforce.html"), page.url


@pytest.mark.browser
@pytest.mark.parametrize("path", [PAGE])
def test_exercise_is_operable_by_keyboard(pages, path):
    page, _ = pages.get(f"{path}.html", changes="answered", tolerates=("unfolded", "answered"))
    box = page.locator(".pgx-input").first
    box.fill("")  # an earlier test may have answered this box
    box.focus()
    page.keyboard.type("12345")
    page.keyboard.press("Enter")
    feedback = page.locator(".pgx-feedback:not(:empty)").first
    feedback.wait_for()
    assert feedback.get_attribute("aria-live") == "polite"
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.tagName")
    assert focused == "BUTTON", f"Tab from the answer box reached {focused}, not a button"
