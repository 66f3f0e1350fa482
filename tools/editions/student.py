"""The student edition: the book without its solutions (``make student``).

Builds, under ``_build/student/``:

* ``html/``: a second HTML book, built by Jupyter Book from transformed copies of the sources
  (``src/``);
* ``notebooks/``: the student notebooks (executed, as the pages' download buttons serve them);
* ``src/web/site/wheels/``: the student pgtools wheel the pages link (version ``+student``).

What changes against the instructor's (full) edition:

* every written solution (a ``{solution}`` block) becomes a note, "Solution in the instructor's
  edition.", where it was; hints stay (they are in the answer boxes);
* cells that work an exercise or check the notebook's computation against the answer key are
  dropped (:func:`tools.editions.leaks.dropped_cells`: tagged ``solution``, ``instructor`` or
  ``remove-student``; calling ``confirm(``; folded code cells right after a written solution);
* the exercise bank in the student ``pgtools`` carries no reference implementation and no
  answer in plain text: its section modules are generated, holding each section's entries
  obscured like the answer boxes' own keys (salted XOR + base64, :func:`pgtools.exercises.
  encode_spec`); a code exercise carries test cases and the expected outputs the reference
  computed on them at build time (and those of its known near misses), not the reference;
* the notebooks are executed with that package, so the saved widget state holds no written
  solution, and each page says that the answer boxes' keys are only obscured;
* the pages link the student wheel, and the notebooks install it.

At the end the whole build is searched for every answer and written solution
(:mod:`tools.editions.leaks`); the target fails if one is found.

    python -m tools.editions.student
"""

from __future__ import annotations

import argparse
import concurrent.futures
import copy
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import yaml

if __package__ in (None, ""):  # run as a script
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tools.editions import leaks
from tools.editions.common import ROOT, toc_pages

OUT = ROOT / "_build" / "student"
SOLUTION_NOTE = "Solution in the instructor's edition."
STUDENT_VERSION = "+student"
BANNER = (
    ":::{admonition} Student edition\n"
    ":class: pgbook-student-edition\n\n"
    "This is the student edition of the book: the written solutions are in the instructor's "
    "edition. The answer boxes still check your answers, in the page and in a notebook. Their "
    "keys are in the page obscured (XOR-ed with a random key and base64-encoded), not "
    "encrypted; a code exercise checks your function against expected outputs computed when "
    "this edition was built.\n"
    ":::\n"
)
SOLUTION_BLOCK = (
    ":::{{admonition}} Solution\n"
    ":class: pgbook-student-solution\n\n"
    "{note}\n"
    ":::"
)


# ------------------------------------------------------------------------ the student bank
def _enc(x: Any) -> Any:
    """JSON-ready form of a value (numpy arrays and scalars, tuples, non-finite floats)."""
    if isinstance(x, np.ndarray):
        return {"__nd__": _enc(x.tolist()), "dtype": str(x.dtype), "shape": list(x.shape)}
    if isinstance(x, (np.bool_, bool)):
        return bool(x)
    if isinstance(x, (np.integer, int)):
        return int(x)
    if isinstance(x, (np.floating, float)):
        v = float(x)
        return v if np.isfinite(v) else {"__float__": repr(v)}
    if isinstance(x, tuple):
        return {"__tuple__": [_enc(v) for v in x]}
    if isinstance(x, list):
        return [_enc(v) for v in x]
    if isinstance(x, dict):
        return {str(k): _enc(v) for k, v in x.items()}
    if x is None or isinstance(x, str):
        return x
    raise SystemExit(f"the student bank cannot store a {type(x).__name__}: {x!r}")


def _outputs(func, cases: list[tuple]) -> list:
    out = []
    for c in cases:
        try:
            out.append(_enc(func(*copy.deepcopy(c))))
        except Exception as exc:  # noqa: BLE001 (a near miss may fail on a case)
            out.append({"__raises__": type(exc).__name__})
    return out


def student_entry(entry) -> dict:
    """One bank entry without its reference implementation or written solution."""
    p = dict(entry.params)
    p.pop("solution", None)
    if entry.kind == "code":
        ref = p.pop("reference")
        if p.get("compare") is not None:
            raise SystemExit(f"{entry.id}: a custom compare= cannot be shipped in the student "
                             "bank; give rtol/atol instead")
        cases = p.pop("cases")
        seed = p.pop("seed", 0)
        n = int(p.pop("n_cases", 20))
        if callable(cases):  # as CodeExercise draws them (its docstring)
            rng = np.random.default_rng(seed)
            drawn = [cases(rng) for _ in range(n)]
            cases = [c if isinstance(c, tuple) else (c,) for c in drawn]
        else:
            cases = [tuple(c) for c in cases]
        try:
            argnames = list(inspect.signature(ref).parameters)
        except (TypeError, ValueError):
            argnames = [f"arg{i}" for i in range(len(cases[0]))]
        p["expected"] = {"args": argnames, "cases": _enc(cases),
                         "outputs": _outputs(ref, cases)}
        p["close"] = [{"message": str(msg), "outputs": _outputs(f, cases)}
                      for f, msg in (p.get("close") or [])]
    return {"id": entry.id, "label": entry.label, "kind": entry.kind, "title": entry.title,
            "params": _enc(p)}


STUDENT_MODULE = '''"""Student edition of the exercise bank (generated by tools/editions/student.py).

Each section's entries are stored obscured, like the answer boxes' keys (salted XOR + base64,
see :func:`pgtools.exercises.encode_spec`): not secret, only out of sight. A code exercise
carries its test cases and the outputs its reference implementation gave on them when this
edition was built; :class:`Expected` stands in for the reference.
"""

from __future__ import annotations

import copy
import inspect

import numpy as np

from ..exercises import decode_spec
from . import Entry


def _dec(x):
    if isinstance(x, dict):
        if "__nd__" in x:
            return np.array(_dec(x["__nd__"]), dtype=x["dtype"]).reshape(x["shape"])
        if "__tuple__" in x:
            return tuple(_dec(v) for v in x["__tuple__"])
        if "__float__" in x:
            return float(x["__float__"])
        return {k: _dec(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_dec(v) for v in x]
    return x


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and bool(np.array_equal(a, b))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


class Expected:
    """A reference function known only on its test cases: returns the recorded output."""

    def __init__(self, name, argnames, cases, outputs):
        self.__name__ = self.__qualname__ = name
        self.__signature__ = inspect.Signature(
            [inspect.Parameter(a, inspect.Parameter.POSITIONAL_OR_KEYWORD) for a in argnames])
        self._cases, self._outputs = cases, outputs

    def __call__(self, *args):
        for case, out in zip(self._cases, self._outputs):
            if _same(tuple(args), tuple(case)):
                if isinstance(out, dict) and "__raises__" in out:
                    raise ValueError(f"{self.__name__} fails on this case ({out['__raises__']})")
                return copy.deepcopy(out)
        raise ValueError("the student edition knows the expected outputs of the test cases only")

    def __repr__(self):
        return f"<expected outputs of {self.__name__}>"


def _entry(d):
    params = _dec(d["params"])
    if d["kind"] == "code":
        exp = params.pop("expected")
        name = params.get("name", "reference")
        cases = [tuple(c) for c in exp["cases"]]
        params["reference"] = Expected(name, exp["args"], cases, exp["outputs"])
        params["cases"] = cases
        params["close"] = [(Expected(name, exp["args"], cases, c["outputs"]), c["message"])
                           for c in params.get("close", [])]
    return Entry(d["id"], d["label"], d["kind"], d["title"], params)


def load(section):
    """The entries of one section (``"4.3"``)."""
    return tuple(_entry(d) for d in decode_spec(_DATA[section]))


_DATA = {data}
'''

SECTION_MODULE = '''"""Exercises of §{section} (student edition, generated: see ``_student.py``)."""

from ._student import load

EXERCISES = load("{section}")
'''


def write_bank(pkg: Path) -> int:
    """Replace the section modules of ``pkg/exercise_bank`` (a copy of pgtools) by obscured
    ones; returns the number of entries."""
    from pgtools import exercise_bank as bank
    from pgtools.exercises import encode_spec

    target = pkg / "exercise_bank"
    data, n = {}, 0
    for section in bank.SECTIONS:
        entries = [student_entry(e) for e in bank.section(section)]
        n += len(entries)
        data[section] = encode_spec(entries)
        mod = target / f"sec{section.replace('.', '_')}.py"
        mod.write_text(SECTION_MODULE.format(section=section), encoding="utf-8")
    for extra in target.glob("sec*.py"):  # a module of a section the bank does not list
        if extra.stem.replace("sec", "").replace("_", ".") not in bank.SECTIONS:
            extra.unlink()
    body = "{\n" + "".join(f"    {k!r}: (\n" + _chunks(v) + "),\n" for k, v in data.items()) + "}"
    (target / "_student.py").write_text(STUDENT_MODULE.replace("{data}", body), encoding="utf-8")
    return n


def _chunks(s: str, width: int = 88) -> str:
    return "".join(f"        {s[i:i + width]!r}\n" for i in range(0, len(s), width))


# ---------------------------------------------------------------------------- the notebooks
def strip_solutions(text: str) -> tuple[str, int]:
    """Markdown with every ``{solution}`` block replaced by the student note."""
    rest, blocks = leaks.split_blocks(text)
    for k in range(len(blocks)):
        rest = rest.replace(f"\x00{k}\x00", SOLUTION_BLOCK.format(note=SOLUTION_NOTE))
    return rest, len(blocks)


def student_notebook(nb, full_wheel: str | None, student_wheel: str | None) -> tuple[Any, dict]:
    """A student copy of a notebook (not executed): returns ``(notebook, counts)``."""
    nb = copy.deepcopy(nb)
    cells, counts = [], {"solutions": 0, "dropped": 0}
    dropped = leaks.dropped_cells(nb.cells)
    for k, cell in enumerate(nb.cells):
        if k in dropped:
            counts["dropped"] += 1
            continue
        if cell.cell_type == "markdown":
            cell.source, n = strip_solutions(cell.source)
            counts["solutions"] += n
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if full_wheel and student_wheel:
                cell.source = cell.source.replace(full_wheel, student_wheel)
        cell.get("metadata", {}).pop("execution", None)
        cells.append(cell)
    first = next((i for i, c in enumerate(cells) if c.cell_type == "markdown"), 0)
    cells.insert(first + 1, nbformat.v4.new_markdown_cell(BANNER))
    nb.cells = cells
    nb.metadata.pop("widgets", None)
    return nb, counts


def student_markdown(text: str) -> tuple[str, int]:
    """A markdown page of the book: solutions replaced, the banner after its title."""
    text, n = strip_solutions(text)
    m = re.search(r"^# .*$", text, flags=re.MULTILINE)
    if m:
        text = text[:m.end()] + "\n\n" + BANNER + text[m.end():]
    return text, n


# --------------------------------------------------------------------------------- building
def _copy_sources(src: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.pyc", "wheels")
    for name in ("_config.yml", "_toc.yml", "pyproject.toml"):
        shutil.copy2(ROOT / name, src / name)
    for name in ("book", "pgtools", "web/site"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    (src / "web" / "site" / "wheels").mkdir(parents=True, exist_ok=True)
    pages = set(toc_pages())
    for doc in [*(src / "book").rglob("*.ipynb"), *(src / "book").rglob("*.md")]:
        if str(doc.relative_to(src).with_suffix("")) not in pages:
            doc.unlink()  # not in the book (a draft): not transformed, so not shipped


def _student_config(src: Path) -> None:
    cfg = yaml.safe_load((src / "_config.yml").read_text(encoding="utf-8"))
    cfg["title"] = f"{cfg.get('title', 'The book')} (student edition)"
    cfg.setdefault("execute", {})["execute_notebooks"] = "off"  # executed by this script
    html = cfg.setdefault("html", {})
    html["extra_footer"] = ("Student edition: the written solutions are in the instructor's "
                            "edition. " + html.get("extra_footer", ""))
    (src / "_config.yml").write_text(
        "# Generated by tools/editions/student.py from the book's _config.yml.\n"
        + yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _wheel(src: Path, env: dict) -> str:
    pyproject = src / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    text, n = re.subn(r'^(version\s*=\s*")([^"+]+)(")', rf"\g<1>\g<2>{STUDENT_VERSION}\g<3>",
                      text, count=1, flags=re.MULTILINE)
    if n != 1:
        raise SystemExit("pyproject.toml: no version line to mark as the student edition")
    pyproject.write_text(text, encoding="utf-8")
    wheels = src / "web" / "site" / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "--no-build-isolation", "-w", str(wheels), str(src)],
                   check=True, cwd=src, env=dict(env, PYTHONWARNINGS="ignore"))
    shutil.rmtree(src / "build", ignore_errors=True)
    for egg in src.glob("*.egg-info"):
        shutil.rmtree(egg)
    found = sorted(wheels.glob("*.whl"))
    if len(found) != 1:
        raise SystemExit(f"expected one student wheel, found {found}")
    return found[0].name


def _execute(path: Path, env: dict, timeout: int) -> None:
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3", store_widget_state=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    nbformat.write(nb, path)


def build(out: Path = OUT, timeout: int = 300) -> dict:
    """Build the student edition into ``out``; returns a summary."""
    t0 = time.monotonic()
    if out.exists():
        shutil.rmtree(out)
    src = out / "src"
    src.mkdir(parents=True)
    _copy_sources(src)
    n_entries = write_bank(src / "pgtools")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME",)}
    env["PYTHONPATH"] = str(src) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH")
                                    else "")
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    probe = subprocess.run([sys.executable, "-c", "import pgtools; print(pgtools.__file__)"],
                           env=env, cwd=src, capture_output=True, text=True, check=True)
    if not Path(probe.stdout.strip()).resolve().is_relative_to(src.resolve()):
        raise SystemExit(f"the student build would import pgtools from {probe.stdout.strip()}")
    full_wheels = sorted((ROOT / "web" / "site" / "wheels").glob("*.whl"))
    full_wheel = full_wheels[-1].name if full_wheels else None
    student_wheel = _wheel(src, env)
    _student_config(src)

    counts = {"solutions": 0, "dropped": 0, "notebooks": 0}
    notebooks = out / "notebooks"
    notebooks.mkdir()
    executed = []
    for page in toc_pages():
        ipynb, md = src / f"{page}.ipynb", src / f"{page}.md"
        if ipynb.exists():
            nb, c = student_notebook(nbformat.read(ipynb, as_version=4), full_wheel,
                                     student_wheel)
            nbformat.write(nb, ipynb)
            executed.append(ipynb)
            counts["solutions"] += c["solutions"]
            counts["dropped"] += c["dropped"]
            counts["notebooks"] += 1
        elif md.exists():
            text, n = student_markdown(md.read_text(encoding="utf-8"))
            md.write_text(text, encoding="utf-8")
            counts["solutions"] += n
    # the notebooks are independent: execute them in two worker processes (each sets its own
    # environment for its kernels), then keep the executed copies
    with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
        list(pool.map(_execute, executed, [env] * len(executed), [timeout] * len(executed)))
    for ipynb in executed:
        shutil.copy2(ipynb, notebooks / ipynb.name)
    jb = Path(sys.executable).with_name("jupyter-book")
    subprocess.run([str(jb), "build", "--all", "-W", "-n", "--keep-going", str(src)],
                   check=True, env=env, cwd=src)
    shutil.move(str(src / "_build" / "html"), str(out / "html"))
    shutil.rmtree(src / "_build")  # doctrees and the execution cache: intermediate files
    for cache in src.rglob("__pycache__"):
        shutil.rmtree(cache)
    return {"entries": n_entries, "wheel": student_wheel, **counts,
            "seconds": round(time.monotonic() - t0)}


def check(out: Path = OUT) -> list:
    """Search every file of the student build for answers and written solutions."""
    from pgtools import exercise_bank as bank

    sec, public = leaks.secrets(ROOT, toc_pages(), bank.entries())
    public.append(BANNER)
    public.append(SOLUTION_NOTE)
    needle = leaks.needles(sec, public)
    hits, n = leaks.scan(out, needle, sec)
    hits += leaks.scan_regions(out, sec)
    print(f"student: searched {n} files for {len(needle)} solution windows and "
          f"{len(sec.numbers)} answers ({len(sec.short)} short ones near their exercise only): "
          f"{len(hits)} found")
    return hits


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--check-only", action="store_true", help="only search an existing build")
    args = ap.parse_args(argv)
    if not args.check_only:
        summary = build(args.out)
        print("student: " + json.dumps(summary))
    hits = check(args.out)
    for h in hits[:50]:
        print("  LEAK", h)
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main())
