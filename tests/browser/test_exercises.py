"""Exercise widgets in the static HTML book: they grade answers in the browser, with no kernel.

Every answer box comes from the exercise bank (``ex.show(id)``) and carries its id in
``data-exercise``. The right answers are read from the page's saved widget state (the page only
obscures them) and decoded with ``pgtools.exercises``, then typed in like a reader would.
Also checked on every page: each exercise keeps one rhythm (box, answer box, solution), the
answer boxes repeat no prompt, no TeX is left untypeset in prose or widget text, and no answer
is visible.
"""

from __future__ import annotations

import json
import math
import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from pgtools import exercise_bank as bank
from pgtools import exercises
from pgtools.exercises import decode_spec

from .conftest import ROOT, SITE, toc_pages

PAGES = toc_pages()
CHAPTERS = [p for p in PAGES if "/4_" in p]


def _section(path):
    """"4.3" for book/4_3_reinforce and its sub-pages (book/4_3b_causality)."""
    return "4." + re.search(r"4_(\d+)[a-z]?_", path).group(1)


def _saved_states(page) -> dict:
    """exercise id -> saved widget state, from the page's widget-state script."""
    raw = page.locator('script[type="application/vnd.jupyter.widget-state+json"]').first
    out = {}
    for model in json.loads(raw.inner_text())["state"].values():
        st = model["state"]
        if st.get("exercise_id"):
            out[st["exercise_id"]] = st
    return out


def _pages_with(kind: str) -> list[str]:
    """Chapter pages that show a bank exercise of this kind (read from their notebooks)."""
    found = []
    for path in CHAPTERS:
        nb = ROOT / f"{path}.ipynb"
        if not (SITE / f"{path}.html").exists() or not nb.exists():
            continue
        ids = re.findall(r'ex\.show\(\\"([^"\\]+)\\"\)', nb.read_text())
        if any(bank.get(i).kind == kind for i in ids):
            found.append(path)
    return found


def _first(page, kind):
    """The first answer box of this kind, scrolled into view, and its decoded spec."""
    box = page.locator(f".pgx-{kind}[data-exercise]").first
    box.scroll_into_view_if_needed()
    exercise_id = box.get_attribute("data-exercise")
    return box, exercise_id, decode_spec(_saved_states(page)[exercise_id]["_spec"])


def _first_page(kind) -> list[str]:
    """The first page with a bank exercise of this kind, as a one-value parameter list (the
    test then shares that page's load, ``conftest.Pages``)."""
    return _pages_with(kind)[:1] or [f"(no {kind} exercise)"]


def _need(path, kind):
    assert not path.startswith("(no "), f"no page of the built book has a {kind} exercise"


# What the answer-box tests tolerate of the tests of the page before them (conftest's order):
# unfolded cells and solutions, and answers typed into other boxes.
_AFTER = ("unfolded", "answered")


def _status(feedback) -> str:
    return next(c[4:] for c in feedback.get_attribute("class").split() if c.startswith("pgx-")
                and c != "pgx-feedback")


@pytest.mark.browser
@pytest.mark.parametrize("path", _first_page("numeric"))
def test_numeric_exercise_wrong_coarse_then_right(pages, path):
    _need(path, "numeric")
    page, log = pages.get(f"{path}.html", changes="answered", tolerates=_AFTER)
    box, exercise_id, spec = _first(page, "numeric")
    answer = spec["answer"]
    field = box.locator("input.pgx-input")
    feedback = box.locator(".pgx-feedback")

    field.fill("banana")
    field.press("Enter")
    assert _status(feedback) == "invalid", feedback.inner_text()

    field.fill(repr(answer * 3 + 7.0))
    box.locator("button.pgx-check").click()
    assert _status(feedback) == "wrong", feedback.inner_text()

    field.fill(repr(answer))
    box.locator("button.pgx-check").click()
    assert _status(feedback) == "correct", feedback.inner_text()
    assert feedback.inner_text().strip()
    assert box.locator(".pgx-precision").inner_text().strip("()") in exercises.show(
        exercise_id).precision
    assert not log.off_host and not log.page_errors


@pytest.mark.browser
@pytest.mark.parametrize("path", _first_page("numeric"))
def test_numeric_coarse_answer_is_called_right_but_coarse(pages, path):
    """An answer rounded to fewer digits than asked gets "Right, but ...", in the browser."""
    _need(path, "numeric")
    for other in _pages_with("numeric"):  # from ``path`` on, until one has such an answer
        page, _ = pages.get(f"{other}.html", changes="answered", tolerates=_AFTER)
        for k in range(page.locator(".pgx-numeric[data-exercise]").count()):
            box = page.locator(".pgx-numeric[data-exercise]").nth(k)
            spec = decode_spec(_saved_states(page)[box.get_attribute("data-exercise")]["_spec"])
            a, need, lead = spec["answer"], spec["need"], spec["lead"]
            if not (a and lead > need * 1.5):
                continue  # a one-digit answer cannot be rounded more coarsely
            e = round(math.log10(lead))  # round to the leading digit only
            typed = f"{round(a / 10 ** e)}e{e}" if e > 0 else f"{a:.{-e}f}"
            if abs(float(typed) - a) <= spec["atol"]:
                continue  # this answer is exact at that precision
            box.scroll_into_view_if_needed()
            box.locator("input.pgx-input").fill(typed)
            box.locator("button.pgx-check").click()
            fb = box.locator(".pgx-feedback")
            assert _status(fb) == "close", (typed, fb.inner_text())
            assert "Right, but rounded too coarsely" in fb.inner_text()
            return
    pytest.fail("no numeric exercise with an answer of two or more digits")


@pytest.mark.browser
@pytest.mark.parametrize("path", _first_page("choice"))
def test_choice_exercise_gives_feedback(pages, path):
    _need(path, "choice")
    page, log = pages.get(f"{path}.html", changes="answered", tolerates=_AFTER)
    box, _, spec = _first(page, "choice")
    options = box.locator("label.pgx-option input")
    labels = [t.strip() for t in box.locator("label.pgx-option").all_inner_texts()]
    assert labels == [chr(65 + i) for i in range(spec["n"])], labels  # no "A. A: ..." doubling
    feedback = box.locator(".pgx-feedback")
    correct = set(spec["correct"])
    wrong = next(i for i in range(spec["n"]) if i not in correct)

    options.nth(wrong).check()
    if spec["multiple"]:
        box.locator("button.pgx-check").click()
    assert _status(feedback) != "correct", feedback.inner_text()
    assert feedback.inner_text().strip(), "no feedback after choosing an option"

    if spec["multiple"]:
        options.nth(wrong).uncheck()
    for i in sorted(correct):
        options.nth(i).check()
    if spec["multiple"]:
        box.locator("button.pgx-check").click()
    assert _status(feedback) == "correct", feedback.inner_text()
    assert not log.off_host and not log.page_errors


@pytest.mark.browser
@pytest.mark.parametrize("path", _first_page("code"))
def test_code_exercise_says_run_the_notebook(pages, path):
    _need(path, "code")
    page, _ = pages.get(f"{path}.html")  # reads the page, before any test changes it
    note = page.locator(".pgx-code .pgx-note").first
    note.wait_for(state="visible", timeout=6000)
    assert "Run this notebook" in note.inner_text()
    link = note.locator("a")
    assert link.count() == 1 and link.get_attribute("href").endswith(".ipynb")


# ------------------------------------------------------------------- one exercise, one place
_ORDER = """() => Array.from(document.querySelectorAll(
    'div.exercise, div.solution, .pgx[data-exercise]')).map(e => e.matches('.pgx')
  ? ['box', e.getAttribute('data-exercise'), !!e.querySelector('.pgx-prompt')]
  : e.matches('div.solution')
  ? ['solution', Array.from(e.querySelectorAll('a[href*="#ex-"]')).map(a => a.getAttribute('href')
       .split('#')[1])[0] || '', e.classList.contains('dropdown')]
  : ['exercise', e.id, false])"""


@pytest.mark.browser
@pytest.mark.parametrize("path", CHAPTERS)
def test_exercise_rhythm(pages, path):
    """Every answer box follows its exercise box and precedes its folded solution, with no
    prompt of its own; every bank exercise of the section is on the page."""
    page, _ = pages.get(f"{path}.html")
    seq = page.evaluate(_ORDER)
    shown = [x[1] for x in seq if x[0] == "box"]
    # a section split over sub-pages spreads its exercises over them: each page shows a run of
    # the section's bank in order (tests/test_exercise_bank.py checks the whole section)
    ids = [e.id for e in bank.section(_section(path))]
    assert set(shown) <= set(ids), shown
    if shown:
        first = ids.index(shown[0])
        assert shown == ids[first:first + len(shown)], shown
    for k, (kind, exercise_id, has_prompt) in enumerate(seq):
        if kind != "box":
            continue
        label = bank.get(exercise_id).label
        assert not has_prompt, f"{exercise_id}: the answer box repeats the prompt"
        assert k > 0 and seq[k - 1][:2] == ["exercise", label], (exercise_id, seq[k - 1])
        assert k + 1 < len(seq) and seq[k + 1][0] == "solution", (exercise_id, seq[k + 1:k + 2])
        assert seq[k + 1][1] == label and seq[k + 1][2], (exercise_id, seq[k + 1])


# -------------------------------------------------------------- TeX outside typeset math
# Text nodes of the article and of the widgets, outside code, outputs and typeset math.
_TEXT_NODES = """() => {
  const skip = 'pre, code, script, style, textarea, mjx-container, .MathJax, .cell_input';
  const out = [], walker = document.createTreeWalker(
    document.querySelector('main, article, .bd-article') || document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest(skip)) continue;
    if (!el.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue;
    if (n.textContent.trim()) out.push(n.textContent);
  }
  return out;
}"""
_RAW_SUB_SUP = re.compile(r"_\{|\^\{")


def _reveal_widget_text(page):
    """Open every hint, and tick every option of every choice box and check it, so that the
    per-option explanations are on the page too. The page's first hint button is clicked as a
    reader clicks it (visible, not covered); the rest in the page, by their own click handlers
    in one call (the text they show is what this test reads)."""
    first = page.locator(".pgx-hint").first
    if first.count() and first.is_visible():
        first.scroll_into_view_if_needed()
        first.click()
    page.evaluate(_REVEAL)
    page.evaluate("() => window.MathJax?.typesetPromise?.()")
    # each revealed hint and feedback typesets itself once MathJax is free: wait until every
    # formula of the widgets is typeset (a condition, not a fixed time); if one never is, the
    # test below says where
    try:
        page.wait_for_function(_WIDGET_MATH_TYPESET, timeout=3000)
    except PlaywrightTimeout:
        pass


_REVEAL = """() => {
  document.querySelectorAll('.pgx-hint').forEach(b => {  // hint 1, 2, ... until it hides
    for (let n = 0; n < 10 && !b.hidden; n++) b.click(); });
  document.querySelectorAll('.pgx-choice').forEach(box => {
    box.querySelectorAll('label.pgx-option input[type=checkbox]').forEach(i => {
      if (!i.checked) i.click(); });
    box.querySelector('button.pgx-check').click(); });
}"""
_WIDGET_MATH_TYPESET = """() => !window.MathJax?.typesetPromise
  || Array.from(document.querySelectorAll('.pgx .math')).every(e => e.querySelector('mjx-container'))"""


@pytest.mark.browser
# the API reference quotes docstrings, whose formulas are plain text (E_{a ~ pi}) by design
@pytest.mark.parametrize("path", [p for p in PAGES if not p.startswith("book/api")])
def test_no_raw_subscripts_outside_math(pages, path):
    """`_{` and `^{` only inside typeset math: in the prose, and in the widgets' prompts,
    options, hints and feedback (the 4.4 and 4.5 widgets showed raw s_{t+1}, e_{s,a})."""
    # opens hints, answers choices; unfolded solutions and cells only add text to check
    page, _ = pages.get(f"{path}.html", changes="widgets", tolerates=_AFTER)
    _reveal_widget_text(page)
    raw = [t.strip()[:80] for t in page.evaluate(_TEXT_NODES) if _RAW_SUB_SUP.search(t)]
    assert not raw, f"{path}: TeX sub/superscripts outside typeset math: {raw[:5]}"


# ------------------------------------------------------------------ no answer in sight
assert "'pre, code, script, style, textarea, mjx-container, .MathJax, .cell_input'" in _TEXT_NODES
_VISIBLE_TEXT = _TEXT_NODES.replace("'pre, code, script, style, textarea, mjx-container, "
                                    ".MathJax, .cell_input'", "'script, style, mjx-container'")
_GIVEAWAYS = ["ex.show(", "correct=", "solution=", "Exercise(", "_reference", ".check(",
              "lowest frozen cell", "{'A': True"]


@pytest.mark.browser
@pytest.mark.parametrize("path", CHAPTERS)
def test_no_answer_is_visible(pages, path):
    """With every solution folded, the page shows no answer key: no widget code, no grading
    call, no printed answer, and no numeric answer at the precision the exercise asks for."""
    page, _ = pages.get(f"{path}.html")
    text = " ".join(page.evaluate(_VISIBLE_TEXT))
    for word in _GIVEAWAYS:
        assert word not in text, f"{path}: {word!r} visible"
    for entry in bank.section(_section(path)):
        if entry.kind != "numeric":
            continue
        need = exercises.show(entry.id)._decoded["need"]
        shown = f"{entry.params['answer']:.{max(0, -math.floor(math.log10(need)))}f}"
        if len(shown.strip("-0.")) >= 3:  # short numbers occur by chance
            assert shown not in text, f"{path}: the answer of {entry.id} ({shown}) is visible"


# --------------------------------------------------------- the view alone (no book needed)
_GLUE = """
const states = %s;
states.forEach((st, k) => {
  const el = document.createElement('div'); el.id = 'w' + k; document.body.append(el);
  const model = { get: (n) => st[n], set: (n, v) => { st[n] = v; }, save_changes() {},
                  on() {}, send() {} };
  render({ model, el });
});
window.pgxDone = true;
"""


@pytest.mark.browser
def test_answer_box_view_standalone(browser):
    """The widget's own view, rendered from the bank's state with a stand-in model: no
    prompt, the id in data-exercise, bare option letters, the precision note, the coarse
    feedback, and hints after the answer box."""
    ids = ["4.5/action-probability", "4.3/unbiased-estimators", "4.3/reward-to-go-numbers"]
    states = []
    for i in ids:
        st = exercises.show(i).get_state()
        states.append({k: v for k, v in st.items() if k not in ("_esm", "_css")})
    esm = exercises.NumericExercise._esm.replace("export default { render };", "")
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.set_content("<html><body></body></html>")
        page.add_style_tag(content=exercises.NumericExercise._css)
        page.add_script_tag(content=esm + _GLUE % json.dumps(states), type="module")
        page.wait_for_function("window.pgxDone === true")
        for k, exercise_id in enumerate(ids):
            root = page.locator(f"#w{k} .pgx")
            assert root.get_attribute("data-exercise") == exercise_id
            assert page.locator(f"#w{k} .pgx-prompt").count() == 0
            assert bank.get(exercise_id).title in root.get_attribute("aria-label")
        field = page.locator("#w0 input.pgx-input")
        assert page.locator("#w0 .pgx-precision").inner_text() == "(3 significant digits)"
        field.fill("0.67")
        field.press("Enter")
        fb = page.locator("#w0 .pgx-feedback")
        assert _status(fb) == "close" and "give 3 significant digits" in fb.inner_text()
        assert [t.strip() for t in page.locator("#w1 label.pgx-option").all_inner_texts()] \
            == list("ABCDEF")
        order = page.evaluate("() => Array.from(document.querySelectorAll("
                              "'#w2 .pgx-row, #w2 .pgx-feedback, #w2 .pgx-hint'))"
                              ".map(e => e.className.split(' ')[0])")
        assert order == ["pgx-row", "pgx-feedback", "pgx-hint"], order
        assert not errors, errors
    finally:
        page.close()
