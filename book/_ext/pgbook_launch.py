"""Sphinx extension: launch buttons follow one setting; notebook pages link the pgtools wheel.

Launch buttons: ``repository.url`` in ``_config.yml``.

``launch_buttons`` in ``_config.yml`` names the services (Binder, Colab). sphinx-book-theme fails
the build when a service is named but no repository URL is set, so while ``repository.url`` is
empty this extension switches every launch service off; once it is set, the buttons appear on every
notebook page.
"""

from __future__ import annotations

import html
from pathlib import Path

_SERVICES = ("binderhub_url", "jupyterhub_url", "colab_url", "deepnote_url", "jupyterlite_url")


def _launch_only_with_repository(app, config):
    options = config.html_theme_options
    if (options.get("repository_url") or "").strip():
        return
    buttons = dict(options.get("launch_buttons") or {})
    for service in _SERVICES:
        buttons[service] = ""
    options["launch_buttons"] = buttons


# `make wheel` (run by `make book`) puts the wheel here; html_extra_path serves it at /wheels/.
_WHEELS = Path(__file__).resolve().parents[2] / "web" / "site" / "wheels"


def _wheel_name():
    wheels = sorted(_WHEELS.glob("*.whl"))
    return wheels[-1].name if wheels else None


def _link_wheel(app, pagename, templatename, context, doctree):
    """On a notebook page: the wheel next to the .ipynb download, and one line saying how to
    install it at the top of the page (the notebook's first code cell runs that line)."""
    wheel = _wheel_name()
    notebook = context.get("page_source_suffix") == ".ipynb" or context.get("ipynb_source")
    if not wheel or not notebook:
        return
    url = context["pathto"](f"wheels/{wheel}", 1)
    for group in context.get("header_buttons", []):
        if group.get("label") == "download-buttons":
            group["buttons"].insert(1, {
                "type": "link", "url": url, "text": ".whl (pgtools)", "icon": "fas fa-box",
                "tooltip": "Download the pgtools wheel this notebook imports",
                "label": "download-wheel-button",
            })
    line = (
        '<p class="pgbook-install">Run this page as a notebook anywhere: download its '
        '<code>.ipynb</code> (button at the top) and '
        f'<a class="reference external" href="{html.escape(url)}" download>{html.escape(wheel)}'
        '</a> into one folder; the notebook\'s first code cell then runs '
        f'<code>%pip install {html.escape(wheel)}</code>, which also installs numpy, matplotlib, '
        "ipywidgets, anywidget and gymnasium with MuJoCo.</p>"
    )
    body = context.get("body", "")
    end = body.find("</h1>")
    context["body"] = body[: end + 5] + line + body[end + 5:] if end >= 0 else line + body


def setup(app):
    app.connect("config-inited", _launch_only_with_repository)
    app.connect("html-page-context", _link_wheel, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
