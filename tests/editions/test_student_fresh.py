"""The student edition's notebooks run in a fresh environment, as the full edition's do.

As tests/fresh does for ``_build/html``: each chapter page of ``_build/student/html`` is read as
a reader would, its ``.ipynb`` and the pgtools wheel it links (the ``+student`` one) are
downloaded into an empty folder, and the notebook runs there with nbclient in a new virtual
environment that knows nothing of this repository. The notebook's own first code cell installs
the wheel, as the page says (this needs the package index, for numpy and friends).
"""

from __future__ import annotations

import urllib.parse

import pytest

from tools.fresh_venv import download, fresh_env, page_downloads, run_notebook, serve

from .conftest import STUDENT, need, notebook_pages

HTML = STUDENT / "html"


@pytest.fixture(scope="module")
def site_url():
    need(HTML / "index.html", "student")
    with serve(HTML) as url:
        yield url


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    """A virtual environment that knows nothing of this repository."""
    return fresh_env(tmp_path_factory.mktemp("venv"))


@pytest.mark.parametrize("page", notebook_pages())
def test_student_notebook_runs_in_fresh_environment(page, site_url, venv, tmp_path):
    py, env = venv
    ipynb, wheels = page_downloads(f"{site_url}{page}.html")
    assert ipynb, f"{page}: no .ipynb download link on the page"
    assert wheels and all("+student" in urllib.parse.unquote(w) for w in wheels), wheels
    nb = download(ipynb[0], tmp_path)
    download(wheels[0], tmp_path)
    run = run_notebook(py, env, nb)
    assert run.returncode == 0, f"{page} failed in a fresh environment:\n{run.stderr[-3000:]}"
    assert "+student" in run.stdout, run.stdout
