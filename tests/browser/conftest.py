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
import re
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import TimeoutError as PlaywrightTimeout

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


DESKTOP, PHONE = (1280, 900), (390, 844)

# Order of the tests of one page (see ``pytest_collection_modifyitems``): first those that only
# read the page, so that they share one load of it; then those that change it (each takes the
# page if nothing done to it before can affect its check, else loads it afresh, see ``Pages``);
# then the phone-sized ones.
_PAGE_ORDER = [
    "test_page_renders_offline",  # first: its request log covers the load and nothing else
    "test_figures_are_described_numbered_and_legible",
    "test_exercise_rhythm",
    "test_no_answer_is_visible",
    "test_download_and_launch_buttons",
    "test_code_exercise_says_run_the_notebook",
    "test_no_serious_accessibility_violations",  # light, then dark (which restores light)
    "test_exercise_and_solution_open_on_click",  # opens one solution, then folds it again
    "test_desktop_code_fits_and_page_is_short",  # measures, then unfolds every fold
    # answer boxes, one at a time, as a reader answers them
    "test_numeric_exercise_wrong_coarse_then_right",
    "test_numeric_coarse_answer_is_called_right_but_coarse",
    "test_choice_exercise_gives_feedback",
    "test_exercise_is_operable_by_keyboard",
    "test_no_raw_subscripts_outside_math",  # reveals the widgets' text (unfolded: more text)
    "test_explorer_controls_redraw_the_stored_frame",  # explorers: no exercise, no solution
    # these leave the page (a key or a click turns it)
    "test_arrow_keys_move_a_focused_slider_not_the_page",
    "test_next_and_previous_clicks_turn_the_page",
    "test_phone_page_fits_the_viewport",
    "test_explorer_fits_a_phone_and_follows_dark_mode",
]


def _page_of(item) -> str | None:
    params = getattr(getattr(item, "callspec", None), "params", {})
    return params.get("path")


def _page_weight(path: str) -> int:
    f = SITE / f"{path}.html"
    return f.stat().st_size if f.exists() else 0


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    _group_and_order(items)
    reason = _browser_missing_reason()
    if reason is None:
        return
    if os.environ.get("PGBOOK_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(reason + " PGBOOK_REQUIRE_BROWSER=1 makes this an error.")
    print("\n" + "!" * 78 + "\n" + reason + "\n" + "!" * 78)
    for item in items:
        item.add_marker(pytest.mark.skip(reason=reason))


def _group_and_order(items):
    """Order the tests so that those of one page run one after the other (they share the page's
    load, ``pages`` below) and the longest go first: the JupyterLab tests, then the pages,
    heaviest first. ``pytest_xdist_make_scheduler`` keeps each page's tests on
    one worker, in this order.

    Only the order and the grouping change, never what a test checks: a test that needs a
    page untouched gets one whatever ran before it.
    """
    browser_items = [it for it in items if it.nodeid.startswith("tests/browser/")
                     or "/tests/browser/" in str(it.path)]
    if not browser_items:
        return
    weights, index = {}, {id(it): k for k, it in enumerate(items)}

    def key(item):  # ties keep the collection order (the JupyterLab tests depend on it)
        path, name, k = _page_of(item), item.originalname or item.name, index[id(item)]
        if item.path.name == "test_lab.py":
            return (0, 0, "", 0, False, k)
        if path is None:
            return (2, 0, "", 0, False, k)
        if path not in weights:
            weights[path] = _page_weight(path)
        rank = _PAGE_ORDER.index(name) if name in _PAGE_ORDER else len(_PAGE_ORDER)
        params = getattr(item, "callspec", None) and item.callspec.params or {}
        return (1, -weights[path], path, rank, params.get("mode", "light") != "light", k)

    mine = {id(it) for it in browser_items}
    slots = [k for k, it in enumerate(items) if id(it) in mine]
    for slot, item in zip(slots, sorted(browser_items, key=key)):
        items[slot] = item


def _xdist_group(nodeid: str, pages: frozenset) -> str:
    """The unit of work an xdist worker takes whole: the JupyterLab tests (one server, run in
    order), all tests of one page, or else the test alone."""
    if nodeid.startswith("tests/browser/test_lab.py::"):
        return "lab"
    m = re.search(r"\[(.+?)(?:-(?:light|dark))?\]$", nodeid)
    if m and m.group(1) in pages:
        return "page:" + m.group(1)
    return nodeid


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """With ``-n``, give each worker whole groups (``_xdist_group``) in the collection order.

    (``--dist loadgroup`` with ``xdist_group`` marks would do this, but pytest-xdist 3.8 tags
    the node ids through an attribute pytest 9 no longer reads, so the marks have no effect.)
    """
    if config.getvalue("dist") not in ("load", "loadgroup"):
        return None  # another mode asked for explicitly
    from xdist.scheduler import LoadScopeScheduling

    pages = frozenset(toc_pages())
    config.option.loadscopereorder = False  # keep _group_and_order's order: longest first

    class ByPage(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _xdist_group(nodeid, pages)

    return ByPage(config, log)


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
    pending: set = field(default_factory=set)  # requests not yet finished or failed


def isolated_page(browser, allowed, viewport=DESKTOP):
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
    page.on("request", lambda r: log.pending.add(r))
    page.on("requestfinished", lambda r: log.pending.discard(r))
    page.on("requestfailed", lambda r: log.pending.discard(r))
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


def settle(page, log, timeout: float = 30.0):
    """Wait until every request the page has made so far has finished or failed (what
    ``wait_for_load_state("networkidle")`` waited for, without its 500 ms of idling)."""
    deadline = time.monotonic() + timeout
    while log.pending:
        if time.monotonic() > deadline:
            pytest.fail(f"requests still pending after {timeout:.0f} s: "
                        f"{[r.url for r in log.pending]}")
        page.wait_for_timeout(10)  # lets Playwright deliver the requests' events


def load(page, log, url: str, wait_widgets: bool = True):
    """Go to ``url`` and wait until the page is ready to be read: loaded, every saved widget
    view rendered, MathJax's first typesetting pass done, web fonts ready, no request pending.
    Every wait is on an event or a condition, none on a fixed time."""
    page.goto(url, wait_until="load")
    if wait_widgets and page.locator(
            'script[type="application/vnd.jupyter.widget-state+json"]').count():
        # ipywidgets boxes, or the roots of pgtools' anywidgets (exercises .pgx, explorers
        # .pgxp), which the static manager wraps in a "jupyter-widgets-disconnected" element.
        # Wait until every saved view has rendered its root (an event, not a fixed time).
        page.wait_for_function(RENDERED_ALL, timeout=15000)
    _wait_for_mathjax(page)
    settled(page, _FONTS_READY, "the web fonts")
    try:  # a code exercise shows its "run this notebook" note at once in the static book
        # (in Jupyter, once a ping to the kernel has gone unanswered): wait for that state
        page.wait_for_function(_CODE_NOTES_SHOWN, timeout=6000)
    except PlaywrightTimeout:
        pass  # test_code_exercise_says_run_the_notebook says what is wrong
    settled(page, _TWO_FRAMES, "two animation frames")  # the IntersectionObservers reported
    try:  # the theme has marked the scrollable blocks focusable (after a 300 ms debounce)
        page.wait_for_function(_SCROLLABLES_MARKED, timeout=3000)
    except PlaywrightTimeout:
        pass  # then axe says which block it is
    settle(page, log)


_CODE_NOTES_SHOWN = """() => Array.from(document.querySelectorAll('.pgx-code .pgx-note'))
  .every(n => !n.hidden)"""
_TWO_FRAMES = ("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame("
               "() => r(true))))")
_FONTS_READY = "() => document.fonts.ready.then(() => true)"
# pydata-sphinx-theme gives every scrollable code block or output tabindex 0 (and the others
# -1), 300 ms after the last change to the page's content (a debounce, not an event): wait for
# the condition it establishes, which the accessibility check relies on.
_SCROLLABLES_MARKED = """() => Array.from(document.querySelectorAll(
    'pre, .nboutput > .output_area, .cell_output > .output, .jp-RenderedHTMLCommon,'
    + ' .pst-scrollable-table-container')).every(e => e.tabIndex ===
  (e.scrollWidth > e.clientWidth || e.scrollHeight > e.clientHeight ? 0 : -1))"""


# At any width: per explorer, how many of its controls, their parts and its image stick out of
# it or have collapsed to no width; and the width of every explorer slider.
EXPLORER_PARTS_OUTSIDE = """() => Array.from(document.querySelectorAll('.pgxp')).map(r => {
  const b = r.getBoundingClientRect();
  return Array.from(r.querySelectorAll('.pgxp-control, .pgxp-control > *, img'))
    .map(e => e.getBoundingClientRect())
    .filter(x => x.left < b.left - 1 || x.right > b.right + 1 || x.width < 1).length; })"""
SLIDER_WIDTHS = """() => Array.from(document.querySelectorAll('.pgxp input[type=range]'))
  .map(e => e.getBoundingClientRect().width)"""


def narrow(page, viewport):
    """Resize the open ``page`` to ``viewport`` and wait until the layout and the page's own
    resize handlers have run (two animation frames: events, not a fixed time)."""
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    page.wait_for_function("(w) => window.innerWidth === w", arg=viewport[0])
    settled(page, _TWO_FRAMES, "two animation frames")
    settled(page, _FONTS_READY, "the web fonts")


# What tests do to a page they share and leave the reader on it (``Pages.get(changes=...)``):
# unfold every fold, answer boxes, reveal the widgets' hints and feedback, move explorers.
ON_PAGE = ("unfolded", "answered", "widgets", "explorers")


@dataclass
class _Loaded:
    path: str
    viewport: tuple
    ctx: object
    page: object
    log: PageLog
    changed: set = field(default_factory=set)  # what tests have done to the page since its load


class Pages:
    """Per worker, the one page open (one window: a window left open behind a newer one may
    stop producing frames, seen once as CSS transitions that never finished), in a fresh
    context.

    ``get(path)`` hands out that page again while no test has changed it. A test that changes
    the page (clicks, types, unfolds, switches to dark mode) says what it changes,
    ``get(path, changes="widgets")``, and which earlier changes cannot affect what it checks,
    ``tolerates=("widgets",)``; it gets the open page only if that holds, else a new load.
    Tests of one page run one after the other on one worker (``_group_and_order``), so the
    read-only ones share a single load.
    """

    def __init__(self, browser, base_url):
        self.browser, self.base_url = browser, base_url
        self.cur: _Loaded | None = None

    def get(self, path: str, viewport=DESKTOP, *, changes: str | None = None,
            tolerates: tuple = ()):
        cur = self.cur
        usable = cur is not None and cur.path == path and cur.changed <= set(tolerates)
        if usable and cur.viewport != viewport and cur.viewport == DESKTOP:
            # The page's desktop load, narrowed to ``viewport`` as a reader narrows the window:
            # the book's layout at any width is CSS alone (media queries, wrapping), which a
            # resize re-evaluates; ``test_phone_load_matches_a_narrowed_page`` checks that a
            # fresh load at that width measures the same.
            narrow(cur.page, viewport)
            cur.viewport = viewport
        if not usable or cur.viewport != viewport:
            self.drop()
            ctx, page, log = isolated_page(self.browser, (self.base_url + "/",), viewport)
            try:
                load(page, log, f"{self.base_url}/{path}")
            except BaseException:
                ctx.close()
                raise
            cur = self.cur = _Loaded(path, viewport, ctx, page, log)
        if changes:
            cur.changed.add(changes)
        return cur.page, cur.log

    def drop(self):
        if self.cur is not None:
            self.cur.ctx.close()
            self.cur = None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    rep = yield
    if rep.failed:
        item._pgbook_failed = True
    return rep


@pytest.fixture(scope="session")
def _pages(browser, base_url):
    cache = Pages(browser, base_url)
    yield cache
    cache.drop()


@pytest.fixture
def pages(_pages, request):
    """The worker's ``Pages``; after a failing test its pages are dropped (they may be left
    half-changed, e.g. in dark mode)."""
    yield _pages
    if getattr(request.node, "_pgbook_failed", False):
        _pages.drop()


@pytest.fixture
def open_page(browser, base_url):
    """Open a page of the book in a fresh context; returns ``(page, log)``."""
    contexts = []

    def _open(path: str, wait_widgets: bool = True):
        ctx, page, log = isolated_page(browser, (base_url + "/",))
        contexts.append(ctx)
        load(page, log, f"{base_url}/{path}", wait_widgets)
        return page, log

    yield _open
    for ctx in contexts:
        ctx.close()


def _wait_for_mathjax(page):
    """Wait until MathJax 3 has finished its first typesetting pass (if the page loads it)."""
    settled(page, "() => (window.MathJax && MathJax.startup && MathJax.startup.promise)"
            " ? MathJax.startup.promise.then(() => true) : true", "MathJax's typesetting")


def settled(page, promise_js: str, what: str, seconds: float = 30.0, arg=None):
    """Evaluate ``promise_js`` (a function of ``arg`` that may return a promise) and return its
    value. If it has not settled within ``seconds`` the test fails, naming ``what``: a guard,
    so that a page that stops producing frames fails its test instead of hanging the suite
    (``page.evaluate`` itself has no timeout). It waits for the event, never for the time."""
    out = page.evaluate(f"""async (arg) => {{
      const guard = new Promise(r => setTimeout(() => r("__pgbook_timeout__"), {seconds * 1000:.0f}));
      return await Promise.race([Promise.resolve(({promise_js})(arg)), guard]);
    }}""", arg)
    if out == "__pgbook_timeout__":
        pytest.fail(f"{what} did not settle within {seconds:.0f} s on {page.url}")
    return out


# ------------------------------------------------------------------ axe counts, one table
_AXE_ROWS: dict[str, dict] = {}


def pytest_runtest_logreport(report):
    """Collect the axe counts each accessibility test records (also from xdist workers)."""
    for name, value in getattr(report, "user_properties", ()):
        if name == "axe" and report.when == "call":
            _AXE_ROWS.setdefault(value["path"], {})[value["mode"]] = value


def pytest_terminal_summary(terminalreporter):
    """Print axe-core's counts per page and colour mode: violating elements by impact."""
    if not _AXE_ROWS:
        return
    tr, impacts = terminalreporter, ("critical", "serious", "moderate", "minor")
    tr.section("axe-core, WCAG 2.1 A/AA: violating elements per page (light | dark)")
    head = " ".join(f"{h:>4s}" for h in ("crit", "ser", "mod", "min"))
    tr.write_line(f"{'page':34s} {head} | {head}  rules")
    order = {p: k for k, p in enumerate(toc_pages())}
    total = {m: dict.fromkeys(impacts, 0) for m in ("light", "dark")}
    for path in sorted(_AXE_ROWS, key=lambda p: order.get(p, len(order))):
        row, cells, rules = _AXE_ROWS[path], [], set()
        for mode in ("light", "dark"):
            got = row.get(mode)
            if got is None:
                cells.append(f"{'-':>19s}")
                continue
            for k in impacts:
                total[mode][k] += got["counts"][k]
            cells.append(" ".join(f"{got['counts'][k]:4d}" for k in impacts).rjust(19))
            rules.update(got["rules"])
        tr.write_line(f"{path:34s} {cells[0]} | {cells[1]}  {', '.join(sorted(rules))}")
    tr.write_line(f"{'total':34s} " + " | ".join(
        " ".join(f"{total[m][k]:4d}" for k in impacts).rjust(19) for m in ("light", "dark")))
