"""The student edition (``make student``): no answer anywhere, and the exercises still work.

* every file of ``_build/student`` is searched for every written solution, the exercise bank's
  sources and every answer (:mod:`tools.editions.leaks`, whose own tests are in test_leaks.py);
* each written solution is replaced, in place, by "Solution in the instructor's edition.";
* the answer boxes keep their hints, lose their solutions, and grade the bank's answers, in
  Python and in Chromium; code exercises check a reader's function in a live kernel against the
  expected outputs recorded at build time (no reference implementation shipped);
* every page says that the answer boxes' keys are only obscured.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import subprocess
import sys
import threading

import nbformat
import pytest

from pgtools import exercise_bank as bank
from pgtools.exercises import decode_spec, grade
from tools.editions import leaks

from .conftest import (
    ROOT,
    SITE,
    STUDENT,
    all_pages,
    book_entries,
    need,
    notebook_pages,
    soup,
)

HTML = STUDENT / "html"
NOTE = "Solution in the instructor's edition."
SOURCES = [*ROOT.glob("book/*.ipynb"), *ROOT.glob("book/*.md"),
           *ROOT.glob("pgtools/exercise_bank/*.py")]


@pytest.fixture(scope="module")
def built():
    newest = max(SOURCES, key=lambda p: p.stat().st_mtime)
    need(HTML / "index.html", "student", newer_than=newest)
    return HTML


def _states(page_soup) -> dict:
    tag = page_soup.find("script", type="application/vnd.jupyter.widget-state+json")
    if tag is None:
        return {}
    out = {}
    for model in json.loads(tag.string)["state"].values():
        st = model["state"]
        if st.get("exercise_id"):
            out[st["exercise_id"]] = st
    return out


def _answer(entry):
    p = entry.params
    if entry.kind == "numeric":
        return repr(float(p["answer"]))
    if entry.kind == "vector":
        return ", ".join(repr(float(v)) for v in p["answer"])
    return p["correct"] if isinstance(p["correct"], list) else [p["correct"]]


def test_pages_notebooks_and_wheel_are_there(built):
    for page in all_pages():
        assert (built / f"{page}.html").exists(), page
    for page in notebook_pages():
        nb = nbformat.read(STUDENT / "notebooks" / f"{page.split('/')[-1]}.ipynb", 4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code and all(c.execution_count for c in code), f"{page}: not executed"
        served = nbformat.read(built / "_sources" / f"{page}.ipynb", 4)
        assert served.cells == nb.cells, f"{page}: the download is not the student notebook"
    wheels = list((built / "wheels").glob("*.whl"))
    assert len(wheels) == 1 and "+student" in wheels[0].name, wheels
    assert not (built / "key.html").exists()


def test_no_answer_or_solution_in_any_file(built):
    sec, public = leaks.secrets(ROOT, all_pages(), bank.entries())
    needle = leaks.needles(sec, public)
    hits, n = leaks.scan(STUDENT, needle, sec)
    hits += leaks.scan_regions(STUDENT, sec)
    assert n > 100 and len(needle) > 1000 and sec.numbers, (n, len(needle))
    assert not hits, "\n".join(str(h) for h in hits[:40])
    print(f"\nstudent edition: {n} files searched for {len(needle)} solution windows and "
          f"{len(sec.numbers)} answers; nothing found")


def _sequence(page_soup, note: bool):
    seq = []
    for el in page_soup.select("div.exercise[id], div.solution, .pgbook-student-solution"):
        if "exercise" in el.get("class", []):
            seq.append(("exercise", el["id"]))
        elif "solution" in el.get("class", []):
            seq.append(("solution", None))
        else:
            seq.append(("note", None))
    return seq


def test_each_solution_is_replaced_by_a_note_in_place(built):
    n_notes = 0
    for page in all_pages():
        full = _sequence(soup(SITE / f"{page}.html"), note=False)
        student_soup = soup(built / f"{page}.html")
        student = _sequence(student_soup, note=True)
        assert student == [("note", None) if k == "solution" else (k, v) for k, v in full], page
        assert not student_soup.select("div.solution"), page
        for el in student_soup.select(".pgbook-student-solution"):
            assert NOTE in " ".join(el.get_text().replace("\u2019", "'").split())
            n_notes += 1
    assert n_notes > 0


def test_every_notebook_page_says_the_keys_are_only_obscured(built):
    for page in notebook_pages() + [all_pages()[0]]:
        banner = soup(built / f"{page}.html").select_one(".pgbook-student-edition")
        assert banner is not None, page
        text = " ".join(banner.get_text().split())
        assert "obscured" in text and "not encrypted" in text and "instructor" in text, text


def test_answer_boxes_keep_hints_lose_solutions_and_grade(built):
    seen = set()
    for page in notebook_pages():
        for ex_id, st in _states(soup(built / f"{page}.html")).items():
            entry = bank.get(ex_id)
            spec = decode_spec(st["_spec"])
            assert spec.get("solution") is None, ex_id
            assert spec["hints"] == list(entry.params.get("hints", [])), ex_id
            if entry.kind != "code":
                assert grade(spec, _answer(entry)).status == "correct", ex_id
            seen.add(ex_id)
    expected = {e.id for e in book_entries()}
    assert seen == expected, sorted(expected - seen)


# ------------------------------------------------------------------------------- the browser
class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def student_url(built):
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(built)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _status(feedback) -> str:
    return next((c[4:] for c in (feedback.get_attribute("class") or "").split()
                 if c.startswith("pgx-") and c != "pgx-feedback"), "")


def test_answer_boxes_grade_in_the_browser(student_url):
    from tools.editions.common import chromium, local_only

    graded = []
    with chromium() as browser:
        for page_name in notebook_pages():
            ctx = browser.new_context(viewport={"width": 1200, "height": 900})
            blocked: list[str] = []
            local_only(ctx, student_url, blocked)
            page = ctx.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
            page.goto(f"{student_url}/{page_name}.html", wait_until="load")
            page.wait_for_load_state("networkidle")
            n = len(_states(soup(HTML / f"{page_name}.html")))
            page.wait_for_function(
                f"document.querySelectorAll('.pgx[data-exercise] .pgx-feedback').length >= {n}",
                timeout=20000)
            boxes = page.locator(".pgx[data-exercise]")
            for k in range(boxes.count()):
                box = boxes.nth(k)
                entry = bank.get(box.get_attribute("data-exercise"))
                if entry.kind == "code":
                    continue
                box.scroll_into_view_if_needed()
                feedback = box.locator(".pgx-feedback")
                if entry.kind == "choice":
                    options = box.locator("label.pgx-option input")
                    multiple = options.first.get_attribute("type") == "checkbox"
                    for i in _answer(entry):
                        options.nth(i).check()
                    if multiple:
                        box.locator("button.pgx-check").click()
                else:
                    field = box.locator("input.pgx-input")
                    n = 1 if entry.kind == "numeric" else len(entry.params["answer"])
                    field.fill(", ".join(["3.25e7"] * n))
                    box.locator("button.pgx-check").click()
                    assert _status(feedback) == "wrong", (entry.id, feedback.inner_text())
                    field.fill(_answer(entry))
                    box.locator("button.pgx-check").click()
                assert _status(feedback) == "correct", (entry.id, feedback.inner_text())
                graded.append(entry.id)
            assert not blocked and not errors, (page_name, blocked, errors)
            ctx.close()
    expected = {e.id for e in book_entries() if e.kind != "code"}
    assert set(graded) == expected, sorted(expected - set(graded))


# ---------------------------------------------------------------------- code, in a kernel
CHECKER = """
import json, re, sys
import numpy as np
from pgtools import exercises as ex
import pgtools
out = {"pgtools": pgtools.__file__}
for item in json.loads(sys.stdin.read()):
    # the instructor's bank module, run here for its reference and near misses
    src = re.sub(r"^from \\.\\.", "from pgtools.", item["module"], flags=re.M)
    src = re.sub(r"^from \\. import", "from pgtools.exercise_bank import", src, flags=re.M)
    ns = {"__name__": "instructor_bank"}
    exec(src, ns)
    entry = next(e for e in ns["EXERCISES"] if e.id == item["id"])
    right = entry.params["reference"]
    def wrong(*args, right=right):
        return np.asarray(right(*args), dtype=float) + 0.123
    box = ex.show(item["id"])  # the student edition's box
    out[item["id"]] = {"right": box.check(right).status, "wrong": box.check(wrong).status,
                       "close": [box.check(f).status for f, _ in entry.params.get("close", [])]}
print(json.dumps(out))
"""


def test_code_exercises_check_against_recorded_outputs(built):
    items = []
    for e in bank.entries():
        if e.kind == "code":
            module = ROOT / "pgtools" / "exercise_bank" / f"sec{e.section.replace('.', '_')}.py"
            items.append({"id": e.id, "module": module.read_text(encoding="utf-8"),
                          "n_close": len(e.params.get("close", []))})
    assert items
    env = {k: v for k, v in os.environ.items() if k != "PYTHONHOME"}
    env["PYTHONPATH"] = str(STUDENT / "src")
    run = subprocess.run([sys.executable, "-c", CHECKER], input=json.dumps(items), env=env,
                         capture_output=True, text=True, cwd=STUDENT, timeout=600, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout)
    assert out.pop("pgtools").startswith(str(STUDENT / "src")), "not the student pgtools"
    for item in items:
        got = out[item["id"]]
        assert got["right"] == "correct", (item["id"], got)
        assert got["wrong"] != "correct", (item["id"], got)
        assert got["close"] == ["close"] * item["n_close"], (item["id"], got)
    for module in (STUDENT / "src" / "pgtools" / "exercise_bank").glob("sec*.py"):
        assert "def " not in module.read_text(), f"{module.name} defines a function"
