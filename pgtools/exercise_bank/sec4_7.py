"""Exercises of §4.7, performance difference and KL (book/4_7_performance_difference.ipynb)."""

import numpy as np

from . import choice, code, numeric


def _policy_kl(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    return (p * (np.log(p) - np.log(q))).sum(axis=-1)


def _reversed(p, q):
    return _policy_kl(q, p)


def _unweighted(p, q):
    return (np.log(np.asarray(p, float)) - np.log(np.asarray(q, float))).sum(axis=-1)


def _kl_cases(rng):
    S, A = int(rng.integers(1, 5)), int(rng.integers(2, 5))
    return rng.dirichlet(np.ones(A), size=S), rng.dirichlet(np.ones(A), size=S)


_P, _Q = np.array([0.8, 0.2]), np.array([0.5, 0.5])
_KL = float(_policy_kl(_P, _Q))

EXERCISES = (
    numeric(
        "4.7/policy-kl", "ex-4-7-1", "KL divergence of the two action distributions",
        round(_KL, 4), decimals=4,
        close=[(round(float(_policy_kl(_Q, _P)), 4),
                (r"That is $\mathrm{KL}(\pi'\,\|\,\pi)$: the expectation is under the first "
                r"argument, $\pi$.")),
               (round(3 * _KL, 4), "That is the KL of the three-step trajectories.")],
        hints=[(r"$\mathrm{KL}(\pi\,\|\,\pi') = \sum_a \pi(a)\log(\pi(a)/\pi'(a))$, natural "
               "logarithm."),
               r"Two terms: $0.8\log(0.8/0.5)$ and $0.2\log(0.2/0.5)$."]),
    numeric(
        "4.7/trajectory-kl", "ex-4-7-2", "KL divergence of the trajectory distributions",
        round(3 * _KL, 4), decimals=4,
        close=[(round(_KL, 4), r"That is one step's KL; the trajectory KL adds up $H$ of them."),
               (round(float(3 * _policy_kl(_Q, _P)), 4),
                "The direction is reversed: the expectation is under the first policy.")],
        hints=[("The transition probabilities cancel in the log-ratio of the two trajectory "
               "likelihoods."),
               r"With one state, $D(s) = H = 3$ visits."]),
    choice(
        "4.7/pdl-statements", "ex-4-7-3", "True statements about the lemma and the KL",
        6, [0, 3, 5],
        explanations=[
            None,
            "With the roles swapped the lemma gives the difference with a minus sign.",
            ("That is the surrogate: it uses the old policy's states, and agrees with the "
             "difference only to first order."),
            None,
            "The KL is not symmetric.",
            None],
        hints=["Write the lemma for the pair (new, old) and for (old, new).",
               "Which distribution are the states drawn from in each expression?"]),
    code(
        "4.7/policy-kl-function", "ex-4-7-4", "Your policy_kl function",
        _policy_kl, name="policy_kl", cases=_kl_cases,
        close=[(_reversed, (r"Right form, but the direction is reversed: weight by $p$, "
                           r"the first argument.")),
               (_unweighted, r"The log-ratio must be weighted by $p(a)$.")],
        hints=["Work with whole rows: `p * (np.log(p) - np.log(q))`.",
               "Sum over the last axis."]),
)
