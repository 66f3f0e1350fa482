"""Self-check exercises for the book: instant feedback in a live notebook *and* in the static HTML.

Serves the "Exercise" step that ends every section of the companion (see STYLE.md, "a section's
rhythm"), e.g. the exercises on the REINFORCE estimator (§4.2) and reward-to-go (§4.3).

Four widgets, all :class:`anywidget.AnyWidget` subclasses:

* :class:`NumericExercise` -- one number ("0.25", "-1e-3", "1/4"); recognises sign errors, named
  factors (e.g. a missing ``γ^t``) and author-listed near misses.
* :class:`VectorExercise` -- a list of numbers; recognises wrong length, sign flip, wrong order and
  scalar multiples.
* :class:`ChoiceExercise` -- one (radio buttons) or several (check boxes) correct options, with
  per-option explanations and partial credit.
* :class:`CodeExercise` -- the reader writes a function; *Check* runs it against a reference on
  randomised cases (needs a running kernel; the static page says how to get one).

The book's exercises live in :mod:`pgtools.exercise_bank`; :func:`show` builds the answer box of
one by id (``show("4.3/importance-weight")``), with no prompt of its own (the page's exercise box
states it, with the precision it wants), and :func:`confirm` checks a notebook's computation
against the key without showing it. A numeric or vector answer that is right but rounded more
coarsely than asked gets "Right, but rounded too coarsely: give ...".

The first three grade in JavaScript (``exercises.js``, stored in the widget state), so they work in
the static book with no kernel; they check on *Check* or Enter. Every exercise also has a Python ``.check(...)`` that applies the
same rules and returns a :class:`Feedback`; ``tests/exercise_cases.json`` runs both graders on the
same cases so they cannot drift apart.

Honesty note: the answer, hints and solution travel in the page XOR-ed with a random salt and
base64-encoded. That keeps them out of plain sight (no spoiler when reading the page source, no
search hits), it does **not** secure them: anyone can decode them. This is a self-study book.

Call :func:`explain` for a short usage summary.
"""

from __future__ import annotations

import base64
import copy
import inspect
import json
import math
import os
import re
import signal
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import traitlets

__all__ = [
    "ChoiceExercise",
    "CodeExercise",
    "Feedback",
    "NumericExercise",
    "VectorExercise",
    "confirm",
    "explain",
    "grade",
    "show",
]

_HERE = Path(__file__).parent
STATUSES = ("correct", "close", "wrong", "invalid")


def explain() -> str:
    """Print and return a short summary of how to use the exercise widgets (all sections)."""
    text = (
        "pgtools.exercises -- self-check exercises\n"
        "  NumericExercise('What is J(θ)?', 0.25, hints=['...'], solution='...')\n"
        "  VectorExercise('Give π_θ(·|s).', [0.1, 0.2, 0.7])\n"
        "  ChoiceExercise('Which are unbiased?', ['A', 'B', 'C'], correct=[0, 2])\n"
        "  CodeExercise('Write reward_to_go.', reference, name='reward_to_go', cases=make_case)\n"
        "Display one as the last expression of a cell. ex.check(answer) grades from Python.\n"
        "The book's exercises come from the bank: show('4.3/importance-weight') builds the\n"
        "answer box of that exercise (no prompt: the page states it).\n"
        "Numeric/vector/choice grade in the browser, also in the static book; code needs a kernel.\n"
        "Answers are obscured in the page (salted XOR + base64), not secured."
    )
    print(text)
    return text


# ------------------------------------------------------------------------------------ feedback
@dataclass(frozen=True)
class Feedback:
    """Result of grading one attempt (all sections).

    Attributes
    ----------
    status : {"correct", "close", "wrong", "invalid"}
        ``invalid`` means the attempt could not be graded (empty, not a number, wrong length, ...).
    message : str
        One friendly sentence for the reader.
    details : tuple of str
        Extra lines (per-option explanations, failing inputs / expected / received values).
    """

    status: str
    message: str
    details: tuple[str, ...] = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return self.status == "correct"

    def to_dict(self) -> dict:
        """JSON-ready form, as stored in the widget's ``feedback`` trait."""
        return {"status": self.status, "message": self.message, "details": list(self.details)}

    def __str__(self) -> str:
        return "\n".join([f"[{self.status}] {self.message}", *self.details])


# ------------------------------------------------------------------ pure graders (mirror of JS)
_NUM = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_NONFINITE = re.compile(r"^[+-]?(nan|inf|infinity)$", re.IGNORECASE)


def _fmt(x: float) -> str:
    """Three significant digits, printed like JavaScript's ``String(Number(x.toPrecision(3)))``."""
    v = float(f"{x:.3g}")
    return str(int(v)) if v.is_integer() and abs(v) < 1e21 else repr(v)


def _read_number(text: Any) -> tuple[float | None, float, str | None]:
    """Read one typed number; returns ``(value, ulp, error)``.

    ``ulp`` is the unit in the last place *as typed*: ``"0.67"`` -> 0.01, ``"6.652e-1"`` ->
    1e-4, ``"126"`` -> 1; a fraction (``"1/4"``) is exact, ulp 0. Never raises.
    """
    t = ("" if text is None else str(text)).strip().replace("\u2212", "-")
    if t == "":
        return None, 0.0, "Please type a number first."
    if _NONFINITE.match(t):
        return None, 0.0, (f'"{t}" is not a finite number; the answer is an ordinary finite '
                           "number.")
    parts = t.split("/")
    if len(parts) > 2 or not all(_NUM.match(q.strip()) for q in parts):
        return None, 0.0, (f'I could not read "{t}" as a number. Try something like 0.25, -1e-3 '
                           "or 1/4.")
    v = float(parts[0].strip())
    ulp = 0.0
    if len(parts) == 2:
        d = float(parts[1].strip())
        if d == 0:
            return None, 0.0, "That fraction divides by zero."
        v = v / d
    else:
        m = _NUM.match(parts[0].strip())
        mant, expo = m.group(1), m.group(2)
        dec = len(mant.split(".")[1]) if "." in mant else 0
        ulp = float(f"1e{(int(expo[1:]) if expo else 0) - dec}")
    if not math.isfinite(v):
        return None, 0.0, f'"{t}" is too large to be a finite number.'
    return v, ulp, None


def parse_number(text: Any) -> tuple[float | None, str | None]:
    """Read a number typed by the reader: ``"0.25"``, ``"-1e-3"``, ``"1/4"``, ``" 2.5 "``.

    Returns ``(value, None)`` or ``(None, friendly_error)``; never raises.
    """
    v, _, err = _read_number(text)
    return v, err


def _read_vector(text: Any) -> tuple[list[float] | None, list[float], str | None]:
    """Numbers separated by commas/spaces/semicolons, optionally in ``[...]`` or ``(...)``;
    returns ``(values, ulps, error)`` (see :func:`_read_number`)."""
    t = ("" if text is None else str(text)).strip()
    if re.match(r"^[\[(].*[\])]$", t, re.DOTALL):
        t = t[1:-1]
    toks = [q for q in re.split(r"[\s,;]+", t) if q != ""]
    if not toks:
        return None, [], "Please type some numbers first, e.g. 0.1, 0.2, 0.7."
    out, ulps = [], []
    for q in toks:
        v, ulp, err = _read_number(q)
        if err is not None:
            return None, [], f'Entry "{q}": {err}'
        out.append(v)
        ulps.append(ulp)
    return out, ulps, None


def parse_vector(text: Any) -> tuple[list[float] | None, str | None]:
    """Read numbers separated by commas/spaces/semicolons, optionally in ``[...]`` or ``(...)``."""
    v, _, err = _read_vector(text)
    return v, err


def _isclose(x: float, y: float, rtol: float, atol: float) -> bool:
    return abs(x - y) <= atol + rtol * abs(y)


def _allclose(x: Sequence[float], y: Sequence[float], rtol: float, atol: float) -> bool:
    return all(_isclose(a, b, rtol, atol) for a, b in zip(x, y))


_RIGHT = "Correct, well done!"
_AGAIN = "Not quite. Have another go, or open a hint."
_SLACK = 1 + 1e-9  # absorbs binary round-off at the edge of a tolerance (same in JS)


def _precise(x: float, ulp: float, a: float, need: float | None) -> bool:
    """Typed with at least the precision asked for (or exactly the answer, e.g. "0.2")."""
    return need is None or ulp <= need * _SLACK or abs(x - a) <= 1e-12 * abs(a)


def _coarse(x: float, ulp: float, a: float, need: float | None, lead: float | None) -> bool:
    """``x`` is ``a`` correctly rounded to fewer digits than asked (e.g. 0.67 for 0.6652).

    The typed precision is coarser than ``need`` but not coarser than the answer's leading
    digit ``lead`` (so "1" is not "0.6652 rounded"), and ``x`` is within half a typed unit.
    """
    return (need is not None and lead is not None and need * _SLACK < ulp <= lead * _SLACK
            and abs(x - a) <= 0.5 * ulp * _SLACK)


def _window(ulp: float, need: float | None, lead: float | None) -> float:
    """Extra room when matching near misses: half a typed unit, if the precision is known."""
    if need is None or lead is None or ulp > lead * _SLACK:
        return 0.0
    return 0.5 * ulp * _SLACK


def _too_coarse(spec: Mapping) -> Feedback:
    return Feedback("close", f"Right, but rounded too coarsely: give {spec['need_text']}.")


def _grade_numeric(spec: Mapping, text: Any) -> Feedback:
    x, ulp, err = _read_number(text)
    if err is not None:
        return Feedback("invalid", err)
    a, rt, at = spec["answer"], spec["rtol"], spec["atol"]
    need, lead = spec.get("need"), spec.get("lead")
    if _isclose(x, a, rt, at) or _coarse(x, ulp, a, need, lead):
        return Feedback("correct", _RIGHT) if _precise(x, ulp, a, need) else _too_coarse(spec)
    win = _window(ulp, need, lead)

    def near(v: float, target: float) -> bool:
        return _isclose(v, target, rt, at) or abs(v - target) <= win

    for c in spec["close"]:
        if near(x, c["value"]):
            return Feedback("close", c["message"])
    if a != 0 and near(-x, a):
        return Feedback("close", "Close: the size is right but the sign is flipped. Check the sign.")
    for name, f in spec["factors"]:
        if near(x, a * f):
            return Feedback("close", f"Close: you are off by a factor of {name} "
                            f"(your answer is {name} times too big or too small).")
        if near(x, a / f):
            return Feedback("close", f"Close: you are off by a factor of 1/{name} "
                            f"(your answer is {name} times too big or too small).")
    return Feedback("wrong", _AGAIN)


def _grade_vector(spec: Mapping, text: Any) -> Feedback:
    if isinstance(text, (list, tuple, np.ndarray)):
        text = ", ".join(repr(float(v)) for v in np.ravel(np.asarray(text, dtype=float)))
    x, ulps, err = _read_vector(text)
    if err is not None:
        return Feedback("invalid", err)
    a, rt, at = spec["answer"], spec["rtol"], spec["atol"]
    need = spec.get("need")
    leads = spec.get("lead") or [None] * len(a)
    if len(x) != len(a):
        return Feedback("invalid", f"Expected {len(a)} numbers, got {len(x)}.")
    ok = [_isclose(xi, ai, rt, at) or _coarse(xi, ui, ai, need, li)
          for xi, ui, ai, li in zip(x, ulps, a, leads)]
    if all(ok):
        if all(_precise(xi, ui, ai, need) for xi, ui, ai in zip(x, ulps, a)):
            return Feedback("correct", _RIGHT)
        return _too_coarse(spec)
    wins = [_window(ui, need, li) for ui, li in zip(ulps, leads)]

    def near(vs: Sequence[float], ts: Sequence[float], ws: Sequence[float]) -> bool:
        return all(_isclose(v, t, rt, at) or abs(v - t) <= w for v, t, w in zip(vs, ts, ws))

    nonzero = any(not _isclose(0.0, v, rt, at) for v in a)
    if nonzero and near([-v for v in x], a, wins):
        return Feedback("close", "Close: every entry has the wrong sign. Check the sign.")
    order = sorted(range(len(x)), key=lambda i: x[i])
    if near([x[i] for i in order], sorted(a), [wins[i] for i in order]):
        return Feedback("close", "Close: right numbers, wrong order.")
    xa = aa = 0.0
    for xi, ai in zip(x, a):
        xa += xi * ai
        aa += ai * ai
    c = xa / aa if aa > 0 else 0.0
    # a factor near +1 is rounding and near -1 a sign flip: neither is a "multiple"
    if nonzero and abs(c - 1) > 0.05 and abs(c + 1) > 0.05 and c != 0 \
            and near(x, [c * v for v in a], wins):
        return Feedback("close", f"Close: your vector is a multiple of the answer, scaled by about "
                        f"{_fmt(c)}. Check the normalisation.")
    return Feedback("wrong", _AGAIN)


def _grade_choice(spec: Mapping, chosen: Any) -> Feedback:
    n, ok, multiple = spec["n"], set(spec["correct"]), spec["multiple"]
    if chosen is None:
        chosen = []
    elif isinstance(chosen, (int, np.integer)) and not isinstance(chosen, bool):
        chosen = [chosen]
    sel = sorted(set(chosen), key=lambda v: (str(type(v)), v))
    if not sel:
        return Feedback("invalid", "Tick at least one option first." if multiple
                        else "Pick an option first.")
    if any(isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= i < n
           for i in sel):
        return Feedback("invalid", "That option does not exist.")
    if not multiple and len(sel) > 1:
        return Feedback("invalid", "Pick just one option.")
    ex = spec["explanations"]
    details = tuple(f"{chr(65 + i)}: {ex[i]}" for i in sel if ex[i])
    right = sum(i in ok for i in sel)
    wrong = len(sel) - right
    if right == len(ok) and wrong == 0:
        return Feedback("correct", _RIGHT, details)
    if not multiple:
        return Feedback("wrong", "Not this one. Have another go.", details)
    if right > 0:
        return Feedback("close", f"Nearly: {right} of {len(ok)} correct choices, {wrong} wrong.",
                        details)
    return Feedback("wrong", "None of the options you ticked is correct. Have another go.",
                    details)


def grade(spec: Mapping, answer: Any) -> Feedback:
    """Grade one attempt against a decoded spec; the Python twin of ``grade`` in ``exercises.js``.

    Parameters
    ----------
    spec : dict
        Decoded grading spec, with ``kind`` in {"numeric", "vector", "choice"}.
    answer : str or list of int
        The reader's text (numeric, vector) or the chosen option indices (choice).
    """
    kind = spec.get("kind")
    if kind == "numeric":
        return _grade_numeric(spec, answer)
    if kind == "vector":
        return _grade_vector(spec, answer)
    if kind == "choice":
        return _grade_choice(spec, answer)
    raise ValueError(f"cannot grade kind {kind!r}")


# ------------------------------------------------------------------------------ spec encoding
def encode_spec(spec: Mapping, salt: bytes | None = None) -> str:
    """Obscure (not secure!) a spec: UTF-8 JSON XOR-ed with a random salt, as ``salt.data`` base64."""
    salt = os.urandom(16) if salt is None else salt
    raw = json.dumps(spec, ensure_ascii=False, separators=(",", ":")).encode()
    data = bytes(b ^ salt[i % len(salt)] for i, b in enumerate(raw))
    return base64.b64encode(salt).decode() + "." + base64.b64encode(data).decode()


def decode_spec(code: str) -> dict:
    """Inverse of :func:`encode_spec`."""
    s, p = code.split(".")
    salt, data = base64.b64decode(s), base64.b64decode(p)
    return json.loads(bytes(b ^ salt[i % len(salt)] for i, b in enumerate(data)).decode())


# ----------------------------------------------------------------------------- validation
def _finite(x: Any, what: str) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, got {x!r}") from None
    if not math.isfinite(v):
        raise ValueError(f"{what} must be finite, got {v!r}")
    return v


def _tol(rtol: Any, atol: Any) -> tuple[float, float]:
    rtol, atol = _finite(rtol, "rtol"), _finite(atol, "atol")
    if rtol < 0 or atol < 0:
        raise ValueError(f"rtol and atol must be >= 0, got rtol={rtol}, atol={atol}")
    return rtol, atol


def _texts(xs: Any, what: str) -> list[str]:
    if xs is None:
        return []
    if isinstance(xs, str):
        return [xs]
    out = list(xs)
    if not all(isinstance(x, str) for x in out):
        raise ValueError(f"{what} must be strings")
    return out


def _short(text: str, n: int = 40) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _int_in(x: Any, lo: int, hi: int, what: str) -> int:
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)) or not lo <= x <= hi:
        raise ValueError(f"{what} must be an integer from {lo} to {hi}, got {x!r}")
    return int(x)


def _exponent(v: float, digits: int) -> int:
    """Decimal exponent of ``v`` once rounded to ``digits`` significant digits (0.996 -> 0)."""
    return int(f"{abs(v):.{digits - 1}e}".split("e")[1])


def _precision(values: Sequence[float], digits: Any, decimals: Any, *, vector: bool = False
               ) -> tuple[float | None, list[float] | None, str, str]:
    """Precision asked of the reader: ``(need, leads, need_text, note)``.

    ``need`` is the unit of the last digit asked for (``digits`` significant digits of the
    answer, or ``decimals`` decimal places); ``leads[i]`` the unit of the leading digit of
    answer ``i``. ``need_text`` completes "give ..." in feedback; ``note`` is shown by the box.
    """
    if digits is not None and decimals is not None:
        raise ValueError("give digits or decimals, not both")
    if digits is None and decimals is None:
        return None, None, "", ""
    if digits is not None:
        if vector:
            raise ValueError("a vector's precision is given in decimals, not digits")
        n = _int_in(digits, 1, 15, "digits")
        if values[0] == 0:
            raise ValueError("digits needs a non-zero answer; give decimals instead")
        need = float(f"1e{_exponent(values[0], n) - n + 1}")
        text = f"{n} significant digit" + ("s" if n > 1 else "")
        note = text
    else:
        d = _int_in(decimals, 0, 15, "decimals")
        need = float(f"1e{-d}")
        text = "the exact whole number" if d == 0 else f"{d} decimal place" + ("s" if d > 1 else "")
        note = "a whole number" if d == 0 else text
    leads = [float(f"1e{_exponent(v, 1)}") if v != 0 else need for v in values]
    return need, leads, text, note


def _default_tol(rtol: Any, atol: Any, need: float | None, values: Sequence[float],
                 decimals: Any) -> tuple[float, float]:
    """Tolerance: as given; else one unit of the last digit asked for, except that a whole
    number asked as a whole number (a count, an index) must be exact; else 1%."""
    if need is None:
        return _tol(1e-2 if rtol is None else rtol, 1e-8 if atol is None else atol)
    if decimals == 0 and all(float(v).is_integer() for v in values):
        unit = 1e-9
    else:
        unit = need * _SLACK
    return _tol(0.0 if rtol is None else rtol, unit if atol is None else atol)


_LABELLED = re.compile(r"^\s*(\(?[A-Za-z]\)|[A-Z][.:)])\s")
_EXERCISE_ID = re.compile(r"^\d+\.\d+/[a-z0-9]+(-[a-z0-9]+)*$")


# ------------------------------------------------------------------------------- widgets
def _compact(path: Path) -> str:
    """Asset text without indentation, blank and whole-line ``//`` comment lines.

    The source is stored in every widget's saved state, so this keeps notebooks and pages small;
    line breaks are kept, so JavaScript semantics (automatic semicolons) do not change.
    """
    lines = (ln.strip() for ln in path.read_text(encoding="utf-8").splitlines())
    return "\n".join(ln for ln in lines if ln and not ln.startswith("//")) + "\n"


class _Exercise(anywidget.AnyWidget):
    """Common base: prompt, encoded spec, hints/solution (inside the spec), feedback trait.

    ``exercise_id`` names the exercise in the bank (``"4.3/importance-weight"``, see
    :func:`show`); with ``show_prompt=False`` the box shows no prompt (the page's exercise
    text states it) and ``prompt`` only names the box for screen readers.
    """

    _esm = _compact(_HERE / "exercises.js")
    _css = _compact(_HERE / "exercises.css")

    kind = traitlets.Unicode("").tag(sync=True)
    prompt = traitlets.Unicode("").tag(sync=True)
    show_prompt = traitlets.Bool(True).tag(sync=True)
    exercise_id = traitlets.Unicode("").tag(sync=True)
    _spec = traitlets.Unicode("").tag(sync=True)
    feedback = traitlets.Dict({}).tag(sync=True)

    def __init__(self, prompt: str, spec: dict, hints: Any, solution: Any, *,
                 exercise_id: str = "", show_prompt: bool = True, **traits: Any):
        if not isinstance(prompt, str) or not prompt.strip():
            raise ValueError("prompt must be a non-empty string")
        if solution is not None and not isinstance(solution, str):
            raise ValueError("solution must be a string (markdown/LaTeX text) or None")
        if not isinstance(exercise_id, str) or (exercise_id and
                                                not _EXERCISE_ID.match(exercise_id)):
            raise ValueError(f"exercise_id must look like '4.3/importance-weight', "
                             f"got {exercise_id!r}")
        spec = dict(spec, hints=_texts(hints, "hints"), solution=solution)
        self._decoded = spec
        super().__init__(prompt=prompt, kind=spec["kind"], _spec=encode_spec(spec),
                         exercise_id=exercise_id, show_prompt=bool(show_prompt), **traits)

    @property
    def hints(self) -> list[str]:
        return list(self._decoded["hints"])

    @property
    def solution(self) -> str | None:
        return self._decoded["solution"]

    def check(self, answer: Any) -> Feedback:
        """Grade ``answer`` with the same rules as the browser; also updates ``feedback``."""
        result = grade(self._decoded, answer)
        self.feedback = result.to_dict()
        return result

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.exercise_id or _short(self.prompt)!r})"


class NumericExercise(_Exercise):
    """Exercise whose answer is one number (any section; e.g. "compute J(θ)" in §4.2).

    Parameters
    ----------
    prompt : str
        Question text; ``$...$`` math is typeset by the page's MathJax.
    answer : float
        The expected value (finite).
    digits, decimals : int, optional
        The precision asked of the reader (at most one of them): ``digits`` significant
        digits, or ``decimals`` decimal places (0: a whole number). The box shows it, an
        answer right but rounded more coarsely gets "Right, but rounded too coarsely: give
        ...", and it sets the default tolerance.
    rtol, atol : float, optional
        Accept ``x`` when ``|x - answer| <= atol + rtol * |answer|``; the same tolerance is used
        to recognise near misses. Default: one unit of the last digit asked for (exact for a
        whole-number answer asked as a whole number), or ``rtol=1e-2`` when no precision is
        given.
    close : list of (value, message) or dict {value: message}, optional
        Known wrong answers with a tailored message (status ``close``).
    factors : dict {name: float}, optional
        Named factors: an answer off by ``f`` or ``1/f`` gets "you are off by a factor of name",
        e.g. ``factors={"$\\gamma^t$": 0.9**3}``.
    hints : sequence of str
        Revealed one at a time.
    solution : str, optional
        Shown on request (plain text with ``$...$`` math).
    unit : str, optional
        Shown after the input box.
    exercise_id, show_prompt : see :class:`_Exercise` (set by :func:`show`).
    """

    unit = traitlets.Unicode("").tag(sync=True)
    precision = traitlets.Unicode("").tag(sync=True)

    def __init__(self, prompt: str, answer: float, *, digits: int | None = None,
                 decimals: int | None = None, rtol: float | None = None,
                 atol: float | None = None, close: Any = None,
                 factors: Mapping[str, float] | None = None, hints: Iterable[str] = (),
                 solution: str | None = None, unit: str | None = None,
                 exercise_id: str = "", show_prompt: bool = True):
        a = _finite(answer, "answer")
        need, leads, need_text, note = _precision([a], digits, decimals)
        rtol, atol = _default_tol(rtol, atol, need, [a], decimals)
        items = close.items() if isinstance(close, Mapping) else (close or [])
        near = []
        for item in items:
            try:
                value, message = item
            except (TypeError, ValueError):
                raise ValueError("close must be a list of (value, message) pairs") from None
            value = _finite(value, "close value")
            if _isclose(value, a, rtol, atol):
                raise ValueError(f"close value {value} would already be accepted as correct")
            near.append({"value": value, "message": str(message)})
        facs = []
        for name, f in (factors or {}).items():
            f = _finite(f, f"factor {name!r}")
            if f == 0 or _isclose(f, 1.0, rtol, 0.0):
                raise ValueError(f"factor {name!r} must be non-zero and not ≈1, got {f}")
            facs.append([str(name), f])
        spec = {"kind": "numeric", "answer": a, "rtol": rtol, "atol": atol, "close": near,
                "factors": facs, "need": need, "lead": leads and leads[0],
                "need_text": need_text}
        super().__init__(prompt, spec, hints, solution, unit=unit or "", precision=note,
                         exercise_id=exercise_id, show_prompt=show_prompt)


class VectorExercise(_Exercise):
    """Exercise whose answer is a short vector, e.g. a policy π_θ(·|s) (§4.5) or a gradient (§4.2).

    Parameters
    ----------
    prompt : str
    answer : array_like, shape (n,)
        Finite numbers; the reader types them comma- or space-separated.
    decimals : int, optional
        Decimal places asked of every entry (as in :class:`NumericExercise`).
    rtol, atol : float, optional
        Element-wise tolerance, as in :class:`NumericExercise`.
    hints, solution, exercise_id, show_prompt : see :class:`NumericExercise`.
    """

    precision = traitlets.Unicode("").tag(sync=True)

    def __init__(self, prompt: str, answer: Any, *, decimals: int | None = None,
                 rtol: float | None = None, atol: float | None = None,
                 hints: Iterable[str] = (), solution: str | None = None,
                 exercise_id: str = "", show_prompt: bool = True):
        try:
            arr = np.asarray(answer, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"answer must be an array of numbers, got {answer!r}") from None
        if arr.ndim != 1 or arr.size == 0:
            raise ValueError(f"answer must be a non-empty 1-d array, got shape {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError("answer must contain only finite numbers")
        values = [float(v) for v in arr]
        need, leads, need_text, note = _precision(values, None, decimals, vector=True)
        rtol, atol = _default_tol(rtol, atol, need, values, decimals)
        spec = {"kind": "vector", "answer": values, "rtol": rtol, "atol": atol, "need": need,
                "lead": leads, "need_text": need_text}
        super().__init__(prompt, spec, hints, solution, precision=note,
                         exercise_id=exercise_id, show_prompt=show_prompt)


class ChoiceExercise(_Exercise):
    """Multiple-choice question (any section; e.g. "which baselines keep the gradient unbiased?").

    Parameters
    ----------
    prompt : str
    options : sequence of str, or int
        At least two option texts, shown after their labels A, B, C, ... (so a text must not
        carry its own label, like "A: ..." or "(a) ..."). An int ``n`` shows the bare labels
        A, B, ... of ``n`` options that the page's exercise text lists.
    correct : int or sequence of int
        Index (0-based) of the correct option, or indices when several are correct.
    multiple : bool, optional
        Check boxes (several may be ticked) instead of radio buttons. Default: True when
        ``correct`` is a sequence with more than one index.
    explanations : sequence of (str or None), optional
        Per-option feedback shown when that option is chosen; same length as ``options``.
    hints, solution, exercise_id, show_prompt : see :class:`NumericExercise`.
    """

    options = traitlets.List(traitlets.Unicode()).tag(sync=True)
    multiple = traitlets.Bool(False).tag(sync=True)

    def __init__(self, prompt: str, options: Sequence[str] | int, correct: Any, *,
                 multiple: bool | None = None, explanations: Sequence[str | None] | None = None,
                 hints: Iterable[str] = (), solution: str | None = None,
                 exercise_id: str = "", show_prompt: bool = True):
        if isinstance(options, (int, np.integer)) and not isinstance(options, bool):
            opts = [""] * _int_in(options, 2, 26, "options")
        else:
            opts = _texts(options, "options")
        if len(opts) < 2:
            raise ValueError("options needs at least two entries")
        if len(opts) > 26:
            raise ValueError("options has more than 26 entries (labels A to Z)")
        for i, o in enumerate(opts):  # the box labels options A, B, C, ... itself
            m = _LABELLED.match(o)
            if m and m.group(1).strip("().:").upper() == chr(65 + i):
                opts[i] = o[m.end():]  # "A: full return" -> "full return", shown "A. full return"
            elif m:
                raise ValueError(f"option {o!r} carries a label that is not its own "
                                 f"({chr(65 + i)}); drop it, the box labels options itself")
        idx = [correct] if isinstance(correct, (int, np.integer)) else list(correct)
        if not idx:
            raise ValueError("correct must name at least one option")
        for i in idx:
            if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
                raise ValueError(f"correct must hold option indices (int), got {i!r}")
            if not 0 <= i < len(opts):
                raise ValueError(f"correct index {i} out of range for {len(opts)} options "
                                 f"(indices are 0-based)")
        idx = sorted({int(i) for i in idx})
        if multiple is None:
            multiple = len(idx) > 1
        if not multiple and len(idx) > 1:
            raise ValueError("several correct options need multiple=True")
        ex = [None] * len(opts) if explanations is None else list(explanations)
        if len(ex) != len(opts):
            raise ValueError(f"explanations has {len(ex)} entries, options has {len(opts)}")
        spec = {"kind": "choice", "n": len(opts), "correct": idx, "multiple": bool(multiple),
                "explanations": [None if e is None else str(e) for e in ex]}
        super().__init__(prompt, spec, hints, solution, options=opts, multiple=bool(multiple),
                         exercise_id=exercise_id, show_prompt=show_prompt)


# ------------------------------------------------------------------------------ code exercise
class _Timeout(BaseException):
    """Raised inside reader code when the time limit is hit (BaseException: not caught by
    a reader's ``except Exception``)."""


def _call_with_timeout(func: Callable, args: tuple, timeout: float) -> tuple[str, Any]:
    """Run ``func(*args)``: returns ("ok", value), ("raised", exc) or ("timeout", None).

    Uses ``signal.setitimer`` (interrupts pure-Python infinite loops) in the main thread, else
    a daemon thread joined with a timeout (the runaway thread cannot be killed, only abandoned).
    """
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        def on_alarm(signum, frame):
            raise _Timeout()

        old = signal.signal(signal.SIGALRM, on_alarm)
        try:
            signal.setitimer(signal.ITIMER_REAL, timeout)
            try:
                return "ok", func(*args)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except _Timeout:
            return "timeout", None
        except Exception as exc:  # reader code may raise anything
            return "raised", exc
        finally:
            signal.signal(signal.SIGALRM, old)
    box: dict = {}

    def target():
        try:
            box["ok"] = func(*args)
        except BaseException as exc:
            box["raised"] = exc

    th = threading.Thread(target=target, daemon=True)
    th.start()
    th.join(timeout)
    if th.is_alive():
        return "timeout", None
    if "raised" in box:
        return "raised", box["raised"]
    return "ok", box.get("ok")


def _show(x: Any) -> str:
    """Compact printout of a value (numpy arrays short, floats to 4 digits)."""
    if isinstance(x, (np.ndarray, list, tuple)) and not isinstance(x, str):
        try:
            arr = np.asarray(x)
            if arr.dtype.kind in "biuf":
                return np.array2string(arr, precision=4, separator=", ", threshold=12,
                                       edgeitems=3, max_line_width=90, suppress_small=True)
        except (ValueError, TypeError):
            pass
    if isinstance(x, (float, np.floating)):
        return f"{float(x):.4g}"
    r = repr(x)
    return r if len(r) <= 200 else r[:199] + "…"


def _same(a: Any, b: Any) -> bool:
    """Deep equality that understands numpy arrays (used for the mutation check)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        try:
            return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)
        except (TypeError, ValueError):
            return np.array_equal(np.asarray(a), np.asarray(b))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    try:
        return bool(a == b) or (a != a and b != b)
    except Exception:
        return False


class CodeExercise(_Exercise):
    """Exercise where the reader writes a function, e.g. ``reward_to_go(rewards, gamma)`` (§4.3).

    *Check* (or :meth:`check`) runs the reader's function on randomised cases next to
    ``reference`` and reports the first failing case with its inputs, the expected and the
    received value. Needs a running kernel; in the static book the widget says how to get one.

    Parameters
    ----------
    prompt : str
    reference : callable
        The model solution. Always called on its own pristine deep copy of the inputs.
    name : str
        Name the reader's function must have in the notebook namespace.
    cases : callable ``rng -> tuple`` or sequence of tuples
        Argument tuples; a callable is drawn ``n_cases`` times with ``np.random.default_rng(seed)``.
    n_cases : int
    rtol, atol : float
        Tolerance of the default comparison (``np.allclose``-like, same shape required).
    compare : callable ``(received, expected) -> bool``, optional
        Replaces the default comparison.
    close : sequence of (callable, str), optional
        Known-wrong variants of ``reference`` with a tailored message (status ``close``).
    factors : dict {name: float}, optional
        Named constant factors (like :class:`NumericExercise`).
    timeout : float
        Seconds allowed per case.
    hints, solution, exercise_id, show_prompt : see :class:`NumericExercise`.
    seed : int
    """

    name = traitlets.Unicode("").tag(sync=True)

    def __init__(self, prompt: str, reference: Callable, *, name: str, cases: Any,
                 n_cases: int = 20, rtol: float = 1e-6, atol: float = 1e-8,
                 compare: Callable | None = None, close: Any = None,
                 factors: Mapping[str, float] | None = None, timeout: float = 2.0,
                 hints: Iterable[str] = (), solution: str | None = None, seed: int = 0,
                 exercise_id: str = "", show_prompt: bool = True):
        if not callable(reference):
            raise ValueError("reference must be callable")
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"name must be a Python identifier, got {name!r}")
        if not callable(cases):
            try:
                cases = [tuple(c) for c in cases]
            except TypeError:
                raise ValueError("cases must be a callable rng -> tuple or a list of tuples") \
                    from None
            if not cases:
                raise ValueError("cases is empty")
        if int(n_cases) < 1:
            raise ValueError("n_cases must be >= 1")
        timeout = _finite(timeout, "timeout")
        if timeout <= 0:
            raise ValueError("timeout must be > 0")
        if compare is not None and not callable(compare):
            raise ValueError("compare must be callable")
        near = []
        for item in close or []:
            try:
                f, msg = item
            except (TypeError, ValueError):
                raise ValueError("close must be a list of (function, message) pairs") from None
            if not callable(f):
                raise ValueError("close entries must be (function, message) pairs")
            near.append((f, str(msg)))
        facs = []
        for fname, f in (factors or {}).items():
            f = _finite(f, f"factor {fname!r}")
            if f == 0 or f == 1:
                raise ValueError(f"factor {fname!r} must be non-zero and not 1")
            facs.append((str(fname), f))
        self._reference, self._cases, self._n_cases = reference, cases, int(n_cases)
        self._rtol, self._atol = _tol(rtol, atol)
        self._compare, self._close, self._factors = compare, near, facs
        self._timeout, self._seed = timeout, seed
        try:
            self._argnames = list(inspect.signature(reference).parameters)
        except (TypeError, ValueError):
            self._argnames = []
        super().__init__(prompt, {"kind": "code"}, hints, solution, name=name,
                         exercise_id=exercise_id, show_prompt=show_prompt)
        self.on_msg(self._on_frontend_msg)

    # -- frontend protocol: {"type": "ping"} -> pong; {"type": "check"} -> the feedback trait and
    # a {"type": "checked"} reply carrying the same feedback (a repeated check whose result equals
    # the previous one changes no trait, so the page would otherwise never hear back)
    def _on_frontend_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "ping":
            self.send({"type": "pong"})
        elif kind == "check":
            self.send({"type": "pong"})
            result = self.check()
            self.send({"type": "checked", "feedback": result.to_dict()})

    def _case_list(self) -> list[tuple]:
        if callable(self._cases):
            rng = np.random.default_rng(self._seed)
            out = []
            for _ in range(self._n_cases):
                c = self._cases(rng)
                out.append(c if isinstance(c, tuple) else (c,))
            return out
        return list(self._cases)

    def _args_text(self, args: tuple) -> str:
        names = self._argnames if len(self._argnames) == len(args) else \
            [f"arg{i}" for i in range(len(args))]
        return "\n".join(f"  {n} = {_show(v)}" for n, v in zip(names, args))

    def _match(self, got: np.ndarray, exp: np.ndarray) -> bool:
        return got.shape == exp.shape and bool(
            np.allclose(got, exp, rtol=self._rtol, atol=self._atol, equal_nan=False))

    def _lookup(self) -> tuple[Any, Feedback | None]:
        try:
            from IPython import get_ipython
            ip = get_ipython()
        except ImportError:
            ip = None
        ns = getattr(ip, "user_ns", None) or {}
        if self.name not in ns:
            return None, Feedback(
                "invalid", f"I can't find a function called `{self.name}` yet. Define it in a "
                "code cell, run that cell (Shift+Enter), then press Check again.")
        return ns[self.name], None

    def check(self, func: Callable | None = None) -> Feedback:
        """Run the reader's function on every case; return the first failure (or success).

        Parameters
        ----------
        func : callable, optional
            The function to test. Default: look up ``name`` in the IPython user namespace.
        """
        result = self._check(func)
        self.feedback = result.to_dict()
        return result

    def _check(self, func: Callable | None) -> Feedback:
        if func is None:
            func, missing = self._lookup()
            if missing is not None:
                return missing
        if not callable(func):
            return Feedback("invalid", f"`{self.name}` is a {type(func).__name__}, not a function."
                            f" Write it as `def {self.name}(...):`.")
        for k, args in enumerate(self._case_list(), start=1):
            pristine = copy.deepcopy(args)
            expected = self._reference(*copy.deepcopy(args))
            user_args = copy.deepcopy(args)
            outcome, got = _call_with_timeout(func, user_args, self._timeout)
            where = f"on test case {k}"
            inputs = "inputs:\n" + self._args_text(pristine)
            if outcome == "timeout":
                return Feedback("wrong", f"Your function took longer than {self._timeout:g} s "
                                f"{where}; is there an infinite loop?", (inputs,))
            if outcome == "raised":
                return Feedback("wrong", f"Your function raised {type(got).__name__}: {got} "
                                f"{where}.", (inputs,))
            fb = self._compare_one(got, expected, pristine, where, inputs)
            mutated = not _same(user_args, pristine)
            if mutated:
                msg = (f"Your function changed its input in place {where}; work on a copy "
                       f"(e.g. `x = np.array(x, dtype=float)`) so callers keep their data.")
                if fb is None:
                    return Feedback("close", "Close: the result is right, but " + msg[0].lower()
                                    + msg[1:], (inputs,))
                return Feedback("wrong", fb.message + " Also: " + msg, fb.details)
            if fb is not None:
                return fb
        n = k
        return Feedback("correct", f"Correct, well done! Your function passed all {n} test cases.")

    def _compare_one(self, got: Any, expected: Any, args: tuple, where: str,
                     inputs: str) -> Feedback | None:
        exp_a = np.asarray(expected)
        details = (inputs, f"expected: {_show(expected)}", f"received: {_show(got)}")
        if self._compare is not None:
            try:
                ok = bool(self._compare(got, expected))
            except Exception as exc:
                ok, _ = False, exc
            return None if ok else Feedback("wrong", f"Not quite: wrong result {where}.", details)
        if got is None:
            return Feedback("wrong", f"Your function returned None {where}; did you forget "
                            "`return`?", details)
        try:
            got_a = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            return Feedback("wrong", f"Your function returned a {type(got).__name__} {where}; "
                            f"expected numbers of shape {exp_a.shape}.", details)
        if got_a.shape != exp_a.shape:
            if got_a.shape == exp_a.shape[::-1] and self._match(got_a.T, exp_a):
                return Feedback("close", f"Close: your result is transposed {where}.", details)
            return Feedback("wrong", f"Wrong shape {where}: expected shape {exp_a.shape}, got "
                            f"{got_a.shape}.", details)
        if np.isnan(got_a).any() and not np.isnan(exp_a.astype(float)).any():
            return Feedback("wrong", f"Your result contains NaN {where}.", details)
        if self._match(got_a, exp_a):
            return None
        for f, msg in self._close:
            try:
                alt = np.asarray(f(*copy.deepcopy(args)), dtype=float)
            except Exception:
                continue
            if self._match(got_a, alt):
                return Feedback("close", msg, details)
        if np.any(exp_a != 0) and self._match(-got_a, exp_a):
            return Feedback("close", f"Close: the sign is flipped {where}.", details)
        for fname, f in self._factors:
            if self._match(got_a, exp_a * f) or self._match(got_a, exp_a / f):
                return Feedback("close", f"Close: you are off by a factor of {fname} {where}.",
                                details)
        if exp_a.size > 1 and np.any(exp_a != 0):
            e, g = exp_a.ravel().astype(float), got_a.ravel()
            c = float(g @ e / (e @ e))
            if c != 0 and self._match(got_a, c * exp_a):
                return Feedback("close", f"Close: your result is off by a constant factor of about"
                                f" {_fmt(c)} {where}.", details)
        return Feedback("wrong", f"Not quite: wrong result {where}.", details)


# ------------------------------------------------------------------------------ the bank
_CLASSES = {"numeric": NumericExercise, "vector": VectorExercise, "choice": ChoiceExercise,
            "code": CodeExercise}


def show(exercise_id: str) -> _Exercise:
    """The answer box of one exercise of the book, by its id in :mod:`pgtools.exercise_bank`.

    The notebook states the exercise (prompt and the precision it wants) in a sphinx-exercise
    box; this widget follows it, with no prompt of its own: the answer box, its feedback, and
    the hints one at a time. The written solution follows in a folded ``solution`` block.

    Parameters
    ----------
    exercise_id : str
        E.g. ``"4.3/importance-weight"``.

    Returns
    -------
    NumericExercise, VectorExercise, ChoiceExercise or CodeExercise
        Its ``repr`` is the id, so a notebook's stored output does not change with the answer.

    Raises
    ------
    ValueError
        If ``exercise_id`` is not in the bank.
    """
    from . import exercise_bank

    entry = exercise_bank.get(exercise_id)
    return _CLASSES[entry.kind](entry.title, **entry.params, exercise_id=entry.id,
                                show_prompt=False)


def confirm(exercise_id: str, answer: Any) -> None:
    """Check a notebook's own computation against the answer key, without showing the key.

    Grades ``answer`` (text, numbers, option indices, or for a code exercise a function) with
    the exercise's box and raises ``AssertionError`` unless it is accepted. Prints a one-line
    verdict that names the exercise but not its answer, and returns None (so a cell that ends
    with it shows the verdict once).

    Parameters
    ----------
    exercise_id : str
        E.g. ``"4.3/unbiased-estimators"``.
    answer : str, float, sequence or callable
        What the notebook computed.
    """
    box = show(exercise_id)
    if isinstance(box, NumericExercise) and not isinstance(answer, str):
        answer = repr(float(answer))
    result = box.check(answer)
    if not result:
        raise AssertionError(f"{exercise_id}: the computation disagrees with the answer key "
                             f"({result.status}: {result.message})")
    print(f"{exercise_id}: the computation agrees with the answer key")
