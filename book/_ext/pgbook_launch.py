"""Sphinx extension: launch buttons follow one setting, ``repository.url`` in ``_config.yml``.

``launch_buttons`` in ``_config.yml`` names the services (Binder, Colab). sphinx-book-theme fails
the build when a service is named but no repository URL is set, so while ``repository.url`` is
empty this extension switches every launch service off; once it is set, the buttons appear on every
notebook page.
"""

from __future__ import annotations

_SERVICES = ("binderhub_url", "jupyterhub_url", "colab_url", "deepnote_url", "jupyterlite_url")


def _launch_only_with_repository(app, config):
    options = config.html_theme_options
    if (options.get("repository_url") or "").strip():
        return
    buttons = dict(options.get("launch_buttons") or {})
    for service in _SERVICES:
        buttons[service] = ""
    options["launch_buttons"] = buttons


def setup(app):
    app.connect("config-inited", _launch_only_with_repository)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
