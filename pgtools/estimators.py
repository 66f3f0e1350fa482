"""Monte Carlo estimators of J and grad J from sampled trajectories (§4.3, §4.4).

All estimators are vectorised across trajectories: per-step coefficients are scattered into
state-action weight tables (``np.bincount``) and turned into gradients with one
``policy.weighted_score_sum``, using sum_t c_t grad log pi(a_t|s_t) = sum_{s,a} W[s, a]
grad log pi(a|s) with W[s, a] = sum_{t: (s_t, a_t) = (s, a)} c_t.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from . import _validate as v
from .exact import Enumeration, exact_objective, state_action_marginals, value_tables
from .policies import check_policy
from .sampling import check_trajectories

KINDS = ("return", "reward_to_go", "q")


class ImportanceWeighted(NamedTuple):
    """Result of :func:`importance_weighted_objective` (§4.3).

    Attributes
    ----------
    estimate : float
        Estimate of J(theta).
    ess : float
        Effective sample size (sum w)^2 / sum w^2, in [1, n].
    weights : numpy.ndarray, shape (n,)
        Likelihood ratios w_i = rho_theta(tau_i) / rho(tau_i).
    """

    estimate: float
    ess: float
    weights: np.ndarray


def _baseline_table(baseline, trajectories, n_states):
    """Baseline b_t(s_t) for every (i, t): shape (n, H)."""
    n, H = trajectories.states.shape
    if baseline is None:
        return np.zeros((n, H))
    if isinstance(baseline, numbers.Real) and not isinstance(baseline, bool):
        b = float(baseline)
        if not np.isfinite(b):
            raise ValueError(f"baseline must be finite; got {baseline!r}")
        return np.full((n, H), b)
    if isinstance(baseline, (str, bytes, bool)) or baseline is Ellipsis:
        raise ValueError(
            f"baseline must be None, a number, an array b[t] of shape ({H},) or b[t, s] of shape "
            f"({H}, {n_states}); got {baseline!r}"
        )
    b = v.finite_array(baseline, "baseline")
    if b.shape == ():
        return np.full((n, H), float(b))
    if b.shape == (H,):
        return np.broadcast_to(b, (n, H))
    if b.shape == (H, n_states):
        return b[np.arange(H)[None, :], trajectories.states]
    raise ValueError(
        f"baseline must be None, a number, an array b[t] of shape ({H},) or b[t, s] of shape "
        f"({H}, {n_states}); got an array of shape {b.shape}"
    )


def _scatter(policy, theta, trajectories, coef, per_trajectory, groups=None):
    """sum_t coef[i, t] grad log pi(a_it|s_it): mean over i, or per trajectory.

    With ``groups`` = K (a batch theta of shape (K,) + theta_shape), rows k*m:(k+1)*m (m = n/K)
    use theta[k]; the result gets a leading axis K (mean over each group's m rows, or (K, m)).
    """
    S, A = policy.n_states, policy.n_actions
    n = trajectories.n
    flat = trajectories.states * A + trajectories.actions
    if groups is not None:
        m = n // groups
        if per_trajectory:
            idx = (np.arange(n)[:, None] * (S * A) + flat).ravel()
            W = np.bincount(idx, weights=coef.ravel(), minlength=n * S * A)
            W = W.reshape(groups, m, S, A)
        else:
            idx = (np.repeat(np.arange(groups), m)[:, None] * (S * A) + flat).ravel()
            W = np.bincount(idx, weights=coef.ravel(), minlength=groups * S * A)
            W = W.reshape(groups, S, A) / m
        return policy.weighted_score_sum(theta, W)
    if per_trajectory:
        idx = (np.arange(n)[:, None] * (S * A) + flat).ravel()
        W = np.bincount(idx, weights=coef.ravel(), minlength=n * S * A).reshape(n, S, A)
    else:
        W = np.bincount(flat.ravel(), weights=coef.ravel(), minlength=S * A).reshape(S, A) / n
    return policy.weighted_score_sum(theta, W)


def _leave_one_out(x, groups):
    """b_i = mean of x_j over the other rows j != i of the same group (groups of equal size)."""
    n = x.shape[0]
    m = n // groups
    if m < 2:
        raise ValueError("baseline='leave_one_out' needs at least 2 trajectories per parameter "
                         f"vector; got {m}")
    xg = x.reshape((groups, m) + x.shape[1:])
    b = (xg.sum(axis=1, keepdims=True) - xg) / (m - 1)
    return b.reshape(x.shape)


def _check_common(policy, theta, trajectories, gamma):
    check_policy(policy)
    theta = v.theta_array(theta, policy.theta_shape)
    check_trajectories(trajectories, policy.n_states, policy.n_actions)
    if trajectories.n < 1:
        raise ValueError("trajectories must contain at least one trajectory (n >= 1)")
    return theta, v.discount(gamma)


def reinforce_gradient(policy, theta, trajectories, kind="return", baseline=None, gamma=1.0,
                       per_trajectory=False, Q=None):
    """REINFORCE estimate of grad J(theta) from trajectories sampled from rho_theta (§4.3, §4.4).

    * ``kind="return"``: sum_t grad log pi(a_t|s_t) (R(tau) - b_t(s_t)), R(tau) = sum_t gamma^t
      r_t (the second display of §4.3);
    * ``kind="reward_to_go"``: sum_t gamma^t grad log pi(a_t|s_t) (G_t - b_t(s_t)),
      G_t = sum_{t'>=t} gamma^(t'-t) r_{t'} (Eq. (4.3) and §4.4);
    * ``kind="q"``: sum_t gamma^t grad log pi(a_t|s_t) (Q_t(s_t, a_t) - b_t(s_t)), the second
      line of Eq. (4.3) (with gamma^t in the discounted case), Q_t from :func:`value_tables`.

    All three are unbiased for any baseline that depends only on (t, s_t), and for the
    leave-one-out baseline: b for trajectory i is the mean of the same quantity (R, G_t or
    Q_t(s_t, a_t)) over the *other* trajectories of its batch, which are independent of tau_i.
    That estimator equals m/(m-1) times the one with the batch-mean baseline (m trajectories).

    **Batches of theta.** With ``theta`` of shape ``(K,) + theta_shape`` and K*m trajectories
    grouped as :func:`pgtools.sample_trajectories` returns them (rows k*m:(k+1)*m drawn from
    theta[k]), this is K independent estimates at once, one per theta[k], shape
    ``(K,) + theta_shape``; the leave-one-out baseline then stays within each group.

    Parameters
    ----------
    policy : SoftmaxPolicy
    theta : array_like, shape ``policy.theta_shape`` or ``(K,) + policy.theta_shape``
    trajectories : Trajectories
        n trajectories of length H, sampled with this ``theta`` (n = K*m for a batch).
    kind : {"return", "reward_to_go", "q"}
    baseline : None, float, array of shape (H,) or (H, S), or "leave_one_out"
        b_t(s); e.g. ``value_tables(...).V``. Arrays are shared by all K groups of a batch.
    gamma : float, default 1.0
    per_trajectory : bool, default False
        Return every trajectory's estimate instead of their mean.
    Q : array_like, shape (H, S, A) (or (K, H, S, A) for a batch), optional
        Q_t(s, a) of pi_theta, discounted from time t (``value_tables(...).Q``); required for
        ``kind="q"`` and only allowed with it.

    Returns
    -------
    numpy.ndarray, shape ``theta_shape`` (or ``(n,) + theta_shape`` if ``per_trajectory``);
    for a batch ``(K,) + theta_shape`` (or ``(K, m) + theta_shape``)
    """
    check_policy(policy)
    theta, batched = policy._theta_batch(theta)
    groups = theta.shape[0] if batched else None
    _, gamma = _check_common(policy, theta[0] if batched else theta, trajectories, gamma)
    if batched and trajectories.n % groups:
        raise ValueError(f"trajectories must hold a multiple of K = {groups} trajectories (m per "
                         f"parameter vector) for theta of shape {theta.shape}; got "
                         f"n = {trajectories.n}")
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")
    if (Q is None) == (kind == "q"):
        raise ValueError("Q (the table Q_t(s, a), shape (H, S, A), from value_tables) is "
                         f"required for kind='q' and only allowed with it; got kind={kind!r}")
    loo = isinstance(baseline, str) and baseline == "leave_one_out"
    b = 0.0 if loo else _baseline_table(baseline, trajectories, policy.n_states)
    H = trajectories.horizon
    if kind == "return":
        x = trajectories.returns(gamma)[:, None]
        if loo:
            b = _leave_one_out(x, groups or 1)
        coef = np.broadcast_to(x - b, trajectories.states.shape)
    elif kind == "reward_to_go":
        x = trajectories.reward_to_go(gamma)
        if loo:
            b = _leave_one_out(x, groups or 1)
        coef = (gamma ** np.arange(H))[None, :] * (x - b)
    else:
        S, A = policy.n_states, policy.n_actions
        if batched:
            Q = v.finite_array(Q, "Q", shape=(groups, H, S, A))
            k = np.repeat(np.arange(groups), trajectories.n // groups)[:, None]
            x = Q[k, np.arange(H)[None, :], trajectories.states, trajectories.actions]
        else:
            Q = v.finite_array(Q, "Q", shape=(H, S, A))
            x = Q[np.arange(H)[None, :], trajectories.states, trajectories.actions]
        if loo:
            b = _leave_one_out(x, groups or 1)
        coef = (gamma ** np.arange(H))[None, :] * (x - b)
    return _scatter(policy, theta, trajectories, coef, bool(per_trajectory), groups)


def _log_weights(policy, theta, behaviour_theta, trajectories, behaviour_policy):
    bpol = policy if behaviour_policy is None else check_policy(behaviour_policy,
                                                                "behaviour_policy")
    if (bpol.n_states, bpol.n_actions) != (policy.n_states, policy.n_actions):
        raise ValueError("behaviour_policy must have the same states and actions as policy")
    btheta = v.theta_array(behaviour_theta, bpol.theta_shape, "behaviour_theta")
    s, a = trajectories.states, trajectories.actions
    diff = policy.log_probs(theta)[s, a] - bpol.log_probs(btheta)[s, a]
    return diff.sum(axis=1)


def importance_weighted_objective(policy, theta, behaviour_theta, trajectories, gamma=1.0,
                                  behaviour_policy=None, self_normalised=False):
    """Off-policy estimate J(theta) ~ mean_i w_i R(tau_i) (likelihood-ratio trick, §4.3).

    w_i = rho_theta(tau_i) / rho(tau_i) = prod_t pi_theta(a_t|s_t) / pi_b(a_t|s_t) (the dynamics in
    Eq. (4.2) cancel).

    Parameters
    ----------
    policy : SoftmaxPolicy
        Target policy pi_theta.
    theta : array_like, shape ``policy.theta_shape``
    behaviour_theta : array_like
        Parameters of the behaviour policy that generated ``trajectories``.
    trajectories : Trajectories
        n trajectories from rho = rho_{behaviour}.
    gamma : float, default 1.0
    behaviour_policy : SoftmaxPolicy, optional
        Defaults to ``policy`` (same parameterisation, different parameters).
    self_normalised : bool, default False
        Use sum_i w_i R_i / sum_i w_i (biased, consistent, lower variance).

    Returns
    -------
    ImportanceWeighted
        ``estimate`` (float), ``ess`` (float), ``weights`` (n,).
    """
    theta, gamma = _check_common(policy, theta, trajectories, gamma)
    logw = _log_weights(policy, theta, behaviour_theta, trajectories, behaviour_policy)
    w = np.exp(logw)
    shifted = np.exp(logw - logw.max())
    ess = float(shifted.sum() ** 2 / (shifted ** 2).sum())
    R = trajectories.returns(gamma)
    if self_normalised:
        est = float(shifted @ R / shifted.sum())
    else:
        est = float(np.mean(w * R))
    return ImportanceWeighted(est, ess, w)


def importance_weighted_gradient(policy, theta, behaviour_theta, trajectories, gamma=1.0,
                                 behaviour_policy=None, self_normalised=False):
    """Off-policy gradient grad J ~ mean_i w_i grad log rho_theta(tau_i) R(tau_i) (§4.3).

    The chapter's grad J = E_rho[grad rho_theta(tau) / rho(tau) R(tau)], with
    grad rho_theta / rho = w grad log rho_theta and grad log rho_theta(tau) =
    sum_t grad log pi_theta(a_t|s_t).

    Parameters
    ----------
    policy, theta, behaviour_theta, trajectories, gamma, behaviour_policy, self_normalised
        As in :func:`importance_weighted_objective`.

    Returns
    -------
    numpy.ndarray, shape ``policy.theta_shape``
    """
    theta, gamma = _check_common(policy, theta, trajectories, gamma)
    logw = _log_weights(policy, theta, behaviour_theta, trajectories, behaviour_policy)
    R = trajectories.returns(gamma)
    if self_normalised:
        shifted = np.exp(logw - logw.max())
        per = shifted * R / shifted.sum() * trajectories.n  # _scatter divides by n
    else:
        per = np.exp(logw) * R
    coef = np.broadcast_to(per[:, None], trajectories.states.shape)
    return _scatter(policy, theta, trajectories, coef, False)


def finite_difference_gradient(f, theta, eps=1e-6):
    """Central finite differences (f(theta + eps e_i) - f(theta - eps e_i)) / (2 eps).

    A reference to check analytic gradients (e.g. Eq. (4.3)) against; costs 2 dim(theta) calls.

    Parameters
    ----------
    f : callable
        Scalar function of an array of the shape of ``theta``.
    theta : array_like, any shape
    eps : float, default 1e-6

    Returns
    -------
    numpy.ndarray, same shape as ``theta``
    """
    if not callable(f):
        raise ValueError(f"f must be callable; got {type(f).__name__}")
    theta = v.finite_array(theta, "theta")
    if not (isinstance(eps, numbers.Real) and np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a positive finite number; got {eps!r}")
    grad = np.empty_like(theta)
    flat, g = theta.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        hi = float(f(theta.copy()))
        flat[i] = old - eps
        lo = float(f(theta.copy()))
        flat[i] = old
        g[i] = (hi - lo) / (2 * eps)
    return grad


def score_weighted_sum(policy, theta, trajectories, coef, per_trajectory=False):
    """sum_t c_t grad log pi_theta(a_t|s_t) for each trajectory, or its mean (§4.3).

    The building block of every score-function estimator: Eq. (4.3) is this sum with
    c_t = R(tau) (return form), gamma^t G_t (reward-to-go) or gamma^t Q_t(s_t, a_t) (Q form);
    :func:`reinforce_gradient` builds those coefficients. Any other coefficient (a wrong power of
    gamma, the reward so far, ...) can be tried here.

    Parameters
    ----------
    policy : SoftmaxPolicy
    theta : array_like, shape ``policy.theta_shape``
    trajectories : Trajectories
        n trajectories of length H.
    coef : array_like, shape (n, H)
        c_t for each trajectory and step.
    per_trajectory : bool, default False
        Return every trajectory's sum instead of their mean over trajectories.

    Returns
    -------
    numpy.ndarray, shape ``theta_shape`` (or ``(n,) + theta_shape`` if ``per_trajectory``)
    """
    theta, _ = _check_common(policy, theta, trajectories, 1.0)
    coef = v.finite_array(coef, "coef", shape=trajectories.states.shape)
    return _scatter(policy, theta, trajectories, coef, bool(per_trajectory))


def mean_and_se(samples):
    """Monte Carlo mean of i.i.d. rows and its standard error s / sqrt(n) (§4.3).

    With n rows x_1..x_n, returns x_bar = sum_i x_i / n and SE = s / sqrt(n), s the sample
    standard deviation (ddof = 1), per column. By the central limit theorem
    |x_bar - E x| <= 4 SE fails with probability about 6e-5 per coordinate: the book's z-checks.

    Parameters
    ----------
    samples : array_like, shape (n, ...)
        n >= 2 i.i.d. draws (e.g. per-trajectory estimates).

    Returns
    -------
    mean, se : numpy.ndarray, shape ``samples.shape[1:]``
    """
    x = v.finite_array(samples, "samples")
    if x.ndim < 1 or x.shape[0] < 2:
        raise ValueError(f"samples must have at least 2 rows (axis 0); got shape {x.shape}")
    return x.mean(axis=0), x.std(axis=0, ddof=1) / np.sqrt(x.shape[0])


# ------------------------------------------------------------------ baselines (§4.4)
BASELINE_NAMES = ("none", "constant J", "mean G_t", "V_t(s)", "b*_t(s)")


def optimal_baseline(policy, theta, Q):
    """Variance-optimal per-step baseline b*_t(s) (§4.4, after Greensmith et al. 2004).

    The baseline that minimises E[||psi_t||^2 (G_t - b)^2 | s_t = s], psi_t = grad log
    pi(a_t|s_t), for each step t and state s separately:

        b*_t(s) = E[||psi_t||^2 G_t | s_t = s] / E[||psi_t||^2 | s_t = s]
                = sum_a pi(a|s) ||psi(s, a)||^2 Q_t(s, a) / sum_a pi(a|s) ||psi(s, a)||^2,

    using E[G_t | s_t = s, a_t = a] = Q_t(s, a) (the theorem "variance-optimal baseline, per
    step" of §4.4). It ignores the cross terms between steps; :func:`joint_optimal_baseline`
    does not.

    Parameters
    ----------
    policy : SoftmaxPolicy
    theta : array_like, shape ``policy.theta_shape``
    Q : array_like, shape (H, S, A)
        Q_t(s, a) of pi_theta, e.g. ``value_tables(mdp, policy, theta).Q``.

    Returns
    -------
    numpy.ndarray, shape (H, S)
    """
    check_policy(policy)
    theta = v.theta_array(theta, policy.theta_shape)
    S, A = policy.n_states, policy.n_actions
    Q = v.finite_array(Q, "Q", ndim=3)
    if Q.shape[1:] != (S, A) or Q.shape[0] < 1:
        raise ValueError(f"Q must have shape (H, {S}, {A}); got {Q.shape}")
    pi = policy.probs(theta)
    psi = policy.score_table(theta).reshape(S, A, -1)
    weight = pi * (psi ** 2).sum(axis=-1)  # pi(a|s) ||psi(s, a)||^2, shape (S, A)
    total = weight.sum(axis=-1)
    # a state whose score vanishes for every action (no parameter acts on it): any b is
    # optimal there; take the policy average V_t(s)
    safe = total > 0
    b = (pi * Q).sum(axis=-1)
    b[:, safe] = (weight[safe] * Q[:, safe]).sum(axis=-1) / total[safe]
    return b


def joint_optimal_baseline(policy, theta, enumeration):
    """The table b_t(s) minimising the exact tr Cov of the baselined estimator (§4.4).

    The one-trajectory reward-to-go estimate with baseline table b is affine in b:
    g_b(tau) = g_0(tau) - M(tau) b with M(tau)[:, (t, s)] = 1[s_t = s] psi_t. Since E[M] = 0,
    E||g_b - grad J||^2 is minimised by the solution of the normal equations
    E[M^T M] b = E[M^T g_0] (least squares: entries for unreachable (t, s) are set to 0).

    Parameters
    ----------
    policy : SoftmaxPolicy
    theta : array_like, shape ``policy.theta_shape``
    enumeration : Enumeration
        Every trajectory with its probability, from :func:`pgtools.enumerate_trajectories`
        (with the same policy and theta).

    Returns
    -------
    numpy.ndarray, shape (H, S)
    """
    check_policy(policy)
    theta = v.theta_array(theta, policy.theta_shape)
    if not isinstance(enumeration, Enumeration):
        raise ValueError("enumeration must be a pgtools.Enumeration (from "
                         f"enumerate_trajectories); got {type(enumeration).__name__}")
    tr, prob = enumeration.trajectories, enumeration.probs
    check_trajectories(tr, policy.n_states, policy.n_actions)
    N, H, S = tr.n, tr.horizon, policy.n_states
    psi = policy.score(theta, tr.states, tr.actions).reshape(N, H, -1)
    M = np.einsum("nhd,nhs->ndhs", psi, np.eye(S)[tr.states]).reshape(N, psi.shape[-1], H * S)
    g0 = reinforce_gradient(policy, theta, tr, kind="reward_to_go",
                            per_trajectory=True).reshape(N, -1)
    lhs = np.einsum("n,ndk,ndl->kl", prob, M, M)
    rhs = np.einsum("n,ndk,nd->k", prob, M, g0)
    return np.linalg.lstsq(lhs, rhs, rcond=None)[0].reshape(H, S)


def candidate_baselines(mdp, policy, theta):
    """The five baselines compared in §4.4, in the forms :func:`reinforce_gradient` accepts.

    * ``"none"``: no baseline (None);
    * ``"constant J"``: J(theta) = E R(tau) (Eq. (4.1)), a number;
    * ``"mean G_t"``: b_t = E G_t, the chapter's b_t^theta = E_{tau ~ rho_theta} R_t(tau),
      computed as sum_s P(s_t = s) V_t(s); an array (H,);
    * ``"V_t(s)"``: the value table V_t(s), (H, S);
    * ``"b*_t(s)"``: :func:`optimal_baseline`, (H, S).

    Parameters
    ----------
    mdp : FiniteMDP
    policy : SoftmaxPolicy
    theta : array_like, shape ``policy.theta_shape``

    Returns
    -------
    dict
        ``BASELINE_NAMES`` -> baseline, in that order.
    """
    V, Q, _ = value_tables(mdp, policy, theta)
    d_state = state_action_marginals(mdp, policy, theta).sum(axis=-1)  # P(s_t = s), (H, S)
    values = (None, exact_objective(mdp, policy, theta), (d_state * V).sum(axis=-1), V,
              optimal_baseline(policy, theta, Q))
    return dict(zip(BASELINE_NAMES, values))
