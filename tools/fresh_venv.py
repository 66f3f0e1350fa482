"""Run a book's downloaded notebooks as a reader would, outside the repository.

Shared by ``tests/fresh`` (the full edition, ``_build/html``) and ``tests/editions`` (the student
edition, ``_build/student/html``): serve a built book on 127.0.0.1, read a chapter page's links,
download its ``.ipynb`` and the pgtools wheel it links into an empty folder, and execute the
notebook with nbclient in a virtual environment that knows nothing of this repository. The
notebook's own first code cell installs the wheel, as the page tells the reader.
"""

from __future__ import annotations

import contextlib
import functools
import html.parser
import http.server
import os
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from pathlib import Path

RUNNER = """
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=600, kernel_name="python3",
               resources={"metadata": {"path": "."}}).execute()
import importlib.metadata as m
print("executed", len(nb.cells), "cells with", m.version("policy-gradients-worked"))
"""


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(folder: Path):
    """Serve ``folder`` on 127.0.0.1; yields its base URL (ending in ``/``)."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def fresh_env(folder: Path) -> tuple[Path, dict]:
    """A new virtual environment in ``folder`` with only ipykernel and nbclient installed.

    Returns ``(python, environ)``. Raises ``AssertionError`` if it can import pgtools (it must
    know nothing of this repository).
    """
    venv = folder / "env"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    probe = subprocess.run([str(py), "-c", "import pgtools"], check=False, cwd=venv, env=env,
                           capture_output=True, text=True)
    assert probe.returncode != 0, "the fresh environment can already import pgtools"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "ipykernel", "nbclient"],
                   check=True, env=env, cwd=venv)
    return py, env


def page_downloads(page_url: str) -> tuple[list[str], list[str]]:
    """The ``.ipynb`` download links and the ``.whl`` links of a page, as absolute URLs."""
    with urllib.request.urlopen(page_url, timeout=30) as r:
        parser = _Links()
        parser.feed(r.read().decode())
    ipynb = [h for h in parser.hrefs if h.endswith(".ipynb") and "_sources" in h]
    wheels = [h for h in parser.hrefs if h.endswith(".whl")]
    return ([urllib.parse.urljoin(page_url, h) for h in ipynb],
            [urllib.parse.urljoin(page_url, h) for h in wheels])


def download(url: str, folder: Path) -> Path:
    """Save ``url`` into ``folder`` under its own (unquoted) file name."""
    name = urllib.parse.unquote(url.rsplit("/", 1)[-1])
    with urllib.request.urlopen(url, timeout=30) as r:
        (folder / name).write_bytes(r.read())
    return folder / name


def run_notebook(py: Path, env: dict, notebook: Path) -> subprocess.CompletedProcess:
    """Execute ``notebook`` with nbclient in its own folder, in the environment of ``py``."""
    return subprocess.run([str(py), "-c", RUNNER, notebook.name], check=False,
                          cwd=notebook.parent, env=env, capture_output=True, text=True,
                          timeout=900)
