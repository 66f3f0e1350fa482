"""pgtools.explorer: precomputed frames keyed by control values, snapping, bad input, live path.

References are independent of the module's own bookkeeping: frames are compared with a fresh
rendering of ``draw`` at the same values, the frame order with an explicit enumeration, and the
browser's key computation (``explorer.js``, run under node) with the Python one.
"""

from __future__ import annotations

import base64
import functools
import importlib
import inspect
import itertools
import json
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from pgtools import explorer as X

ROOT = Path(__file__).resolve().parents[1]
LABELS = {"a": "alpha option", "b": "beta option"}


def toy_draw(kind="a", beta=1.0, k=2):
    """A small figure whose title and legend state the values it was drawn for."""
    fig, ax = plt.subplots(figsize=(3, 2))
    x = np.linspace(0, 1, 5)
    ax.plot(x, beta * x**k, label=f"{kind}: y = {beta:.2f} x^{k}")
    ax.set_title(f"kind {kind}, beta {beta:.2f}, k {k}")
    ax.set_xlabel(r"$\theta_{0}$")
    ax.set_ylabel("y")
    ax.legend(fontsize=8)
    return fig


def toy_controls():
    return [X.Choice("kind", [(LABELS["a"], "a"), (LABELS["b"], "b")], "b", label="kind"),
            X.Slider("beta", 0.0, 1.0, 0.25, grid=0.5, value=0.5, label="β"),
            X.Choice("k", [1, 2, 3], 2, style="slider")]


@pytest.fixture(scope="module")
def toy():
    return X.FrameExplorer(toy_draw, toy_controls(), label="toy explorer",
                           describe=lambda kind, beta, k: f"Toy curve {kind} {beta} {k}")


GRID = list(itertools.product(["a", "b"], [0.0, 0.5, 1.0], [1, 2, 3]))


# --------------------------------------------------------------------------- frames and keys
def test_one_frame_per_grid_state_row_major(toy):
    assert toy.n_frames == len(GRID) == len(toy._frames) == len(toy._alts)
    for i, (kind, beta, k) in enumerate(GRID):  # explicit enumeration, last control fastest
        assert toy.frame_index(kind=kind, beta=beta, k=k) == i


@pytest.mark.parametrize("state", [GRID[0], GRID[7], GRID[-1]])
def test_stored_frame_is_what_draw_draws(toy, state):
    kind, beta, k = state
    fig = toy_draw(kind, beta, k)
    expected = X.figure_svg(fig)
    plt.close(fig)
    f = toy.frame(kind=kind, beta=beta, k=k)
    assert f["svg"] == expected
    assert f"Kind {kind}, beta {beta:.2f}, k {k}." in f["alt"]  # the title, capitalised
    assert f["alt"].startswith(f"Toy curve {kind} {beta} {k}.")
    assert "Horizontal axis: θ_0" in f["alt"] and "vertical axis: y" in f["alt"]


def test_frames_are_zlib_base64_svg(toy):
    raw = zlib.decompress(base64.b64decode(toy._frames[3])).decode()
    assert raw.startswith("<svg") and raw.rstrip().endswith("</svg>")
    assert "<metadata>" not in raw
    assert X.decode_frame(X.encode_frame("<svg>ü</svg>")) == "<svg>ü</svg>"
    assert toy.state_bytes == sum(map(len, toy._frames)) + sum(len(a.encode()) for a in toy._alts)


def test_size_and_initial_values(toy):
    assert toy._size == [pytest.approx(3 * 96), pytest.approx(2 * 96)]  # inches at 96 px/in
    assert toy.values == {"kind": "b", "beta": 0.5, "k": 2}
    specs = {c["name"]: c for c in toy._controls}
    assert specs["kind"]["labels"] == [LABELS["a"], LABELS["b"]]
    assert specs["beta"]["grid"] == [0.0, 0.5, 1.0] and specs["beta"]["uniform"] == 0.5
    assert specs["beta"]["step"] == 0.25 and specs["beta"]["decimals"] == 2


def test_figure_is_closed_after_each_frame():
    before = len(plt.get_fignums())
    X.FrameExplorer(toy_draw, [X.Choice("k", [1, 2])], label="t")
    assert len(plt.get_fignums()) == before


# ------------------------------------------------------------------------------- snapping
def test_slider_snaps_to_nearest_grid_point_and_clips(toy):
    beta = toy.controls[1]
    assert beta.grid == [0.0, 0.5, 1.0]
    assert [beta.snap(v) for v in (0.2, 0.26, 0.74, 0.76, -3, 9)] == [0.0, 0.5, 0.5, 1.0, 0.0, 1.0]
    assert toy.snap(beta=0.3) == {"kind": "b", "beta": 0.5, "k": 2}
    assert beta.on_grid(0.5) and not beta.on_grid(0.25)


def test_integer_slider():
    s = X.Slider("n", 10, 50, 10, grid=20)
    assert s.integer and s.grid == [10, 30, 50] and all(isinstance(v, int) for v in s.grid)
    assert s.snap(39) == 30 and s.validate(40.0) == 40 and s.format(40) == "40"
    assert X.Slider("n", 1, 4, 1).grid == [1, 2, 3, 4]  # default grid: every lattice point


def test_slider_with_an_explicit_uneven_grid():
    s = X.Slider("left", 1, 100, 1, grid=[1, 2, 3, 5, 10, 40, 100], value=10)
    assert s.uniform is None and s.index(40) == 5 and s.on_grid(3) and not s.on_grid(4)
    # nearest grid point; half-way (7.5 between 5 and 10, 25 between 10 and 40) goes up
    assert [s.snap(v) for v in (4, 7, 7.5, 24, 25, 99, 0)] == [5, 5, 10, 10, 40, 100, 1]


def test_off_grid_value_has_no_stored_frame(toy):
    with pytest.raises(ValueError, match=r"beta=0\.25 is off the precomputed grid"):
        toy.frame_index(beta=0.25)


# ------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, pattern", [
    (lambda w: w.frame_index(gamma=1), r"unknown control name\(s\) \['gamma'\]"),
    (lambda w: w.set(kind="a", nope=2), r"unknown control name\(s\) \['nope'\]"),
    (lambda w: w.snap(nope=2), r"unknown control name\(s\) \['nope'\]"),
    (lambda w: w.render(zzz=0), r"unknown control name\(s\) \['zzz'\]"),
    (lambda w: w.set(kind="c"), r"kind must be one of \['a', 'b'\]; got 'c'"),
    (lambda w: w.set(k=2.5), r"k must be one of \[1, 2, 3\]"),
    (lambda w: w.set(k=True), r"k must be one of"),
    (lambda w: w.set(beta=1.5), r"beta must be in \[0\.0, 1\.0\]"),
    (lambda w: w.set(beta=0.1), r"beta must be 0\.0 \+ a multiple of 0\.25"),
    (lambda w: w.set(beta="x"), r"beta must be a number"),
    (lambda w: w.snap(beta=float("nan")), r"beta must be finite"),
    (lambda w: setattr(w, "values", {"kind": "a"}), r"values must name every control"),
])
def test_bad_values_raise_value_error_naming_the_argument(toy, call, pattern):
    before = dict(toy.values)
    with pytest.raises(ValueError, match=pattern):
        call(toy)
    assert toy.values == before


@pytest.mark.parametrize("make, pattern", [
    (lambda: X.Choice("k", []), "options of 'k' must be a non-empty sequence"),
    (lambda: X.Choice("k", "abc"), "options of 'k' must be a non-empty sequence"),
    (lambda: X.Choice("k", [1, 1.0]), "options of 'k' repeat the value 1"),
    (lambda: X.Choice("k", [[1, 2]]), "an option of 'k' must be a str"),
    (lambda: X.Choice("k", [1, 2], value=3), r"k must be one of \[1, 2\]; got 3"),
    (lambda: X.Choice("k", [1], style="radio"), "style must be"),
    (lambda: X.Choice("2k", [1]), "name must be a Python identifier"),
    (lambda: X.Choice("k", [("a", 1, 2)]), "a pair must be"),
    (lambda: X.Slider("b", 1.0, 0.0, 0.5), "need min < max"),
    (lambda: X.Slider("b", 0.0, 1.0, 0.3), r"step of 'b': \(max - min\) / step"),
    (lambda: X.Slider("b", 0.0, 1.0, 0.2, grid=0.3), "grid of 'b': a spacing must be"),
    (lambda: X.Slider("b", 0.0, 1.0, 0.25, grid=0.75), "grid of 'b': a spacing must be"),
    (lambda: X.Slider("b", 0.0, 1.0, -0.5), "must be positive"),
    (lambda: X.Slider("b", 0.0, 1.0, 0.25, grid=0.5, value=0.25), "on the grid"),
    (lambda: X.Slider("b", 0, 10, 1, grid=[0, 5, 3, 10]), "must increase strictly"),
    (lambda: X.Slider("b", 0, 10, 1, grid=[0, 5]), "must run from min to max"),
    (lambda: X.Slider("b", 0, 10, 2, grid=[0, 5, 10]), r"grid of 'b': b must be 0 \+ a multi"),
    (lambda: X.Slider("b", 0, 10, 1, grid="0, 10"), "must be None, a spacing or a sequence"),
    (lambda: X.Slider("b", 0.0, float("inf"), 0.5), "max of 'b' must be finite"),
    (lambda: X.FrameExplorer(toy_draw, [], label="t"), "controls must be a non-empty"),
    (lambda: X.FrameExplorer(toy_draw, [X.Choice("k", [1]), X.Choice("k", [2])], label="t"),
     "repeated names"),
    (lambda: X.FrameExplorer(toy_draw, [X.Choice("k", [1])], label=""), "label must be"),
    (lambda: X.FrameExplorer(None, [X.Choice("k", [1])], label="t"), "draw must be callable"),
    (lambda: X.FrameExplorer(lambda k: None, [X.Choice("k", [1])], label="t"),
     "draw must return a matplotlib Figure; got NoneType"),
    (lambda: X.FrameExplorer(toy_draw, [X.Choice("k", [1])], label="t", fonttype="x"),
     "fonttype must be"),
])
def test_bad_construction_raises_value_error(make, pattern):
    with pytest.raises(ValueError, match=pattern):
        make()


# ------------------------------------------------------------------------------- live kernel
def test_live_kernel_draws_off_grid_values():
    w = X.FrameExplorer(toy_draw, toy_controls(), label="t")
    w.set(beta=1.0, kind="a")  # on the grid: the page shows the stored frame, nothing sent
    assert w._live == {}
    w.values = {"kind": "a", "beta": 0.75, "k": 3}  # as the page sends it
    fig = toy_draw("a", 0.75, 3)
    expected = X.figure_svg(fig)
    plt.close(fig)
    assert w._live["values"] == {"kind": "a", "beta": 0.75, "k": 3}
    assert X.decode_frame(w._live["frame"]) == expected == w.render()["svg"]
    assert "beta 0.75" in w._live["alt"]


def test_ping_gets_pong(monkeypatch):
    w = X.FrameExplorer(toy_draw, [X.Choice("k", [1])], label="t")
    sent = []
    monkeypatch.setattr(w, "send", sent.append)
    w._on_frontend_msg(w, {"type": "ping"}, [])
    w._on_frontend_msg(w, {"type": "other"}, [])
    assert sent == [{"type": "pong"}]


# ------------------------------------------------------------------------------- text
@pytest.mark.parametrize("tex, plain", [
    (r"estimate of $\partial J / \partial \theta_{0,0}$", "estimate of ∂ J / ∂ θ_0,0"),
    (r"$\|\widehat{\nabla J} - \nabla J\|$", "‖∇ J - ∇ J‖"),
    (r"step size $\eta$ = 1", "step size η = 1"),
    (r"$V^*_t$ and $\gamma^{t}$", "V^*_t and γ^t"),
    ("no math: 50% $", "no math: 50% $"),
])
def test_plain_text(tex, plain):
    assert X.plain_text(tex) == plain


def test_smallest_text_counts_subscripts():
    fig, ax = plt.subplots()
    ax.set_xlabel(r"$x_{1}$", fontsize=10)
    ax.tick_params(labelsize=9)
    assert X.smallest_text_pt(fig) == pytest.approx(7.0)
    ax.set_xlabel("x", fontsize=10)
    assert X.smallest_text_pt(fig) == pytest.approx(9.0)
    plt.close(fig)


def test_repr_is_stable(toy):
    assert repr(toy) == "FrameExplorer('toy explorer', 18 frames)"
    assert "0x" not in repr(toy)


# ------------------------------------------------------------------------------- browser code
NODE_SCRIPT = r"""
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const m = await import(pathToFileURL(process.argv[1]).href);
const q = JSON.parse(readFileSync(0, "utf8"));
const index = q.states.map((v) => m.frameIndex(q.controls, v));
const snapped = q.states.map((v) => m.snapValues(q.controls, v));
const steps = q.moves.map(([raw, cur]) => m.snapSlider(q.uneven, raw, cur));
const svg = await m.inflate(q.frame);
const url = m.svgUrl("<svg>a b#</svg>");
process.stdout.write(JSON.stringify({ index, snapped, steps, svg, url }));
"""


@pytest.mark.parametrize("variant", ["source file", "compacted _esm as shipped"])
def test_javascript_keys_and_decoding_agree_with_python(toy, variant, tmp_path):
    node = shutil.which("node")
    assert node, "node is needed (it also installs the site's front-end files: make assets)"
    js = ROOT / "pgtools" / "explorer.js"
    if variant != "source file":
        js = tmp_path / "explorer_esm.js"
        js.write_text(X.FrameExplorer._esm, encoding="utf-8")
    states = [dict(zip(("kind", "beta", "k"), s)) for s in GRID]
    off = [{"kind": "a", "beta": 0.25, "k": 1}, {"kind": "b", "beta": 0.75, "k": 3}]
    uneven = X.Slider("left", 1, 100, 1, grid=[1, 2, 3, 5, 10, 40, 100], value=10)
    # (raw value the slider moved to, value before): a drag lands on the nearest grid point; a
    # key press (one fine step) goes on to the next grid point that way
    moves = [[11, 10], [9, 10], [30, 10], [24, 10], [4, 3], [2, 3], [100, 100], [99, 100]]
    query = {"controls": toy._controls, "states": states + off, "frame": toy._frames[5],
             "uneven": uneven.spec(), "moves": moves}
    proc = subprocess.run([node, "--input-type=module", "-e", NODE_SCRIPT, str(js)],
                          input=json.dumps(query), capture_output=True, text=True, timeout=30,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["index"] == [toy.frame_index(**s) for s in states] + [-1, -1]
    # the browser snaps an off-grid slider value to the same grid point as Slider.snap
    # (0.25 and 0.75 are exactly half-way: both go up)
    assert [got["beta"] for got in out["snapped"]] == \
        [toy.controls[1].snap(s["beta"]) for s in states + off]
    assert [got["beta"] for got in out["snapped"][-2:]] == [0.5, 1.0]
    assert out["steps"] == [40, 5, 40, 10, 5, 2, 100, 40]
    assert [uneven.snap(raw) for raw, _ in moves[2:4]] == out["steps"][2:4]  # drags: nearest
    assert out["svg"] == X.decode_frame(toy._frames[5])
    assert out["url"] == "data:image/svg+xml;charset=utf-8,%3Csvg%3Ea%20b%23%3C%2Fsvg%3E"


def test_shipped_assets_are_compacted_but_complete():
    assert "export default" in X.FrameExplorer._esm
    assert "/*" not in X.FrameExplorer._css and ".pgxp-img" in X.FrameExplorer._css
    assert re.search(r"--pst-color-text-base", X.FrameExplorer._css)  # theme colours (dark mode)


# ------------------------------------------------------------------------------- sections
def _standalone_sections():
    """Every section module whose ``make_explorer()`` needs no argument from its notebook
    (4.11 and 4.12 take the notebook's trained results)."""
    names = []
    for f in sorted((Path(X.__file__).parent / "explorers").glob("sec4_*.py")):
        mod = importlib.import_module(f"pgtools.explorers.{f.stem}")
        params = inspect.signature(mod.make_explorer).parameters.values()
        if all(p.default is not inspect.Parameter.empty for p in params):
            names.append(f.stem)
    return names


CONVERTED = _standalone_sections()  # section explorers built on FrameExplorer


@functools.cache
def _built(name):
    """A section module and its explorer (built once per test session)."""
    mod = importlib.import_module(f"pgtools.explorers.{name}")
    return mod, mod.make_explorer()


@pytest.fixture(scope="module", params=CONVERTED)
def section(request):
    return _built(request.param)


def test_section_explorer_frames_are_its_draw(section):
    mod, w = section
    assert isinstance(w, X.FrameExplorer)
    states = list(itertools.product(*(c.grid for c in w.controls)))
    names = [c.name for c in w.controls]
    for state in (states[0], states[len(states) // 2], states[-1]):
        values = dict(zip(names, state))
        fig = mod.draw(**values)
        expected = X.figure_svg(fig)
        plt.close(fig)
        assert w.frame(**values)["svg"] == expected
    assert len(set(w._alts)) == len(states), "two states share an alt text"


def test_section_explorer_frames_fit_their_canvas(section):
    mod, w = section
    states = list(itertools.product(*(c.grid for c in w.controls)))
    # every state of a small grid, about 16 spread over a large one (always both ends)
    for state in states[:: max(1, len(states) // 16)] + states[-1:]:
        fig = mod.draw(**dict(zip([c.name for c in w.controls], state)))
        over = X.overflow_in(fig)
        plt.close(fig)
        assert over < 0.02, f"{state}: content {over:.2f} in beyond the canvas (cut off)"


# sec4_1 and sec4_2 still call subplots_adjust on a figure that takes the rcParams' layout
# engine: they need layout="none" before their notebooks adopt the book style
BOOK_STYLE_READY = ["sec4_3", "sec4_4", "sec4_5", "sec4_6"]


@pytest.mark.parametrize("name", BOOK_STYLE_READY)
def test_section_explorer_frames_fit_under_the_book_style(name):
    """Under pgtools.plotting's book style (larger fonts, constrained layout by default) too:
    a sample of states, drawn without warnings, fit their canvas with text >= 10 px."""
    import warnings

    from pgtools.plotting import BOOK_STYLE

    mod, w = _built(name)
    states = list(itertools.product(*(c.grid for c in w.controls)))
    with matplotlib.rc_context(BOOK_STYLE), warnings.catch_warnings():
        warnings.simplefilter("error")
        for state in states[:: max(1, len(states) // 6)] + states[-1:]:
            fig = mod.draw(**dict(zip([c.name for c in w.controls], state)))
            over, small = X.overflow_in(fig), X.smallest_text_pt(fig, drawn=True)
            plt.close(fig)
            assert over < 0.02, f"{state}: content {over:.2f} in beyond the canvas"
            assert small * 4 / 3 >= 10, f"{state}: text of {small * 4 / 3:.1f} px"


def test_overflow_in_sees_a_cut_label():
    fig, ax = plt.subplots(figsize=(3, 2))
    fig.subplots_adjust(bottom=0.0)
    ax.set_xlabel("cut off")
    assert X.overflow_in(fig) > 0.1
    fig.subplots_adjust(bottom=0.3, left=0.2)
    assert X.overflow_in(fig) == 0.0
    plt.close(fig)


def test_section_explorer_is_legible_and_light(section):
    _, w = section
    assert w.smallest_text_pt * 4 / 3 >= 10, "text below 10 px at the figure's natural size"
    assert w.state_bytes <= 2_000_000
