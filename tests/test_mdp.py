"""FiniteMDP: stored copies, read-only arrays, replace; the core type imports no layer above it."""

import ast
from pathlib import Path

import numpy as np
import pytest

import pgtools as pg


def test_attributes_are_read_only_float_copies():
    P = np.full((2, 3, 2), 0.5)
    r = np.arange(6).reshape(2, 3)
    mu0 = [1, 0]
    mdp = pg.FiniteMDP(P, r, mu0, 4, 0.9)
    assert (mdp.n_states, mdp.n_actions, mdp.horizon, mdp.gamma) == (2, 3, 4, 0.9)
    assert mdp.r.dtype == float and mdp.mu0.dtype == float
    P[0, 0] = [1.0, 0.0]
    assert mdp.P[0, 0, 0] == 0.5
    for arr in (mdp.P, mdp.r, mdp.mu0):
        assert not arr.flags.writeable
        with pytest.raises(ValueError):
            arr[0] = 0
    assert "n_states=2" in repr(mdp)


def test_replace_returns_new_validated_mdp():
    mdp = pg.random_mdp(3, 2, 4, 0)
    other = mdp.replace(gamma=0.5, horizon=2)
    assert (other.gamma, other.horizon, mdp.gamma, mdp.horizon) == (0.5, 2, 1.0, 4)
    np.testing.assert_array_equal(other.P, mdp.P)
    with pytest.raises(ValueError, match="gamma"):
        mdp.replace(gamma=3)


def test_core_type_imports_no_layer_above_it():
    """mdp.py (the core type) imports only the validation helpers: not exact, gym, ..."""
    tree = ast.parse(Path(pg.mdp.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.add("." * node.level + node.module)
        elif isinstance(node, ast.ImportFrom):  # from . import x
            imported.update("." * node.level + a.name for a in node.names)
        elif isinstance(node, ast.Import):
            imported.update(a.name for a in node.names)
    assert imported == {"__future__", "._validate"}, imported
    assert not hasattr(pg.FiniteMDP, "from_gymnasium")
    assert not hasattr(pg.FiniteMDP, "optimal_values")
