"""``python -m mutants``: apply each mutant alone and run the book's notebooks (``make mutants``).

Usage::

    python -m mutants                 # every mutant of the catalogue, 2 workers
    python -m mutants --only NAME ... # just these
    python -m mutants --list          # the catalogue, without running anything
    python -m mutants --jobs 1

For each mutant the notebooks it names in ``expect`` run first, then the others in book order,
until one raises ``AssertionError`` in a cell: the mutant is caught there. Prints a table
(mutant, the result it breaks, caught in which notebook and cell) and the total; exits 1 if
any mutant survived.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import os
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
SITE = ROOT / "mutants" / "site"


def book_notebooks():
    """Notebook stems in the order of ``_toc.yml`` (then any other notebook in book/)."""
    order = []
    toc = (ROOT / "_toc.yml").read_text().splitlines()
    for line in toc:
        line = line.strip()
        if line.startswith(("- file:", "file:")):
            stem = pathlib.Path(line.split("file:", 1)[1].strip()).name
            if (BOOK / f"{stem}.ipynb").exists() and stem not in order:
                order.append(stem)
    for p in sorted(BOOK.glob("*.ipynb")):
        if p.stem not in order:
            order.append(p.stem)
    return order


def run_notebook(stem, name, timeout=600):
    """Execute book/<stem>.ipynb with mutant ``name``; return (status, cell, ename, seconds).

    status is "caught" (a cell raised AssertionError), "error" (another exception), or "pass".
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    os.environ["PGTOOLS_MUTANT"] = name
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(SITE), str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    nb = nbformat.read(BOOK / f"{stem}.ipynb", as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(BOOK)}})
    t0 = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as exc:
        cell = _failed_cell(nb)
        status = "caught" if exc.ename == "AssertionError" else "error"
        return status, cell, exc.ename, time.perf_counter() - t0
    return "pass", None, None, time.perf_counter() - t0


def _failed_cell(nb):
    """Index of the cell with an error output (counted from 0, markdown cells included)."""
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return i
    return None


def run_mutant(name, expect, notebooks):
    """Run the notebooks (expected ones first) until one catches mutant ``name``."""
    order = [s for s in expect if s in notebooks] + [s for s in notebooks if s not in expect]
    tried, errors, t0 = [], [], time.perf_counter()
    for stem in order:
        status, cell, ename, _ = run_notebook(stem, name)
        tried.append(stem)
        if status == "caught":
            return {"name": name, "caught": True, "notebook": stem, "cell": cell, "tried": tried,
                        "errors": errors, "seconds": time.perf_counter() - t0}
        if status == "error":
            errors.append(f"{stem} cell {cell}: {ename}")
    return {"name": name, "caught": False, "notebook": None, "cell": None, "tried": tried, "errors": errors,
                "seconds": time.perf_counter() - t0}


def main(argv=None):
    sys.path.insert(0, str(ROOT))
    from mutants.registry import load_catalogue

    ap = argparse.ArgumentParser(prog="python -m mutants", description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="+", metavar="NAME", help="run just these mutants")
    ap.add_argument("--jobs", type=int, default=2, help="parallel workers (default 2)")
    ap.add_argument("--list", action="store_true", help="list the catalogue and exit")
    args = ap.parse_args(argv)

    reg = load_catalogue()
    names = sorted(reg, key=lambda n: (reg[n].target, n))
    if args.only:
        unknown = [n for n in args.only if n not in reg]
        if unknown:
            ap.error(f"unknown mutant(s): {', '.join(unknown)}; see --list")
        names = args.only
    if args.list:
        for n in names:
            m = reg[n]
            print(f"{n:38s} {m.target:50s} {m.result}")
        print(f"{len(names)} mutants")
        return 0
    if args.jobs < 1:
        ap.error("--jobs must be >= 1")

    notebooks = book_notebooks()
    t0 = time.perf_counter()
    results = {}
    with cf.ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futs = {pool.submit(run_mutant, n, reg[n].expect, notebooks): n for n in names}
        for fut in cf.as_completed(futs):
            r = fut.result()
            results[r["name"]] = r
            where = f"{r['notebook']} cell {r['cell']}" if r["caught"] else "SURVIVED"
            print(f"  {r['name']}: {where} ({r['seconds']:.0f} s)", flush=True)

    w1 = max(len(n) for n in names)
    w2 = min(60, max(len(reg[n].result) for n in names))
    print()
    print(f"{'mutant':{w1}s} | {'result it breaks':{w2}s} | caught in")
    print(f"{'-' * w1}-+-{'-' * w2}-+-{'-' * 30}")
    for n in names:
        r = results[n]
        res = reg[n].result if len(reg[n].result) <= w2 else reg[n].result[: w2 - 1] + "…"
        if r["caught"]:
            where = f"{r['notebook']}, cell {r['cell']}"
        else:
            where = "NOT CAUGHT" + (f" (crashed: {'; '.join(r['errors'])})" if r["errors"] else "")
        print(f"{n:{w1}s} | {res:{w2}s} | {where}")
    caught = sum(results[n]["caught"] for n in names)
    print()
    print(f"{caught} caught, {len(names) - caught} survived, of {len(names)} mutants "
          f"({time.perf_counter() - t0:.0f} s, {args.jobs} workers)")
    print(f"mutants: {caught} passed, {len(names) - caught} failed")
    return 0 if caught == len(names) else 1


if __name__ == "__main__":
    sys.exit(main())
