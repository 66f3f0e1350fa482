"""The exercise bank of §4.7-§4.9: every answer recomputed with pgtools, and the three notebooks
checked for the exercise rhythm and for answers in sight (with the helpers of
tests/test_exercise_bank.py, pointed at these notebooks)."""

from __future__ import annotations

import numpy as np
import pytest
import test_exercise_bank as teb

import pgtools as pg
from pgtools import exercise_bank as bank
from pgtools.bandits import softmax_bandit_ascent

NOTEBOOKS = {
    "4.7": ("book/4_7_performance_difference.ipynb", "book/4_7b_kl_divergence.ipynb"),
    "4.8": ("book/4_8_natural_gradient.ipynb", "book/4_8b_convergence.ipynb",
            "book/4_8c_discounted.ipynb"),
    "4.9": ("book/4_9_trpo_ppo.ipynb", "book/4_9b_ppo.ipynb", "book/4_9c_ppo_cartpole.ipynb"),
}


def one_state(n_actions, rewards=None, horizon=1):
    r = np.zeros((1, n_actions)) if rewards is None else np.asarray(rewards, float)[None]
    return pg.FiniteMDP(np.ones((1, n_actions, 1)), r, [1.0], horizon)


# =================================================================== §4.7
def test_4_7_policy_and_trajectory_kl():
    tab = pg.TabularSoftmax(1, 2)
    p, q = np.log([[0.8, 0.2]]), np.log([[0.5, 0.5]])
    teb.assert_key("4.7/policy-kl", pg.trajectory_kl(one_state(2), tab, p, q))
    teb.assert_near_miss("4.7/policy-kl", pg.trajectory_kl(one_state(2), tab, q, p), "first")
    three = pg.trajectory_kl(one_state(2, horizon=3), tab, p, q)
    teb.assert_key("4.7/trajectory-kl", three)
    teb.assert_near_miss("4.7/trajectory-kl", pg.trajectory_kl(one_state(2), tab, p, q),
                         "one step")


def test_4_7_pdl_statements():
    mdp = pg.random_mdp(3, 2, 4, seed=11, gamma=0.9, rewards="normal")
    pol = pg.TabularSoftmax(3, 2)
    rng = np.random.default_rng(1)
    old = rng.normal(size=(3, 2))
    new = old + rng.normal(size=(3, 2))
    diff = pg.exact_objective(mdp, pol, new) - pg.exact_objective(mdp, pol, old)
    other = pg.random_mdp(3, 2, 4, seed=12, gamma=0.9, rewards="normal")
    en = pg.enumerate_trajectories(other, pol, old)
    ratio_full = (pg.trajectory_log_likelihood(other, pol, old, en.trajectories)
                  - pg.trajectory_log_likelihood(other, pol, new, en.trajectories))
    ratio_pol = (pol.log_probs(old) - pol.log_probs(new))[en.trajectories.states,
                                                          en.trajectories.actions].sum(1)
    x0, h = old.ravel(), 1e-4

    def kl(v):
        return pg.trajectory_kl(mdp, pol, old, v.reshape(3, 2))

    E = np.eye(6) * h
    hess = np.array([[kl(x0 + a + b) - kl(x0 + a - b) - kl(x0 - a + b) + kl(x0 - a - b)
                      for b in E] for a in E]) / (4 * h * h)
    truth = [
        abs(pg.performance_difference(mdp, pol, new, old) - diff) < 1e-12,
        abs(pg.performance_difference(mdp, pol, old, new) - diff) < 1e-12,
        abs(pg.surrogate_objective(mdp, pol, new, old, "trpo") - diff) < 1e-12,
        np.allclose(ratio_full, ratio_pol),
        abs(pg.trajectory_kl(mdp, pol, old, new) - pg.trajectory_kl(mdp, pol, new, old))
        < 1e-12,
        np.allclose(pg.fisher_matrix(mdp, pol, old), hess, atol=1e-6)]
    teb.assert_choice("4.7/pdl-statements", truth)


# =================================================================== §4.8
def test_4_8_vanilla_two_steps():
    mdp = one_state(2, [100.0, 1.0])
    pol = pg.LinearSoftmax(np.array([[[1.0], [0.0]]]))
    th = np.zeros(1)
    for _ in range(2):
        th = th + 0.01 * pg.exact_gradient(mdp, pol, th)
    teb.assert_key("4.8/vanilla-two-steps", th[0])
    teb.assert_near_miss("4.8/vanilla-two-steps",
                         0.01 * pg.exact_gradient(mdp, pol, np.zeros(1))[0], "one step")
    nat = 2 * 0.01 * pg.natural_gradient(mdp, pol, np.zeros(1))[0]
    teb.assert_near_miss("4.8/vanilla-two-steps", nat, "natural")


def test_4_8_rate_constant():
    r = np.array([1.0, 0.7, 0.4, 0.2])
    run = softmax_bandit_ascent(r, 0.5, 40_000)
    value = 40_000 * run.gaps[-1]
    assert abs(value - 1.5) < 0.01
    teb.assert_key("4.8/rate-constant", round(value, 2))


def test_4_8_invariance():
    mdp = pg.random_mdp(3, 2, 4, seed=2, rewards="normal", gamma=0.9)
    tab = pg.TabularSoftmax(3, 2)
    theta = np.random.default_rng(0).normal(size=(3, 2))
    B = np.random.default_rng(3).normal(size=(6, 6)) + 3 * np.eye(6)
    lin = pg.LinearSoftmax(B.reshape(3, 2, 6))
    w = np.linalg.solve(B, theta.ravel())
    g, x = pg.exact_gradient(mdp, tab, theta), pg.natural_gradient(mdp, tab, theta)
    gw, xw = pg.exact_gradient(mdp, lin, w), pg.natural_gradient(mdp, lin, w)

    def same(a, b):
        return np.allclose(a, b, atol=1e-9)

    truth = [same(lin.probs(w + 0.5 * xw), tab.probs(theta + 0.5 * x)),
             same(B @ xw, x.ravel()),
             same(lin.probs(w + 0.5 * gw), tab.probs(theta + 0.5 * g)),
             same(gw @ xw, np.sum(g * x)),
             same(np.linalg.norm(gw), np.linalg.norm(g))]
    teb.assert_choice("4.8/invariance", truth)


# =================================================================== §4.9
def _single_steps(actions, advantages):
    s = np.zeros((len(actions), 1), dtype=int)
    a = np.asarray(actions)[:, None]
    return pg.Trajectories(s, a, np.zeros(s.shape)), np.asarray(advantages, float)[:, None]


def test_4_9_clipped_terms():
    tab = pg.TabularSoftmax(1, 2)
    old, new = np.log([[0.5, 0.5]]), np.log([[0.75, 0.25]])      # ratios 1.5 and 0.5
    tr, adv = _single_steps([0, 1], [2.0, -1.0])
    terms = pg.sampled_surrogate_objective(tab, new, old, tr, adv, "ppo-clip", clip=0.2,
                                           per_trajectory=True)
    teb.assert_key("4.9/clipped-terms", terms)


def test_4_9_clip_gradient():
    tab = pg.TabularSoftmax(1, 2)
    old = np.log([[0.5, 0.5]])
    truth = []
    for lam, A in ((1.3, 1.0), (1.3, -1.0), (0.7, 1.0), (0.7, -1.0), (1.0, 1.0), (1.1, -1.0)):
        new = np.log([[0.5 * lam, 1 - 0.5 * lam]])
        tr, adv = _single_steps([0], [A])
        g = pg.sampled_surrogate_gradient(tab, new, old, tr, adv, "ppo-clip", clip=0.2)
        truth.append(bool(np.allclose(g, 0.0)))
    teb.assert_choice("4.9/clip-gradient", truth)


def test_4_9_trpo_step():
    g, x = np.array([0.08, 0.0]), np.array([1.0, 0.0])       # g . F^+ g = 0.08
    teb.assert_key("4.9/trpo-step", pg.natural_step_size(g, x, 0.01))
    teb.assert_near_miss("4.9/trpo-step", pg.natural_step_size(g, x, 0.005), "factor 2")


# =================================================================== the notebooks
@pytest.fixture
def notebooks(monkeypatch):
    monkeypatch.setattr(teb, "NOTEBOOKS", dict(teb.NOTEBOOKS, **NOTEBOOKS))


@pytest.mark.parametrize("section", sorted(NOTEBOOKS))
def test_notebook_shows_each_exercise_once_in_rhythm(section, notebooks):
    assert [i for _, i in teb._shown(section)] == [e.id for e in bank.section(section)]
    for entry in bank.section(section):
        teb._check_rhythm(entry)
    teb._check_no_answer_in_sight(section)
