"""The instructor's key: every exercise of the book, in order, on one page (``make key``).

For each sphinx-exercise box of the built book (``_build/html``), in the order of the table of
contents: its prompt and its written solution (the ``solution`` block), both taken from the built
page so that the math is the page's own, and, when the exercise has an answer box, the answer it
grades against, read from :mod:`pgtools.exercise_bank` (the value and precision, the correct
options, or the source of the reference implementation, with the hints and known near misses).
Each item links back to its exercise in its section. Nothing here is written by hand: an exercise
edited in its notebook or in the bank changes the key at the next build.

Writes ``_build/html/key.html`` (served with the book's own CSS and MathJax); the same fragment is
the last part of the PDF (:mod:`tools.editions.pdf`).

    python -m tools.editions.key [--site _build/html]
"""

from __future__ import annotations

import argparse
import copy
import html
import importlib
import inspect
import re
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tools.editions.common import ROOT, SITE, article, plain_title, read_page, toc_pages

KEY_NAME = "key.html"


@dataclass
class Item:
    """One exercise of the book, as the key shows it."""

    page: str            # "book/4_3_reinforce"
    page_title: str      # "4.3 REINFORCE and the likelihood-ratio trick"
    label: str           # "ex-4-3-1", the box's id on its page
    caption: str         # "Exercise 8 (Importance weight)", as the page numbers it
    prompt: Any          # the box's content (a bs4 Tag)
    solution: Any        # the written solution's content (a bs4 Tag), or None
    entries: list        # the bank's entries with this label (answer boxes)


# ---------------------------------------------------------------------------------- the bank
def bank_entries() -> list:
    """Every entry of :mod:`pgtools.exercise_bank` (empty if this pgtools has no bank)."""
    try:
        bank = importlib.import_module("pgtools.exercise_bank")
    except ModuleNotFoundError:
        return []
    return list(bank.entries())


def collect(site: Path = SITE, entries: list | None = None) -> list[Item]:
    """Every exercise box of the built book in reading order, with its solution and entries.

    Raises SystemExit if a bank entry names a label that no page of the book has (the key
    would silently miss it).
    """
    entries = bank_entries() if entries is None else entries
    by_label: dict[str, list] = {}
    for e in entries:
        by_label.setdefault(e.label, []).append(e)
    items = []
    for page in toc_pages():
        art = article(read_page(site, page))
        h1 = art.find("h1")
        title = plain_title(h1) if h1 else page
        solutions = {}
        for sol in art.select("div.solution"):
            link = sol.select_one(".admonition-title a[href^='#']")
            if link is not None:
                solutions[link["href"][1:]] = sol
        for box in art.select("div.exercise"):
            label = box.get("id", "")
            head = box.select_one(".admonition-title")
            caption = " ".join(head.get_text(" ").split()) if head else label
            caption = re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", caption))
            body = box.select_one("section") or box
            sol = solutions.get(label)
            sol_body = (sol.select_one("section") or sol) if sol is not None else None
            items.append(Item(page, title, label, caption, body, sol_body,
                              by_label.pop(label, [])))
    left = [e for es in by_label.values() for e in es]
    pages = toc_pages()
    lost = [e for e in left if section_page(e.section, pages)]
    if lost:  # the section is in the book, the exercise is not: a wrong label
        raise SystemExit("exercise bank entries whose label is not on their section's page: "
                         + ", ".join(f"{e.id} ({e.label})" for e in lost))
    if left:
        print("key: sections of the bank that are not in the book (_toc.yml): "
              + ", ".join(sorted({e.section for e in left})), file=sys.stderr)
    return items


def section_page(section: str, pages: list[str]) -> str | None:
    """The page of the book of a section of the chapter ("4.3" -> "book/4_3_reinforce")."""
    prefix = "book/" + section.replace(".", "_") + "_"
    return next((p for p in pages if p.startswith(prefix)), None)


# --------------------------------------------------------------------------- answer as HTML
def text_html(text: str) -> str:
    """A bank string (plain text, ``$...$`` math, ```code```) as HTML for the page's MathJax."""
    out = []
    for k, chunk in enumerate(re.split(r"(`[^`]*`)", str(text))):
        if k % 2:
            out.append(f"<code>{html.escape(chunk[1:-1])}</code>")
        else:
            esc = html.escape(chunk, quote=False)
            out.append(re.sub(r"\$([^$]+)\$", r'<span class="math">\\(\1\\)</span>', esc))
    return "".join(out)


def _number(v: float, params: dict) -> str:
    if params.get("digits") is not None:
        return f"{v:.{int(params['digits'])}g}"
    if params.get("decimals") is not None:
        return f"{v:.{int(params['decimals'])}f}"
    return f"{v:.6g}"


def _precision(params: dict) -> str:
    if params.get("digits") is not None:
        n = int(params["digits"])
        return f"{n} significant digit{'s' if n > 1 else ''}"
    if params.get("decimals") is not None:
        n = int(params["decimals"])
        return "a whole number" if n == 0 else f"{n} decimal place{'s' if n > 1 else ''}"
    return ""


def _letters(idx) -> str:
    idx = [idx] if isinstance(idx, int) else list(idx)
    return ", ".join(chr(65 + int(i)) for i in sorted(idx))


def _source(func: Callable) -> str:
    try:
        src = inspect.getsource(func)
    except (OSError, TypeError):
        return f"# {getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', func)!s}"
    return textwrap.dedent(src)


def code_html(src: str) -> str:
    """Python source highlighted like the book's code cells (the theme's pygments.css)."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    return ('<div class="highlight-python3 notranslate">'
            + highlight(src, PythonLexer(), HtmlFormatter(cssclass="highlight")) + "</div>")


def answer_html(entry) -> str:
    """What an answer box grades against, for the key (by kind of exercise)."""
    p = dict(entry.params)
    rows = []
    if entry.kind == "numeric":
        prec = _precision(p)
        rows.append(f'<p class="pgbook-key-answer"><strong>Answer:</strong> '
                    f'<span class="pgbook-key-value">{_number(float(p["answer"]), p)}</span>'
                    + (f" ({prec})" if prec else "") + "</p>")
        close = p.get("close") or []
        close = close.items() if isinstance(close, dict) else close
        near = [f"<li>{_number(float(v), p)}: {text_html(m)}</li>" for v, m in close]
        if near:
            rows.append("<p>Near misses the box recognises:</p><ul>" + "".join(near) + "</ul>")
    elif entry.kind == "vector":
        vals = ", ".join(_number(float(v), p) for v in p["answer"])
        prec = _precision(p)
        rows.append(f'<p class="pgbook-key-answer"><strong>Answer:</strong> '
                    f'<span class="pgbook-key-value">({vals})</span>'
                    + (f" ({prec} each)" if prec else "") + "</p>")
    elif entry.kind == "choice":
        correct = p["correct"]
        rows.append(f'<p class="pgbook-key-answer"><strong>Answer:</strong> '
                    f'<span class="pgbook-key-value">{_letters(correct)}</span></p>')
        opts = p.get("options")
        ex = p.get("explanations") or []
        texts = opts if isinstance(opts, (list, tuple)) else [""] * int(opts)
        lines = []
        for i, o in enumerate(texts):
            why = ex[i] if i < len(ex) and ex[i] else ""
            if o or why:
                lines.append(f"<li><strong>{chr(65 + i)}</strong>"
                             + (f" {text_html(o)}" if o else "")
                             + (f": {text_html(why)}" if why else "") + "</li>")
        if lines:
            rows.append("<ul>" + "".join(lines) + "</ul>")
    elif entry.kind == "code":
        name = p.get("name", "")
        n = p.get("n_cases")
        cases = p.get("cases")
        n = n if callable(cases) else len(cases) if cases is not None else n
        rows.append(f'<p class="pgbook-key-answer"><strong>Reference implementation</strong> of '
                    f"<code>{html.escape(name)}</code>"
                    + (f", run next to the reader's function on {n} test cases" if n else "")
                    + ":</p>")
        rows.append(code_html(_source(p["reference"])))
    hints = p.get("hints") or []
    if hints:
        rows.append('<p class="pgbook-key-hints">Hints the box offers:</p><ol>'
                    + "".join(f"<li>{text_html(h)}</li>" for h in hints) + "</ol>")
    return (f'<div class="pgbook-key-box" data-exercise-id="{html.escape(entry.id)}">'
            f'<p class="pgbook-key-id">Answer box <code>{html.escape(entry.id)}</code> '
            f"({entry.kind})</p>" + "".join(rows) + "</div>")


# ------------------------------------------------------------------------------ the fragment
def _where(title: str) -> str:
    """"§4.3" for "4.3 REINFORCE and ...", else the page's title."""
    first = title.split(" ")[0]
    return f"§{first}" if re.fullmatch(r"\d+(\.\d+)*", first) else title


def _copied(tag, rewrite, page):
    """A copy of page content for the key: links rewritten, ids dropped (they stay the page's)."""
    tag = copy.copy(tag)
    rewrite(tag, page)
    for t in tag.find_all(id=True):
        del t["id"]
    return tag


def fragment(items: list[Item], link: Callable[[str, str], str | None],
             rewrite: Callable[[Any, str], None], prefix: str = "key-") -> str:
    """The key as an HTML ``<section>``.

    ``link(page, anchor)`` is the href of an exercise on its page; ``rewrite(tag, page)`` fixes
    the links and images of content copied from ``page``; ids are ``prefix + label``.
    """
    n = len(items)
    pages = []
    for it in items:
        if not pages or pages[-1][0] != it.page:
            pages.append((it.page, it.page_title, []))
        pages[-1][2].append(it)
    out = [f'<section class="pgbook-key" id="{prefix}top">',
           "<h1>Instructor's key</h1>",
           (f'<p class="pgbook-key-intro">All {n} exercises of the book, in order: each one\'s '
            "prompt, the answer its answer box grades against (or the reference implementation "
            "of a code exercise), and its written solution. This page is generated from the "
            "exercise bank (<code>pgtools.exercise_bank</code>) and the solution blocks of the "
            "notebooks. It is not part of the student edition.</p>")]
    for page, title, its in pages:
        slug = page.rsplit("/", 1)[-1]
        out.append(f'<section class="pgbook-key-page" id="{prefix}{slug}">'
                   f"<h2>{html.escape(title)}</h2>")
        for it in its:
            href = link(page, it.label)
            back = (f' <a class="pgbook-key-back" href="{html.escape(href)}">'
                    f"{html.escape(_where(title))} ↩</a>") if href else ""
            prompt = _copied(it.prompt, rewrite, page)
            out.append(f'<div class="pgbook-key-item" id="{prefix}{it.label}">'
                       f"<h3>{html.escape(it.caption)}{back}</h3>"
                       f'<div class="pgbook-key-prompt">{prompt.decode_contents()}</div>')
            for e in it.entries:
                out.append(answer_html(e))
            if it.solution is not None:
                sol = _copied(it.solution, rewrite, page)
                out.append('<div class="pgbook-key-solution"><p class="pgbook-key-label">'
                           f"Written solution</p>{sol.decode_contents()}</div>")
            else:
                out.append('<p class="pgbook-key-solution pgbook-key-none">No written solution '
                           "on the page.</p>")
            out.append("</div>")
        out.append("</section>")
    out.append("</section>")
    return "\n".join(out)


# ------------------------------------------------------------------------- standalone page
def head_links(site: Path, page: str, to_root: str) -> str:
    """The stylesheet links and MathJax set-up of a built page, rebased for a page at the root."""
    soup = read_page(site, page)
    depth = page.count("/")
    keep = []
    for t in soup.head.find_all(["link", "script"]):
        if t.name == "link" and "stylesheet" in (t.get("rel") or []):
            t["href"] = _rebase(t["href"], depth, to_root)
            keep.append(str(t))
        elif t.name == "script" and t.string and "window.MathJax" in t.string:
            keep.append(str(t))
        elif t.name == "script" and "mathjax" in (t.get("src") or "").lower():
            t["src"] = _rebase(t["src"], depth, to_root)
            keep.append(str(t))
    return "\n".join(keep)


def _rebase(url: str, depth: int, to_root: str) -> str:
    if re.match(r"^[a-z]+:|^/", url):
        return url
    for _ in range(depth):
        url = url.removeprefix("../")
    return to_root + url


def rewrite_urls(tag, page: str, href: Callable[[str, str], str | None],
                 src: Callable[[str], str]) -> None:
    """Rewrite the links and images of ``tag`` (content of ``page``) with ``href(path, frag)``
    (``None`` unwraps the link) and ``src(path)``; paths are site paths without a leading /.
    Links of class ``pgbook-keep`` are left alone."""
    from urllib.parse import urljoin, urlsplit

    base = f"http://site/{page}.html"
    for a in tag.find_all("a", href=True):
        if "pgbook-keep" in (a.get("class") or []):  # already points into the document
            continue
        u = urlsplit(urljoin(base, a["href"]))
        if u.netloc != "site":
            continue
        new = href(u.path.lstrip("/"), u.fragment)
        if new is None:
            a.unwrap()
        else:
            a["href"] = new
    for img in tag.find_all(["img", "source"], src=True):
        u = urlsplit(urljoin(base, img["src"]))
        if u.netloc == "site":
            img["src"] = src(u.path.lstrip("/"))


def page_html(site: Path, items: list[Item]) -> str:
    """The key as a page at the root of the built site (``key.html``)."""
    def link(page, anchor):
        return f"{page}.html#{anchor}"

    def rewrite(tag, page):
        rewrite_urls(tag, page, lambda p, f: p + (f"#{f}" if f else ""), lambda p: p)

    first = toc_pages()[0]
    return ("<!DOCTYPE html>\n"
            '<html lang="en" data-theme="light" data-mode="light"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>Instructor's key: Policy Gradients, worked</title>\n"
            + head_links(site, first, "")
            + '\n<link rel="stylesheet" href="_static/pgbook/key.css">\n</head>\n'
            '<body class="pgbook-key-page-body"><main class="bd-main"><div class="bd-content">'
            '<article class="bd-article" role="main">'
            + fragment(items, link, rewrite)
            + '<p class="pgbook-key-home"><a href="' + first + '.html">Back to the book</a></p>'
            "</article></div></main></body></html>\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--site", type=Path, default=SITE, help="the built HTML book")
    args = ap.parse_args(argv)
    items = collect(args.site)
    out = args.site / KEY_NAME
    out.write_text(page_html(args.site, items), encoding="utf-8")
    boxes = sum(len(it.entries) for it in items)
    print(f"key: {len(items)} exercises ({boxes} with an answer box) -> "
          f"{out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
