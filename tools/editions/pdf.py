"""The whole book as one PDF, printed by Chromium from the built HTML book (``make pdf``).

Route: one print document is assembled from the built site (``_build/html``): a title page, a
table of contents, the article of every page of ``_toc.yml`` in order, and the instructor's key
(:mod:`tools.editions.key`) last. It is served on 127.0.0.1 together with the site, so it uses
the site's own CSS, images and MathJax, plus ``_static/pgbook/print.css`` (page size, page
numbers in the margin boxes, no page breaks inside figures and equations). Debian's Chromium,
the one the browser tests drive (no browser download), opens it, waits until MathJax has
typeset every formula and every image has loaded, and prints it once with Playwright's
``page.pdf``. pypdf then adds the bookmarks (one per part, page and section, and for the key).

Page numbers in the table of contents and in "solution: key, p. N" come from the PDF itself:
a first print records on which page each link target lands (Chromium writes every link target
as a named destination), the numbers are filled in and the document is printed again, until
the targets stop moving.

Widgets do not print: an answer box or an explorer becomes a one-line note that it is interactive
in the web edition. Written solutions are replaced by a pointer to
the key, where they are printed once. Hidden code cells stay hidden; proofs print open.

    python -m tools.editions.pdf [--site _build/html] [--out _build/pdf/book.pdf]
"""

from __future__ import annotations

import argparse
import datetime
import html
import io
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tools.editions import key as keymod
from tools.editions.common import (
    ROOT,
    SITE,
    article,
    chromium,
    local_only,
    plain_title,
    serve,
    toc_parts,
)

OUT = ROOT / "_build" / "pdf" / "book.pdf"
PRINT_PATH = "/__print__/book.html"
BOOK_TITLE = "Policy Gradients, worked"
KEY_TITLE = "Instructor's key"
PLACEHOLDER = "000"


@dataclass
class Mark:
    """A bookmark: its title, the id it points to, and its children."""

    title: str
    anchor: str
    children: list[Mark] = field(default_factory=list)


# ------------------------------------------------------------------------ the print document
def _page_ids(pages: list[str]) -> dict[str, str]:
    return {p: f"p{i}" for i, p in enumerate(pages)}


def _href_for(ids: dict[str, str]):
    def href(path: str, frag: str) -> str | None:
        page = path[:-5] if path.endswith(".html") else None
        if page in ids:
            return f"#{ids[page]}-{frag}" if frag else f"#{ids[page]}"
        return None  # downloads, the index, search: nothing to follow in print

    return href


def _widget_kinds(soup) -> dict[str, dict]:
    tag = soup.find("script", type="application/vnd.jupyter.widget-state+json")
    if tag is None or not tag.string:
        return {}
    return {k: v.get("state", {}) for k, v in json.loads(tag.string).get("state", {}).items()}


def _note(soup, text: str):
    div = soup.new_tag("div", attrs={"class": "pgbook-widget-note"})
    div.append(text)
    return div


def _pgnum(soup, anchor: str):
    span = soup.new_tag("span", attrs={"class": "pgbook-pgnum", "data-ref": anchor})
    span.append(PLACEHOLDER)
    return span


def prepare_page(soup, name: str, pid: str, href, key_labels: set[str]):
    """The article of one built page, made printable; returns ``(article, title, sections)``."""
    states = _widget_kinds(soup)
    art = article(soup)
    for t in art.select("a.headerlink, button, .toggle-button, .copybtn, .pgbook-install"):
        t.decompose()
    for d in art.select("details.hide.above-input, details.above-input"):
        d.decompose()  # code the web page hides behind "show code cell source"
    for d in art.find_all("details"):
        d["open"] = ""
    # widgets -> a one-line note
    for node in art.find_all("script", type="application/vnd.jupyter.widget-view+json"):
        try:
            state = states.get(json.loads(node.string or "{}").get("model_id"), {})
        except json.JSONDecodeError:
            state = {}
        if str(state.get("_anywidget_id", "")).startswith("pgtools.exercises."):
            note = _note(soup, "Answer box: interactive in the web edition.")
        else:
            note = _note(soup, "Interactive explorer: it runs in the web edition (sliders "
                         "and buttons redraw the figures live).")
        node.replace_with(note)
    for s in art.find_all("script"):
        s.decompose()
    # written solutions -> a pointer to the key, where they are printed once
    for sol in art.select("div.solution"):
        link = sol.select_one(".admonition-title a[href^='#']")
        label = link["href"][1:] if link is not None else ""
        p = soup.new_tag("p", attrs={"class": "pgbook-solution-note"})
        if label in key_labels:
            p.append("Answer and solution: ")
            a = soup.new_tag("a", href=f"#key-{label}", attrs={"class": "pgbook-keep"})
            a.append(f"{KEY_TITLE}, p. ")
            a.append(_pgnum(soup, f"key-{label}"))
            p.append(a)
            p.append(".")
        else:
            p.append("Solution: see the web edition.")
        sol.replace_with(p)
    # ids and links: unique across the whole document
    for t in art.find_all(id=True):
        t["id"] = f"{pid}-{t['id']}"
    keymod.rewrite_urls(art, name, href, lambda p: "/" + p)
    h1 = art.find("h1")
    title = plain_title(h1) if h1 else pid
    sections = []
    for h2 in art.find_all("h2"):
        sec = h2.find_parent("section")
        if sec is not None and sec.get("id"):
            sections.append(Mark(plain_title(h2), sec["id"]))
    return art, title, sections


def assemble(site: Path, items: list[keymod.Item] | None = None) -> tuple[str, list[Mark]]:
    """The print document (HTML) and its bookmark tree."""
    root, parts = toc_parts()
    pages = [root] + [p for part in parts for p in part.pages]
    ids = _page_ids(pages)
    href = _href_for(ids)
    items = keymod.collect(site) if items is None else items
    key_labels = {it.label for it in items}

    bodies, titles, secs = {}, {}, {}
    for page in pages:
        soup = keymod.read_page(site, page)
        art, title, sections = prepare_page(soup, page, ids[page], href, key_labels)
        bodies[page], titles[page], secs[page] = art.decode_contents(), title, sections

    # bookmarks: the front page, each part with its pages and their sections, the key
    marks = [Mark("Contents", "pgbook-contents"), Mark(titles[root], ids[root])]
    for part in parts:
        kids = [Mark(titles[p], ids[p], secs[p]) for p in part.pages]
        if part.caption and kids:
            marks.append(Mark(part.caption, kids[0].anchor, kids))
        else:
            marks.extend(kids)
    key_pages = []
    for it in items:
        if not key_pages or key_pages[-1][0] != it.page:
            key_pages.append((it.page, it.page_title))
    marks.append(Mark(KEY_TITLE, "key-top",
                      [Mark(t, f"key-{p.rsplit('/', 1)[-1]}") for p, t in key_pages]))

    contents = ['<section class="pgbook-contents" id="pgbook-contents"><h1>Contents</h1><ol>']

    def line(mark: Mark, cls: str) -> str:
        return (f'<li class="{cls}"><div class="pgbook-toc-line"><a href="#{mark.anchor}">'
                f'{html.escape(mark.title)}</a><span class="pgbook-leader"></span>'
                f'<span class="pgbook-pgnum" data-ref="{mark.anchor}">{PLACEHOLDER}</span></div>')

    for m in marks[1:]:
        if m.children and m.title in {p.caption for p in parts}:
            contents.append(f'<li class="pgbook-part">{html.escape(m.title)}<ol>')
            for c in m.children:
                contents.append(line(c, "pgbook-chapter") + "<ol>")
                contents.extend(line(s, "pgbook-section") + "</li>" for s in c.children)
                contents.append("</ol></li>")
            contents.append("</ol></li>")
        else:
            contents.append(line(m, "pgbook-chapter") + "<ol>")
            contents.extend(line(s, "pgbook-section") + "</li>" for s in m.children)
            contents.append("</ol></li>")
    contents.append("</ol></section>")

    def key_link(page, label):
        return f"#{ids[page]}-{label}"

    def key_rewrite(tag, page):
        keymod.rewrite_urls(tag, page, href, lambda p: "/" + p)

    key_html = keymod.fragment(items, key_link, key_rewrite)
    today = datetime.date.today().isoformat()
    head = keymod.head_links(site, root, "/")
    doc = ["<!DOCTYPE html>",
           '<html lang="en" data-theme="light" data-mode="light"><head><meta charset="utf-8">',
           f"<title>{html.escape(BOOK_TITLE)}</title>", head,
           '<link rel="stylesheet" href="/_static/pgbook/key.css">',
           '<link rel="stylesheet" href="/_static/pgbook/print.css">',
           '</head><body class="pgbook-print"><article class="bd-article" role="main">',
           ('<section class="pgbook-title" id="pgbook-title">'
            f"<h1>{html.escape(BOOK_TITLE)}</h1>"
            '<p class="pgbook-subtitle">A worked companion to the chapter on policy gradients: '
            "every result derived, and checked by code that runs.</p>"
            '<p class="pgbook-imprint">Printed from the HTML edition on '
            f"{today}. The answer boxes and the interactive explorers work in the web edition; "
            "here each one is a short note. The instructor's key is the last part of this "
            'PDF.</p><p class="pgbook-imprint"><a href="#pgbook-contents">Contents</a></p>'
            "</section>"),
           "".join(contents)]
    for page in pages:
        doc.append(f'<section class="pgbook-chapter-start" id="{ids[page]}">{bodies[page]}'
                   "</section>")
    doc.append(key_html)
    doc.append("</article></body></html>")
    return "\n".join(doc), marks


# -------------------------------------------------------------------------------- printing
FIT_WIDE = """() => {
  // display equations and tables wider than the column are scaled to fit it (print cannot
  // scroll)
  const out = [];
  for (const el of document.querySelectorAll(
      'mjx-container[display="true"], .pst-scrollable-table-container, table')) {
    const w = el.scrollWidth, c = el.clientWidth || el.parentElement.clientWidth;
    if (c > 0 && w > c + 1) { el.style.zoom = (c / w).toFixed(3); out.push(w / c); }
  }
  return out.length;
}"""

CHECK = """() => {
  const imgs = [...document.images];
  const broken = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const raw = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement.closest('pre, code, .highlight')) continue;
    if (/\\\\\\(|\\\\\\[|\\$\\$|\\$[^$]*\\\\[a-zA-Z]{2,}/.test(n.data)) raw.push(n.data.slice(0, 80));
  }
  return {images: imgs.length, broken, raw,
          errors: document.querySelectorAll('mjx-merror').length,
          math: document.querySelectorAll('mjx-container').length};
}"""


def _fill(page, numbers: dict[str, int]) -> None:
    page.evaluate("""(nums) => {
      for (const s of document.querySelectorAll('.pgbook-pgnum')) {
        const n = nums[s.dataset.ref];
        if (n !== undefined) s.textContent = String(n);
      }
    }""", numbers)


def _destinations(pdf: bytes) -> dict[str, tuple[int, float]]:
    """Named destinations of a Chromium PDF: id -> (0-based page index, top y)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    out = {}
    for name, dest in reader.named_destinations.items():
        idx = reader.get_destination_page_number(dest)
        if idx < 0:  # a destination on no page
            continue
        top = dest.get("/Top")
        out[name.lstrip("/")] = (idx, float(top) if top is not None else 0.0)
    return out


def render(site: Path, doc: str, verbose: bool = True,
           tagged: bool = False) -> tuple[bytes, dict, dict]:
    """Print ``doc`` (served with ``site``); returns ``(pdf, destinations, stats)``.

    ``tagged`` asks Chromium for a tagged (structured, accessible) PDF, about twice the size.
    """
    with serve(site, {PRINT_PATH: doc.encode()}) as base, chromium() as browser:
        # the width of the printed column (A4 less the margins of print.css), so that what is
        # measured below is what prints
        ctx = browser.new_context(viewport={"width": 665, "height": 940})
        blocked: list[str] = []
        local_only(ctx, base, blocked)
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(base + PRINT_PATH, wait_until="load", timeout=180_000)
        page.evaluate("() => window.MathJax && MathJax.startup && MathJax.startup.promise"
                      " ? MathJax.startup.promise.then(() => true) : false")
        page.evaluate("() => document.fonts.ready.then(() => true)")
        page.emulate_media(media="print")
        stats = page.evaluate(CHECK)
        stats["scaled"] = page.evaluate(FIT_WIDE)
        stats["blocked"], stats["page_errors"] = blocked, errors
        if stats["broken"] or stats["errors"] or blocked or errors:
            raise SystemExit(f"the print document is not ready: {json.dumps(stats)[:2000]}")
        for text in stats["raw"]:  # a formula the page itself leaves untypeset
            print(f"  warning: raw TeX in the book: {text!r}", file=sys.stderr)
        dests: dict = {}
        pdf = b""
        for attempt in range(4):
            _fill(page, {k: v[0] + 1 for k, v in dests.items()})
            pdf = page.pdf(prefer_css_page_size=True, print_background=True, tagged=tagged)
            new = _destinations(pdf)
            if verbose:
                print(f"  print {attempt + 1}: {len(pdf) / 1e6:.1f} MB, "
                      f"{len(new)} link targets", flush=True)
            if attempt > 0 and {k: v[0] for k, v in new.items()} == \
                    {k: v[0] for k, v in dests.items()}:
                dests = new
                break
            dests = new
        else:
            raise SystemExit("page numbers did not settle after 4 prints")
        ctx.close()
    return pdf, dests, stats


def bookmark(pdf: bytes, marks: list[Mark], dests: dict) -> bytes:
    """``pdf`` with the bookmark tree ``marks`` (each at its anchor's page and height)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import Fit

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    missing = []

    def add(mark: Mark, parent=None):
        if mark.anchor not in dests:
            missing.append(mark.anchor)
            return
        idx, top = dests[mark.anchor]
        item = writer.add_outline_item(title=mark.title, page_number=idx, parent=parent,
                                       fit=Fit.xyz(top=top + 4 if top else None))
        for c in mark.children:
            add(c, item)

    for m in marks:
        add(m)
    if missing:
        raise SystemExit(f"bookmarks without a destination in the PDF: {missing}")
    writer.page_mode = "/UseOutlines"
    writer.add_metadata({"/Title": BOOK_TITLE, "/Author": "The pgtools team",
                         "/Subject": "Policy gradients, worked: the whole book"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--site", type=Path, default=SITE, help="the built HTML book")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--html", type=Path, help="also write the print document here")
    ap.add_argument("--tagged", action="store_true",
                    help="a tagged (structured) PDF for screen readers, about twice the size")
    args = ap.parse_args(argv)
    t0 = time.monotonic()
    doc, marks = assemble(args.site)
    if args.html:
        args.html.write_text(doc, encoding="utf-8")
    pdf, dests, stats = render(args.site, doc, tagged=args.tagged)
    final = bookmark(pdf, marks, dests)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(final)
    from pypdf import PdfReader

    n = len(PdfReader(io.BytesIO(final)).pages)
    print(f"pdf: {n} pages, {len(final) / 1e6:.1f} MB, {stats['images']} images, "
          f"{stats['math']} formulas, {stats['scaled']} wide items scaled to fit, "
          f"{time.monotonic() - t0:.0f} s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
