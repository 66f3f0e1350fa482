"""Explorers that respond in the static HTML book: every state is drawn once, in Python, and shipped.

Serves the "Explorer" step of every section (STYLE.md, "a section's rhythm"), e.g. the spread of
the three forms of Eq. (4.3) in §4.3.

A :class:`FrameExplorer` is an :class:`anywidget.AnyWidget` built from a section's own ``draw``
function (``draw(**values) -> matplotlib.figure.Figure``) and a few controls:

* :class:`Choice` -- one of a list of values (a drop-down, or a slider over the list);
* :class:`Slider` -- a number in ``[min, max]`` on a lattice of ``step``; the static page
  snaps it to a precomputed ``grid`` (uniform, or denser where the picture changes fast), a live
  kernel draws every lattice value.

At construction, ``draw`` runs once for every point of the grid (the product of all controls'
grids). Each figure is saved as SVG (vector, sharp on any HiDPI screen), deflate-compressed and
base64-encoded into the widget state, with an alt text that says what it shows for those values.
The browser (``explorer.js``) only swaps those frames: the mathematics has one implementation,
in Python, and the static page needs no kernel and nothing from the network. With a running kernel
the same widget also draws values off the grid (a :class:`Slider` on its fine ``step``).

Frames are stored in row-major order over the controls (the last control varies fastest); see
:meth:`FrameExplorer.frame_index`.
"""

from __future__ import annotations

import base64
import io
import itertools
import math
import re
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import traitlets

__all__ = [
    "Choice",
    "FrameExplorer",
    "Slider",
    "decode_frame",
    "describe_figure",
    "encode_frame",
    "figure_svg",
    "overflow_in",
    "plain_text",
    "smallest_text_pt",
]

_HERE = Path(__file__).parent
_SUB_SHRINK = 0.7  # matplotlib's mathtext shrink factor for sub- and superscripts
_JSON_SCALARS = (str, bool, int, float)
_max = max  # Slider's parameters are named min and max, like ipywidgets'


def _compact(path: Path) -> str:
    """Asset text without indentation, blank lines, CSS ``/* */`` and whole-line ``//`` comments.

    The source travels in every widget's saved state; line breaks are kept, so JavaScript
    semantics (automatic semicolons) do not change.
    """
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".css":
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
    lines = (ln.strip() for ln in text.splitlines())
    return "\n".join(ln for ln in lines if ln and not ln.startswith("//")) + "\n"


def _scalar(value: Any, what: str) -> str | bool | int | float:
    """A JSON scalar (numpy scalars converted), or ValueError naming ``what``."""
    if isinstance(value, np.generic):
        value = value.item()
    if not isinstance(value, _JSON_SCALARS):
        raise ValueError(f"{what} must be a str, bool, int or float; got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{what} must be finite; got {value!r}")
    return value


def _same(a: Any, b: Any) -> bool:
    """Equality of two control values; floats compare with a relative tolerance of 1e-9."""
    if isinstance(a, bool) or isinstance(b, bool) or isinstance(a, str) or isinstance(b, str):
        return type(a) is type(b) and a == b
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)


def _name(name: Any) -> str:
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be a Python identifier (a keyword of draw); got {name!r}")
    return name


def _decimals(x: float) -> int:
    """Decimal places needed to print multiples of ``x`` exactly (at most 6)."""
    for d in range(7):
        if abs(round(x, d) - x) <= 1e-9 * max(1.0, abs(x)):
            return d
    return 6


# ------------------------------------------------------------------------------- controls
class Choice:
    """A control that takes one of a list of values (any section; e.g. the estimator in §4.3).

    Parameters
    ----------
    name : str
        Keyword argument of ``draw`` that receives the value.
    options : sequence
        The values (str, bool, int or float), or ``(label, value)`` pairs; labels are what the
        reader sees.
    value : optional
        Initial value; default: the first option.
    label : str, optional
        Visible label and accessible name of the control; default: ``name``.
    style : {"dropdown", "slider"}
        A drop-down list, or a slider that steps through the options in order.
    """

    kind = "choice"

    def __init__(self, name: str, options: Sequence, value: Any = None, label: str | None = None,
                 style: str = "dropdown"):
        self.name = _name(name)
        if isinstance(options, (str, bytes)) or not isinstance(options, Sequence) or not options:
            raise ValueError(f"options of {name!r} must be a non-empty sequence; got {options!r}")
        labels, values = [], []
        for opt in options:
            if isinstance(opt, tuple):
                if len(opt) != 2:
                    raise ValueError(f"options of {name!r}: a pair must be (label, value); "
                                     f"got {opt!r}")
                lab, val = opt
            else:
                lab, val = None, opt
            val = _scalar(val, f"an option of {name!r}")
            labels.append(str(val) if lab is None else str(lab))
            values.append(val)
        for i, v in enumerate(values):
            if any(_same(v, w) for w in values[:i]):
                raise ValueError(f"options of {name!r} repeat the value {v!r}")
        if style not in ("dropdown", "slider"):
            raise ValueError(f"style must be 'dropdown' or 'slider'; got {style!r}")
        self.labels, self.grid, self.style = labels, values, style
        self.label = name if label is None else str(label)
        self.value = values[0] if value is None else self.grid[self.index(value)]

    def index(self, value: Any) -> int:
        """Position of ``value`` among the options; ValueError naming the control if absent."""
        if isinstance(value, _JSON_SCALARS + (np.generic,)):
            for i, v in enumerate(self.grid):
                if _same(value, v):
                    return i
        raise ValueError(f"{self.name} must be one of {self.grid}; got {value!r}")

    def validate(self, value: Any) -> Any:
        """The option equal to ``value`` (as stored), or ValueError naming the control."""
        return self.grid[self.index(value)]

    def on_grid(self, value: Any) -> bool:
        return True

    def spec(self) -> dict:
        return {"name": self.name, "label": self.label, "kind": "choice", "style": self.style,
                "labels": self.labels, "values": self.grid}


class Slider:
    """A numeric control on ``[min, max]`` (any section; e.g. an inverse temperature in §4.5).

    Every value is on the lattice ``min + k * step``; a live kernel draws any of them. The static
    page has one precomputed frame per point of ``grid`` and snaps the slider to those points.

    Parameters
    ----------
    name : str
        Keyword argument of ``draw`` that receives the value.
    min, max : float
        Range, ``min < max``.
    step : float
        Lattice spacing; ``(max - min) / step`` must be a whole number.
    grid : None, float or sequence of float
        The precomputed values: ``None`` for every lattice point; a number ``g`` (a multiple of
        ``step`` dividing ``max - min``) for ``min, min + g, ..., max``; or an increasing sequence
        of lattice points from ``min`` to ``max`` (e.g. denser where the picture changes fast).
    value : float, optional
        Initial value, on the grid; default ``min``.
    label : str, optional
        Visible label and accessible name; default: ``name``.

    Integer ``min``, ``max`` and ``step`` make an integer slider.
    """

    kind = "slider"

    def __init__(self, name: str, min: float, max: float, step: float, grid: Any = None,
                 value: float | None = None, label: str | None = None):
        self.name = _name(name)
        nums = {"min": min, "max": max, "step": step}
        for k, v in nums.items():
            v = _scalar(v, f"{k} of {name!r}")
            if isinstance(v, (bool, str)):
                raise ValueError(f"{k} of {name!r} must be a number; got {v!r}")
            nums[k] = v
        self.integer = all(isinstance(v, int) for v in nums.values())
        self.min, self.max, self.step = nums["min"], nums["max"], nums["step"]
        if not self.min < self.max:
            raise ValueError(f"{name!r}: need min < max; got min={min!r}, max={max!r}")
        if self.step <= 0:
            raise ValueError(f"step of {name!r} must be positive; got {step!r}")
        k = (self.max - self.min) / self.step
        if abs(k - round(k)) > 1e-9 * _max(1.0, k):
            raise ValueError(f"step of {name!r}: (max - min) / step must be a whole number; "
                             f"got {k!r}")
        self.decimals = 0 if self.integer else _decimals(self.step)
        self.grid = self._make_grid(grid, round(k))
        diffs = np.diff(self.grid)
        self.uniform = (self._round(float(diffs[0])) if np.allclose(diffs, diffs[0], rtol=1e-9)
                        else None)
        self.labels = [self.format(v) for v in self.grid]
        self.label = name if label is None else str(label)
        self.value = self.grid[0] if value is None else self.validate(value)
        if not self.on_grid(self.value):
            raise ValueError(f"value of {name!r} must be on the grid {self.grid}; got {value!r}")

    def _make_grid(self, grid: Any, k: int) -> list:
        if grid is None:
            return [self._round(self.min + i * self.step) for i in range(k + 1)]
        if isinstance(grid, (int, float, np.number)) and not isinstance(grid, bool):
            g = float(grid)
            r, m = g / self.step, (self.max - self.min) / g if g > 0 else math.nan
            if not (g > 0 and abs(r - round(r)) <= 1e-9 * _max(1.0, r)
                    and abs(m - round(m)) <= 1e-9 * _max(1.0, m)):
                raise ValueError(f"grid of {self.name!r}: a spacing must be a positive multiple "
                                 f"of step that divides max - min; got {grid!r}")
            return [self._round(self.min + i * g) for i in range(round(m) + 1)]
        if isinstance(grid, (str, bytes)) or not isinstance(grid, (Sequence, np.ndarray)):
            raise ValueError(f"grid of {self.name!r} must be None, a spacing or a sequence; "
                             f"got {grid!r}")
        try:
            out = [self.validate(v) for v in grid]
        except ValueError as exc:
            raise ValueError(f"grid of {self.name!r}: {exc}") from None
        if len(out) < 2 or any(b <= a for a, b in itertools.pairwise(out)):
            raise ValueError(f"grid of {self.name!r} must increase strictly; got {list(grid)}")
        if not (_same(out[0], self.min) and _same(out[-1], self.max)):
            raise ValueError(f"grid of {self.name!r} must run from min to max "
                             f"({self.min} to {self.max}); got {out[0]} to {out[-1]}")
        return out

    def _round(self, v: float) -> float | int:
        return round(v) if self.integer else round(float(v), self.decimals + 3)

    def format(self, v: float) -> str:
        """The readout the page shows for ``v`` (same number of decimals as ``step``)."""
        return f"{v:.{self.decimals}f}"

    def validate(self, value: Any) -> float | int:
        """``value`` as stored (a lattice point in range), or ValueError naming the control."""
        if isinstance(value, (bool, str)) or not isinstance(value, (int, float, np.number)):
            raise ValueError(f"{self.name} must be a number; got {value!r}")
        v = float(value)
        tol = 1e-9 * _max(1.0, abs(self.max - self.min))
        if not math.isfinite(v) or v < self.min - tol or v > self.max + tol:
            raise ValueError(f"{self.name} must be in [{self.min}, {self.max}]; got {value!r}")
        k = (v - self.min) / self.step
        if abs(k - round(k)) > 1e-6:
            raise ValueError(f"{self.name} must be {self.min} + a multiple of {self.step}; "
                             f"got {value!r}")
        return self._round(self.min + round(k) * self.step)

    def _position(self, v: float) -> int | None:
        for i, g in enumerate(self.grid):
            if _same(g, v):
                return i
        return None

    def index(self, value: Any) -> int:
        """Grid position of ``value``; ValueError naming the control if it is off the grid."""
        i = self._position(self.validate(value))
        if i is None:
            raise ValueError(f"{self.name}={value!r} is off the precomputed grid; "
                             f"nearest: {self.snap(value)!r}")
        return i

    def on_grid(self, value: Any) -> bool:
        return self._position(self.validate(value)) is not None

    def snap(self, value: float) -> float | int:
        """The grid point nearest to ``value`` (clipped to the range), as the static page does;
        half-way values go up, as in ``explorer.js``."""
        if isinstance(value, (bool, str)) or not isinstance(value, (int, float, np.number)):
            raise ValueError(f"{self.name} must be a number; got {value!r}")
        v = float(value)
        if not math.isfinite(v):
            raise ValueError(f"{self.name} must be finite; got {value!r}")
        best = self.grid[0]
        for g in self.grid[1:]:
            if abs(g - v) <= abs(best - v) + 1e-12:
                best = g
        return best

    def spec(self) -> dict:
        return {"name": self.name, "label": self.label, "kind": "slider", "min": self.min,
                "max": self.max, "step": self.step, "grid": self.grid, "uniform": self.uniform,
                "decimals": self.decimals}


# --------------------------------------------------------------------------- figures, text
_TEX = {r"\partial": "∂", r"\nabla": "∇", r"\theta": "θ", r"\eta": "η", r"\alpha": "α",
        r"\beta": "β", r"\gamma": "γ", r"\lambda": "λ", r"\pi": "π", r"\tau": "τ",
        r"\mu": "μ", r"\sigma": "σ", r"\rho": "ρ", r"\epsilon": "ε", r"\varepsilon": "ε",
        r"\Delta": "Δ", r"\delta": "δ", r"\sum": "Σ", r"\infty": "∞", r"\pm": "±",
        r"\times": "×", r"\cdot": "·", r"\leq": "≤", r"\geq": "≥", r"\le": "≤", r"\ge": "≥",
        r"\approx": "≈", r"\to": "→", r"\mid": "|", r"\|": "‖", r"\,": " ", r"\;": " ",
        r"\!": "", r"\ ": " ", r"\quad": " ", r"\ldots": "…", r"\dots": "…"}
_TEX_RE = re.compile("|".join(re.escape(k) + (r"(?![A-Za-z])" if k[-1].isalpha() else "")
                              for k in sorted(_TEX, key=len, reverse=True)))


def plain_text(text: str) -> str:
    r"""Readable plain text from a matplotlib label with mathtext (``$\partial J/\partial\theta_{0,0}$``).

    Greek letters and common symbols become Unicode, ``\hat``/``\mathrm``-like wrappers and braces
    are dropped, ``x_{t}`` becomes ``x_t``; used for alt texts.
    """
    def math(m: re.Match) -> str:
        s = _TEX_RE.sub(lambda k: _TEX[k.group(0)], m.group(1))
        s = re.sub(r"\\(?:widehat|hat|bar|tilde|mathrm|mathbf|mathit|mathcal|operatorname|"
                   r"text|left|right|big|Big)(?![A-Za-z])", "", s)
        s = re.sub(r"\\([A-Za-z]+)", r"\1", s)
        s = re.sub(r"_\{([^{}]*)\}", r"_\1", s)
        s = re.sub(r"\^\{([^{}]*)\}", r"^\1", s)
        return s.replace("{", "").replace("}", "")

    return " ".join(re.sub(r"\$([^$]*)\$", math, str(text)).split())


def _texts(fig) -> list:
    from matplotlib.text import Text

    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def smallest_text_pt(fig, drawn: bool = False) -> float:
    """Smallest font size (points) of any visible text of ``fig``; mathtext sub/superscripts
    count at matplotlib's 0.7 of their label's size. At the book's 96 px per inch a point is
    4/3 px, so >= 7.5 pt means >= 10 px on screen.

    Tick labels get their text when the figure is drawn: unless ``drawn`` (the figure was
    already drawn or saved), the figure is drawn first.
    """
    if not drawn:
        fig.canvas.draw()
    sizes = []
    for t in _texts(fig):
        s = t.get_fontsize()
        if re.search(r"\$[^$]*[_^][^$]*\$", t.get_text()):
            s *= _SUB_SHRINK
        sizes.append(s)
    return float(min(sizes)) if sizes else math.inf


def overflow_in(fig) -> float:
    """How far (inches) the drawn content of ``fig`` reaches beyond its canvas; 0 if it fits.

    A frame is saved at the figure's own size (every frame the same size, so the page does not
    jump), so anything beyond the canvas would be cut off: ``draw`` functions lay out with fixed
    margins (``subplots_adjust``) or a layout engine.
    """
    w, h = fig.get_size_inches()
    bb = fig.get_tightbbox()
    return float(max(0.0, -bb.x0, -bb.y0, bb.x1 - w, bb.y1 - h))


def describe_figure(fig) -> str:
    """Alt text of a figure from what it states: titles, axis labels and legend entries."""
    parts = []
    if getattr(fig, "_suptitle", None) is not None and fig._suptitle.get_text():
        parts.append(plain_text(fig._suptitle.get_text()) + ".")
    axes = [ax for ax in fig.axes if ax.get_visible()]
    for i, ax in enumerate(axes):
        bits = []
        title = " ".join(plain_text(ax.get_title(loc)) for loc in ("left", "center", "right")
                         if ax.get_title(loc))
        if len(axes) > 1:
            bits.append(f"Panel {i + 1}" + (f": {title}" if title else ""))
        elif title:
            bits.append(title)
        xl, yl = plain_text(ax.get_xlabel()), plain_text(ax.get_ylabel())
        if xl or yl:
            bits.append("; ".join(b for b in (f"horizontal axis: {xl}" if xl else "",
                                               f"vertical axis: {yl}" if yl else "") if b))
        leg = ax.get_legend()
        if leg is not None:
            entries = [plain_text(t.get_text()) for t in leg.get_texts() if t.get_text()]
            if entries:
                bits.append("legend: " + "; ".join(entries))
        if bits:
            parts.append(". ".join(b[:1].upper() + b[1:] for b in bits) + ".")
    return " ".join(parts)


def figure_svg(fig, fonttype: str = "path") -> str:
    """``fig`` as a compact, deterministic SVG document (no XML prolog or metadata block).

    ``fonttype="path"`` draws glyphs as paths (identical on every machine); ``"none"`` writes
    ``<text>`` elements (smaller, but the reader's fonts change the layout slightly).
    """
    import matplotlib

    if fonttype not in ("path", "none"):
        raise ValueError(f"fonttype must be 'path' or 'none'; got {fonttype!r}")
    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": fonttype, "svg.hashsalt": "pgtools"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue().decode("utf-8")
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.DOTALL)
    return svg[svg.index("<svg"):]


def encode_frame(svg: str) -> str:
    """SVG text -> base64 of its zlib (RFC 1950, "deflate") compression, as stored in the state."""
    return base64.b64encode(zlib.compress(svg.encode("utf-8"), 9)).decode("ascii")


def decode_frame(code: str) -> str:
    """Inverse of :func:`encode_frame` (what ``explorer.js`` does with ``DecompressionStream``)."""
    return zlib.decompress(base64.b64decode(code)).decode("utf-8")


def _svg_size_px(svg: str) -> tuple[float, float]:
    m = re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    if not m:
        raise ValueError("figure_svg output has no width/height in pt")
    return round(float(m.group(1)) * 4 / 3, 1), round(float(m.group(2)) * 4 / 3, 1)


# ------------------------------------------------------------------------------- the widget
class FrameExplorer(anywidget.AnyWidget):
    """Explorer whose every grid state is precomputed in Python and swapped by the browser.

    Parameters
    ----------
    draw : callable
        ``draw(**values) -> matplotlib.figure.Figure`` for one value of every control; it must not
        show the figure (the explorer saves and closes it).
    controls : sequence of Choice or Slider
        The controls, in display order; their names are ``draw``'s keywords.
    label : str
        Accessible name of the whole explorer (e.g. "Explorer: spread of the estimators").
    describe : callable, optional
        ``describe(**values) -> str``: one sentence saying what the figure shows for those values.
        The alt text of each frame is that sentence followed by :func:`describe_figure`.
    fonttype : {"path", "none"}
        See :func:`figure_svg`.

    Attributes
    ----------
    values : dict
        Current value of every control (synced with the page).
    n_frames : int
    smallest_text_pt : float
        Smallest text in any frame (see :func:`smallest_text_pt`).
    state_bytes : int
        Size of the frames and alt texts in the saved widget state (what the page weighs extra).
    """

    _esm = _compact(_HERE / "explorer.js")
    _css = _compact(_HERE / "explorer.css")

    label = traitlets.Unicode("").tag(sync=True)
    values = traitlets.Dict({}).tag(sync=True)
    _controls = traitlets.List([]).tag(sync=True)
    _frames = traitlets.List([]).tag(sync=True)
    _alts = traitlets.List([]).tag(sync=True)
    _size = traitlets.List([]).tag(sync=True)
    _live = traitlets.Dict({}).tag(sync=True)

    def __init__(self, draw: Callable[..., Any], controls: Sequence, *, label: str,
                 describe: Callable[..., str] | None = None, fonttype: str = "path"):
        if not callable(draw):
            raise ValueError(f"draw must be callable; got {draw!r}")
        if describe is not None and not callable(describe):
            raise ValueError(f"describe must be callable or None; got {describe!r}")
        if not isinstance(label, str) or not label.strip():
            raise ValueError("label must be a non-empty string (the explorer's accessible name)")
        if fonttype not in ("path", "none"):
            raise ValueError(f"fonttype must be 'path' or 'none'; got {fonttype!r}")
        controls = list(controls) if isinstance(controls, Sequence) else None
        if not controls or not all(isinstance(c, (Choice, Slider)) for c in controls):
            raise ValueError("controls must be a non-empty sequence of Choice or Slider")
        names = [c.name for c in controls]
        if len(set(names)) != len(names):
            raise ValueError(f"controls have repeated names: {names}")
        self._draw, self._describe, self._fonttype = draw, describe, fonttype
        self._by_name = {c.name: c for c in controls}
        self._order = names
        frames, alts, smallest, size = [], [], math.inf, None
        for combo in itertools.product(*(c.grid for c in controls)):
            svg, alt, small = self._render(dict(zip(names, combo)))
            frames.append(encode_frame(svg))
            alts.append(alt)
            smallest = min(smallest, small)
            size = size or _svg_size_px(svg)
        self.smallest_text_pt = smallest
        self.n_frames = len(frames)
        self.state_bytes = sum(len(f) for f in frames) + sum(len(a.encode()) for a in alts)
        super().__init__(label=label, _controls=[c.spec() for c in controls], _frames=frames,
                         _alts=alts, _size=list(size),
                         values={c.name: c.value for c in controls})
        self.on_msg(self._on_frontend_msg)

    # -- Python API ------------------------------------------------------------------------
    @property
    def controls(self) -> list:
        """The controls, in display order."""
        return [self._by_name[n] for n in self._order]

    def _full(self, values: dict, what: str = "values") -> dict:
        unknown = sorted(set(values) - set(self._order))
        if unknown:
            raise ValueError(f"{what}: unknown control name(s) {unknown}; the controls are "
                             f"{self._order}")
        current = dict(self.values)
        return {n: self._by_name[n].validate(values.get(n, current.get(n))) for n in self._order}

    def frame_index(self, **values: Any) -> int:
        """Position in the stored frames of the state ``values`` (missing names: current values).

        Row-major over the controls: ``index = sum_i idx_i * prod_{j > i} len(grid_j)``.
        ValueError for an unknown name, an invalid value or a value off the grid.
        """
        full = self._full(values)
        index = 0
        for n in self._order:
            c = self._by_name[n]
            index = index * len(c.grid) + c.index(full[n])
        return index

    def frame(self, **values: Any) -> dict:
        """The stored frame of a grid state: ``{"index", "svg", "alt"}``."""
        i = self.frame_index(**values)
        return {"index": i, "svg": decode_frame(self._frames[i]), "alt": self._alts[i]}

    def render(self, **values: Any) -> dict:
        """Draw the state ``values`` now (on or off the grid, as a live kernel does):
        ``{"svg", "alt"}``."""
        svg, alt, _ = self._render(self._full(values))
        return {"svg": svg, "alt": alt}

    def set(self, **values: Any) -> None:
        """Move controls from Python (the page follows); ValueError on unknown names/values."""
        full = self._full(values)
        self.values = full

    def snap(self, **values: Any) -> dict:
        """The grid state the static page shows for ``values`` (sliders to their nearest grid
        point); ValueError on unknown names or invalid choices."""
        unknown = sorted(set(values) - set(self._order))
        if unknown:
            raise ValueError(f"values: unknown control name(s) {unknown}; the controls are "
                             f"{self._order}")
        out = dict(self.values)
        for n, v in values.items():
            c = self._by_name[n]
            out[n] = c.snap(v) if isinstance(c, Slider) else c.validate(v)
        return out

    def __repr__(self) -> str:
        return f"FrameExplorer({self.label!r}, {self.n_frames} frames)"

    # -- internals -------------------------------------------------------------------------
    def _render(self, values: dict) -> tuple[str, str, float]:
        import matplotlib.pyplot as plt
        from matplotlib.figure import Figure

        fig = self._draw(**values)
        if not isinstance(fig, Figure):
            raise ValueError(f"draw must return a matplotlib Figure; got {type(fig).__name__} "
                             f"for {values}")
        try:
            svg = figure_svg(fig, self._fonttype)
            auto = describe_figure(fig)
            small = smallest_text_pt(fig, drawn=True)
        finally:
            plt.close(fig)
        lead = self._describe(**values).strip() if self._describe else ""
        if lead and not lead.endswith("."):
            lead += "."
        return svg, " ".join(s for s in (lead, auto) if s), small

    @traitlets.validate("values")
    def _check_values(self, proposal: Any) -> dict:
        value = proposal["value"]
        if not isinstance(value, dict):
            raise ValueError(f"values must be a dict; got {value!r}")
        if set(value) != set(self._order):
            raise ValueError(f"values must name every control {self._order}; got {sorted(value)}")
        return {n: self._by_name[n].validate(value[n]) for n in self._order}

    @traitlets.observe("values")
    def _values_changed(self, change: Any) -> None:
        v = change["new"]
        if all(self._by_name[n].on_grid(v[n]) for n in self._order):
            return  # the page already shows the stored frame
        svg, alt, _ = self._render(v)
        self._live = {"values": v, "frame": encode_frame(svg), "alt": alt}

    def _on_frontend_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            self.send({"type": "pong"})
