"""Callback latency of every notebook's interactive explorer (issue: median ≤ 100 ms).

For each ``pgtools/explorers/sec4_*.py`` this builds the widget with ``make_explorer()`` (the one-off
precomputation is timed separately), then drives its controls the way a reader would: every slider
and dropdown is moved through up to six of its values, and the time from setting ``.value`` to the
end of the redraw is recorded (``interactive_output`` calls the module's ``draw`` synchronously).
The first move of each explorer is a warm-up and is not counted.

Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_explorers.py``.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import pkgutil
import statistics
import time

import matplotlib

matplotlib.use("Agg")
import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from pgtools import explorers

TARGET_MS = 100.0
plt.rcParams["figure.dpi"] = 80  # as every chapter notebook sets it


def controls(widget):
    """Every value-carrying control (slider, dropdown, toggle) inside a widget tree."""
    found, stack = [], [widget]
    while stack:
        w = stack.pop()
        if isinstance(w, W.Box):
            stack.extend(reversed(w.children))
        elif isinstance(w, W.ValueWidget) and not isinstance(w, (W.Output, W.Label, W.HTML)):
            found.append(w)
    return found


def candidate_values(c, k=6):
    """Up to k admissible values of a control, spread over its range."""
    if hasattr(c, "options") and len(getattr(c, "options", ())):
        vals = list(c._options_values) if hasattr(c, "_options_values") else list(c.options)
        idx = np.unique(np.linspace(0, len(vals) - 1, min(k, len(vals))).round().astype(int))
        return [vals[i] for i in idx]
    if isinstance(c, (W.IntSlider, W.IntText, W.BoundedIntText)):
        return sorted({int(v) for v in np.linspace(c.min, c.max, k).round()})
    if isinstance(c, (W.FloatSlider, W.FloatLogSlider, W.BoundedFloatText)):
        if isinstance(c, W.FloatLogSlider):
            return list(c.base ** np.linspace(c.min, c.max, k))
        return list(np.linspace(c.min, c.max, k))
    if isinstance(c, (W.Checkbox, W.ToggleButton)):
        return [not c.value, c.value]
    return []


def bench(module_name):
    mod = importlib.import_module(f"pgtools.explorers.{module_name}")
    sink = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(sink):
        widget = mod.make_explorer()
    setup_ms = 1e3 * (time.perf_counter() - t0)
    plt.close("all")
    times, rendered = [], []
    for c in controls(widget):
        original = c.value
        for v in candidate_values(c) + [original]:
            if v == c.value:
                continue
            t = time.perf_counter()
            with contextlib.redirect_stdout(sink):
                c.value = v
            t1 = time.perf_counter()
            # what the inline backend then does in a live notebook: render each figure to PNG
            for num in plt.get_fignums():
                plt.figure(num).savefig(io.BytesIO(), format="png", dpi=plt.rcParams["figure.dpi"])
            t2 = time.perf_counter()
            times.append(1e3 * (t1 - t))
            rendered.append(1e3 * (t2 - t))
            plt.close("all")
    return setup_ms, times[1:], rendered[1:]


def main():
    names = sorted(m.name for m in pkgutil.iter_modules(explorers.__path__) if m.name.startswith("sec"))
    print("callback = setting a control until the redraw returns; +PNG = also rendering the figure")
    print("to PNG as the inline backend does in a live notebook. Target: median callback ≤ "
          f"{TARGET_MS:.0f} ms.")
    print(f"{'explorer':<10}{'moves':>6}{'setup ms':>10}{'callback median':>17}{'max':>7}"
          f"{'+PNG median':>13}{'max':>7}  target")
    ok = True
    for name in names:
        setup, times, rendered = bench(name)
        if not times:
            print(f"{name:<10}{0:>6}{setup:>10.0f}  no controls found")
            ok = False
            continue
        med = statistics.median(times)
        ok &= med <= TARGET_MS
        print(f"{name:<10}{len(times):>6}{setup:>10.0f}{med:>17.1f}{max(times):>7.0f}"
              f"{statistics.median(rendered):>13.1f}{max(rendered):>7.0f}  "
              f"{'met' if med <= TARGET_MS else 'NOT met'}")
    print("all callback medians within target:", "yes" if ok else "no")


if __name__ == "__main__":
    main()
