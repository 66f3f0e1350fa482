"""The exercise widgets and an explorer in a *live* JupyterLab, driven by Chromium.

The static-HTML tests (``test_exercises.py``, ``test_pages.py``) can only show the saved widget
state. Here a throw-away JupyterLab from the project's virtualenv opens a small generated notebook,
runs it with a real kernel, and a reader's session is replayed through the UI:

* ``CodeExercise``: *Check* with a wrong ``reward_to_go`` defined -> "wrong" feedback naming the
  failing test case (the same message ``CodeExercise.check`` gives in Python); the reader then
  rewrites that cell in the editor, runs it, presses *Check* again -> "correct";
* ``NumericExercise``: a wrong, then the right number -> "wrong", then "correct";
* the §4.3 explorer (a ``pgtools.explorer.FrameExplorer``): choosing another estimator in the
  dropdown shows another precomputed frame; a small explorer whose slider has a finer ``step``
  than its grid shows a frame the kernel draws for an off-grid value (the live path);
* the page shows no "Error displaying widget" / "Failed to load model class" and raises no
  JavaScript errors; every request stays on 127.0.0.1.

The server gets a random free port and token, its own empty ``JUPYTER_CONFIG_DIR``,
``JUPYTER_DATA_DIR``, runtime and ``IPYTHONDIR`` (nothing of the user's set-up leaks in), while the
venv's lab extensions (anywidget, jupyterlab_widgets) are still found through ``sys.prefix``; the
fixture checks that before starting. It is shut down (REST shutdown, then terminate, then kill) even
when a test fails, together with any kernel left in its process group.

Screenshot: ``_build/screenshots/lab_live.png``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from .conftest import SHOTS, PageLog, isolated_page

VENV_BIN = Path(sys.executable).parent
NB_NAME = "live_check.ipynb"
SERVER_START_TIMEOUT = 40.0

# ----------------------------------------------------------------------------- the notebook
SETUP = '''\
import numpy as np
from pgtools.exercises import CodeExercise, NumericExercise


def _reference(rewards, gamma):
    """Vectorised reward-to-go: G[:, t] = sum over t' >= t of gamma^(t' - t) r[:, t']."""
    r = np.asarray(rewards, dtype=float)
    H = r.shape[1]
    lag = np.arange(H)[None, :] - np.arange(H)[:, None]             # lag[t, t'] = t' - t
    U = np.where(lag >= 0, float(gamma) ** np.maximum(lag, 0), 0.0)
    return r @ U.T


def _cases(rng):
    n, H = int(rng.integers(1, 5)), int(rng.integers(2, 7))
    return rng.normal(size=(n, H)).round(2), float(rng.choice([0.5, 0.9]))


code_ex = CodeExercise("Write `reward_to_go(rewards, gamma)` for an (n, H) array of rewards.",
                       _reference, name="reward_to_go", cases=_cases, n_cases=10, seed=0)
code_ex
'''

WRONG = '''\
def reward_to_go(rewards, gamma):   # WRONG: forgets the discount
    return np.cumsum(np.asarray(rewards, dtype=float)[:, ::-1], axis=1)[:, ::-1]
'''

RIGHT = '''\
def reward_to_go(rewards, gamma):   # fixed: G_t = r_t + gamma G_{t+1}, backwards in t
    r = np.asarray(rewards, dtype=float)
    G = np.zeros_like(r)
    acc = np.zeros(r.shape[0])
    for t in range(r.shape[1] - 1, -1, -1):
        acc = r[:, t] + gamma * acc
        G[:, t] = acc
    return G
'''

NUMERIC = '''\
num_ex = NumericExercise("Discounted return of the rewards (1, 0, 2) with γ = 0.5?", 1.5)
num_ex
'''

EXPLORER = '''\
from pgtools.explorers import sec4_3
sec4_3.make_explorer()
'''

LIVE_EXPLORER = '''\
import matplotlib.pyplot as plt
from pgtools.explorer import FrameExplorer, Slider

def curve(beta):
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.set_title(f"beta = {beta:.2f}")
    return fig

FrameExplorer(curve, [Slider("beta", 0.0, 1.0, 0.25, grid=0.5)], label="live")
'''

NUMERIC_WRONG, NUMERIC_RIGHT = "3", "3/2"
STDERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'  # errors too
EXPLORER_CHOICE = "reward-to-go"  # a label of the §4.3 estimator dropdown (default: full return)


def _python_feedback(func_source: str):
    """What ``CodeExercise.check`` says in plain Python about the function in ``func_source``."""
    ns: dict = {}
    exec(SETUP, ns)  # noqa: S102 -- our own notebook source
    exec(func_source, ns)  # noqa: S102
    return ns["code_ex"].check(ns["reward_to_go"])


def _write_notebook(path: Path) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(src)
                for src in (SETUP, WRONG, NUMERIC, EXPLORER, LIVE_EXPLORER)]
    nbformat.validate(nb)
    nbformat.write(nb, str(path))


# --------------------------------------------------------------------------------- the server
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 2.0) -> int:
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status


@dataclass
class Lab:
    url: str
    token: str
    root: Path
    log: Path

    def notebook_url(self) -> str:
        return f"{self.url}/lab/tree/{NB_NAME}?token={self.token}"

    def log_tail(self, n: int = 60) -> str:
        lines = self.log.read_text(errors="replace").splitlines()
        return "\n".join(lines[-n:])


def _isolated_env(tmp: Path) -> dict:
    env = dict(os.environ)
    for d in ("config", "data", "runtime", "ipython"):
        (tmp / d).mkdir()
    env.update(
        JUPYTER_CONFIG_DIR=str(tmp / "config"),
        JUPYTER_DATA_DIR=str(tmp / "data"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        IPYTHONDIR=str(tmp / "ipython"),
        JUPYTER_PLATFORM_DIRS="0",
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    for var in ("JUPYTER_PATH", "JUPYTER_CONFIG_PATH", "JUPYTERLAB_DIR", "JUPYTERLAB_SETTINGS_DIR",
                "JUPYTERLAB_WORKSPACES_DIR", "MPLBACKEND", "JUPYTER_TOKEN"):
        env.pop(var, None)
    # No news/update toasts over the notebook (the settings live in the throw-away config dir).
    settings = tmp / "config" / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    return env


def _check_extensions_found(env: dict) -> None:
    """The isolated environment still sees the venv's widget lab extensions (via sys.prefix)."""
    out = subprocess.run([str(VENV_BIN / "jupyter"), "labextension", "list"], env=env,
                         capture_output=True, text=True, timeout=60, check=False)
    text = re.sub(r"\x1b\[[0-9;]*m", "", out.stdout + out.stderr)  # no colour codes
    prefix_dir = str(Path(sys.prefix) / "share" / "jupyter" / "labextensions")
    assert prefix_dir in text, f"{prefix_dir} not searched by `jupyter labextension list`:\n{text}"
    for name in ("anywidget", "@jupyter-widgets/jupyterlab-manager"):
        line = next((ln for ln in text.splitlines() if ln.split()[:1] == [name]), "")
        assert "enabled" in line and "OK" in line, f"{name} not enabled/OK:\n{text}"


def _stop(proc: subprocess.Popen, lab: Lab) -> None:
    """Graceful REST shutdown, then SIGTERM, then SIGKILL; finally the whole process group."""
    try:
        req = urllib.request.Request(f"{lab.url}/api/shutdown", method="POST",
                                     headers={"Authorization": f"token {lab.token}"})
        urllib.request.urlopen(req, timeout=5).close()
    except (OSError, urllib.error.URLError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    try:  # kernels are in the server's (new) process group: leave none behind
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lab")
    root = tmp / "notebooks"
    root.mkdir()
    _write_notebook(root / NB_NAME)
    env = _isolated_env(tmp)
    _check_extensions_found(env)
    port, token = _free_port(), secrets.token_hex(24)
    log = tmp / "server.log"
    cmd = [str(VENV_BIN / "jupyter"), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           "--LabApp.extension_manager=readonly", "--ServerApp.terminals_enabled=False"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers / CI run as root
        cmd.append("--allow-root")
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=fh, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    server = Lab(f"http://127.0.0.1:{port}", token, root, log)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with {proc.returncode}:\n{server.log_tail()}")
            try:
                if _get(f"{server.url}/api/status?token={token}") == 200:
                    break
            except (OSError, urllib.error.URLError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer within {SERVER_START_TIMEOUT:.0f} s:\n"
                            f"{server.log_tail()}")
            time.sleep(0.2)
        yield server
    finally:
        _stop(proc, server)


# ------------------------------------------------------------------------------- the browser
@dataclass
class Session:
    page: object
    log: PageLog
    lab: Lab


def _cell(page, i: int):
    return page.locator(".jp-Notebook .jp-Cell").nth(i)


@pytest.fixture(scope="module")
def session(browser, lab):
    """The notebook open in Lab, kernel idle, all cells run once (menu Run -> Run All Cells)."""
    ctx, page, log = isolated_page(
        browser, (lab.url, lab.url.replace("http", "ws", 1)), viewport=(1400, 1400))
    page.set_default_timeout(20_000)
    try:  # open the notebook, wait for its kernel, Run -> Run All Cells, wait until all ran
        page.goto(lab.notebook_url(), wait_until="domcontentloaded")
        page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=30_000)
        expect_idle(page, timeout=30_000)
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        # every code cell got an execution count and the kernel is idle again
        page.wait_for_function(
            """() => {
                const p = [...document.querySelectorAll('.jp-Notebook .jp-InputArea-prompt')];
                return p.length === 5 && p.every((e) => /\\[\\d+\\]/.test(e.textContent));
            }""", timeout=30_000)
        expect_idle(page, timeout=30_000)
    except PlaywrightTimeout as exc:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "lab_live_setup_failure.png"))
        ctx.close()
        pytest.fail(f"notebook did not open and run in Lab: {exc}\n"
                    f"(screenshot: {SHOTS / 'lab_live_setup_failure.png'})\n"
                    f"server log:\n{lab.log_tail()}")
    try:
        yield Session(page, log, lab)
    finally:
        ctx.close()


def expect_idle(page, timeout: float) -> None:
    """A kernel is connected and idle (the toolbar indicator alone also says idle with no kernel)."""
    page.wait_for_function(
        """() => {
            const ind = document.querySelector('.jp-Notebook-ExecutionIndicator');
            const bar = document.querySelector('.jp-StatusBar-Widget');
            return ind && ind.dataset.status === 'idle' && bar
                && /Python 3 \\(ipykernel\\) \\| Idle/.test(bar.innerText);
        }""", timeout=timeout)


# ----------------------------------------------------------------------------------- the tests
def _code_box(page):
    """The CodeExercise's Check button and feedback box."""
    box = _cell(page, 0).locator(".pgx-code")
    box.scroll_into_view_if_needed()
    return box.locator("button.pgx-check"), box.locator(".pgx-feedback")


def _wait_answered(page, feedback, timeout: float) -> None:
    """The Check round trip finished: the feedback shows a message, not "Checking…"."""
    page.wait_for_function(
        "(el) => !!el.querySelector('.pgx-msg') && !el.textContent.includes('Checking')",
        arg=feedback.element_handle(), timeout=timeout)


# The three CodeExercise tests run in this order on the one live notebook: the wrong function of
# cell 2 is defined after Run All; the last test replaces it through the editor.
@pytest.mark.browser
def test_code_exercise_reports_the_failing_case_live(session):
    page = session.page
    check, feedback = _code_box(page)
    expected = _python_feedback(WRONG)
    assert expected.status in ("wrong", "close") and "test case" in expected.message

    check.click()
    _wait_answered(page, feedback, timeout=10_000)
    cls, text = feedback.get_attribute("class"), feedback.inner_text()
    assert f"pgx-{expected.status}" in cls, (cls, text)
    assert expected.message in text, text            # "... on test case k."
    assert "inputs:" in text and "expected:" in text and "received:" in text, text


@pytest.mark.browser
def test_code_exercise_answers_a_repeated_check(session):
    """A reader presses Check again without changing anything: the answer must come back."""
    page = session.page
    check, feedback = _code_box(page)
    expected = _python_feedback(WRONG)
    check.click()
    try:
        _wait_answered(page, feedback, timeout=6_000)
    except PlaywrightTimeout:  # report what the reader sees instead
        pytest.fail("second Check with the same (wrong) function never answered: the feedback "
                    f"box still says {feedback.inner_text()!r} (class "
                    f"{feedback.get_attribute('class')!r}) 6 s later")
    assert expected.message in feedback.inner_text(), feedback.inner_text()


@pytest.mark.browser
def test_code_exercise_accepts_the_fixed_function_live(session):
    page = session.page
    check, feedback = _code_box(page)
    assert _python_feedback(RIGHT).status == "correct"
    # the reader rewrites cell 2 in its editor and runs it with Shift+Enter
    cell = _cell(page, 1)
    prompt = cell.locator(".jp-InputArea-prompt")
    before = prompt.inner_text()
    editor = cell.locator(".cm-content")
    editor.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(RIGHT)  # as pasted text: no auto-indent of the typed lines
    assert "fixed:" in editor.inner_text() and "WRONG" not in editor.inner_text()
    page.keyboard.press("Shift+Enter")
    page.wait_for_function(
        "([el, before]) => /\\[\\d+\\]/.test(el.textContent) && el.textContent !== before",
        arg=[prompt.element_handle(), before])
    expect_idle(page, timeout=10_000)
    assert not cell.locator(STDERR).count() and "Traceback" not in cell.inner_text(), \
        cell.inner_text()

    check.click()
    page.wait_for_function("(el) => el.className.includes('pgx-correct')",
                           arg=feedback.element_handle(), timeout=10_000)
    assert "passed all 10 test cases" in feedback.inner_text(), feedback.inner_text()


@pytest.mark.browser
def test_numeric_exercise_renders_and_grades_in_lab(session):
    box = _cell(session.page, 2).locator(".pgx-numeric")
    box.scroll_into_view_if_needed()
    field_ = box.locator("input.pgx-input")
    feedback = box.locator(".pgx-feedback")
    field_.fill(NUMERIC_WRONG)
    box.locator("button.pgx-check").click()
    expect(feedback).to_have_class(re.compile(r"\bpgx-wrong\b"))
    field_.fill(NUMERIC_RIGHT)
    field_.press("Enter")
    expect(feedback).to_have_class(re.compile(r"\bpgx-correct\b"))
    expect(feedback).to_contain_text("Correct")


@pytest.mark.browser
def test_explorer_redraws_when_a_control_changes(session):
    page = session.page
    cell = _cell(page, 3)
    img = cell.locator(".pgxp img[data-frame]").first
    img.scroll_into_view_if_needed()
    img.wait_for(timeout=15_000)
    before = img.get_attribute("src")
    assert before and before.startswith("data:image/svg+xml"), before[:60] if before else before
    t0 = time.monotonic()
    cell.locator(".pgxp select").select_option(label=EXPLORER_CHOICE)
    page.wait_for_function(
        """([cell, before]) => {
            const im = cell.querySelector('.pgxp img');
            return im && im.src.startsWith('data:image/svg+xml') && im.src !== before;
        }""", arg=[cell.element_handle(), before], timeout=5_000)
    assert time.monotonic() - t0 < 5.0
    assert "reward-to-go" in img.get_attribute("alt")


@pytest.mark.browser
def test_explorer_kernel_draws_off_grid_values(session):
    page = session.page
    cell = _cell(page, 4)
    slider = cell.locator(".pgxp input[type=range]")
    slider.scroll_into_view_if_needed()
    # the kernel answered the page's ping: the slider now moves on the fine step
    expect(slider).to_have_attribute("step", "0.25", timeout=15_000)
    slider.focus()
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")  # 0.25: between the grid points 0 and 0.5
    expect(slider).to_have_value("0.25")  # the key reached the slider, not Lab's shortcuts
    img = cell.locator(".pgxp img")
    expect(img).to_have_attribute("data-frame", "live", timeout=10_000)
    expect(img).to_have_attribute("alt", re.compile(r"Beta = 0\.25"))  # the title


@pytest.mark.browser
def test_no_widget_errors_and_screenshot(session):
    page = session.page
    expect_idle(page, timeout=10_000)  # the last redraw's request has finished too
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "lab_live.png"), full_page=False)
    text = page.locator("body").inner_text()
    for bad in ("Error displaying widget", "Failed to load model class", "Traceback"):
        assert bad not in text, f"{bad!r} on the page"
    assert page.locator(f".jp-Notebook {STDERR}").count() == 0, page.locator(STDERR).all_inner_texts()
    assert page.locator(".jp-Notebook .pgx").count() == 2
    assert page.locator(".jp-Notebook .pgxp img").count() == 2
    assert not session.log.page_errors, session.log.page_errors
    assert not session.log.console_errors, session.log.console_errors
    assert not session.log.off_host, session.log.off_host
