"""Exercise widgets in the static HTML book: they grade answers in the browser, with no kernel.

The right answers are read from the saved widget state and decoded with ``pgtools.exercises``
(the page only obscures them), then typed into the page like a reader would.
"""

from __future__ import annotations

import json
import re

import pytest

from pgtools.exercises import decode_spec

from .conftest import SITE, toc_pages


def _pages_with(kind: str) -> list[str]:
    """Chapter pages whose saved widget state holds an exercise of this kind."""
    found = []
    for path in toc_pages():
        html = SITE / f"{path}.html"
        if html.exists() and f'"kind": "{kind}"' in html.read_text().replace('"kind":"', '"kind": "'):
            found.append(path)
    return found


_MARKUP = re.compile(r"\$\$[^$]+\$\$|\$[^$\n]+\$|`[^`\n]+`|\*\*[^*\n]+\*\*")


def _spec_for(page, box, kind):
    """Decoded grading spec of the exercise widget ``box``, found in the saved state by its prompt.

    The prompt's math is typeset on the page, so compare the plain text before its first formula.
    """
    shown = box.locator(".pgx-prompt").evaluate(
        "e => Array.from(e.childNodes).filter(n => n.nodeType === 3).map(n => n.textContent)"
        ".join('')")
    raw = page.locator('script[type="application/vnd.jupyter.widget-state+json"]').first.inner_text()
    for model in json.loads(raw)["state"].values():
        st = model["state"]
        if st.get("kind") != kind:
            continue
        plain = _MARKUP.sub("", st.get("prompt", ""))  # the text outside math, code and bold
        if " ".join(plain.split())[:40] == " ".join(shown.split())[:40]:
            return decode_spec(st["_spec"])
    raise AssertionError(f"no saved {kind} exercise with prompt text {shown[:40]!r}")


def _first_page(kind):
    pages = _pages_with(kind)
    assert pages, f"no page of the built book has a {kind} exercise"
    return pages[0]


@pytest.mark.browser
def test_numeric_exercise_wrong_then_right(open_page):
    page, log = open_page(f"{_first_page('numeric')}.html")
    box = page.locator(".pgx-numeric").first
    box.scroll_into_view_if_needed()
    spec = _spec_for(page, box, "numeric")
    answer = spec["answer"]
    field = box.locator("input.pgx-input")
    feedback = box.locator(".pgx-feedback")

    field.fill("banana")
    field.press("Enter")
    assert "pgx-invalid" in feedback.get_attribute("class"), feedback.inner_text()

    wrong = answer * 3 + 7.0
    field.fill(repr(wrong))
    box.locator("button.pgx-check").click()
    assert "pgx-wrong" in feedback.get_attribute("class"), feedback.inner_text()

    field.fill(repr(answer))
    box.locator("button.pgx-check").click()
    assert "pgx-correct" in feedback.get_attribute("class"), feedback.inner_text()
    assert feedback.inner_text().strip()
    assert not log.off_host and not log.page_errors


@pytest.mark.browser
def test_choice_exercise_gives_feedback(open_page):
    page, log = open_page(f"{_first_page('choice')}.html")
    box = page.locator(".pgx-choice").first
    box.scroll_into_view_if_needed()
    spec = _spec_for(page, box, "choice")
    options = box.locator("input.pgx-option, label.pgx-option input")
    feedback = box.locator(".pgx-feedback")
    correct = set(spec["correct"])
    wrong = next(i for i in range(spec["n"]) if i not in correct)

    options.nth(wrong).check()
    if spec["multiple"]:
        box.locator("button.pgx-check").click()
    assert "pgx-correct" not in feedback.get_attribute("class"), feedback.inner_text()
    assert feedback.inner_text().strip(), "no feedback after choosing an option"

    if spec["multiple"]:
        options.nth(wrong).uncheck()
    for i in sorted(correct):
        options.nth(i).check()
    if spec["multiple"]:
        box.locator("button.pgx-check").click()
    assert "pgx-correct" in feedback.get_attribute("class"), feedback.inner_text()
    assert not log.off_host and not log.page_errors


@pytest.mark.browser
def test_code_exercise_says_run_the_notebook(open_page):
    page, _ = open_page(f"{_first_page('code')}.html")
    note = page.locator(".pgx-code .pgx-note").first
    note.wait_for(state="visible", timeout=6000)
    assert "Run this notebook" in note.inner_text()
    link = note.locator("a")
    assert link.count() == 1 and link.get_attribute("href").endswith(".ipynb")
