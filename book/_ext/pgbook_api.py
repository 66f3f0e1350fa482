"""Sphinx extension: in the API reference, "§4.3" in a docstring links to that section's page.

Every public function of pgtools names the equation and section it implements ("Eq. (4.3),
§4.3"); autodoc renders the docstrings on the ``book/api*`` pages, and this turns each section mark into a
link to the chapter page (``book/4_3_...``), found from the documents of the book. A ``|`` in a
docstring (``P(s'|s, a)``) is escaped, since RST would read it as a substitution.
"""

from __future__ import annotations

import re

_SECTION = re.compile(r"§(4\.(\d+)(?:\.\d+)*)")


def _link_sections(app, what, name, obj, options, lines):
    pages = {}
    for doc in app.env.found_docs:
        m = re.match(r"book/4_(\d+)_", doc)
        if m:
            pages[m.group(1)] = doc

    def repl(m):
        doc = pages.get(m.group(2))
        return f":doc:`§{m.group(1)} </{doc}>`" if doc else m.group(0)

    for i, line in enumerate(lines):
        bare = line.strip()
        table = bare.startswith("+-") or (bare.startswith("| ") and bare.endswith(" |"))
        if "|" in line and not table:
            line = line.replace("|", "\\|")  # P(s'|s, a) is maths, not an RST substitution
        if "§" in line and "``" not in line:
            line = _SECTION.sub(repl, line)
        lines[i] = line


def setup(app):
    app.connect("autodoc-process-docstring", _link_sections)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
