"""The student edition's notebooks run in a fresh environment, as the full edition's do.

As tests/fresh does for ``_build/html``: each chapter page of ``_build/student/html`` is read as
a reader would, its ``.ipynb`` and the pgtools wheel it links (the ``+student`` one) are
downloaded into an empty folder, and the notebook runs there with nbclient in a new virtual
environment that knows nothing of this repository. The notebook's own first code cell installs
the wheel, as the page says (this needs the package index, for numpy and friends).
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import os
import subprocess
import sys
import threading
import urllib.parse
import urllib.request

import pytest

from .conftest import STUDENT, need, notebook_pages

HTML = STUDENT / "html"


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


@pytest.fixture(scope="module")
def site_url():
    need(HTML / "index.html", "student")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(HTML)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def fresh_env(tmp_path_factory):
    venv = tmp_path_factory.mktemp("venv") / "env"
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


def _download(url, folder):
    name = urllib.parse.unquote(url.rsplit("/", 1)[-1])
    with urllib.request.urlopen(url, timeout=30) as r:
        (folder / name).write_bytes(r.read())
    return folder / name


RUNNER = """
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=600, kernel_name="python3",
               resources={"metadata": {"path": "."}}).execute()
import importlib.metadata as m
print("executed", len(nb.cells), "cells with", m.version("policy-gradients-worked"))
"""


@pytest.mark.parametrize("page", notebook_pages())
def test_student_notebook_runs_in_fresh_environment(page, site_url, fresh_env, tmp_path):
    py, env = fresh_env
    page_url = urllib.parse.urljoin(site_url, f"{page}.html")
    with urllib.request.urlopen(page_url, timeout=30) as r:
        parser = _Links()
        parser.feed(r.read().decode())
    ipynb = [h for h in parser.hrefs if h.endswith(".ipynb") and "_sources" in h]
    wheels = [h for h in parser.hrefs if h.endswith(".whl")]
    assert ipynb, f"{page}: no .ipynb download link on the page"
    assert wheels and all("+student" in urllib.parse.unquote(w) for w in wheels), wheels
    nb = _download(urllib.parse.urljoin(page_url, ipynb[0]), tmp_path)
    _download(urllib.parse.urljoin(page_url, wheels[0]), tmp_path)
    run = subprocess.run([str(py), "-c", RUNNER, nb.name], check=False, cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, f"{page} failed in a fresh environment:\n{run.stderr[-3000:]}"
    assert "+student" in run.stdout, run.stdout
