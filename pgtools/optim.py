"""Gradient ascent theta_{k+1} = theta_k + eta_k grad J(theta_k) (§4.2).

:func:`gradient_ascent` runs one ascent with any gradient function; :func:`batched_ascent` runs K
policy-gradient ascents on an MDP in lock-step (exact or REINFORCE gradients), for learning
curves over many seeds or step sizes.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from . import _validate as v
from .estimators import reinforce_gradient
from .exact import exact_gradient, exact_objective
from .mdp import check_mdp
from .policies import check_policy
from .sampling import sample_trajectories


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


class BatchedAscentResult(NamedTuple):
    """Trace of :func:`batched_ascent`: K runs of policy-gradient ascent in lock-step.

    Attributes
    ----------
    objectives : numpy.ndarray, shape (K, steps + 1)
        Exact J(theta_t) (Eq. (4.1), backward induction) of every iterate of every run.
    grad_sq_norms : numpy.ndarray, shape (K, steps + 1), or None
        Exact ||grad J(theta_t)||^2 (Eq. (4.3)) of every iterate, if recorded.
    thetas : numpy.ndarray, shape (K,) + theta_shape
        The last iterate of each run.
    """

    objectives: np.ndarray
    grad_sq_norms: np.ndarray | None
    thetas: np.ndarray


GRADIENTS = ("exact", "reinforce")


def _run_etas(step_size, K, name="step_size"):
    """A step size (number or K numbers) as an array broadcastable to (K,) + theta_shape."""
    eta = np.asarray(step_size, dtype=float) if not isinstance(step_size, bool) else None
    if eta is None or eta.shape not in ((), (K,)) or not np.all(np.isfinite(eta)) \
            or not np.all(eta > 0):
        raise ValueError(f"{name} must be a positive number or {K} positive numbers (one per "
                         f"run); got {step_size!r}")
    return eta


def batched_ascent(mdp, policy, theta0, steps, step_size, gradient="exact", *, n_runs=None,
                   batch=1, rng=None, kind="return", baseline=None, record_grad_norms=True):
    """K runs of (stochastic) policy-gradient ascent on an MDP, in lock-step (§4.2).

    theta_{t+1}^k = theta_t^k + eta_t g_t^k for every run k = 1..K, with g_t^k either the exact
    gradient (Eq. (4.3), :func:`pgtools.exact_gradient`) or the REINFORCE estimate (§4.3,
    :func:`pgtools.reinforce_gradient`) from ``batch`` fresh trajectories per run. All runs are
    advanced together: one batched :func:`pgtools.sample_trajectories` call draws the K*batch
    trajectories of a step, one batched ``reinforce_gradient`` turns them into K estimates, and
    one batched :func:`pgtools.exact_objective` / ``exact_gradient`` records the exact J and
    ||grad J||^2 of the K iterates. The runs share one generator, so they are independent draws
    and the whole result is reproducible from ``rng``.

    Parameters
    ----------
    mdp : FiniteMDP
    policy : SoftmaxPolicy
    theta0 : array_like, shape ``policy.theta_shape`` or ``(K,) + policy.theta_shape``
        Start of every run, or one start per run.
    steps : int
        Number of updates T (>= 0).
    step_size : float, array of K floats, or callable
        A constant eta > 0 (or one per run), or a schedule ``t -> eta_t`` returning either.
    gradient : {"exact", "reinforce"}, default "exact"
    n_runs : int, optional
        K, when ``theta0`` is a single parameter vector (default 1).
    batch : int, default 1
        Trajectories per run and step (the minibatch size B), for ``gradient="reinforce"``.
    rng : numpy.random.Generator or int, optional
        Source of randomness; required for ``gradient="reinforce"``.
    kind, baseline
        Passed to :func:`pgtools.reinforce_gradient` (e.g. ``kind="reward_to_go"``,
        ``baseline="leave_one_out"``), with ``gamma = mdp.gamma``.
    record_grad_norms : bool, default True
        Record the exact ||grad J(theta_t)||^2 (always available for ``gradient="exact"``).

    Returns
    -------
    BatchedAscentResult
        ``objectives`` (K, T + 1), ``grad_sq_norms`` (K, T + 1) or None, ``thetas`` (K,) + shape.
    """
    check_mdp(mdp)
    check_policy(policy)
    shape = tuple(policy.theta_shape)
    theta = v.finite_array(theta0, "theta0")
    if theta.shape == shape:
        K = 1 if n_runs is None else v.positive_int(n_runs, "n_runs")
        theta = np.broadcast_to(theta, (K,) + shape).copy()
    elif theta.ndim == len(shape) + 1 and theta.shape[1:] == shape and theta.shape[0] >= 1:
        K = theta.shape[0]
        if n_runs is not None and v.positive_int(n_runs, "n_runs") != K:
            raise ValueError(f"n_runs = {n_runs} does not match theta0 with {K} rows")
    else:
        raise ValueError(f"theta0 must have shape {shape} or (K,) + {shape}; got {theta.shape}")
    steps = v.positive_int(steps, "steps", minimum=0)
    if not isinstance(gradient, str) or gradient not in GRADIENTS:
        raise ValueError(f"gradient must be one of {GRADIENTS}; got {gradient!r}")
    if callable(step_size):
        schedule = step_size
    else:
        eta = _run_etas(step_size, K)

        def schedule(t):
            return eta
    stochastic = gradient == "reinforce"
    if stochastic:
        batch = v.positive_int(batch, "batch")
        if rng is None:
            raise ValueError("rng (a numpy Generator or an int seed) is required for "
                             "gradient='reinforce'")
        rng = v.generator(rng)
    record = bool(record_grad_norms) or not stochastic
    J = np.empty((K, steps + 1))
    G2 = np.empty((K, steps + 1)) if record else None
    axes = tuple(range(1, len(shape) + 1))
    for t in range(steps + 1):
        J[:, t] = exact_objective(mdp, policy, theta)
        if record:
            g = exact_gradient(mdp, policy, theta)
            G2[:, t] = (g ** 2).sum(axis=axes)
        if t == steps:
            break
        if stochastic:
            traj = sample_trajectories(mdp, policy, theta, batch, rng)
            g = reinforce_gradient(policy, theta, traj, kind=kind, baseline=baseline,
                                   gamma=mdp.gamma)
        eta = _run_etas(schedule(t), K, "step_size(t)")
        theta = theta + eta.reshape(eta.shape + (1,) * len(shape)) * g
    return BatchedAscentResult(J, G2, theta)
