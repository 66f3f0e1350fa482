"""Formula-level mutants of pgtools, and the runner behind ``make mutants`` (issue 9).

Each mutant breaks one formula. The runner applies it alone, at kernel start-up, and executes the
book's notebooks: the mutant is *caught* when a notebook cell raises ``AssertionError``, that is
when one of the book's own checks fires. A mutant that only makes unit tests fail, or that makes
the code crash some other way, is not counted as caught.

Mutants are applied by monkeypatching at import (``mutants/site/sitecustomize.py`` on the
kernel's ``PYTHONPATH``), never by editing source text, so they survive refactoring: a mutant
names the function it replaces (``"pgtools.exact:exact_gradient"``) and is written as a
function of the original.
"""
