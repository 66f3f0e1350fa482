"""What the editions share: the table of contents, the built pages, a local server, Chromium."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_build" / "html"
CHROMIUM = os.environ.get("PGBOOK_CHROMIUM", "/usr/bin/chromium")
# the flags the browser tests use (tests/browser/conftest.py), for the same reasons
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]


@dataclass
class Part:
    """A part of the table of contents: its caption and its pages (``book/4_1_motivation``)."""

    caption: str
    pages: list[str] = field(default_factory=list)


def toc_parts(root: Path = ROOT) -> tuple[str, list[Part]]:
    """``(root_page, parts)`` of ``_toc.yml``, pages as paths without suffix, in reading order.

    Nested ``sections`` are flattened into their part, after their chapter.
    """
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    parts: list[Part] = []

    def walk(entries, into: Part) -> None:
        for e in entries or []:
            if "file" in e:
                into.pages.append(e["file"])
            walk(e.get("sections"), into)

    for p in toc.get("parts", []):
        part = Part(p.get("caption", ""))
        walk(p.get("chapters"), part)
        parts.append(part)
    if toc.get("chapters"):
        part = Part("")
        walk(toc["chapters"], part)
        parts.append(part)
    return toc["root"], parts


def toc_pages(root: Path = ROOT) -> list[str]:
    """Every page of the toc in reading order, the root page first."""
    first, parts = toc_parts(root)
    return [first] + [p for part in parts for p in part.pages]


def read_page(site: Path, page: str) -> BeautifulSoup:
    """The built HTML of ``page`` (``book/4_3_reinforce``) as a soup."""
    path = site / f"{page}.html"
    if not path.exists():
        raise SystemExit(f"{path} is missing: build the book first (make book)")
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def article(soup: BeautifulSoup):
    """The page's main text (the theme's ``article.bd-article``)."""
    art = soup.select_one("article.bd-article")
    if art is None:
        raise SystemExit("a built page has no article.bd-article: has the theme changed?")
    return art


_TEX = {
    r"\nabla": "∇", r"\gamma": "γ", r"\theta": "θ", r"\pi": "π", r"\rho": "ρ", r"\tau": "τ",
    r"\mu": "μ", r"\lambda": "λ", r"\eta": "η", r"\phi": "φ", r"\psi": "ψ", r"\sigma": "σ",
    r"\alpha": "α", r"\beta": "β", r"\delta": "δ", r"\epsilon": "ε", r"\le": "≤", r"\ge": "≥",
    r"\log": "log", r"\mathbb{E}": "E", r"\infty": "∞", r"\star": "*", r"\cdot": "·",
    r"\to": "→", r"\sum": "Σ",
}


def plain_title(tag) -> str:
    """A heading's text for a PDF bookmark: headerlinks dropped, inline TeX made readable."""
    text = "".join(
        s for s in tag.find_all(string=True)
        if not (s.parent and "headerlink" in (s.parent.get("class") or [])))
    text = re.sub(r"\\\((.*?)\\\)", lambda m: _tex_to_text(m.group(1)), text)
    return " ".join(text.split())


def _tex_to_text(tex: str) -> str:
    for k in sorted(_TEX, key=len, reverse=True):
        tex = tex.replace(k, _TEX[k])
    tex = re.sub(r"\\[a-zA-Z]+|\\[,;:! ]", "", tex)
    tex = re.sub(r"(?<=[∇Σ]) +", "", tex)
    return tex.replace("{", "").replace("}", "").replace("^", "").strip()


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves a directory plus a few in-memory documents (``extra``: URL path -> bytes)."""

    extra: Mapping[str, bytes] = {}

    def do_GET(self):
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path in self.extra:
            body = self.extra[path]
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(directory: Path, extra: Mapping[str, bytes] | None = None) -> Iterator[str]:
    """Serve ``directory`` (and ``extra`` documents) on 127.0.0.1; yields the base URL."""
    handler = functools.partial(type("H", (_Handler,), {"extra": dict(extra or {})}),
                                directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def chromium() -> Iterator:
    """Debian's Chromium through Playwright (no browser download), headless."""
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM}: `apt-get install chromium` "
                         "(.ci/run does), or set PGBOOK_CHROMIUM")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def local_only(context, base: str, blocked: list[str]) -> None:
    """Abort (and record in ``blocked``) every request of ``context`` that leaves ``base``."""
    allowed = (base + "/", "data:", "blob:", "about:")

    def route(r):
        if r.request.url.startswith(allowed):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
