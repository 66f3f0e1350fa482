"""Search a build for the book's answers and written solutions (the student edition's guard).

What counts as secret:

* every written solution (the ``{solution}`` blocks of the notebooks and pages);
* the exercise bank's section modules (``pgtools/exercise_bank/sec*.py``): answers, tolerances,
  near misses, hints, reference implementations and their test-case generators;
* every answer of the bank in the forms a reader would type or a program would store: the
  number at full precision and at the precision the box asks for, a vector's numbers in order,
  a choice exercise's correct options as stored (``"correct": [0, 2]``).

Texts are compared as streams of lower-case words and numbers (``[a-z0-9]+``), so markup, TeX
delimiters, JSON escapes and line breaks do not hide a copy. A secret text is represented by its
windows of ``K`` consecutive words that occur nowhere in the public sources (the notebooks and
pages without their solutions, the rest of ``pgtools``, the prompts, titles and option texts the
answer boxes show): a window found in a file is a copy of a secret that cannot have got there
legitimately. Numbers are searched with their own boundaries (``0.59`` is not in ``10.591``).

Every file is searched: HTML (text, attributes and scripts), notebooks and JSON (every string,
also inside the saved widget state), JavaScript, CSS, Python sources and byte code, and the
members of wheels and zip files. Numbers are not searched in third-party assets (``_static/``
outside ``_static/pgbook/``, where the theme's and MathJax's code is full of digits) nor in byte
code; an answer that the chapter itself prints (the exercise asks the reader to read it off an
output) is allowed in cell outputs only, by an explicit list with the reason (``ALLOWED``).
"""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

K = 8  # words per window
DROP_TAGS = {"solution", "instructor", "remove-student"}

# Answers the chapter prints on purpose (an exercise that asks the reader to read a printed
# value), allowed in cell outputs only: exercise id -> reason. None at present.
ALLOWED_IN_OUTPUTS: dict[str, str] = {}

_WORD = re.compile(r"[a-z0-9]+")
_FENCE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[a-z-]+)\}(?P<arg>.*)$")


def words(text: str) -> list[str]:
    """The word stream of a text: lower-case runs of letters and digits."""
    return _WORD.findall(text.lower())


def windows(ws: list[str], k: int = K) -> set[tuple[str, ...]]:
    return {tuple(ws[i:i + k]) for i in range(len(ws) - k + 1)}


def _wordy(w: tuple[str, ...]) -> bool:
    """A window of prose or code, not of digits and one-letter symbols ("0 0 2 0 1", "a t mid
    s t h"), which turn up by chance in any large file."""
    return 2 * sum(len(t) > 1 and not t.isdigit() for t in w) >= len(w)


# ------------------------------------------------------------------------ directive blocks
def split_blocks(text: str, name: str = "solution") -> tuple[str, list[tuple[str, str]]]:
    """Cut the MyST ``{name}`` blocks out of a markdown text.

    Returns ``(rest, blocks)``: the text with each block replaced by the marker
    ``\\x00<n>\\x00`` and the blocks as ``(argument, full_text)``. A block ends at a line of
    at least as many of its fence characters (MyST's rule), so fenced code inside a longer
    fence stays inside.
    """
    lines = text.split("\n")
    out, blocks, i = [], [], 0
    while i < len(lines):
        m = _FENCE.match(lines[i].strip()) if lines[i].lstrip() == lines[i] else None
        if m and m.group("name") == name:
            fence = m.group("fence")
            j = i + 1
            while j < len(lines):
                t = lines[j].strip()
                if t and set(t) == {fence[0]} and len(t) >= len(fence):
                    break
                j += 1
            blocks.append((m.group("arg").strip(), "\n".join(lines[i:j + 1])))
            out.append(f"\x00{len(blocks) - 1}\x00")
            i = j + 1
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out), blocks


# ------------------------------------------------------------------------------ the corpora
@dataclass
class Secrets:
    """What must not appear in a student build."""

    texts: dict[str, str]          # name -> secret text (solutions, bank modules)
    numbers: dict[str, re.Pattern]  # exercise id -> pattern of its answer
    allowed: dict[str, str]        # exercise id -> why it may appear in cell outputs
    short: dict[str, str] = field(default_factory=dict)  # exercise id -> label, see below

    # An answer of fewer than three significant digits (0.2, 6, -1.6) is no evidence of a
    # leak anywhere in a book full of numbers: it is searched only near its own exercise (from
    # the exercise box to the next exercise or heading), see :func:`scan_regions`.


def dropped_cells(cells: list) -> set[int]:
    """Indices of the cells the student edition leaves out, because they work an exercise or
    check the notebook's own computation against the answer key:

    * cells tagged ``solution``, ``instructor`` or ``remove-student``;
    * code cells calling ``confirm(`` (:func:`pgtools.exercises.confirm`);
    * folded code cells (``hide-input``) right after a markdown cell that ends with a written
      solution (up to the next markdown cell), where the book checks the numbers its solution
      quotes, unless tagged ``student-keep``. An answer box (``ex.show(``) is kept.
    """
    out: set[int] = set()
    after_solution = False
    for k, cell in enumerate(cells):
        tags = set(cell.get("metadata", {}).get("tags", []))
        src = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "markdown":
            rest, blocks = split_blocks(src)
            tail = rest.rsplit(f"\x00{len(blocks) - 1}\x00", 1)[-1] if blocks else ""
            after_solution = bool(blocks) and "{exercise}" not in tail
            if tags & DROP_TAGS:
                out.add(k)
            continue
        folded_check = after_solution and "hide-input" in tags and "student-keep" not in tags
        if tags & DROP_TAGS or "confirm(" in src or (folded_check and ".show(" not in src):
            out.add(k)
    return out


def _widget_strings(metadata) -> Iterator[str]:
    """Saved widget state, except the answer boxes' (whose keys are obscured anyway)."""
    state = metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    for model in state.get("state", {}).values():
        st = model.get("state", {})
        if not str(st.get("_anywidget_id", "")).startswith("pgtools.exercises"):
            yield from _strings(st)


def _notebook_texts(path: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """(public texts, secret blocks) of a notebook or markdown page: the solution blocks, and
    the cells the student edition drops."""
    public, sols = [], []
    if path.suffix == ".md":
        rest, blocks = split_blocks(path.read_text(encoding="utf-8"))
        return [rest], blocks
    nb = nbformat.read(path, as_version=4)
    public.extend(_widget_strings(nb.metadata))
    dropped = dropped_cells(nb.cells)
    for k, cell in enumerate(nb.cells):
        if k in dropped:
            sols.append((f"dropped cell {k}", cell.source))
            continue
        if cell.cell_type == "markdown":
            rest, blocks = split_blocks(cell.source)
            public.append(rest)
            sols.extend(blocks)
        else:
            public.append(cell.source)
            for out in cell.get("outputs", []):
                public.extend(_strings(out))
    return public, sols


def _strings(obj) -> Iterator[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _strings(v)


def _number_pattern(values: Iterable[float], decimals: int | None = None,
                    digits: int | None = None) -> str:
    """A regex for these numbers in order (separated by commas, spaces or semicolons)."""
    parts = []
    for v in values:
        forms = {repr(float(v)).rstrip("0").rstrip("."), f"{v:.12g}"}
        if decimals is not None:
            forms.add(f"{v:.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{v:.0f}")
        if digits is not None:
            forms.add(f"{v:.{digits}g}")
        alts = []
        for f in sorted(forms, key=len, reverse=True):
            f = f if f not in ("-0", "") else "0"
            neg = f.startswith("-")
            body = re.escape(f.lstrip("-"))
            body += "0*" if "." in f else r"(?:\.0*)?"
            alts.append(("[-\u2212]" if neg else "") + body)
        parts.append("(?:" + "|".join(alts) + ")")
    first = "" if str(parts[0]).startswith("(?:[-") else "\\-\u2212"  # 6 is not in -6
    return rf"(?<![\w.{first}])" + r"\s*[,;\s]\s*".join(parts) + r"(?![\w]|\.\d)"


def _without_docstring(source: str) -> str:
    """A module's source without its docstring (which only names the section)."""
    import ast

    tree = ast.parse(source)
    first = tree.body[0] if tree.body else None
    if isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant) \
            and isinstance(first.value.value, str):
        lines = source.split("\n")
        return "\n".join(lines[first.end_lineno:])
    return source


def secrets(root: Path, pages: list[str], entries: list) -> tuple[Secrets, list[str]]:
    """The secrets of the book and the public texts (``pages`` from the toc, ``entries`` of
    the bank)."""
    public: list[str] = []
    texts: dict[str, str] = {}
    for page in pages:
        path = next((root / f"{page}{s}" for s in (".ipynb", ".md")
                     if (root / f"{page}{s}").exists()), None)
        if path is None:
            continue
        pub, sols = _notebook_texts(path)
        public.extend(pub)
        for k, (arg, block) in enumerate(sols):
            texts[f"{page}: solution {arg or k}"] = block
    bank_dir = root / "pgtools" / "exercise_bank"
    for py in sorted(root.glob("pgtools/**/*.py")):
        if py.parent == bank_dir and py.name.startswith("sec"):
            texts[f"bank module {py.name}"] = _without_docstring(py.read_text(encoding="utf-8"))
        else:
            public.append(py.read_text(encoding="utf-8"))
    for py in sorted((root / "book" / "_ext").glob("*.py")):
        public.append(py.read_text(encoding="utf-8"))
    numbers: dict[str, re.Pattern] = {}
    short: dict[str, str] = {}
    for e in entries:
        p = dict(e.params)
        # what the answer box itself shows in the page: its name, options, unit, function name
        public.append(e.title)
        for key in ("unit", "name"):
            if isinstance(p.get(key), str):
                public.append(p[key])
        if isinstance(p.get("options"), (list, tuple)):
            public.extend(str(o) for o in p["options"])
        if e.kind == "numeric":
            a = float(p["answer"])
            numbers[e.id] = re.compile(_number_pattern([a], p.get("decimals"), p.get("digits")))
            if _significant(a, p.get("decimals"), p.get("digits")) < 3:
                short[e.id] = e.label
        elif e.kind == "vector":
            numbers[e.id] = re.compile(_number_pattern([float(v) for v in p["answer"]],
                                                       p.get("decimals")))
        elif e.kind == "choice":
            c = p["correct"]
            c = [c] if isinstance(c, int) else sorted(int(i) for i in c)
            numbers[e.id] = re.compile(r"correct\W{1,6}\[?\s*" + r"\s*,\s*".join(map(str, c))
                                       + r"\s*[\]),]")
    return Secrets(texts, numbers, dict(ALLOWED_IN_OUTPUTS), short), public


def _significant(v: float, decimals: int | None, digits: int | None) -> int:
    """Significant digits of ``v`` rounded as the answer box asks, trailing zeros dropped
    (``0.59`` -> 2, ``0.500`` -> 1, ``126`` -> 3, ``100`` -> 1)."""
    if digits is not None:
        text = f"{abs(v):.{int(digits)}g}"
    elif decimals is not None:
        text = f"{abs(v):.{int(decimals)}f}"
    else:
        text = f"{abs(v):.12g}"
    mantissa = text.split("e")[0].replace(".", "").strip("0")
    return len(mantissa) or 1


def needles(sec: Secrets, public: Iterable[str], k: int = K) -> dict[tuple[str, ...], str]:
    """Windows of the secret texts that occur in no public text: window -> secret's name."""
    seen: set[tuple[str, ...]] = set()
    for text in public:
        seen |= windows(words(text), k)
    out: dict[tuple[str, ...], str] = {}
    for name, text in sec.texts.items():
        for w in windows(words(text), k) - seen:
            if _wordy(w):
                out.setdefault(w, name)
    return out


# --------------------------------------------------------------------------------- reading
_JS_ESC = re.compile(r"\\(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|([nrtbf\"'\\/]))")


def _unescape_js(text: str) -> str:
    def rep(m):
        if m.group(1) or m.group(2):
            return chr(int(m.group(1) or m.group(2), 16))
        return {"n": "\n", "r": " ", "t": " ", "b": " ", "f": " "}.get(m.group(3), m.group(3))

    return _JS_ESC.sub(rep, text)


_TAG = re.compile(r"<[^>]*>")


@dataclass
class Part:
    """One searchable text of a file, and whether it is a cell output."""

    where: str
    text: str
    output: bool = False


def _notebook_parts(name: str, data: bytes) -> Iterator[Part]:
    try:
        nb = json.loads(data)
    except json.JSONDecodeError:
        yield Part(name, data.decode("utf-8", "replace"))
        return
    if not isinstance(nb, dict) or "cells" not in nb:
        yield Part(name, "\n".join(_strings(nb)))
        return
    for k, cell in enumerate(nb.get("cells", [])):
        src = cell.get("source", "")
        yield Part(f"{name} cell {k}", "".join(src) if isinstance(src, list) else src)
        yield Part(f"{name} cell {k} metadata", "\n".join(_strings(cell.get("metadata", {}))))
        for out in cell.get("outputs", []):
            yield Part(f"{name} cell {k} output", "\n".join(_strings(out)), output=True)
    yield Part(f"{name} metadata", "\n".join(_strings(nb.get("metadata", {}))))


def _html_parts(name: str, text: str) -> Iterator[Part]:
    """An HTML page: cell outputs apart (they may hold answers the chapter prints), the rest
    (text, attributes, scripts) as one text."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    for k, out in enumerate(soup.select("div.cell_output")):
        if not out.find("script"):
            yield Part(f"{name} output {k}", out.get_text(" "), output=True)
            out.decompose()
    attrs = []
    for t in soup.find_all(True):
        for v in t.attrs.values():
            attrs.append(" ".join(v) if isinstance(v, list) else str(v))
    scripts = [_unescape_js(s.string or "") for s in soup.find_all("script")]
    for s in soup.find_all(["script", "style"]):
        s.decompose()
    yield Part(name, "\n".join([html.unescape(soup.get_text(" ")), *attrs, *scripts]))


def file_parts(name: str, data: bytes) -> Iterator[Part]:
    """The searchable texts of a file (archives are opened, member by member)."""
    lower = name.lower()
    if lower.endswith((".whl", ".zip")):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for member in z.namelist():
                yield from file_parts(f"{name}!{member}", z.read(member))
        return
    if lower.endswith((".png", ".jpg", ".jpeg", ".gif", ".ico", ".woff", ".woff2", ".ttf",
                       ".eot", ".otf", ".pdf", ".doctree", ".pickle", ".db", ".sqlite")):
        # binary: searched as raw bytes for plain text anyway
        yield Part(name, data.decode("latin-1"))
        return
    text = data.decode("utf-8", "replace")
    if lower.endswith((".ipynb", ".json")):
        yield from _notebook_parts(name, data)
    elif lower.endswith((".html", ".htm")):
        yield from _html_parts(name, text)
    elif lower.endswith(".pyc"):
        yield Part(name, data.decode("latin-1"))
    else:
        yield Part(name, _unescape_js(html.unescape(text)))


def _numbers_searched(name: str) -> bool:
    """Numbers are searched in the book's pages, notebooks, widget state and the exercise
    bank; not in byte code, library code (``pgtools`` outside the bank: public, and full of
    constants), the search index (a list of terms without context, each also searched in its
    page) or third-party assets."""
    n = name.replace("\\", "/")
    if n.endswith((".pyc", "searchindex.js")) or "/__pycache__/" in n:
        return False
    if n.endswith(".py") and "/exercise_bank/" not in n:
        return False
    if "/_static/" in f"/{n}" and "/_static/pgbook/" not in f"/{n}":
        return False
    return "/_static/pgbook/vendor/" not in f"/{n}"


@dataclass
class Hit:
    file: str
    secret: str
    found: str

    def __str__(self) -> str:
        return f"{self.file}: {self.secret}: {self.found!r}"


def scan_parts(parts: Iterable[Part], needle: dict[tuple[str, ...], str], sec: Secrets,
               k: int = K) -> list[Hit]:
    hits = []
    for part in parts:
        ws = words(part.text)
        for i in range(len(ws) - k + 1):
            w = tuple(ws[i:i + k])
            if w in needle:
                hits.append(Hit(part.where, needle[w], " ".join(w)))
                break  # one hit per part is enough to report it
        if not _numbers_searched(part.where):
            continue
        for ex_id, pat in sec.numbers.items():
            if (part.output and ex_id in sec.allowed) or ex_id in sec.short:
                continue
            m = pat.search(part.text)
            if m:
                hits.append(Hit(part.where, f"answer of {ex_id}", m.group(0)))
    return hits


def scan(build: Path, needle: dict[tuple[str, ...], str], sec: Secrets) -> tuple[list[Hit], int]:
    """Every file under ``build``: returns ``(hits, number of files searched)``."""
    hits, n = [], 0
    for path in sorted(build.rglob("*")):
        if not path.is_file():
            continue
        n += 1
        rel = str(path.relative_to(build))
        hits.extend(scan_parts(file_parts(rel, path.read_bytes()), needle, sec))
    return hits, n


# ------------------------------------------------------------ short answers, near their box
_LABEL_LINE = re.compile(r"^:label:\s*(\S+)", re.MULTILINE)
_HEADING = re.compile(r"^#{1,6} ", re.MULTILINE)


def _notebook_regions(nb: dict) -> dict[str, str]:
    """label -> text of the cells from its exercise box to the next box or heading (sources,
    outputs and the saved state of the widgets they show)."""
    state = nb.get("metadata", {}).get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}).get("state", {})
    regions: dict[str, list[str]] = {}
    current = None
    for cell in nb.get("cells", []):
        src = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "markdown":
            labels = _LABEL_LINE.findall(src) if "{exercise}" in src else []
            if labels:
                current = labels[-1]
                regions[current] = [split_blocks(src, "exercise")[0]]  # the prompt is public
                continue
            if _HEADING.search(src):
                current = None
        if current is None:
            continue
        regions[current].append(src)
        for out in cell.get("outputs", []):
            regions[current].extend(_strings(out))
            view = out.get("data", {}).get("application/vnd.jupyter.widget-view+json")
            if view and view.get("model_id") in state:
                regions[current].extend(_widget_text(state[view["model_id"]].get("state", {})))
    return {k: "\n".join(v) for k, v in regions.items()}


def _widget_text(state: dict) -> list[str]:
    """A widget's saved state without its code (``_esm``, ``_css``: the same for every box)
    and its obscured key (``_spec``, base64, where digits turn up by chance)."""
    return [t for k, v in state.items() if k not in ("_esm", "_css", "_spec")
            for t in _strings(v)]


def _html_regions(text: str) -> dict[str, str]:
    """label -> text of the page from its exercise box to the next box or heading."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    tag = soup.find("script", type="application/vnd.jupyter.widget-state+json")
    state = json.loads(tag.string).get("state", {}) if tag and tag.string else {}
    regions = {}
    for box in soup.select("div.exercise[id]"):
        parts = []  # from the box on; the prompt itself is public
        for sib in box.find_next_siblings():
            if sib.name in ("section", "h1", "h2", "h3") or (
                    sib.name == "div" and "exercise" in (sib.get("class") or [])):
                break
            parts.append(sib.get_text(" "))
            for view in sib.find_all("script", type="application/vnd.jupyter.widget-view+json"):
                mid = json.loads(view.string or "{}").get("model_id")
                parts.extend(_widget_text(state.get(mid, {}).get("state", {})))
        regions[box["id"]] = "\n".join(parts)
    return regions


def scan_regions(build: Path, sec: Secrets) -> list[Hit]:
    """Short answers (see :class:`Secrets`) near their own exercise, in every notebook and
    HTML page under ``build``."""
    hits = []
    by_label: dict[str, list[str]] = {}
    for ex_id, label in sec.short.items():
        by_label.setdefault(label, []).append(ex_id)
    for path in sorted(build.rglob("*")):
        if path.suffix not in (".ipynb", ".html") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".ipynb":
            try:
                regions = _notebook_regions(json.loads(text))
            except json.JSONDecodeError:
                continue
        else:
            regions = _html_regions(text)
        for label, region in regions.items():
            for ex_id in by_label.get(label, []):
                m = sec.numbers[ex_id].search(region)
                if m:
                    hits.append(Hit(f"{path.relative_to(build)} near {label}",
                                    f"answer of {ex_id}", m.group(0)))
    return hits
