"""Patch the served copy of @jupyter-widgets/html-manager so ajv allows union types (make assets).

html-manager 1.0.15 (the latest release) bundles ajv and compiles the widget-state JSON schema in
ajv's strict mode without ``allowUnionTypes``; the schema uses union types, so every page with
widgets logs ``strict mode: use allowUnionTypes to allow union type keyword`` twice. This turns
on what the message asks for, in the copy the site serves (never in node_modules), and fails
loudly if the bundle no longer has the pattern (e.g. after an upgrade that fixed it upstream).

Usage: python tools/patch_vendor.py FILE [FILE ...]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PATTERN = re.compile(r"\b[A-Za-z_$][\w$]*\.opts\.allowUnionTypes\|\|")


def main(paths):
    for path in paths:
        text = Path(path).read_text(encoding="utf-8")
        new, n = PATTERN.subn("!0||", text)
        if n == 0:
            sys.exit(f"patch_vendor: no allowUnionTypes check found in {path}")
        Path(path).write_text(new, encoding="utf-8")
        print(f"patch_vendor: {path}: ajv allows union types ({n} checks)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
