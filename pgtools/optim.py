"""Gradient ascent theta_{k+1} = theta_k + eta_k grad J(theta_k) (§4.2)."""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from . import _validate as v


class AscentResult(NamedTuple):
    """Trace of :func:`gradient_ascent`.

    Attributes
    ----------
    thetas : numpy.ndarray, shape (steps + 1,) + theta.shape
        Iterates theta_0, ..., theta_steps.
    objectives : numpy.ndarray, shape (steps + 1,), or None
        ``objective(theta_k)`` if an objective was given.
    grad_norms : numpy.ndarray, shape (steps,)
        Euclidean norm of each gradient (estimate) used.
    """

    thetas: np.ndarray
    objectives: np.ndarray | None
    grad_norms: np.ndarray


def gradient_ascent(grad_fn, theta0, steps, step_size, objective=None):
    """(Stochastic) gradient ascent, the update rule of §4.2.

    theta_{k+1} = theta_k + eta_k g_k with g_k = ``grad_fn(theta_k)`` (exact or an unbiased
    estimate, e.g. :func:`pgtools.reinforce_gradient` on fresh samples).

    Parameters
    ----------
    grad_fn : callable
        ``grad_fn(theta)`` -> array of the shape of ``theta0``.
    theta0 : array_like, any shape
        Starting parameters.
    steps : int
        Number of updates (>= 0).
    step_size : float or callable
        A constant eta > 0, or a schedule ``k -> eta_k`` for k = 0, 1, ... (e.g.
        ``lambda k: 0.5 / np.sqrt(k + 1)``).
    objective : callable, optional
        ``objective(theta)`` -> float, recorded at every iterate.

    Returns
    -------
    AscentResult
        ``thetas`` (steps + 1,) + shape, ``objectives`` (steps + 1,) or None, ``grad_norms``
        (steps,).
    """
    if not callable(grad_fn):
        raise ValueError(f"grad_fn must be callable; got {type(grad_fn).__name__}")
    if objective is not None and not callable(objective):
        raise ValueError(f"objective must be callable or None; got {type(objective).__name__}")
    theta = v.finite_array(theta0, "theta0")
    steps = v.positive_int(steps, "steps", minimum=0)
    if callable(step_size):
        schedule = step_size
    elif isinstance(step_size, numbers.Real) and not isinstance(step_size, bool) \
            and np.isfinite(step_size) and step_size > 0:
        def schedule(k, eta=float(step_size)):
            return eta
    else:
        raise ValueError(
            f"step_size must be a positive number or a callable k -> eta_k; got {step_size!r}"
        )
    thetas = np.empty((steps + 1,) + theta.shape)
    norms = np.empty(steps)
    objs = None if objective is None else np.empty(steps + 1)
    thetas[0] = theta
    for k in range(steps):
        if objs is not None:
            objs[k] = objective(theta)
        g = np.asarray(grad_fn(theta), dtype=float)
        if g.shape != theta.shape:
            raise ValueError(f"grad_fn returned shape {g.shape}; expected {theta.shape}")
        norms[k] = np.linalg.norm(g)
        theta = theta + float(schedule(k)) * g
        thetas[k + 1] = theta
    if objs is not None:
        objs[steps] = objective(theta)
    return AscentResult(thetas, objs, norms)
