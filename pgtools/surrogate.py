"""The performance difference lemma and the surrogate objectives of TRPO and PPO (§4.7, §4.9).

All advantages are those of the *old* policy, A_t = A^old_t(s, a) = Q_t - V_t of
:func:`pgtools.value_tables` (time-indexed, discounted from t), and the ratio is
Lambda(s, a) = pi_theta(a|s) / pi_old(a|s).

* :func:`performance_difference` -- E_{tau ~ rho_new} sum_t gamma^t A^old_t(s_t, a_t), which is
  exactly J(theta_new) - J(theta_old) (Kakade & Langford 2002; the lemma of §4.7).
* :func:`surrogate_objective` / :func:`surrogate_gradient` -- the same sum with the states drawn
  from the *old* policy (definitions in §4.7 and §4.9): E_{tau ~ rho_old} sum_t gamma^t l_t with
  l_t = Lambda_t A_t ("trpo"), minus kl_coef KL(rho_old || rho_theta) ("ppo-kl"), or
  min(Lambda_t A_t, clip(Lambda_t, 1 - eps, 1 + eps) A_t) ("ppo-clip"); exact on a FiniteMDP.
* :func:`sampled_surrogate_objective` / :func:`sampled_surrogate_gradient` -- their Monte Carlo
  versions from trajectories of rho_old.
* :func:`trpo_step` -- the TRPO update: conjugate gradient on F, then a backtracking line search
  on the surrogate subject to KL(rho_old || rho_new) <= delta (definition "The TRPO update", §4.9).
* :func:`improvement_lower_bound` -- the finite-horizon monotonic-improvement bound (after
  Schulman et al. 2015, Thm. 1; §4.9).
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from . import _validate as v
from .estimators import score_weighted_sum
from .exact import exact_gradient, exact_objective, state_action_marginals, value_tables
from .kl import _theta_maybe_batch, trajectory_kl
from .mdp import check_mdp
from .natural import _weighted_scores, conjugate_gradient
from .policies import check_policy
from .sampling import _check_compatible, check_trajectories

__all__ = ["KINDS", "ImprovementBound", "TRPOStep", "improvement_lower_bound",
           "performance_difference", "sampled_surrogate_gradient", "sampled_surrogate_objective",
           "surrogate_gradient", "surrogate_objective", "trpo_step"]

KINDS = ("ppo-clip", "ppo-kl", "trpo")


def _number(x, name, low=None, high=None, open_low=False):
    ok = isinstance(x, numbers.Real) and not isinstance(x, bool) and np.isfinite(x)
    if ok and low is not None:
        ok = x > low if open_low else x >= low
    if ok and high is not None:
        ok = x < high
    if not ok:
        lo = "" if low is None else f"{'>' if open_low else '>='} {low}"
        hi = "" if high is None else f"< {high}"
        raise ValueError(f"{name} must be a finite number {' and '.join(p for p in (lo, hi) if p)}"
                         f"; got {x!r}")
    return float(x)


def _check_kind(kind, clip, kl_coef):
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")
    clip = _number(clip, "clip", 0.0, 1.0, open_low=True)
    kl_coef = _number(kl_coef, "kl_coef", 0.0)
    if kl_coef != 0 and kind != "ppo-kl":
        raise ValueError(f"kl_coef is the penalty of kind='ppo-kl' only; got kl_coef={kl_coef} "
                         f"with kind={kind!r}")
    return kind, clip, kl_coef


def _setup(mdp, policy, theta_old):
    check_mdp(mdp)
    check_policy(policy)
    _check_compatible(mdp, policy)
    return v.theta_array(theta_old, policy.theta_shape, "theta_old")


def _old_tables(mdp, policy, theta_old):
    """A^old (H, S, A) and gamma^t d^old_t(s, a) (H, S, A)."""
    A = value_tables(mdp, policy, theta_old).A
    d = state_action_marginals(mdp, policy, theta_old)
    disc = mdp.gamma ** np.arange(mdp.horizon)
    return A, disc[:, None, None] * d


def performance_difference(mdp, policy, theta_new, theta_old):
    """E_{tau ~ rho_new} sum_t gamma^t A^old_t(s_t, a_t), the performance difference lemma, §4.7.

    Kakade & Langford (2002): this equals J(theta_new) - J(theta_old) exactly. Computed with the
    new policy's marginals d^new_t(s, a) and the old policy's advantages:
    sum_t gamma^t sum_{s,a} d^new_t(s, a) A^old_t(s, a).

    Parameters
    ----------
    mdp : FiniteMDP
    policy : SoftmaxPolicy
    theta_new, theta_old : array_like, shape ``policy.theta_shape``

    Returns
    -------
    float
    """
    theta_old = _setup(mdp, policy, theta_old)
    theta_new = v.theta_array(theta_new, policy.theta_shape, "theta_new")
    A = value_tables(mdp, policy, theta_old).A
    d_new = state_action_marginals(mdp, policy, theta_new)
    disc = mdp.gamma ** np.arange(mdp.horizon)
    return float(np.tensordot(disc, (d_new * A).sum(axis=(1, 2)), axes=1))


def _clipped(ratio, A, clip):
    """min(Lambda A, clip(Lambda, 1 - eps, 1 + eps) A), elementwise."""
    return np.minimum(ratio * A, np.clip(ratio, 1.0 - clip, 1.0 + clip) * A)


def _unclipped(ratio, A, clip):
    """Where the min picks Lambda A with Lambda inside the clip range on A's side: the
    derivative of the clipped term in Lambda is A there and 0 elsewhere."""
    return ((A > 0) & (ratio < 1.0 + clip)) | ((A < 0) & (ratio > 1.0 - clip))


def _ratio(policy, theta, theta_old):
    return np.exp(policy.log_probs(theta) - policy.log_probs(theta_old))


def surrogate_objective(mdp, policy, theta, theta_old, kind="ppo-clip", clip=0.2, kl_coef=0.0):
    """The TRPO / PPO surrogate, exact on a FiniteMDP, §4.7 and §4.9.

    E_{tau ~ rho_old} sum_t gamma^t l_t with Lambda_t = pi_theta(a_t|s_t) / pi_old(a_t|s_t) and
    A_t = A^old_t(s_t, a_t):

    * ``"trpo"``: l_t = Lambda_t A_t (the performance difference lemma with the old policy's
      state distribution in place of the new one's);
    * ``"ppo-kl"``: the same, minus ``kl_coef`` * KL(rho_old || rho_theta) (:func:`trajectory_kl`);
    * ``"ppo-clip"``: l_t = min(Lambda_t A_t, clip(Lambda_t, 1 - clip, 1 + clip) A_t).

    All three are 0 at theta = theta_old (since E_{a ~ pi_old} A_t = 0), and approximate
    J(theta) - J(theta_old) to first order there.

    Parameters
    ----------
    mdp : FiniteMDP
    policy : SoftmaxPolicy
    theta : array_like, shape ``policy.theta_shape`` or ``(K,) + policy.theta_shape``
    theta_old : array_like, shape ``policy.theta_shape``
    kind : {"ppo-clip", "ppo-kl", "trpo"}
    clip : float in (0, 1), default 0.2
        epsilon of the clipped ratio (used by ``"ppo-clip"``).
    kl_coef : float >= 0, default 0.0
        Penalty weight of ``"ppo-kl"`` (must be 0 for the other kinds).

    Returns
    -------
    float, or numpy.ndarray of shape (K,) for a batch of theta
    """
    theta_old = _setup(mdp, policy, theta_old)
    kind, clip, kl_coef = _check_kind(kind, clip, kl_coef)
    theta, batched = _theta_maybe_batch(policy, theta, "theta")
    A, wd = _old_tables(mdp, policy, theta_old)
    ratio = _ratio(policy, theta, theta_old)                 # (S, A) or (K, S, A)
    if kind == "ppo-clip":
        r = ratio[..., None, :, :]                            # (..., 1, S, A) against (H, S, A)
        val = (wd * _clipped(r, A, clip)).sum(axis=(-3, -2, -1))
    else:
        val = (ratio * (wd * A).sum(axis=0)).sum(axis=(-2, -1))
        if kind == "ppo-kl" and kl_coef:
            val = val - kl_coef * trajectory_kl(mdp, policy, theta_old, theta)
    return val if batched else float(val)


def surrogate_gradient(mdp, policy, theta, theta_old, kind="ppo-clip", clip=0.2, kl_coef=0.0):
    """Gradient in theta of :func:`surrogate_objective`, exact, §4.9.

    grad [d_t(s, a) Lambda A_t] = gamma^t d^old_t(s) pi_theta(a|s) A_t grad log pi_theta(a|s), so
    the gradient is one ``policy.weighted_score_sum`` with weights
    W(s, a) = Lambda(s, a) sum_t gamma^t d^old_t(s, a) A_t(s, a) [times 1{unclipped} for
    "ppo-clip": the clipped term is flat in theta where the clip is active, and the min picks
    it], plus ``kl_coef`` D^old(s) pi_old(a|s) for "ppo-kl" (minus the gradient of the KL). At
    theta = theta_old all three equal grad J(theta_old) (Eq. (4.3)).

    Parameters
    ----------
    mdp : FiniteMDP
    policy : SoftmaxPolicy
    theta : array_like, shape ``policy.theta_shape`` or ``(K,) + policy.theta_shape``
    theta_old : array_like, shape ``policy.theta_shape``
    kind, clip, kl_coef
        As in :func:`surrogate_objective`.

    Returns
    -------
    numpy.ndarray, shape ``policy.theta_shape`` (or ``(K,) + policy.theta_shape``)
    """
    theta_old = _setup(mdp, policy, theta_old)
    kind, clip, kl_coef = _check_kind(kind, clip, kl_coef)
    theta, _ = _theta_maybe_batch(policy, theta, "theta")
    A, wd = _old_tables(mdp, policy, theta_old)
    ratio = _ratio(policy, theta, theta_old)
    if kind == "ppo-clip":
        r = ratio[..., None, :, :]
        W = ratio * (wd * A * _unclipped(r, A, clip)).sum(axis=-3)
    else:
        W = ratio * (wd * A).sum(axis=0)
        if kind == "ppo-kl" and kl_coef:
            d = state_action_marginals(mdp, policy, theta_old)
            W = W + kl_coef * d.sum(axis=0)              # D^old(s) pi_old(a|s)
    return policy.weighted_score_sum(theta, W)


# ------------------------------------------------------------------ Monte Carlo (§4.9)
def _sampled_terms(policy, theta, theta_old, trajectories, advantages, kind, clip, kl_coef,
                   gamma):
    check_policy(policy)
    theta = v.theta_array(theta, policy.theta_shape)
    theta_old = v.theta_array(theta_old, policy.theta_shape, "theta_old")
    check_trajectories(trajectories, policy.n_states, policy.n_actions)
    if trajectories.n < 1:
        raise ValueError("trajectories must contain at least one trajectory (n >= 1)")
    kind, clip, kl_coef = _check_kind(kind, clip, kl_coef)
    gamma = v.discount(gamma)
    A = v.finite_array(advantages, "advantages", shape=trajectories.states.shape)
    s, a = trajectories.states, trajectories.actions
    log_ratio = (policy.log_probs(theta) - policy.log_probs(theta_old))[s, a]
    disc = gamma ** np.arange(trajectories.horizon)
    return theta, kind, clip, kl_coef, A, log_ratio, disc


def sampled_surrogate_objective(policy, theta, theta_old, trajectories, advantages,
                                kind="ppo-clip", clip=0.2, kl_coef=0.0, gamma=1.0,
                                per_trajectory=False):
    """Monte Carlo surrogate (1/n) sum_i sum_t gamma^t l_it from trajectories of rho_old, §4.9.

    l_it as in :func:`surrogate_objective` with the given advantage estimates A_it; for
    ``"ppo-kl"`` each trajectory also subtracts ``kl_coef`` * sum_t log(pi_old / pi_theta)(a_t|s_t),
    an unbiased estimate of KL(rho_old || rho_theta). With trajectories drawn from rho_old and
    ``advantages[i, t] = A^old_t(s_it, a_it)`` this is unbiased for :func:`surrogate_objective`.

    Parameters
    ----------
    policy : SoftmaxPolicy
    theta, theta_old : array_like, shape ``policy.theta_shape``
    trajectories : Trajectories
        n trajectories sampled from rho_old.
    advantages : array_like, shape (n, H)
        A_t for every trajectory and step (e.g. exact A^old looked up, or an estimate).
    kind, clip, kl_coef
        As in :func:`surrogate_objective`.
    gamma : float, default 1.0
    per_trajectory : bool, default False
        Return each trajectory's sum instead of the mean.

    Returns
    -------
    float, or numpy.ndarray of shape (n,) if ``per_trajectory``
    """
    _, kind, clip, kl_coef, A, lr, disc = _sampled_terms(
        policy, theta, theta_old, trajectories, advantages, kind, clip, kl_coef, gamma)
    ratio = np.exp(lr)
    terms = _clipped(ratio, A, clip) if kind == "ppo-clip" else ratio * A
    per = terms @ disc
    if kind == "ppo-kl" and kl_coef:
        per = per - kl_coef * (-lr).sum(axis=1)
    return per if per_trajectory else float(per.mean())


def sampled_surrogate_gradient(policy, theta, theta_old, trajectories, advantages,
                               kind="ppo-clip", clip=0.2, kl_coef=0.0, gamma=1.0,
                               per_trajectory=False):
    """Gradient of :func:`sampled_surrogate_objective` in theta, §4.9.

    sum_t c_t grad log pi_theta(a_t|s_t) with c_t = gamma^t Lambda_t A_t (times 1{unclipped}
    for ``"ppo-clip"``), plus ``kl_coef`` for ``"ppo-kl"``; one
    :func:`pgtools.score_weighted_sum`. At theta = theta_old it is the REINFORCE estimator with
    the weights A_t (Eq. (4.3) in advantage form).

    Parameters
    ----------
    policy, theta, theta_old, trajectories, advantages, kind, clip, kl_coef, gamma, per_trajectory
        As in :func:`sampled_surrogate_objective`.

    Returns
    -------
    numpy.ndarray, shape ``policy.theta_shape`` (or ``(n,) + policy.theta_shape``)
    """
    theta, kind, clip, kl_coef, A, lr, disc = _sampled_terms(
        policy, theta, theta_old, trajectories, advantages, kind, clip, kl_coef, gamma)
    ratio = np.exp(lr)
    coef = disc * ratio * A
    if kind == "ppo-clip":
        coef = coef * _unclipped(ratio, A, clip)
    elif kind == "ppo-kl" and kl_coef:
        coef = coef + kl_coef
    return score_weighted_sum(policy, theta, trajectories, coef, per_trajectory)


# ------------------------------------------------------------------ TRPO (§4.9)
class TRPOStep(NamedTuple):
    """Result of :func:`trpo_step`.

    Attributes
    ----------
    theta : numpy.ndarray
        The accepted parameters (theta_old if the line search failed).
    direction : numpy.ndarray
        x ~ F^+ grad J from conjugate gradients.
    full_step : numpy.ndarray
        sqrt(2 delta / x^T F x) x, the step that makes the quadratic KL model equal delta.
    fraction : float
        Fraction of ``full_step`` accepted (0 if none).
    kl : float
        KL(rho_old || rho_new) of the accepted step.
    surrogate : float
        The "trpo" surrogate of the accepted step.
    improvement : float
        J(theta_new) - J(theta_old).
    """

    theta: np.ndarray
    direction: np.ndarray
    full_step: np.ndarray
    fraction: float
    kl: float
    surrogate: float
    improvement: float


def trpo_step(mdp, policy, theta, delta, cg_iters=10, backtrack=0.5, max_backtracks=20):
    """One exact TRPO update, §4.9 (Schulman et al. 2015).

    Maximise the "trpo" surrogate subject to KL(rho_theta || rho_theta') <= delta:

    1. g = grad J(theta) (the surrogate's gradient at theta);
    2. x ~ F^+ g by ``cg_iters`` conjugate-gradient iterations on Fisher-vector products;
    3. full step beta x with beta = sqrt(2 delta / x^T F x) (the quadratic model of the KL at
       delta);
    4. backtracking: the first fraction 1, b, b^2, ... of the full step whose exact KL is at most
       delta and whose surrogate is positive is accepted.

    Parameters
    ----------
    mdp : FiniteMDP
    policy : SoftmaxPolicy
    theta : array_like, shape ``policy.theta_shape``
    delta : float > 0
        Trust-region size (a trajectory KL).
    cg_iters : int, default 10
    backtrack : float in (0, 1), default 0.5
    max_backtracks : int, default 20

    Returns
    -------
    TRPOStep
    """
    check_mdp(mdp)
    check_policy(policy)
    _check_compatible(mdp, policy)
    theta = v.theta_array(theta, policy.theta_shape)
    delta = _number(delta, "delta", 0.0, open_low=True)
    backtrack = _number(backtrack, "backtrack", 0.0, 1.0, open_low=True)
    cg_iters = v.positive_int(cg_iters, "cg_iters")
    max_backtracks = v.positive_int(max_backtracks, "max_backtracks", minimum=0)
    psi, w = _weighted_scores(mdp, policy, theta)
    g = exact_gradient(mdp, policy, theta).ravel()

    def fvp(u):
        return psi.T @ (w * (psi @ u))

    x = conjugate_gradient(fvp, g, iters=cg_iters)
    xFx = float(x @ fvp(x))
    shape = tuple(policy.theta_shape)
    if xFx <= 0:
        zero = np.zeros(shape)
        return TRPOStep(theta, zero, zero, 0.0, 0.0, 0.0, 0.0)
    full = np.sqrt(2 * delta / xFx) * x
    frac = 1.0
    for _ in range(max_backtracks + 1):
        cand = theta + (frac * full).reshape(shape)
        kl = trajectory_kl(mdp, policy, theta, cand)
        sur = surrogate_objective(mdp, policy, cand, theta, kind="trpo")
        if kl <= delta and sur > 0:
            gain = exact_objective(mdp, policy, cand) - exact_objective(mdp, policy, theta)
            return TRPOStep(cand, x.reshape(shape), full.reshape(shape), frac, kl, sur, gain)
        frac *= backtrack
    return TRPOStep(theta, x.reshape(shape), full.reshape(shape), 0.0, 0.0, 0.0, 0.0)


class ImprovementBound(NamedTuple):
    """Result of :func:`improvement_lower_bound`.

    Attributes
    ----------
    bound : float
        surrogate - penalty, a lower bound on J(theta_new) - J(theta_old).
    surrogate : float
        L = the "trpo" surrogate of theta_new around theta_old.
    penalty : float
        4 eps alpha sum_{t<H} gamma^t (1 - (1 - alpha)^t).
    alpha : float
        max_s of the total-variation distance between pi_old(.|s) and pi_new(.|s).
    epsilon : float
        max_{t,s,a} |A^old_t(s, a)|.
    """

    bound: float
    surrogate: float
    penalty: float
    alpha: float
    epsilon: float


def improvement_lower_bound(mdp, policy, theta_new, theta_old):
    """Finite-horizon monotonic-improvement bound, §4.9 (after Schulman et al. 2015).

    J(theta_new) - J(theta_old) >= L - 4 eps alpha sum_{t<H} gamma^t (1 - (1 - alpha)^t),

    with L the "trpo" surrogate, alpha = max_s TV(pi_old(.|s), pi_new(.|s)) and
    eps = max_{t,s,a} |A^old_t(s, a)|. As H -> infinity with gamma < 1 the penalty is at most
    4 eps gamma alpha^2 / (1 - gamma)^2, Schulman et al.'s Theorem 1; for gamma = 1 it is at most
    2 eps alpha^2 H (H - 1).

    Parameters
    ----------
    mdp : FiniteMDP
    policy : SoftmaxPolicy
    theta_new, theta_old : array_like, shape ``policy.theta_shape``

    Returns
    -------
    ImprovementBound
    """
    theta_old = _setup(mdp, policy, theta_old)
    theta_new = v.theta_array(theta_new, policy.theta_shape, "theta_new")
    A = value_tables(mdp, policy, theta_old).A
    eps = float(np.abs(A).max())
    alpha = float(0.5 * np.abs(policy.probs(theta_new) - policy.probs(theta_old)).sum(-1).max())
    t = np.arange(mdp.horizon)
    penalty = 4 * eps * alpha * float((mdp.gamma ** t * (1 - (1 - alpha) ** t)).sum())
    L = surrogate_objective(mdp, policy, theta_new, theta_old, kind="trpo")
    return ImprovementBound(L - penalty, L, penalty, alpha, eps)
