"""Section 4.3 (REINFORCE and the likelihood-ratio trick): helpers, figures and the explorer.

The notebook ``book/4_3_reinforce.ipynb`` calls everything here by name:

* :func:`make_problem` -- the small random MDP, tabular softmax policy and parameters used
  throughout §4.3 (shared by the notebook and the explorer, so both show the same numbers);
* :func:`per_trajectory_gradients` -- one gradient estimate per trajectory for the three forms of
  Eq. (4.3): full return, reward-to-go, and the Q form;
* :func:`sample_from_enumeration` -- exact sampling from any trajectory distribution given on the
  enumerated trajectories (used for a behaviour policy with zero probabilities, Erratum E4);
* plotting helpers for the notebook's figures;
* :func:`make_explorer` and its pure callback :func:`draw`: histogram of one gradient coordinate's
  estimates over many independent batches of n trajectories, against the exact value.
"""

from __future__ import annotations

import numpy as np

import pgtools as pg
from pgtools import plotting

KINDS = ("return", "reward_to_go", "q")
KIND_LABELS = {"return": "full return R(τ)", "reward_to_go": "reward-to-go",
               "q": "Q form, Eq. (4.3)"}


def make_problem(horizon=5, gamma=1.0):
    """The running example of §4.3: a random MDP (S = 3, A = 2), a tabular softmax and theta.

    Parameters
    ----------
    horizon : int, default 5
        H.
    gamma : float, default 1.0
        Discount factor (1 is the chapter's undiscounted case).

    Returns
    -------
    mdp : FiniteMDP
    policy : TabularSoftmax
    theta : numpy.ndarray, shape (3, 2)
    """
    mdp = pg.random_mdp(3, 2, horizon, seed=4, gamma=gamma, rewards="normal")
    policy = pg.TabularSoftmax(3, 2)
    theta = np.random.default_rng(1).normal(0.0, 0.5, size=(3, 2))
    return mdp, policy, theta


def score_weighted_sums(policy, theta, trajectories, coef):
    """sum_t coef[i, t] grad log pi_theta(a_it|s_it) for every trajectory i (§4.3).

    The building block of every estimator in Eq. (4.3): the coefficient is R(tau), the
    reward-to-go or Q_t(s_t, a_t). Scatters coefficients into per-trajectory state-action tables
    and calls ``policy.weighted_score_sum`` once.

    Parameters
    ----------
    policy : SoftmaxPolicy
    theta : array_like, shape ``policy.theta_shape``
    trajectories : Trajectories
        n trajectories of length H.
    coef : array_like, shape (n, H)

    Returns
    -------
    numpy.ndarray, shape (n, dim theta)
    """
    S, A = policy.n_states, policy.n_actions
    n = trajectories.n
    flat = trajectories.states * A + trajectories.actions
    idx = (np.arange(n)[:, None] * (S * A) + flat).ravel()
    W = np.bincount(idx, weights=np.asarray(coef, float).ravel(),
                    minlength=n * S * A).reshape(n, S, A)
    return policy.weighted_score_sum(theta, W).reshape(n, -1)


def per_trajectory_gradients(policy, theta, trajectories, kind="return", gamma=1.0, Q=None,
                             power=None):
    """One estimate of grad J per trajectory, for the forms of Eq. (4.3), §4.3.

    * ``"return"``: sum_t grad log pi(a_t|s_t) R(tau), R(tau) = sum_t gamma^t r_t;
    * ``"reward_to_go"``: sum_t gamma^t grad log pi(a_t|s_t) sum_{t'>=t} gamma^(t'-t) r_t';
    * ``"q"``: sum_t gamma^t grad log pi(a_t|s_t) Q_t(s_t, a_t) with ``Q`` from
      :func:`pgtools.value_tables` (Q_t not multiplied by gamma^t).

    Parameters
    ----------
    policy : SoftmaxPolicy
    theta : array_like, shape ``policy.theta_shape``
    trajectories : Trajectories
        n trajectories of length H sampled from rho_theta.
    kind : {"return", "reward_to_go", "q"}
    gamma : float, default 1.0
    Q : numpy.ndarray, shape (H, S, A), optional
        Required for ``kind="q"``.
    power : float, optional
        Replace the factor gamma^t in front of the reward-to-go / Q term by power^t (to show that
        only power = gamma is right, Erratum E5). Default: gamma.

    Returns
    -------
    numpy.ndarray, shape (n, dim theta)
        Their mean over the rows is the REINFORCE estimate.
    """
    H = trajectories.horizon
    lam = gamma if power is None else power
    disc = (lam ** np.arange(H))[None, :]
    if kind == "return":
        coef = np.broadcast_to(trajectories.returns(gamma)[:, None], (trajectories.n, H))
    elif kind == "reward_to_go":
        coef = disc * trajectories.reward_to_go(gamma)
    elif kind == "q":
        if Q is None:
            raise ValueError("kind='q' needs the Q table (H, S, A) from pgtools.value_tables")
        coef = disc * Q[np.arange(H)[None, :], trajectories.states, trajectories.actions]
    else:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")
    return score_weighted_sums(policy, theta, trajectories, coef)


def sample_from_enumeration(enumeration_trajectories, probs, n, rng):
    """Draw n trajectories i.i.d. from a distribution given on the enumerated trajectories.

    Exact sampling from any rho(tau) (e.g. a behaviour policy with zero probabilities, which a
    softmax cannot express), by drawing indices into the list of :func:`pgtools.enumerate_trajectories`.

    Parameters
    ----------
    enumeration_trajectories : Trajectories
        All N trajectories.
    probs : array_like, shape (N,)
        rho(tau) for each; non-negative, summing to 1.
    n : int
    rng : numpy.random.Generator

    Returns
    -------
    Trajectories
    """
    p = np.asarray(probs, float)
    idx = rng.choice(p.size, size=n, p=p / p.sum())
    return enumeration_trajectories[idx]


def mean_and_se(x):
    """Column means of ``x`` (n, ...) and their standard errors std / sqrt(n)."""
    x = np.asarray(x, float)
    return x.mean(axis=0), x.std(axis=0, ddof=1) / np.sqrt(x.shape[0])


# ------------------------------------------------------------------------------ figures
def plot_drift(alphas, err_J, err_grad, ess_frac):
    """Figure for §4.3's importance-sampling drift: IS errors and ESS/n against alpha.

    Curves are means over databases with 95% confidence bands.

    Parameters
    ----------
    alphas : array, shape (k,)
    err_J, err_grad, ess_frac : arrays, shape (repeats, k)
        |J_hat - J|, ||grad_hat - grad J|| and ESS / n for each database and alpha.
    """
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.4))
    plotting.plot_band(ax1, alphas, err_J, label=r"$|\hat J - J|$")
    plotting.plot_band(ax1, alphas, err_grad, label=r"$\|\widehat{\nabla J} - \nabla J\|$")
    ax1.set_yscale("log")
    ax1.set_xlabel(r"distance $\alpha$ from the behaviour parameters")
    ax1.set_ylabel("error (mean over databases)")
    ax1.legend(fontsize=8)
    plotting.plot_band(ax2, alphas, ess_frac, label="ESS / n", color="C2")
    ax2.set_yscale("log")
    ax2.set_xlabel(r"distance $\alpha$ from the behaviour parameters")
    ax2.set_ylabel("effective sample size / n")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_rate(ns, errors):
    """Figure for R5: mean ||estimate - exact|| over repeats against n, log-log, with 95% band.

    Parameters
    ----------
    ns : array, shape (k,)
    errors : array, shape (repeats, k)

    Returns
    -------
    fig, slope
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.4))
    mean, half = plotting.mean_ci(errors)
    slope = plotting.loglog_slope(ax, ns, mean, label="mean error over repeats")
    ax.fill_between(ns, mean - half, mean + half, alpha=0.25, lw=0, label="95% CI")
    ax.set_xlabel("number of trajectories n")
    ax.set_ylabel(r"$\|\widehat{\nabla J} - \nabla J\|$")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig, slope


# ------------------------------------------------------------------------------ explorer
_CACHE = {}
N_OPTIONS = (1, 2, 5, 10, 20, 50, 100, 200, 500)
REPEATS = 200


def _precompute(coordinate=(0, 0)):
    """Per-trajectory estimates of one coordinate for every kind, with cumulative sums over n."""
    key = tuple(coordinate)
    if key in _CACHE:
        return _CACHE[key]
    mdp, policy, theta = make_problem()
    exact = pg.exact_gradient(mdp, policy, theta)[key]
    Q = pg.value_tables(mdp, policy, theta).Q
    n_max = max(N_OPTIONS)
    traj = pg.sample_trajectories(mdp, policy, theta, REPEATS * n_max, np.random.default_rng(43))
    flat = int(np.ravel_multi_index(key, policy.theta_shape))
    cums = {}
    for kind in KINDS:
        g = per_trajectory_gradients(policy, theta, traj, kind, Q=Q)[:, flat]
        cums[kind] = np.cumsum(g.reshape(REPEATS, n_max), axis=1)
    sd1 = {k: float(np.std(c[:, 0])) for k, c in cums.items()}
    _CACHE[key] = (exact, cums, sd1)
    return _CACHE[key]


def draw(n=10, kind="return"):
    """Histogram of REPEATS independent estimates (each from n trajectories) of d J / d theta[0, 0].

    Pure callback of :func:`make_explorer` (all sampling happens once, in :func:`_precompute`).

    Parameters
    ----------
    n : int
        Trajectories per estimate, one of ``N_OPTIONS``.
    kind : {"return", "reward_to_go", "q"}
        Which form of Eq. (4.3) is averaged.
    """
    import matplotlib.pyplot as plt

    exact, cums, sd1 = _precompute()
    est = cums[kind][:, n - 1] / n
    half = 4.0 * sd1["return"] / np.sqrt(n)  # same x-range for every kind at a given n
    bins = np.linspace(exact - half, exact + half, 41)
    counts, _ = np.histogram(np.clip(est, bins[0], bins[-1]), bins=bins)
    fig = plt.figure(figsize=(6, 3.2))
    ax = fig.add_axes((0.11, 0.15, 0.86, 0.74))  # fixed margins: tight_layout costs ~0.5 s
    ax.stairs(counts, bins, fill=True, color="C0", alpha=0.75,
              label=f"{REPEATS} estimates, n = {n}")
    ax.axvline(exact, color="k", lw=2, label=f"exact = {exact:.3f}")
    ax.axvline(est.mean(), color="C3", ls="--", label=f"mean of estimates = {est.mean():.3f}")
    ax.set_xlim(bins[0], bins[-1])
    ax.set_xlabel(r"estimate of $\partial J / \partial \theta_{0,0}$")
    ax.set_ylabel("count")
    ax.set_title(f"{KIND_LABELS[kind]}: spread (std) = {est.std(ddof=1):.3f}", fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    plt.show()


def make_explorer():
    """Sliders for n and the estimator kind, wired to :func:`draw` by ``interactive_output``.

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets as widgets

    _precompute()
    n = widgets.SelectionSlider(options=list(N_OPTIONS), value=10, description="n")
    kind = widgets.Dropdown(options=[(KIND_LABELS[k], k) for k in KINDS], value="return",
                            description="estimator")
    out = widgets.interactive_output(draw, {"n": n, "kind": kind})
    return widgets.VBox([widgets.HBox([n, kind]), out])
