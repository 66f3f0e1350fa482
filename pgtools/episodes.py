"""Episodes that end at a terminal state, and REINFORCE learning on them (§4.4, short corridor).

:func:`pgtools.sample_trajectories` draws trajectories of the fixed length H of Eq. (4.2) from one
policy. The short corridor of Sutton & Barto (Example 13.1) is episodic instead: an episode ends
when it reaches the goal, and many independent learners, each with its own parameters, are run
at once. This module holds the pieces for that setting:

* :func:`sample_episodes` -- one episode per row, every row with its own policy table, until a
  terminal state or ``max_steps``;
* :func:`learned_baseline` -- the scalar baseline w <- w + alpha_w (G_t - w), updated at every
  step of an episode as in Sutton & Barto's pseudocode of REINFORCE with baseline;
* :func:`episode_updates` -- the one-episode REINFORCE direction sum_t gamma^t psi_t (G_t - b_t)
  (reward-to-go form of Eq. (4.3), §4.4), with b_t = 0 or the learned baseline;
* :func:`reinforce_episodic` -- the learning loop theta <- theta + alpha * direction, for many
  independent runs.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from . import _validate as v
from .mdp import check_mdp
from .policies import check_policy
from .sampling import discounted_returns, reward_to_go

_CHUNK = 64          # steps drawn at once: 64, then doubling up to _MAX_CHUNK
_MAX_CHUNK = 1024


class Episodes(NamedTuple):
    """A batch of n episodes, padded to the length L of the longest (§4.4).

    Attributes
    ----------
    states, actions : int arrays, shape (n, L)
        After its end an episode repeats its terminal state, with action 0.
    rewards : numpy.ndarray, shape (n, L)
        r(s_t, a_t) while the episode runs, 0 after its end.
    mask : bool array, shape (n, L)
        True at the steps t < length of the episode.
    """

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    mask: np.ndarray

    @property
    def n(self):
        """Number of episodes n."""
        return self.states.shape[0]

    @property
    def lengths(self):
        """Number of steps of each episode, shape (n,)."""
        return self.mask.sum(axis=1)

    def returns(self, gamma=1.0):
        """Return R(tau) = sum_t gamma^t r_t of each episode, shape (n,) (Eq. (4.1)).

        Parameters
        ----------
        gamma : float, default 1.0

        Returns
        -------
        numpy.ndarray, shape (n,)
        """
        return discounted_returns(self.rewards, gamma)

    def reward_to_go(self, gamma=1.0):
        """Reward-to-go G_t = sum_{t' >= t} gamma^(t'-t) r_{t'} (§4.3); 0 after the end.

        Parameters
        ----------
        gamma : float, default 1.0

        Returns
        -------
        numpy.ndarray, shape (n, L)
        """
        return reward_to_go(self.rewards, gamma)


def terminal_states(mdp):
    """States that end an episode: absorbing (P(s|s, a) = 1 for every a) with zero reward.

    Parameters
    ----------
    mdp : FiniteMDP

    Returns
    -------
    int array
        Sorted state indices (possibly empty).
    """
    check_mdp(mdp)
    S = mdp.n_states
    stay = mdp.P[np.arange(S), :, np.arange(S)]  # (S, A): P(s|s, a)
    return np.flatnonzero(np.all(stay == 1.0, axis=1) & np.all(mdp.r == 0.0, axis=1))


def _terminal_mask(mdp, terminal):
    S = mdp.n_states
    if terminal is None:
        idx = terminal_states(mdp)
    else:
        idx = v.index_array(np.atleast_1d(terminal), "terminal", S).ravel()
    is_term = np.zeros(S, dtype=bool)
    is_term[idx] = True
    return is_term


def _max_steps(max_steps, mdp):
    if max_steps is None:
        return mdp.horizon
    return v.positive_int(max_steps, "max_steps")


def _probs_batch(probs, mdp, n):
    S, A = mdp.n_states, mdp.n_actions
    arr = v.finite_array(probs, "probs")
    if arr.shape == (S, A):
        if n is None:
            raise ValueError("n is required when probs is one table of shape (S, A)")
        arr = np.broadcast_to(arr, (v.positive_int(n, "n"), S, A))
    elif arr.ndim == 3 and arr.shape[1:] == (S, A) and arr.shape[0] >= 1:
        if n is not None and v.positive_int(n, "n") != arr.shape[0]:
            raise ValueError(f"n = {n} does not match probs with {arr.shape[0]} tables")
    else:
        raise ValueError(f"probs must have shape ({S}, {A}) or (n, {S}, {A}); got {arr.shape}")
    v.distribution_rows(arr, "probs")
    return arr


def _block_length(n_actions):
    """Steps k per table lookup: the largest power of 2 dividing the chunk, A^k <= 4096."""
    k = _CHUNK
    while k > 1 and n_actions ** k > 4096:
        k //= 2
    return k


def _k_step_tables(nxt, n_actions, k):
    """For deterministic moves nxt[s, a] and every code c of k actions (action j of the code
    is (c // A^j) % A): the states before each of the k steps, (S, A^k, k), and after them."""
    key = (nxt.tobytes(), nxt.shape, n_actions, k)
    if key not in _TABLES:
        if len(_TABLES) > 16:
            _TABLES.clear()
        _TABLES[key] = _build_k_step_tables(nxt, n_actions, k)
    return _TABLES[key]


_TABLES = {}


def _build_k_step_tables(nxt, n_actions, k):
    codes = np.arange(n_actions ** k)
    acts = (codes[:, None] // n_actions ** np.arange(k)) % n_actions    # (A^k, k)
    s = np.repeat(np.arange(nxt.shape[0])[:, None], codes.size, axis=1)
    path = np.empty(s.shape + (k,), dtype=np.int64)
    for j in range(k):
        path[:, :, j] = s
        s = nxt[s, acts[None, :, j]]
    return path, s


def _compose(after, codes, s0):
    """States at the start of each block of k steps, and after the last block.

    ``after[s, c]`` is the state k steps after s under the action code c; block g of row i uses
    ``codes[i, g]``. The prefix compositions F_g = m_g o ... o m_0 of the maps
    m_g = after[:, codes[:, g]] are built by doubling (log2 of the number of blocks passes).
    """
    n, G = codes.shape
    F = np.moveaxis(after[:, codes], 0, -1)                    # (n, G, S): m_g(s)
    rows, gs = np.arange(n)[:, None, None], np.arange(G)[None, :, None]
    shift = 1
    while shift < G:                                           # F_g <- F_g o F_(g-shift)
        F[:, shift:] = F[rows, gs[:, shift:], F[:, :-shift]]
        shift *= 2
    ends = F[rows[..., 0], gs[..., 0], s0[:, None]]            # F_g(s0), (n, G)
    return np.concatenate([s0[:, None], ends[:, :-1]], axis=1), ends[:, -1]


def _state_independent(probs, live):
    """True when every row of ``probs`` is the same in all ``live`` states (aliased)."""
    return live.size > 0 and bool(np.all(probs[:, live] == probs[:, live[:1]]))


def sample_episodes(mdp, probs, rng, n=None, terminal=None, max_steps=None):
    """Sample one episode per row, each row with its own policy table (Eq. (4.2), episodic).

    Episode i starts at s_0 ~ mu0, draws a_t ~ probs[i, s_t] and s_{t+1} ~ P(.|s_t, a_t), and
    ends when it reaches a terminal state or after ``max_steps`` steps. All episodes advance
    together; the only Python loop is over the steps of the longest one. Actions and next states
    are drawn by inverse CDF, a_t = #{a : F_i(a | s_t) <= u_t} with F the cumulative
    distribution and u_t uniform, from uniforms drawn in blocks; when every row's policy is the
    same in all non-terminal states (an aliased policy) and the transitions are deterministic,
    a block of actions is drawn at once, with the same result.

    Parameters
    ----------
    mdp : FiniteMDP
    probs : array_like, shape (S, A) or (n, S, A)
        pi(a|s) for every episode (rows are probability distributions).
    rng : numpy.random.Generator or int
    n : int, optional
        Number of episodes; required when ``probs`` is one table.
    terminal : int or sequence of int, optional
        States that end an episode; default: those of :func:`terminal_states`.
    max_steps : int, optional
        Cap on the length of an episode; default ``mdp.horizon``.

    Returns
    -------
    Episodes
    """
    check_mdp(mdp)
    probs = _probs_batch(probs, mdp, n)
    rng = v.generator(rng)
    is_term = _terminal_mask(mdp, terminal)
    max_steps = _max_steps(max_steps, mdp)
    n = probs.shape[0]
    rows = np.arange(n)
    cum = np.cumsum(probs, axis=-1)
    cum = (cum / cum[..., -1:])[..., :-1]                        # F(a|s) for a < A - 1
    deterministic = bool(np.all(mdp.P.max(axis=-1) == 1.0))
    live = np.flatnonzero(~is_term)
    block = deterministic and _state_independent(probs, live)
    nxt = mdp.P.argmax(axis=-1)                                  # used if deterministic
    term = np.flatnonzero(is_term)
    nxt[term] = term[:, None]                                     # an ended episode stays
    if block:
        A = mdp.n_actions
        k = _block_length(A)
        path, after = _k_step_tables(nxt, A, k)
    cumP = np.cumsum(mdp.P, axis=-1)
    cumP = (cumP / cumP[..., -1:])[..., :-1]
    cum0 = np.cumsum(mdp.mu0)
    s = (rng.random(n)[:, None] >= (cum0 / cum0[-1])[None, :-1]).sum(axis=1)
    blocks_s, blocks_a, steps, chunk = [], [], 0, _CHUNK
    while steps < max_steps and not is_term[s].all():
        u = rng.random((2, n, chunk))
        if block:
            at = (u[0][:, :, None] >= cum[:, live[0]][:, None, :]).sum(axis=-1)
            codes = at.reshape(n, -1, k) @ (A ** np.arange(k))     # k actions
            starts, s = _compose(after, codes, s)
            st = path[starts, codes].reshape(n, chunk)
        else:
            st = np.empty((n, chunk), dtype=np.int64)
            at = np.empty((n, chunk), dtype=np.int64)
            for j in range(chunk):
                st[:, j] = s
                a = (u[0][:, j, None] >= cum[rows, s]).sum(axis=1)
                at[:, j] = a
                if deterministic:
                    s = nxt[s, a]
                else:
                    s_new = (u[1][:, j, None] >= cumP[s, a]).sum(axis=1)
                    s = np.where(is_term[s], s, s_new)
        blocks_s.append(st)
        blocks_a.append(at)
        steps += chunk
        chunk = min(2 * chunk, _MAX_CHUNK)      # long episodes: fewer, larger blocks
    if not blocks_s:
        states = s[:, None][:, :0]
        actions = states.copy()
    else:
        states = np.concatenate(blocks_s, axis=1)[:, :max_steps]
        actions = np.concatenate(blocks_a, axis=1)[:, :max_steps]
    mask = ~is_term[states]
    L = int(mask.sum(axis=1).max()) if mask.size else 0
    states, actions, mask = states[:, :L], np.where(mask, actions, 0)[:, :L], mask[:, :L]
    rewards = np.where(mask, mdp.r[states, actions], 0.0)
    return Episodes(states, actions, rewards, mask)


def _step_size(alpha, name):
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not np.isfinite(alpha):
        raise ValueError(f"{name} must be a finite real number; got {alpha!r}")
    return float(alpha)


def learned_baseline(w0, targets, mask, alpha_w):
    """A scalar baseline learned within each episode: w <- w + alpha_w (G_t - w) (§4.4).

    The baseline of REINFORCE with baseline in Sutton & Barto (2018, §13.4) for a state-value
    estimate that cannot tell states apart (a single weight w): at every step t of the episode,
    in order, the step uses b_t = w and then moves w towards the target G_t. Steps where
    ``mask`` is False leave w unchanged.

    Parameters
    ----------
    w0 : float or array_like, shape (n,)
        Baseline of each episode before its first step.
    targets : array_like, shape (n, L)
        G_t for every step.
    mask : array_like of bool, shape (n, L)
    alpha_w : float in (0, 1]
        Step size of the baseline.

    Returns
    -------
    b : numpy.ndarray, shape (n, L)
        The baseline b_t used at each step (before its update).
    w : numpy.ndarray, shape (n,)
        The baseline after the episode.
    """
    G = v.finite_array(targets, "targets", ndim=2)
    m = np.asarray(mask)
    if m.shape != G.shape or m.dtype != bool:
        raise ValueError(f"mask must be a bool array of shape {G.shape}; got "
                         f"{m.dtype} {m.shape}")
    alpha_w = _step_size(alpha_w, "alpha_w")
    if not 0.0 < alpha_w <= 1.0:
        raise ValueError(f"alpha_w must lie in (0, 1]; got {alpha_w!r}")
    w = np.array(np.broadcast_to(v.finite_array(w0, "w0"), G.shape[:1]), dtype=float)
    n, L = G.shape
    b = np.empty_like(G)
    step = alpha_w * m
    # w_{t+1} = f_t w_t + step_t G_t with f_t = 1 - step_t, solved in closed form over blocks
    # of B steps: w_(a+j) = c_(j-1) (w_a + sum_{i<j} step_i G_i / c_i), c_j = f_a ... f_(a+j).
    # Within a block c >= (1 - alpha_w)^B >= 1e-100, so the divisions are safe.
    beta = 1.0 - alpha_w
    B = 1 if beta == 0.0 else max(1, int(100 / -np.log10(beta)))
    for a in range(0, L, B):
        st, g = step[:, a:a + B], G[:, a:a + B]
        if B == 1:
            b[:, a] = w
            w = w + st[:, 0] * (g[:, 0] - w)
            continue
        c = np.cumprod(1.0 - st, axis=1)
        c_prev = np.concatenate([np.ones((n, 1)), c[:, :-1]], axis=1)
        inc = st * g / c
        acc = np.cumsum(inc, axis=1)
        b[:, a:a + B] = c_prev * (w[:, None] + acc - inc)
        w = c[:, -1] * (w + acc[:, -1])
    return b, w


class EpisodeUpdates(NamedTuple):
    """Result of :func:`episode_updates`.

    Attributes
    ----------
    directions : numpy.ndarray, shape (n,) + theta_shape
        sum_t gamma^t psi_t (G_t - b_t) for each episode.
    baseline : numpy.ndarray, shape (n,)
        The learned baseline after each episode (``w0`` when there is none).
    """

    directions: np.ndarray
    baseline: np.ndarray


def episode_updates(policy, theta, episodes, gamma=1.0, alpha_w=None, w0=0.0):
    """One-episode REINFORCE directions sum_t gamma^t psi_t (G_t - b_t) (Eq. (4.3), §4.4).

    psi_t = grad log pi_theta(a_t|s_t) and G_t is the reward-to-go. Without ``alpha_w`` the
    baseline is b_t = 0: the reward-to-go estimator of §4.3, unbiased for grad J. With
    ``alpha_w`` it is the baseline of :func:`learned_baseline`, started at ``w0`` and updated
    after every step. That b_t has seen G_0, ..., G_{t-1}, which contain the rewards after a_t,
    so it is not fixed before a_t is drawn and the direction is biased (§4.4).

    Parameters
    ----------
    policy : SoftmaxPolicy
    theta : array_like, shape ``theta_shape`` or ``(n,) + theta_shape``
        The parameters each episode was played with.
    episodes : Episodes
    gamma : float, default 1.0
    alpha_w : float in (0, 1], optional
    w0 : float or array_like, shape (n,), default 0.0

    Returns
    -------
    EpisodeUpdates
        ``directions`` (n,) + theta_shape and ``baseline`` (n,).
    """
    check_policy(policy)
    if not isinstance(episodes, Episodes):
        raise ValueError(f"episodes must be pgtools.Episodes; got {type(episodes).__name__}")
    S, A = policy.n_states, policy.n_actions
    n, L = episodes.states.shape
    shape = tuple(policy.theta_shape)
    th = v.finite_array(theta, "theta")
    if th.shape == shape:
        th, shared = th[None], True
    elif th.shape == (n,) + shape:
        shared = bool(np.all(th == th[:1]))
    else:
        raise ValueError(f"theta must have shape {shape} or {(n,) + shape}; got {th.shape}")
    v.index_array(episodes.states, "episodes.states", S)
    v.index_array(episodes.actions, "episodes.actions", A)
    gamma = v.discount(gamma)
    G = episodes.reward_to_go(gamma)
    if alpha_w is None:
        b = np.zeros_like(G)
        w = np.array(np.broadcast_to(v.finite_array(w0, "w0"), (n,)), dtype=float)
    else:
        b, w = learned_baseline(w0, G, episodes.mask, alpha_w)
    coef = np.where(episodes.mask, (gamma ** np.arange(L)) * (G - b), 0.0)
    idx = (np.arange(n)[:, None] * (S * A) + episodes.states * A + episodes.actions).ravel()
    W = np.bincount(idx, weights=coef.ravel(), minlength=n * S * A).reshape(n, S, A)
    if shared:
        directions = policy.weighted_score_sum(th[0], W)
    else:                                                        # one theta per episode
        directions = policy.weighted_score_sum(th, W)
    return EpisodeUpdates(directions, w)


class EpisodicRun(NamedTuple):
    """Result of :func:`reinforce_episodic`.

    Attributes
    ----------
    returns : numpy.ndarray, shape (n_runs, n_episodes)
        Return R(tau) of every episode.
    thetas : numpy.ndarray, shape (n_runs, n_episodes) + theta_shape
        The parameters each episode was played with.
    baselines : numpy.ndarray, shape (n_runs, n_episodes)
        The learned baseline w at the start of each episode (0 without one).
    """

    returns: np.ndarray
    thetas: np.ndarray
    baselines: np.ndarray


def reinforce_episodic(mdp, policy, theta0, n_runs, n_episodes, alpha, seed, alpha_w=None,
                       terminal=None, max_steps=None):
    """REINFORCE, with or without a learned scalar baseline, for many independent runs (§4.4).

    Every run starts at ``theta0`` (and baseline w = 0) and, after each episode, takes the step
    theta <- theta + alpha * sum_t gamma^t psi_t (G_t - b_t) of :func:`episode_updates`: one
    stochastic gradient step per episode (§4.2), with the scores psi_t taken at the episode's
    theta. With ``alpha_w`` the baseline follows :func:`learned_baseline` and carries over from
    one episode to the next (Sutton & Barto 2018, §13.4; they also update theta step by step
    within the episode, which we do not). All runs advance together.

    Parameters
    ----------
    mdp : FiniteMDP
    policy : SoftmaxPolicy
    theta0 : array_like, shape ``theta_shape``
    n_runs, n_episodes : int
    alpha : float
        Policy step size (a negative value would descend).
    seed : int or numpy.random.Generator
    alpha_w : float in (0, 1], optional
        Baseline step size; ``None`` for no baseline.
    terminal, max_steps
        As in :func:`sample_episodes`.

    Returns
    -------
    EpisodicRun
        ``returns``, ``thetas`` and ``baselines``.
    """
    check_mdp(mdp)
    check_policy(policy)
    theta = np.array(np.broadcast_to(v.theta_array(theta0, policy.theta_shape, "theta0"),
                                     (v.positive_int(n_runs, "n_runs"),) + policy.theta_shape))
    n_episodes = v.positive_int(n_episodes, "n_episodes")
    alpha = _step_size(alpha, "alpha")
    if alpha_w is not None:
        alpha_w = _step_size(alpha_w, "alpha_w")
    rng = v.generator(seed, "seed")
    is_term = _terminal_mask(mdp, terminal)
    max_steps = _max_steps(max_steps, mdp)
    w = np.zeros(n_runs)
    returns = np.empty((n_runs, n_episodes))
    thetas = np.empty((n_runs, n_episodes) + policy.theta_shape)
    baselines = np.empty((n_runs, n_episodes))
    for e in range(n_episodes):
        probs = policy.probs(theta)                              # (n_runs, S, A)
        ep = sample_episodes(mdp, probs, rng, terminal=np.flatnonzero(is_term),
                             max_steps=max_steps)
        thetas[:, e], baselines[:, e] = theta, w
        returns[:, e] = ep.returns(mdp.gamma)
        upd = episode_updates(policy, theta, ep, mdp.gamma, alpha_w, w)
        theta += alpha * upd.directions
        w = upd.baseline
    return EpisodicRun(returns, thetas, baselines)
