"""Explorers: response time in Chromium (static page, no kernel), page weight, and the kernel path.

For each ``pgtools/explorers/sec4_*.py`` this builds the widget with ``make_explorer()`` (the one-off
precomputation is timed: it runs when the notebook, or the book build, executes the cell). For a
:class:`pgtools.explorer.FrameExplorer` it prints

* **page weight**: the bytes the explorer's saved widget state adds to its page (frames, alt
  texts, controls, its JavaScript and CSS), against the budget of 2 MB per page;
* **static response** in Chromium: the widget is embedded in a standalone page with its saved
  state, served locally with the book's own front-end files (``web/site/_static``: require.js,
  the widgets HTML manager, anywidget), and every control is moved through its values (up to 8
  moves each); the time runs from the control's ``input``/``change`` event until the new frame
  is decoded and the next frame painted. First move of each explorer: warm-up, not counted.
  Target: median <= 50 ms;
* **kernel path** (JupyterLab with a live kernel): the Python callback when the page moves a
  control to a grid state (validation only: the page swaps in the stored frame itself, as in the
  static page) and, for a slider moved off its grid, the callback that draws that state and
  sends it to the page (without sliders: the time to draw one state, ``FrameExplorer.render``).

With ``--site DIR`` (a built book, e.g. ``_build/html``) the Chromium part also runs on every
page of that book that holds explorers and prints each page's total weight.

Explorers not yet built on FrameExplorer (ipywidgets ``interactive_output``) are listed with their
Python callback time only: their static page does not respond.

By default the sections that are pages of the book (``_toc.yml``); ``--only sec4_3,sec4_7`` picks
others (an explorer whose ``make_explorer`` needs the notebook's arguments is skipped).

Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_explorers.py [--site _build/html]``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import io
import json
import pkgutil
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from pgtools import explorers
from pgtools.explorer import FrameExplorer, Slider

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # tools.fresh_venv
from tools.fresh_venv import serve

STATIC = ROOT / "web" / "site" / "_static"
CHROMIUM = "/usr/bin/chromium"
TARGET_MS = 50.0
BUDGET_BYTES = 2_000_000
MOVES = 8

_MEASURE = """async ([label, k, moves]) => {
  const root = [...document.querySelectorAll('.pgxp')]
    .find((r) => r.getAttribute('aria-label') === label);
  const ctl = root.querySelectorAll('.pgxp-control')[k].querySelector('select, input');
  const times = [];
  for (let m = 0; m < moves; m++) {
    let kind = 'input';
    if (ctl.tagName === 'SELECT') {
      ctl.selectedIndex = (ctl.selectedIndex + 1) % ctl.options.length; kind = 'change';
    } else if (Number(ctl.value) >= Number(ctl.max)) {
      ctl.value = ctl.min;
    } else {
      ctl.stepUp();
    }
    const done = new Promise((r) => root.addEventListener('pgxp-drawn', r, { once: true }));
    const t0 = performance.now();
    ctl.dispatchEvent(new Event(kind, { bubbles: true }));
    await done;
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    times.push(performance.now() - t0);
  }
  return times;
}"""


def standalone_page(widget, static_prefix: str) -> str:
    """An HTML page holding ``widget`` with its saved state, as the book embeds it (no kernel).

    ``static_prefix`` is the URL of the folder that holds ``pgbook/`` (the site's ``_static``).
    """
    from ipywidgets.embed import dependency_state, embed_data

    # this widget and what it depends on (not every widget alive in this process); the full
    # state, as nbclient saves it in a notebook
    state = dependency_state([widget], drop_defaults=False)
    data = embed_data(views=[widget], drop_defaults=False, state=state)
    state = json.dumps(data["manager_state"]).replace("</", "<\\/")
    views = "\n".join('<script type="application/vnd.jupyter.widget-view+json">'
                      f"{json.dumps(v)}</script>" for v in data["view_specs"])
    p = static_prefix.rstrip("/") + "/pgbook"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>explorer</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<script src="{p}/vendor/requirejs/require.js"></script>
<script src="{p}/widgets-config.js"></script>
<script src="{p}/vendor/@jupyter-widgets/html-manager/dist/embed-amd.js"
        data-jupyter-widgets-cdn="{p}/no-cdn/"></script>
<script type="application/vnd.jupyter.widget-state+json">{state}</script>
</head><body><main style="max-width: 46rem; margin: auto">{views}</main></body></html>
"""


def model_bytes(widget) -> int:
    """Bytes of the widget's own model in a saved widget state (what its page carries)."""
    state = widget.get_state()
    entry = {"model_name": widget._model_name, "model_module": widget._model_module,
             "model_module_version": widget._model_module_version, "state": state}
    return len(json.dumps(entry))


def chromium_times(browser, url: str) -> dict:
    """{label: [ms per move]} for every explorer on the page at ``url`` (warm-up dropped)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(url, wait_until="load")
        page.wait_for_selector(".pgxp img[data-frame]", timeout=30_000)
        page.wait_for_timeout(300)  # let the remaining frames decode in the background
        out = {}
        for root in page.locator(".pgxp").all():
            label = root.get_attribute("aria-label")
            times = []
            for k in range(root.locator(".pgxp-control").count()):
                times += page.evaluate(_MEASURE, [label, k, MOVES])
            out[label] = times[1:]
        if errors:
            raise RuntimeError(f"page errors on {url}: {errors}")
        return out
    finally:
        page.close()


def kernel_path(w: FrameExplorer) -> tuple[float, float]:
    """(median ms of a grid move's Python callback, median ms to draw one state from scratch)."""
    moves, draws = [], []
    names = [c.name for c in w.controls]
    start = dict(w.values)
    for c in w.controls:
        for v in c.grid[:4]:
            t = time.perf_counter()
            w.values = {**w.values, c.name: v}  # as the page sends it; on the grid
            moves.append(1e3 * (time.perf_counter() - t))
    sliders = [c for c in w.controls if isinstance(c, Slider)]
    for c in sliders or w.controls[:2]:
        for v in c.grid[:3]:
            off = c.validate(min(v + c.step, c.max)) if isinstance(c, Slider) else v
            if isinstance(c, Slider) and not c.on_grid(off):
                t = time.perf_counter()
                w.values = {**start, c.name: off}  # the live callback: draws and sends it
                draws.append(1e3 * (time.perf_counter() - t))
            else:
                t = time.perf_counter()
                w.render(**{n: {**start, c.name: off}[n] for n in names})
                draws.append(1e3 * (time.perf_counter() - t))
    w.values = start
    return statistics.median(moves), statistics.median(draws)


def legacy_callback_ms(widget) -> float:
    """Median callback time of an ipywidgets interactive_output explorer (as before)."""
    import ipywidgets as W

    found, stack = [], [widget]
    while stack:
        x = stack.pop()
        if isinstance(x, W.Box):
            stack.extend(x.children)
        elif isinstance(x, W.ValueWidget) and not isinstance(x, (W.Output, W.Label, W.HTML)):
            found.append(x)
    times = []
    for c in found:
        opts = list(getattr(c, "_options_values", ())) or (
            list(np.linspace(c.min, c.max, 4)) if hasattr(c, "min") else [])
        for v in opts[:4]:
            if isinstance(c, W.IntSlider):
                v = round(float(v))
            t = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):
                c.value = v
            times.append(1e3 * (time.perf_counter() - t))
            plt.close("all")
    return statistics.median(times) if times else float("nan")


def _launch(p):
    return p.chromium.launch(executable_path=CHROMIUM, headless=True,
                             args=["--no-sandbox", "--disable-gpu"])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", type=Path, help="a built book to measure as well (_build/html)")
    ap.add_argument("--only", help="comma-separated section modules, e.g. sec4_3")
    args = ap.parse_args(argv)
    names = sorted((m.name for m in pkgutil.iter_modules(explorers.__path__)
                    if m.name.startswith("sec")), key=lambda n: [int(x) for x in n[3:].split("_")])
    if args.only:
        names = [n for n in names if n in args.only.split(",")]
    else:  # the sections that are pages of the book (_toc.yml)
        toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
        names = [n for n in names if re.search(rf"book/{n[3:]}_", toc)]
    for n in list(names):
        params = inspect.signature(importlib.import_module(f"pgtools.explorers.{n}")
                                   .make_explorer).parameters.values()
        if any(p.default is p.empty for p in params):
            print(f"{n}: make_explorer needs the notebook's arguments; not measured here")
            names.remove(n)
    built = {}
    for name in names:
        mod = importlib.import_module(f"pgtools.explorers.{name}")
        t = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            w = mod.make_explorer()
        setup = time.perf_counter() - t
        plt.close("all")
        built[name] = (w, setup)

    have_browser = Path(CHROMIUM).exists() and (STATIC / "pgbook" / "vendor").exists()
    static = {}
    if have_browser:
        from playwright.sync_api import sync_playwright

        tmp = Path(tempfile.mkdtemp(prefix="bench_explorers_"))
        try:
            (tmp / "_static").symlink_to(STATIC, target_is_directory=True)
            for name, (w, _) in built.items():
                if isinstance(w, FrameExplorer):
                    (tmp / f"{name}.html").write_text(standalone_page(w, "_static"), "utf-8")
            with serve(tmp) as base, sync_playwright() as p:
                browser = _launch(p)
                for name, (w, _) in built.items():
                    if isinstance(w, FrameExplorer):
                        static[name] = chromium_times(browser, f"{base}{name}.html")[w.label]
                browser.close()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    else:
        print(f"(no Chromium at {CHROMIUM} or no web/site/_static/pgbook/vendor: `make assets`;"
              " static response times not measured)")

    print(f"Static page: median (max) ms from a control's event to the new frame painted, "
          f"target <= {TARGET_MS:.0f} ms; weight: bytes the explorer's saved state adds to its "
          f"page, budget {BUDGET_BYTES / 1e6:.0f} MB. Kernel: Python callback of a grid move "
          "(the page swaps the stored frame), and 'draw ms': the callback of a slider move off "
          "the grid (draws the state and sends it), or drawing one state for explorers without "
          "sliders.")
    print(f"{'explorer':<9}{'frames':>7}{'setup s':>8}{'weight MB':>10}{'static ms':>15}"
          f"{'kernel move ms':>15}{'draw ms':>9}  verdict")
    ok = True
    for name, (w, setup) in built.items():
        if not isinstance(w, FrameExplorer):
            print(f"{name:<9}{'-':>7}{setup:>8.1f}{'-':>10}{'no response':>15}"
                  f"{legacy_callback_ms(w):>15.1f}{'-':>9}  interactive_output: static page "
                  "does not respond")
            ok = False
            continue
        weight = model_bytes(w)
        move, draw = kernel_path(w)
        times = static.get(name)
        st = f"{statistics.median(times):.1f} ({max(times):.0f})" if times else "-"
        good = weight <= BUDGET_BYTES and (not times or statistics.median(times) <= TARGET_MS)
        ok &= good
        print(f"{name:<9}{w.n_frames:>7}{setup:>8.1f}{weight / 1e6:>10.2f}{st:>15}"
              f"{move:>15.2f}{draw:>9.0f}  {'met' if good else 'NOT met'}"
              f"  (smallest text {w.smallest_text_pt * 4 / 3:.1f} px)")

    if args.site and have_browser:
        from playwright.sync_api import sync_playwright

        site = args.site.resolve()
        pages = sorted(p for p in site.rglob("*.html") if '"_frames"' in p.read_text("utf-8"))
        print(f"\nBuilt book {site}: {len(pages)} page(s) with explorers")
        with serve(site) as base, sync_playwright() as p:
            browser = _launch(p)
            for page in pages:
                html = page.read_text("utf-8")
                m = re.search(r'widget-state\+json">(.*?)</script>', html, re.DOTALL)
                state = json.loads(m.group(1))["state"] if m else {}
                weights = {s["state"]["label"]: len(json.dumps(s)) for s in state.values()
                           if "_frames" in s.get("state", {})}
                rel = page.relative_to(site).as_posix()
                for label, times in chromium_times(browser, f"{base}{rel}").items():
                    print(f"  {rel}: {label!r}: {weights.get(label, 0) / 1e6:.2f} MB, "
                          f"{statistics.median(times):.1f} ms median ({max(times):.0f} max); "
                          f"page {len(html.encode()) / 1e6:.2f} MB")
            browser.close()
    print("all explorers respond in the static page within target and budget:",
          "yes" if ok else "no")
    return 0


if __name__ == "__main__":
    sys.exit(main())
