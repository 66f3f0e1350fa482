"""Applies the mutant named by $PGTOOLS_MUTANT at interpreter start-up (``make mutants``).

This folder is put on the kernel's PYTHONPATH only by the mutant runner; it does nothing when
the variable is unset.
"""

import os

_name = os.environ.get("PGTOOLS_MUTANT")
if _name:
    from mutants.registry import apply

    apply(_name)
