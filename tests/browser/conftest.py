"""Browser tests of the built HTML book (``_build/html``), driven by Playwright and Debian's Chromium.

The book is served on 127.0.0.1 by a throw-away HTTP server; every request to any other host is
aborted and recorded, so a test can assert that the page needs nothing from the network.

Without ``/usr/bin/chromium`` these tests are skipped with a clear message, unless the environment
variable ``PGBOOK_REQUIRE_BROWSER=1`` is set (as ``.ci/run`` does), in which case they fail.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("PGBOOK_SITE", ROOT / "_build" / "html"))  # override: another build
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = os.environ.get("PGBOOK_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def toc_pages() -> list[str]:
    """Every page of ``_toc.yml``, in reading order, as paths without suffix (``book/4_1_...``)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(entries):
        for e in entries or []:
            if "file" in e:
                pages.append(e["file"])
            walk(e.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return pages


def _browser_missing_reason() -> str | None:
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).exists()):
        return (f"Chromium not found at {CHROMIUM}: browser tests of the built book skipped. "
                "Install it with `apt-get install chromium` (.ci/run does).")
    return None


def pytest_collection_modifyitems(config, items):
    reason = _browser_missing_reason()
    if reason is None:
        return
    if os.environ.get("PGBOOK_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(reason + " PGBOOK_REQUIRE_BROWSER=1 makes this an error.")
    print("\n" + "!" * 78 + "\n" + reason + "\n" + "!" * 78)
    for item in items:
        item.add_marker(pytest.mark.skip(reason=reason))


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output readable
        pass


@pytest.fixture(scope="session")
def base_url():
    if not (SITE / "index.html").exists():
        pytest.fail(f"{SITE} has no built book: run `make book` first (make test does).")
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


@dataclass
class PageLog:
    """What happened while a page was open: console errors, page errors, bad requests."""

    console_errors: list[str] = field(default_factory=list)
    console_warnings: list[tuple[str, str]] = field(default_factory=list)  # (text, script url)
    page_errors: list[str] = field(default_factory=list)
    off_host: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    requests: int = 0


def isolated_page(browser, allowed, viewport=(1280, 900)):
    """A page in a fresh browser context that may only reach URLs starting with ``allowed``.

    Every other request is aborted and recorded; console errors, page errors and failed
    requests are recorded too. Returns ``(context, page, log)``.
    """
    ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    log = PageLog()
    allowed = ("data:", "blob:", *allowed)

    def route(r):
        if r.request.url.startswith(allowed):
            r.continue_()
        else:
            log.off_host.append(r.request.url)
            r.abort()

    ctx.route("**/*", route)
    page = ctx.new_page()
    page.on("console", lambda m: m.type == "error" and log.console_errors.append(m.text))
    page.on("console", lambda m: m.type == "warning" and log.console_warnings.append(
        (m.text, m.location.get("url", ""))))
    page.on("pageerror", lambda e: log.page_errors.append(str(e)))
    page.on("request", lambda r: setattr(log, "requests", log.requests + 1))
    page.on("requestfailed", lambda r: log.failed.append(f"{r.url} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400 and log.failed.append(f"{r.url} ({r.status})"))
    return ctx, page, log


# Every widget view saved in the page has rendered: each view's output area holds an ipywidgets
# box (.widget-container / .widget-box) or a pgtools anywidget root (.pgx, .pgxp).
RENDERED_ALL = """() => {
  const views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]');
  let done = 0;
  views.forEach(v => {  // the manager renders each view into a sibling of its script tag
    if (v.parentElement.querySelector(
        '.widget-container, .widget-box, .widget-inline-hbox, .pgx, .pgxp')) done += 1; });
  return done >= views.length;
}"""


@pytest.fixture
def open_page(browser, base_url):
    """Open a page of the book in a fresh context; returns ``(page, log)``."""
    contexts = []

    def _open(path: str, wait_widgets: bool = True):
        ctx, page, log = isolated_page(browser, (base_url + "/",))
        contexts.append(ctx)
        page.goto(f"{base_url}/{path}", wait_until="load")
        page.wait_for_load_state("networkidle")
        if wait_widgets and page.locator(
                'script[type="application/vnd.jupyter.widget-state+json"]').count():
            # ipywidgets boxes, or the roots of pgtools' anywidgets (exercises .pgx, explorers
            # .pgxp), which the static manager wraps in a "jupyter-widgets-disconnected" element.
            # Wait until every saved view has rendered its root (an event, not a fixed time).
            page.wait_for_function(RENDERED_ALL, timeout=15000)
        _wait_for_mathjax(page)
        return page, log

    yield _open
    for ctx in contexts:
        ctx.close()


def _wait_for_mathjax(page):
    """Wait until MathJax 3 has finished its first typesetting pass (if the page loads it)."""
    page.evaluate(
        "() => (window.MathJax && MathJax.startup && MathJax.startup.promise)"
        " ? MathJax.startup.promise.then(() => true) : true"
    )
