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

The first three grade in JavaScript (``exercises.js``, stored in the widget state), so they work in
the static book with no kernel. Every exercise also has a Python ``.check(...)`` that applies the
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
    "explain",
    "grade",
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


def parse_number(text: Any) -> tuple[float | None, str | None]:
    """Read a number typed by the reader: ``"0.25"``, ``"-1e-3"``, ``"1/4"``, ``" 2.5 "``.

    Returns ``(value, None)`` or ``(None, friendly_error)``; never raises.
    """
    t = ("" if text is None else str(text)).strip().replace("\u2212", "-")
    if t == "":
        return None, "Please type a number first."
    if _NONFINITE.match(t):
        return None, f'"{t}" is not a finite number; the answer is an ordinary finite number.'
    parts = t.split("/")
    if len(parts) > 2 or not all(_NUM.match(q.strip()) for q in parts):
        return None, f'I could not read "{t}" as a number. Try something like 0.25, -1e-3 or 1/4.'
    v = float(parts[0].strip())
    if len(parts) == 2:
        d = float(parts[1].strip())
        if d == 0:
            return None, "That fraction divides by zero."
        v = v / d
    if not math.isfinite(v):
        return None, f'"{t}" is too large to be a finite number.'
    return v, None


def parse_vector(text: Any) -> tuple[list[float] | None, str | None]:
    """Read numbers separated by commas/spaces/semicolons, optionally in ``[...]`` or ``(...)``."""
    t = ("" if text is None else str(text)).strip()
    if re.match(r"^[\[(].*[\])]$", t, re.DOTALL):
        t = t[1:-1]
    toks = [q for q in re.split(r"[\s,;]+", t) if q != ""]
    if not toks:
        return None, "Please type some numbers first, e.g. 0.1, 0.2, 0.7."
    out = []
    for q in toks:
        v, err = parse_number(q)
        if err is not None:
            return None, f'Entry "{q}": {err}'
        out.append(v)
    return out, None


def _isclose(x: float, y: float, rtol: float, atol: float) -> bool:
    return abs(x - y) <= atol + rtol * abs(y)


def _allclose(x: Sequence[float], y: Sequence[float], rtol: float, atol: float) -> bool:
    return all(_isclose(a, b, rtol, atol) for a, b in zip(x, y))


_RIGHT = "Correct, well done!"
_AGAIN = "Not quite. Have another go, or open a hint."


def _grade_numeric(spec: Mapping, text: Any) -> Feedback:
    x, err = parse_number(text)
    if err is not None:
        return Feedback("invalid", err)
    a, rt, at = spec["answer"], spec["rtol"], spec["atol"]
    if _isclose(x, a, rt, at):
        return Feedback("correct", _RIGHT)
    for c in spec["close"]:
        if _isclose(x, c["value"], rt, at):
            return Feedback("close", c["message"])
    if a != 0 and _isclose(-x, a, rt, at):
        return Feedback("close", "Close: the size is right but the sign is flipped. Check the sign.")
    for name, f in spec["factors"]:
        if _isclose(x, a * f, rt, at):
            return Feedback("close", f"Close: you are off by a factor of {name} "
                            f"(your answer is {name} times too big or too small).")
        if _isclose(x, a / f, rt, at):
            return Feedback("close", f"Close: you are off by a factor of 1/{name} "
                            f"(your answer is {name} times too big or too small).")
    return Feedback("wrong", _AGAIN)


def _grade_vector(spec: Mapping, text: Any) -> Feedback:
    if isinstance(text, (list, tuple, np.ndarray)):
        text = ", ".join(repr(float(v)) for v in np.ravel(np.asarray(text, dtype=float)))
    x, err = parse_vector(text)
    if err is not None:
        return Feedback("invalid", err)
    a, rt, at = spec["answer"], spec["rtol"], spec["atol"]
    if len(x) != len(a):
        return Feedback("invalid", f"Expected {len(a)} numbers, got {len(x)}.")
    if _allclose(x, a, rt, at):
        return Feedback("correct", _RIGHT)
    nonzero = any(not _isclose(0.0, v, rt, at) for v in a)
    if nonzero and _allclose([-v for v in x], a, rt, at):
        return Feedback("close", "Close: every entry has the wrong sign. Check the sign.")
    if _allclose(sorted(x), sorted(a), rt, at):
        return Feedback("close", "Close: right numbers, wrong order.")
    xa = aa = 0.0
    for xi, ai in zip(x, a):
        xa += xi * ai
        aa += ai * ai
    c = xa / aa if aa > 0 else 0.0
    if nonzero and c != 0 and _allclose(x, [c * v for v in a], rt, at):
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


# ------------------------------------------------------------------------------- widgets
def _compact(path: Path) -> str:
    """Asset text without indentation, blank and whole-line ``//`` comment lines.

    The source is stored in every widget's saved state, so this keeps notebooks and pages small;
    line breaks are kept, so JavaScript semantics (automatic semicolons) do not change.
    """
    lines = (ln.strip() for ln in path.read_text(encoding="utf-8").splitlines())
    return "\n".join(ln for ln in lines if ln and not ln.startswith("//")) + "\n"


class _Exercise(anywidget.AnyWidget):
    """Common base: prompt, encoded spec, hints/solution (inside the spec), feedback trait."""

    _esm = _compact(_HERE / "exercises.js")
    _css = _compact(_HERE / "exercises.css")

    kind = traitlets.Unicode("").tag(sync=True)
    prompt = traitlets.Unicode("").tag(sync=True)
    _spec = traitlets.Unicode("").tag(sync=True)
    feedback = traitlets.Dict({}).tag(sync=True)

    def __init__(self, prompt: str, spec: dict, hints: Any, solution: Any, **traits: Any):
        if not isinstance(prompt, str) or not prompt.strip():
            raise ValueError("prompt must be a non-empty string")
        if solution is not None and not isinstance(solution, str):
            raise ValueError("solution must be a string (markdown/LaTeX text) or None")
        spec = dict(spec, hints=_texts(hints, "hints"), solution=solution)
        self._decoded = spec
        super().__init__(prompt=prompt, kind=spec["kind"], _spec=encode_spec(spec), **traits)

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
        return f"{type(self).__name__}({_short(self.prompt)!r})"


class NumericExercise(_Exercise):
    """Exercise whose answer is one number (any section; e.g. "compute J(θ)" in §4.2).

    Parameters
    ----------
    prompt : str
        Question text; ``$...$`` math is typeset by the page's MathJax.
    answer : float
        The expected value (finite).
    rtol, atol : float
        Accept ``x`` when ``|x - answer| <= atol + rtol * |answer|``; the same tolerance is used
        to recognise near misses.
    close : list of (value, message) or dict {value: message}, optional
        Known wrong answers with a tailored message (status ``close``).
    factors : dict {name: float}, optional
        Named factors: an answer off by ``f`` or ``1/f`` gets "you are off by a factor of name",
        e.g. ``factors={"γ^t": 0.9**3}``.
    hints : sequence of str
        Revealed one at a time.
    solution : str, optional
        Shown on request (plain text with ``$...$`` math).
    unit : str, optional
        Shown after the input box.
    """

    unit = traitlets.Unicode("").tag(sync=True)

    def __init__(self, prompt: str, answer: float, *, rtol: float = 1e-2, atol: float = 1e-8,
                 close: Any = None, factors: Mapping[str, float] | None = None,
                 hints: Iterable[str] = (), solution: str | None = None,
                 unit: str | None = None):
        a = _finite(answer, "answer")
        rtol, atol = _tol(rtol, atol)
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
                "factors": facs}
        super().__init__(prompt, spec, hints, solution, unit=unit or "")


class VectorExercise(_Exercise):
    """Exercise whose answer is a short vector, e.g. a policy π_θ(·|s) (§4.5) or a gradient (§4.2).

    Parameters
    ----------
    prompt : str
    answer : array_like, shape (n,)
        Finite numbers; the reader types them comma- or space-separated.
    rtol, atol : float
        Element-wise tolerance, as in :class:`NumericExercise`.
    hints, solution : see :class:`NumericExercise`.
    """

    def __init__(self, prompt: str, answer: Any, *, rtol: float = 1e-2, atol: float = 1e-8,
                 hints: Iterable[str] = (), solution: str | None = None):
        try:
            arr = np.asarray(answer, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"answer must be an array of numbers, got {answer!r}") from None
        if arr.ndim != 1 or arr.size == 0:
            raise ValueError(f"answer must be a non-empty 1-d array, got shape {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError("answer must contain only finite numbers")
        rtol, atol = _tol(rtol, atol)
        spec = {"kind": "vector", "answer": [float(v) for v in arr], "rtol": rtol, "atol": atol}
        super().__init__(prompt, spec, hints, solution)


class ChoiceExercise(_Exercise):
    """Multiple-choice question (any section; e.g. "which baselines keep the gradient unbiased?").

    Parameters
    ----------
    prompt : str
    options : sequence of str
        At least two option texts, shown as A, B, C, ...
    correct : int or sequence of int
        Index (0-based) of the correct option, or indices when several are correct.
    multiple : bool, optional
        Check boxes (several may be ticked) instead of radio buttons. Default: True when
        ``correct`` is a sequence with more than one index.
    explanations : sequence of (str or None), optional
        Per-option feedback shown when that option is chosen; same length as ``options``.
    hints, solution : see :class:`NumericExercise`.
    """

    options = traitlets.List(traitlets.Unicode()).tag(sync=True)
    multiple = traitlets.Bool(False).tag(sync=True)

    def __init__(self, prompt: str, options: Sequence[str], correct: Any, *,
                 multiple: bool | None = None, explanations: Sequence[str | None] | None = None,
                 hints: Iterable[str] = (), solution: str | None = None):
        opts = _texts(options, "options")
        if len(opts) < 2:
            raise ValueError("options needs at least two entries")
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
        super().__init__(prompt, spec, hints, solution, options=opts, multiple=bool(multiple))


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
    hints, solution : see :class:`NumericExercise`.
    seed : int
    """

    name = traitlets.Unicode("").tag(sync=True)

    def __init__(self, prompt: str, reference: Callable, *, name: str, cases: Any,
                 n_cases: int = 20, rtol: float = 1e-6, atol: float = 1e-8,
                 compare: Callable | None = None, close: Any = None,
                 factors: Mapping[str, float] | None = None, timeout: float = 2.0,
                 hints: Iterable[str] = (), solution: str | None = None, seed: int = 0):
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
        super().__init__(prompt, {"kind": "code"}, hints, solution, name=name)
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
