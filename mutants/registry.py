"""The mutant catalogue: declaration (:func:`mutant`) and application (:func:`apply`).

A catalogue module in ``mutants/catalogue/`` declares mutants like this::

    from mutants.registry import mutant

    @mutant("exact_gradient-gamma", target="pgtools.exact:exact_gradient",
            result="R6: discounted policy-gradient theorem, weights gamma^t",
            expect="4_3_reinforce")
    def _(orig):
        def exact_gradient(mdp, policy, theta):
            return orig(mdp.replace(gamma=min(1.0, mdp.gamma + 0.05)), policy, theta)
        return exact_gradient

* ``name``: unique, short, no spaces;
* ``target``: ``"module:attribute"`` or ``"module:Class.method"``. The replacement is bound
  there and in every loaded ``pgtools`` module that holds the original object under that name
  (so ``from .exact import exact_gradient`` re-exports are patched too);
* ``result``: the derived result (R1-R14 of the book, or the pgtools function) it breaks;
* ``expect``: the notebook stem(s) expected to catch it, tried first (a hint, not a requirement:
  if they do not catch it, every other notebook is tried);
* the decorated function receives the original callable and returns the mutated one.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Mutant:
    """One formula-level mutant (see the module docstring)."""

    name: str
    target: str
    result: str
    factory: object
    expect: tuple = field(default_factory=tuple)


REGISTRY: dict[str, Mutant] = {}


def mutant(name, *, target, result, expect=()):
    """Declare a mutant; decorator of a factory ``orig -> mutated``."""
    if isinstance(expect, str):
        expect = (expect,)

    def deco(factory):
        if name in REGISTRY:
            raise ValueError(f"duplicate mutant name {name!r}")
        if ":" not in target:
            raise ValueError(f"mutant {name!r}: target must be 'module:attr'; got {target!r}")
        REGISTRY[name] = Mutant(name, target, result, factory, tuple(expect))
        return factory

    return deco


def load_catalogue():
    """Import every module of ``mutants.catalogue``; return the registry (name -> Mutant)."""
    from . import catalogue

    for info in pkgutil.iter_modules(catalogue.__path__):
        importlib.import_module(f"{catalogue.__name__}.{info.name}")
    return REGISTRY


def _resolve(target):
    modname, _, attr = target.partition(":")
    owner = importlib.import_module(modname)
    *path, last = attr.split(".")
    for part in path:
        owner = getattr(owner, part)
    return owner, last


def apply(name):
    """Apply mutant ``name`` in this process; return the Mutant."""
    reg = load_catalogue()
    if name not in reg:
        raise ValueError(f"unknown mutant {name!r}; known: {', '.join(sorted(reg))}")
    m = reg[name]
    import pgtools

    # load every module of the package, so that each re-export of the target is rebound
    for info in pkgutil.walk_packages(pgtools.__path__, "pgtools."):
        try:
            importlib.import_module(info.name)
        except ImportError:  # an optional dependency (e.g. MuJoCo) that is missing
            pass
    owner, attr = _resolve(m.target)
    raw = owner.__dict__.get(attr, getattr(owner, attr))
    orig = getattr(owner, attr)
    new = m.factory(orig)
    if isinstance(raw, staticmethod):
        new = staticmethod(new)
    elif isinstance(raw, classmethod):
        new = classmethod(new)
    setattr(owner, attr, new)
    if not isinstance(owner, type):  # module-level function: rebind every re-export
        for mod in list(sys.modules.values()):
            if mod is None or not getattr(mod, "__name__", "").startswith("pgtools"):
                continue
            for key, val in list(vars(mod).items()):
                if val is orig:
                    setattr(mod, key, new)
    return m
