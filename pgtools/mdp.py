"""Finite-horizon, finite MDPs (the setting of Eq. (4.1), §4.2)."""

from __future__ import annotations

from . import _validate as v


class FiniteMDP:
    """A finite MDP with horizon ``H``: the objective of Eq. (4.1), §4.2.

    ``J = E[sum_{t<H} gamma**t r(s_t, a_t)]`` with ``s_0 ~ mu0``, ``a_t ~ pi(.|s_t)`` and
    ``s_{t+1} ~ P(.|s_t, a_t)``. ``gamma = 1`` is the chapter's undiscounted case.

    Parameters
    ----------
    P : array_like, shape (S, A, S)
        Transition kernel; ``P[s, a, s']`` = P(s' | s, a). Each row ``P[s, a]`` must be a
        probability distribution (non-negative, sum 1 within 1e-8).
    r : array_like, shape (S, A)
        Deterministic reward r(s, a).
    mu0 : array_like, shape (S,)
        Initial state distribution.
    horizon : int
        Number of steps ``H >= 1``.
    gamma : float, default 1.0
        Discount factor in [0, 1].

    Attributes
    ----------
    P, r, mu0 : numpy.ndarray
        Read-only float64 copies of the inputs.
    horizon : int
    gamma : float
    n_states, n_actions : int

    Notes
    -----
    This core type imports nothing above it. Optimal values are
    :func:`pgtools.optimal_values` ``(mdp)``; a Gymnasium toy-text environment becomes a
    ``FiniteMDP`` with :func:`pgtools.gym.mdp_from_gymnasium` ``(env, horizon, gamma)``.
    """

    def __init__(self, P, r, mu0, horizon, gamma=1.0):
        P = v.finite_array(P, "P", ndim=3)
        S, A, S2 = P.shape
        if S != S2 or S < 1 or A < 1:
            raise ValueError(f"P must have shape (S, A, S) with S, A >= 1; got shape {P.shape}")
        v.distribution_rows(P, "P")
        r = v.finite_array(r, "r", shape=(S, A))
        mu0 = v.finite_array(mu0, "mu0", shape=(S,))
        v.distribution_rows(mu0, "mu0")
        self.horizon = v.positive_int(horizon, "horizon")
        self.gamma = v.discount(gamma)
        for arr in (P, r, mu0):
            arr.flags.writeable = False
        self.P, self.r, self.mu0 = P, r, mu0
        self.n_states, self.n_actions = S, A

    def replace(self, **changes):
        """Return a new validated :class:`FiniteMDP` with some fields changed.

        Parameters
        ----------
        **changes
            Any of ``P``, ``r``, ``mu0``, ``horizon``, ``gamma``.

        Returns
        -------
        FiniteMDP
        """
        fields = {"P": self.P, "r": self.r, "mu0": self.mu0, "horizon": self.horizon,
                  "gamma": self.gamma}
        unknown = set(changes) - set(fields)
        if unknown:
            raise ValueError(
                f"replace() got unknown field(s) {sorted(unknown)}; expected some of {list(fields)}"
            )
        fields.update(changes)
        return FiniteMDP(**fields)

    def __repr__(self):
        return (
            f"FiniteMDP(n_states={self.n_states}, n_actions={self.n_actions}, "
            f"horizon={self.horizon}, gamma={self.gamma})"
        )


def check_mdp(mdp, name="mdp"):
    """Raise ``ValueError`` unless ``mdp`` is a :class:`FiniteMDP`.

    Parameters
    ----------
    mdp : FiniteMDP
    name : str
        Argument name used in the message.

    Returns
    -------
    FiniteMDP
    """
    if not isinstance(mdp, FiniteMDP):
        raise ValueError(f"{name} must be a pgtools.FiniteMDP; got {type(mdp).__name__}")
    return mdp

