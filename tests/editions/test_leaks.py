"""The student edition's guard can fail: answers and solutions planted in files are found.

No build is needed: the secrets come from the notebooks and the exercise bank of the
repository, the files are written here.
"""

from __future__ import annotations

import io
import json
import zipfile

import nbformat
import pytest

from pgtools import exercise_bank as bank
from tools.editions import leaks

from .conftest import ROOT, all_pages, notebook_pages


@pytest.fixture(scope="module")
def guard():
    sec, public = leaks.secrets(ROOT, all_pages(), bank.entries())
    return sec, leaks.needles(sec, public)


def _scan(tmp_path, guard):
    sec, needle = guard
    hits, _ = leaks.scan(tmp_path, needle, sec)
    return hits + leaks.scan_regions(tmp_path, sec)


def _first_solution():
    for page in notebook_pages():
        nb = nbformat.read(ROOT / f"{page}.ipynb", as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                _, blocks = leaks.split_blocks(cell.source)
                if blocks:
                    return page, blocks[0][1]
    raise AssertionError("no written solution in the book")


def test_public_text_is_not_flagged(tmp_path, guard):
    page = notebook_pages()[0]
    nb = nbformat.read(ROOT / f"{page}.ipynb", as_version=4)
    kept = [c for k, c in enumerate(nb.cells) if k not in leaks.dropped_cells(nb.cells)]
    for c in kept:
        if c.cell_type == "markdown":
            c.source = leaks.split_blocks(c.source)[0]
    nb.cells = kept
    nb.metadata.pop("widgets", None)  # the student build executes the notebook again
    nbformat.write(nb, tmp_path / "page.ipynb")
    hits = [h for h in _scan(tmp_path, guard) if "answer of" not in h.secret]
    assert not hits, [str(h) for h in hits]


def test_a_written_solution_is_found_in_html_and_json(tmp_path, guard):
    _, block = _first_solution()
    body = "\n".join(block.split("\n")[1:-1])
    (tmp_path / "page.html").write_text(f"<html><body><p>{body}</p></body></html>")
    (tmp_path / "data.json").write_text(json.dumps({"x": [body]}))
    found = {h.file for h in _scan(tmp_path, guard) if "solution" in h.secret}
    assert found == {"page.html", "data.json"}, found


def test_the_bank_source_is_found_inside_a_wheel(tmp_path, guard):
    module = min((ROOT / "pgtools" / "exercise_bank").glob("sec*.py"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(f"pgtools/exercise_bank/{module.name}", module.read_text())
    (tmp_path / "x-0.1-py3-none-any.whl").write_bytes(buf.getvalue())
    hits = _scan(tmp_path, guard)
    assert any("bank module" in h.secret and h.file.endswith(module.name) for h in hits), hits


def test_answers_are_found_in_widget_state(tmp_path, guard):
    sec, _ = guard
    long = [e for e in bank.entries() if e.kind == "numeric" and e.id not in sec.short]
    choices = [e for e in bank.entries() if e.kind == "choice"]
    assert long and choices
    state = {"state": {
        "a": {"state": {"prompt": f"x = {long[0].params['answer']!r}"}},
        "b": {"state": {"spec": json.dumps({"correct": choices[0].params["correct"]})}}}}
    (tmp_path / "page.html").write_text(
        '<script type="application/vnd.jupyter.widget-state+json">'
        f"{json.dumps(state)}</script>")
    hits = {h.secret for h in _scan(tmp_path, guard)}
    assert {f"answer of {long[0].id}", f"answer of {choices[0].id}"} <= hits, hits


def test_a_short_answer_is_found_next_to_its_exercise_only(tmp_path, guard):
    sec, _ = guard
    assert sec.short, "no short answer in the bank"
    ex_id, label = next(iter(sec.short.items()))
    entry = bank.get(ex_id)
    answer = entry.params["answer"]
    text = f"{answer:.{entry.params.get('decimals') or 0}f}"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(f"```{{exercise}}\n:label: {label}\n\nQ?\n```"),
                nbformat.v4.new_code_cell(f"print({text})"),
                nbformat.v4.new_markdown_cell("## Next section"),
                nbformat.v4.new_code_cell(f"print({text})")]
    nbformat.write(nb, tmp_path / "page.ipynb")
    hits = [h for h in _scan(tmp_path, guard) if h.secret == f"answer of {ex_id}"]
    assert len(hits) == 1 and hits[0].file == f"page.ipynb near {label}", hits


def test_answers_allowed_in_outputs_are_exercises_of_the_bank():
    ids = {e.id for e in bank.entries()}
    assert set(leaks.ALLOWED_IN_OUTPUTS) <= ids, set(leaks.ALLOWED_IN_OUTPUTS) - ids
