"""Sphinx extension: figures numbered by their page's section, "Figure 4.3.2".

The toc is not numbered (the page titles carry their own numbers, "4.3 REINFORCE ..."), so Sphinx
numbers figures 1, 2, ... through the whole book. After Sphinx has assigned those numbers, this
renumbers the figures of every page whose title starts with a section number ``4.3``: the
page's figures become 4.3.1, 4.3.2, ... in reading order. Pages that share a number (a section
split over sub-pages) continue one count. Figures of pages without a number keep Sphinx's
numbers. Only figures are renumbered: tables, code blocks, theorems and exercises keep theirs.

The words ("Figure %s") come from ``numfig_format`` in ``_config.yml``; ``{numref}`` and the
caption both read the numbers set here.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

_TITLE_NUMBER = re.compile(r"\s*(\d+(?:\.\d+)+)(?=[\s.:])")
_FILE_NUMBER = re.compile(r"(\d+(?:_\d+)+)_")


def section_number(title, docname):
    """``(4, 3)`` for a page titled "4.3 ..." (else from a file name ``4_3_...``), or None."""
    m = _TITLE_NUMBER.match(title + " ") if title else None
    if m:
        return tuple(int(x) for x in m.group(1).split("."))
    m = _FILE_NUMBER.match(PurePosixPath(docname).name)
    return tuple(int(x) for x in m.group(1).split("_")) if m else None


def renumber(figures):
    """New numbers for ``figures``, a list of ``(sphinx_number, docname, section_or_None, id)``.

    Returns ``{(docname, id): number}`` for the figures of numbered pages, counted per section
    in the order of Sphinx's own numbers (reading order).
    """
    counts, out = {}, {}
    for _, doc, sec, fid in sorted(figures, key=lambda f: f[0]):
        if sec is None:
            continue
        counts[sec] = counts.get(sec, 0) + 1
        out[(doc, fid)] = (*sec, counts[sec])
    return out


def _renumber_figures(app, env):
    figures = []
    for doc, types in env.toc_fignumbers.items():
        title = env.titles[doc].astext() if doc in env.titles else ""
        sec = section_number(title, doc)
        figures += [(num, doc, sec, fid) for fid, num in types.get("figure", {}).items()]
    for (doc, fid), num in renumber(figures).items():
        env.toc_fignumbers[doc]["figure"][fid] = num
    return []


def setup(app):
    # after Sphinx's toctree collector (priority 500) has assigned its numbers
    app.connect("env-get-updated", _renumber_figures, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
