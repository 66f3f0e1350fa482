"""A chapter notebook downloaded from the built book runs outside the repository (issue 10 §3).

The test serves ``_build/html`` on 127.0.0.1, reads each chapter page as a reader would, and
downloads the page's ``.ipynb`` and the pgtools wheel it links into an empty folder. It creates a
fresh virtual environment with nothing of the project on its path (checked: ``import pgtools``
fails there), installs only what executes a notebook (ipykernel, nbclient), and executes each
notebook with nbclient in that folder. The notebook's first code cell installs the wheel, as the
page tells the reader; every cell must then run without error.
"""

from __future__ import annotations

import os
import sys
import urllib.parse
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # tools.fresh_venv
from tools.fresh_venv import download, fresh_env, page_downloads, run_notebook, serve

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


@pytest.fixture(scope="module")
def site_url():
    if not (SITE / "index.html").exists():
        pytest.fail("_build/html is missing: run `make book` first (make test does)")
    with serve(SITE) as url:
        yield url


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    """A virtual environment that knows nothing of this repository."""
    return fresh_env(tmp_path_factory.mktemp("venv"))


@pytest.mark.parametrize("page", chapter_pages())
def test_downloaded_notebook_runs_in_fresh_environment(page, site_url, venv, tmp_path):
    py, env = venv
    ipynb, wheels = page_downloads(urllib.parse.urljoin(site_url, f"{page}.html"))
    assert ipynb, f"{page}: no .ipynb download link on the page"
    assert wheels, f"{page}: no link to the pgtools wheel (.whl) on the page"
    nb = download(ipynb[0], tmp_path)
    download(wheels[0], tmp_path)
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".ipynb", ".whl"]
    run = run_notebook(py, env, nb)
    assert run.returncode == 0, f"{page} failed in a fresh environment:\n{run.stderr[-3000:]}"
