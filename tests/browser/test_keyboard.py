"""Keyboard use: arrow keys move a focused explorer control and turn the page only otherwise;
exercise widgets work from the keyboard alone (Tab to the answer box, Enter checks)."""

from __future__ import annotations

import pytest

SLIDER = (".pgxp input[type=range], .jupyter-widgets .noUi-handle,"
          " .jupyter-widgets input[type=range]")


@pytest.mark.browser
def test_arrow_keys_move_a_focused_slider_not_the_page(open_page):
    page, _ = open_page("book/4_2b_sga_rate.html")  # 4.2's explorer and numeric box
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
def test_exercise_is_operable_by_keyboard(open_page):
    page, _ = open_page("book/4_2b_sga_rate.html")  # 4.2's explorer and numeric box
    box = page.locator(".pgx-input").first
    box.focus()
    page.keyboard.type("12345")
    page.keyboard.press("Enter")
    feedback = page.locator(".pgx-feedback:not(:empty)").first
    feedback.wait_for()
    assert feedback.get_attribute("aria-live") == "polite"
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.tagName")
    assert focused == "BUTTON", f"Tab from the answer box reached {focused}, not a button"
