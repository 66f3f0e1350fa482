"""The book's exercise bank: the answer key of every answer box, one module per section.

A notebook states each exercise in a sphinx-exercise box (the prompt, with the precision it
wants), shows its answer box with one hidden line, ``ex.show("4.3/importance-weight")`` (see
:func:`pgtools.exercises.show`), and ends with the written solution in a folded ``solution``
block. Everything the box grades with (answer, tolerance, near misses, hints, and for a code
exercise the reference function and its test cases) lives here, in the installed package, so
a notebook downloaded from the book shows its exercises in any environment, and no cell of the
page spells out an answer.

An exercise id is ``"<section>/<name>"``; the section's module is ``sec<section>`` with the dot
replaced (``"4.3/..."`` -> :mod:`pgtools.exercise_bank.sec4_3`), and holds ``EXERCISES``, a
tuple of :class:`Entry`. ``tests/test_exercise_bank.py`` recomputes every answer with pgtools.

The entries only *obscure* the answers in the page (see :mod:`pgtools.exercises`); anyone can
read this package's source. This is a self-study book.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SECTIONS", "Entry", "choice", "code", "entries", "get", "numeric", "section",
           "vector"]

SECTIONS = ("4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "4.7", "4.8", "4.9", "4.10", "4.11",
            "4.12")
KINDS = ("numeric", "vector", "choice", "code")
_ID = re.compile(r"^(\d+\.\d+)/[a-z0-9]+(-[a-z0-9]+)*$")
_LABEL = re.compile(r"^ex-[a-z0-9-]+$")


@dataclass(frozen=True)
class Entry:
    """One answer box of the bank.

    Attributes
    ----------
    id : str
        ``"<section>/<name>"``, e.g. ``"4.3/importance-weight"``; what ``ex.show`` takes.
    label : str
        The ``:label:`` of the sphinx-exercise box that states the exercise in the notebook
        (e.g. ``"ex-4-3-1"``); the answer box follows that box, the solution follows the box.
    kind : {"numeric", "vector", "choice", "code"}
        Which widget of :mod:`pgtools.exercises` grades it.
    title : str
        Short plain-text name of the answer box (its accessible name; never shown as a prompt).
    params : dict
        Keyword arguments of the widget class (answer, precision, tolerance, near misses,
        hints; for code: reference, name, cases, ...).
    """

    id: str
    label: str
    kind: str
    title: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.id, str) or not _ID.match(self.id):
            raise ValueError(f"id must look like '4.3/importance-weight', got {self.id!r}")
        if not isinstance(self.label, str) or not _LABEL.match(self.label):
            raise ValueError(f"label must be a sphinx-exercise label like 'ex-4-3-1', "
                             f"got {self.label!r}")
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if not isinstance(self.title, str) or not self.title.strip():
            raise ValueError("title must be a non-empty string")

    @property
    def section(self) -> str:
        """The chapter section, e.g. ``"4.3"``."""
        return self.id.split("/")[0]


def numeric(id: str, label: str, title: str, answer: float, **params: Any) -> Entry:
    """Entry of a :class:`~pgtools.exercises.NumericExercise` (give ``digits`` or ``decimals``)."""
    return Entry(id, label, "numeric", title, dict(params, answer=answer))


def vector(id: str, label: str, title: str, answer: Any, **params: Any) -> Entry:
    """Entry of a :class:`~pgtools.exercises.VectorExercise` (give ``decimals``)."""
    return Entry(id, label, "vector", title, dict(params, answer=answer))


def choice(id: str, label: str, title: str, options: Any, correct: Any, **params: Any) -> Entry:
    """Entry of a :class:`~pgtools.exercises.ChoiceExercise`; ``options`` is usually the number
    of options, which the exercise text lists as A, B, C, ..."""
    return Entry(id, label, "choice", title, dict(params, options=options, correct=correct))


def code(id: str, label: str, title: str, reference: Callable, **params: Any) -> Entry:
    """Entry of a :class:`~pgtools.exercises.CodeExercise` (``name``, ``cases``, ...)."""
    return Entry(id, label, "code", title, dict(params, reference=reference))


def section(name: str) -> tuple[Entry, ...]:
    """All entries of one section (``"4.3"``), in the order of the notebook."""
    if name not in SECTIONS:
        raise ValueError(f"section must be one of {SECTIONS}, got {name!r}")
    module = importlib.import_module(f"{__name__}.sec{name.replace('.', '_')}")
    return tuple(module.EXERCISES)


def entries() -> list[Entry]:
    """Every entry of the bank, section by section."""
    return [e for s in SECTIONS for e in section(s)]


def get(exercise_id: str) -> Entry:
    """The entry with this id, e.g. ``get("4.3/importance-weight")``.

    Raises
    ------
    ValueError
        If ``exercise_id`` is malformed or not in the bank (the message lists the section's ids).
    """
    m = _ID.match(exercise_id) if isinstance(exercise_id, str) else None
    if m is None:
        raise ValueError(f"exercise_id must look like '4.3/importance-weight', "
                         f"got {exercise_id!r}")
    if m.group(1) not in SECTIONS:
        raise ValueError(f"exercise_id {exercise_id!r}: no section {m.group(1)} in the bank "
                         f"(sections: {', '.join(SECTIONS)})")
    found = section(m.group(1))
    for e in found:
        if e.id == exercise_id:
            return e
    raise ValueError(f"exercise_id {exercise_id!r} is not in the bank; section {m.group(1)} "
                     f"has {', '.join(e.id for e in found) or 'no exercises'}")
