"""Boundary validation helpers shared by all :mod:`pgtools` modules.

Every helper raises :class:`ValueError` (never ``TypeError``) with a message that names the
offending argument and says what was expected. Public functions call these once, at the boundary;
inner loops trust their inputs.
"""

from __future__ import annotations

import numbers

import numpy as np

ROW_TOL = 1e-8


def finite_array(x, name, ndim=None, shape=None):
    """Return ``x`` as a float64 array, checking dimension, shape and finiteness.

    Parameters
    ----------
    x : array_like
        Value to convert.
    name : str
        Argument name used in error messages.
    ndim : int, optional
        Required number of dimensions.
    shape : tuple of int, optional
        Required shape (``None`` entries are wildcards).

    Returns
    -------
    numpy.ndarray
        A float64 copy of ``x``.
    """
    try:
        arr = np.array(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric array; got {type(x).__name__} ({exc})") from None
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional; got shape {arr.shape}")
    if shape is not None:
        ok = len(shape) == arr.ndim and all(
            want is None or want == got for want, got in zip(shape, arr.shape)
        )
        if not ok:
            want = tuple("?" if w is None else w for w in shape)
            raise ValueError(f"{name} must have shape {want}; got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(f"{name} must be finite (no NaN or inf); {name}{list(bad)} = {arr[bad]}")
    return arr


def distribution_rows(arr, name, tol=ROW_TOL):
    """Check that every row along the last axis of ``arr`` is a probability distribution.

    Parameters
    ----------
    arr : numpy.ndarray, shape (..., K)
        Finite float array.
    name : str
        Argument name used in error messages.
    tol : float
        Allowed deviation of each row sum from 1.
    """
    neg = np.argwhere(arr < 0)
    if neg.size:
        idx = tuple(int(i) for i in neg[0])
        raise ValueError(
            f"{name}{list(idx)} = {arr[idx]:.3g} is negative; probabilities must be >= 0"
        )
    sums = arr.sum(axis=-1)
    bad = np.argwhere(np.atleast_1d(np.abs(sums - 1.0) > tol))
    if bad.size:
        idx = tuple(int(i) for i in bad[0]) if sums.ndim else ()
        where = f"{name}[{', '.join(map(str, idx))}]" if idx else name
        row = f"each row {name}[s, a]" if arr.ndim == 3 else name
        raise ValueError(
            f"{where} sums to {sums[idx]:.10g}; {row} must be a probability distribution "
            f"(sum 1 within {tol:g})"
        )


def positive_int(x, name, minimum=1):
    """Return ``x`` as a Python int, requiring an integer ``>= minimum``.

    Parameters
    ----------
    x : int
        Value to check (bools are rejected; integral numpy scalars are accepted).
    name : str
        Argument name used in error messages.
    minimum : int
        Smallest allowed value.

    Returns
    -------
    int
    """
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        raise ValueError(f"{name} must be an integer >= {minimum}; got {x!r}")
    if x < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {x}")
    return int(x)


def discount(gamma, name="gamma"):
    """Return ``gamma`` as a float, requiring a finite number in [0, 1].

    Parameters
    ----------
    gamma : float
        Discount factor.
    name : str
        Argument name used in error messages.

    Returns
    -------
    float
    """
    if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real):
        raise ValueError(f"{name} must be a real number in [0, 1]; got {gamma!r}")
    g = float(gamma)
    if not (0.0 <= g <= 1.0):  # also rejects NaN
        raise ValueError(f"{name} must be a real number in [0, 1]; got {gamma!r}")
    return g


def generator(rng, name="rng"):
    """Return a :class:`numpy.random.Generator` from ``rng`` (a Generator or an int seed).

    Parameters
    ----------
    rng : numpy.random.Generator or int
        Source of randomness.
    name : str
        Argument name used in error messages.

    Returns
    -------
    numpy.random.Generator
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise ValueError(
        f"{name} must be a numpy.random.Generator or a non-negative int seed; got {rng!r}"
    )


def index_array(x, name, upper):
    """Return ``x`` as an integer array with every entry in ``[0, upper)``.

    Parameters
    ----------
    x : array_like of int
        Indices (floats with integral values are accepted).
    name : str
        Argument name used in error messages.
    upper : int
        Exclusive upper bound.

    Returns
    -------
    numpy.ndarray of int64
    """
    try:
        arr = np.asarray(x)
    except Exception as exc:  # pragma: no cover - exotic inputs
        raise ValueError(f"{name} must be an integer array; got {type(x).__name__}") from exc
    if arr.dtype.kind in "iu":
        out = arr.astype(np.int64)
    elif arr.dtype.kind in "fb":
        if arr.dtype.kind == "b" or not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError(f"{name} must contain integers in [0, {upper}); got dtype {arr.dtype}")
        out = arr.astype(np.int64)
    else:
        raise ValueError(f"{name} must be an integer array; got dtype {arr.dtype}")
    if out.size and (out.min() < 0 or out.max() >= upper):
        bad = out[(out < 0) | (out >= upper)].flat[0]
        raise ValueError(f"{name} entries must lie in [0, {upper}); found {bad}")
    return out


def theta_array(theta, shape, name="theta"):
    """Return ``theta`` as a finite float64 array of the given shape.

    Parameters
    ----------
    theta : array_like
        Policy parameters.
    shape : tuple of int
        Required shape (the policy's ``theta_shape``).
    name : str
        Argument name used in error messages.

    Returns
    -------
    numpy.ndarray
    """
    return finite_array(theta, name, shape=tuple(shape))
