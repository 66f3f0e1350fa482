"""The instructor's key (``make key``): every exercise in order, with its answer and solution.

Checked against the built pages (the exercise boxes and solution blocks, read here) and the
exercise bank (answers, correct options, reference implementations).
"""

from __future__ import annotations

import inspect
import math
import re
import textwrap

import pytest

from .conftest import KEY, SITE, all_pages, book_entries, need, soup, words


@pytest.fixture(scope="module")
def key():
    need(KEY, "key", newer_than=SITE / "index.html")
    return soup(KEY)


def _boxes():
    """(page, label, exercise box, solution block or None) of every exercise, in book order."""
    out = []
    for page in all_pages():
        art = soup(SITE / f"{page}.html").select_one("article.bd-article")
        sols = {}
        for sol in art.select("div.solution"):
            link = sol.select_one(".admonition-title a[href^='#']")
            if link is not None:
                sols[link["href"][1:]] = sol
        for box in art.select("div.exercise[id]"):
            out.append((page, box["id"], box, sols.get(box["id"])))
    return out


def test_every_exercise_once_in_book_order(key):
    items = key.select(".pgbook-key-item")
    labels = [it["id"].removeprefix("key-") for it in items]
    expected = [label for _, label, _, _ in _boxes()]
    assert labels == expected
    assert len(expected) >= len({e.label for e in book_entries()})
    print(f"\nkey: {len(items)} exercises")


def test_each_item_links_back_to_its_exercise(key):
    for page, label, _, _ in _boxes():
        item = key.select_one(f"#key-{label}")
        back = item.select_one("a.pgbook-key-back")
        assert back is not None and back["href"] == f"{page}.html#{label}", (label, back)
        target = soup(SITE / f"{page}.html").find(id=label)
        assert target is not None, f"{page}.html has no #{label}"


def test_prompt_and_solution_are_the_pages_own(key):
    for _, label, box, sol in _boxes():
        item = key.select_one(f"#key-{label}")
        prompt = item.select_one(".pgbook-key-prompt")
        assert words(prompt.get_text()) == words(box.select_one("section").get_text()), label
        written = item.select_one(".pgbook-key-solution")
        if sol is None:
            assert "pgbook-key-none" in written["class"], label
        else:
            body = sol.select_one("section")
            assert words(written.get_text()) == ["written", "solution", *words(body.get_text())]


def _shown(item, entry):
    box = item.select_one(f'.pgbook-key-box[data-exercise-id="{entry.id}"]')
    assert box is not None, f"{entry.id}: no answer box in the key"
    return box


def test_answers_are_the_banks(key):
    for entry in book_entries():
        item = key.select_one(f"#key-{entry.label}")
        assert item is not None, f"{entry.id}: its exercise {entry.label} is not in the key"
        box = _shown(item, entry)
        p = entry.params
        if entry.kind in ("numeric", "vector"):
            shown = box.select_one(".pgbook-key-value").get_text()
            values = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", shown)]
            answer = [p["answer"]] if entry.kind == "numeric" else list(p["answer"])
            places = p.get("decimals")
            tol = 0.5 * 10 ** -places if places is not None else 5e-3 * max(map(abs, answer))
            assert len(values) == len(answer), (entry.id, shown)
            assert all(math.isclose(v, a, abs_tol=tol * 1.0001) for v, a in zip(values, answer)), \
                (entry.id, shown, answer)
        elif entry.kind == "choice":
            shown = box.select_one(".pgbook-key-value").get_text()
            correct = p["correct"] if isinstance(p["correct"], list) else [p["correct"]]
            assert shown.replace(" ", "").split(",") == [chr(65 + i) for i in sorted(correct)]
        else:
            src = textwrap.dedent(inspect.getsource(p["reference"]))
            assert box.select_one("pre").get_text().strip() == src.strip(), entry.id
        for hint in p.get("hints", []):
            assert " ".join(words(hint)) in " ".join(words(box.get_text())), (entry.id, hint)

