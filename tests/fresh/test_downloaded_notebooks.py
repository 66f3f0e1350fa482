"""A chapter notebook downloaded from the built book runs outside the repository (issue 10 §3).

The test serves ``_build/html`` on 127.0.0.1, reads each chapter page as a reader would, and
downloads the page's ``.ipynb`` and the pgtools wheel it links into an empty folder. It creates a
fresh virtual environment with nothing of the project on its path (checked: ``import pgtools``
fails there), installs only what executes a notebook (ipykernel, nbclient), and executes each
notebook with nbclient in that folder. The notebook's first code cell installs the wheel, as the
page tells the reader; every cell must then run without error.
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
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("PGBOOK_SITE", ROOT / "_build" / "html"))  # or another build


def chapter_pages():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = []

    def walk(entries):
        for e in entries or []:
            if "file" in e and (ROOT / f"{e['file']}.ipynb").exists():
                pages.append(e["file"])
            walk(e.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    return pages


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
    if not (SITE / "index.html").exists():
        pytest.fail("_build/html is missing: run `make book` first (make test does)")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(SITE)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="module")
def fresh_env(tmp_path_factory):
    """A virtual environment that knows nothing of this repository."""
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
print("executed", len(nb.cells), "cells")
"""


@pytest.mark.parametrize("page", chapter_pages())
def test_downloaded_notebook_runs_in_fresh_environment(page, site_url, fresh_env, tmp_path):
    py, env = fresh_env
    page_url = urllib.parse.urljoin(site_url, f"{page}.html")
    with urllib.request.urlopen(page_url, timeout=30) as r:
        parser = _Links()
        parser.feed(r.read().decode())
    ipynb = [h for h in parser.hrefs if h.endswith(".ipynb") and "_sources" in h]
    wheels = [h for h in parser.hrefs if h.endswith(".whl")]
    assert ipynb, f"{page}: no .ipynb download link on the page"
    assert wheels, f"{page}: no link to the pgtools wheel (.whl) on the page"
    nb = _download(urllib.parse.urljoin(page_url, ipynb[0]), tmp_path)
    _download(urllib.parse.urljoin(page_url, wheels[0]), tmp_path)
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".ipynb", ".whl"]
    run = subprocess.run([str(py), "-c", RUNNER, nb.name], check=False, cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, f"{page} failed in a fresh environment:\n{run.stderr[-3000:]}"
