"""What the browser tests cannot avoid: one load of every page and axe-core on it in both modes.

The browser suite (``make browser``) is CPU-bound on 2 cores: Chromium's work, not waiting, sets
its time. Every page must be loaded at least once (the suite loads each page once at desktop
width and narrows that load for the phone tests) and checked by axe-core in light mode (every
WCAG 2.1 A/AA rule) and in dark mode (the colour rules), issue 11 §3. This prints, per page of
``_toc.yml``, the CPU time those three steps cost, as the suite runs them (``tests/browser``'s
own ``load``, ``set_mode`` and ``axe_violations``), one page at a time in one Chromium:

* **load**: from navigation until the page is ready to read (widgets rendered, MathJax done, web
  fonts loaded, nothing pending);
* **axe light**, **axe dark**: one axe-core run each.

CPU time is the machine's busy time (``/proc/stat``, every process: Chromium's renderer,
compositor and browser processes, Playwright and this script) over the step, so run it on an
otherwise idle machine. The sum over all pages, divided by the number of cores, is the least
wall time any schedule of the suite can take on this machine for these steps alone.

``--without mathjax`` and/or ``--without widgets`` measure the same steps on pages that load no
MathJax, or no widget manager (require.js and the html-manager): those requests are aborted, and
the suite's ``load`` then has no typesetting, or no widget views, to wait for. The pages are then broken (raw TeX,
no exercises or explorers); the figure is a bound on what lighter pages could save, not a way
to run the suite.

Needs the built book (``make book``) and ``/usr/bin/chromium``.

Run: ``.venv/bin/python benchmarks/bench_browser_pages.py [--without mathjax|widgets ...]``
(``make bench`` runs it without options).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # tests.browser, tools.fresh_venv

from tests.browser.conftest import (
    CHROMIUM,
    FLAGS,
    SITE,
    _browser_missing_reason,
    isolated_page,
    load,
    toc_pages,
)
from tests.browser.test_accessibility import (
    _MODE_STATE,
    _RESTORE,
    COLOUR_RULES,
    axe_violations,
    set_mode,
)
from tools.fresh_venv import serve


def busy_seconds() -> float:
    """Seconds of CPU time the whole machine has spent busy (all cores, not idle or iowait)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def measure(step, *args):
    """Run ``step(*args)``; return (wall seconds, machine CPU seconds)."""
    b0, t0 = busy_seconds(), time.perf_counter()
    step(*args)
    return time.perf_counter() - t0, busy_seconds() - b0


def dark_axe(page):
    """Dark mode, then axe's colour rules (as the suite's dark-mode test)."""
    set_mode(page, "dark")
    axe_violations(page, COLOUR_RULES)


# The front-end files ``--without`` can take off the pages (parts of their URLs).
WITHOUT = {"mathjax": ("/vendor/mathjax/",),
           "widgets": ("/vendor/requirejs/", "/vendor/@jupyter-widgets/", "widgets-config.js")}


def measure_page(browser, url: str, path: str, without: frozenset = frozenset()) -> dict:
    """The three steps on one page, in a fresh context: {step: (wall, CPU)}."""
    ctx, page, log = isolated_page(browser, (url,))
    if without:
        off = tuple(part for name in without for part in WITHOUT[name])
        page.route("**/*", lambda r: r.abort() if any(x in r.request.url for x in off)
                   else r.fallback())
    try:
        t = {"load": measure(load, page, log, f"{url}{path}.html",
                             "widgets" not in without),
             "axe light": measure(axe_violations, page)}
        before = page.evaluate(_MODE_STATE)
        t["axe dark"] = measure(dark_axe, page)
        page.evaluate(_RESTORE, before)
        return t
    finally:
        ctx.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--without", action="append", choices=sorted(WITHOUT), default=[],
                    help="abort these front-end files on every page (a bound, see above)")
    without = frozenset(ap.parse_args(argv).without)
    missing = _browser_missing_reason()
    if missing or not (SITE / "index.html").exists():
        print(missing or f"{SITE} has no built book: run `make book` first. Not measured.")
        return 0
    from playwright.sync_api import sync_playwright

    cores = os.cpu_count() or 1
    with serve(SITE) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        rows = [(path, measure_page(browser, url, path, without)) for path in toc_pages()]
        browser.close()

    steps = ("load", "axe light", "axe dark")
    print(f"Per page, CPU seconds of the machine (wall seconds), {len(rows)} pages, "
          f"{cores} cores" + (f"; pages without {', '.join(sorted(without))}" if without
                              else ""))
    print(f"{'page':32s}" + "".join(f"{s:>18s}" for s in steps) + f"{'total CPU':>11s}")
    total = dict.fromkeys(steps, 0.0)
    for path, t in rows:
        for s in steps:
            total[s] += t[s][1]
        cells = "".join(f"{t[s][1]:10.2f} ({t[s][0]:4.2f})" for s in steps)
        print(f"{path.removeprefix('book/'):32s}{cells}{sum(t[s][1] for s in steps):11.2f}")
    cpu = sum(total.values())
    print(f"{'total CPU':32s}" + "".join(f"{total[s]:10.1f}{'':8s}" for s in steps)
          + f"{cpu:11.1f}")
    print(f"Least wall time for these steps alone on {cores} cores: {cpu / cores:.0f} s "
          f"(CPU {cpu:.0f} s / {cores}); the suite's target is 90 s for everything.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
