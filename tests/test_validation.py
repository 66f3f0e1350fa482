"""Bad input raises ValueError naming the argument (validation at the boundary)."""

import numpy as np
import pytest

import pgtools as pg

S, A, H = 2, 2, 3
P_OK = np.full((S, A, S), 0.5)
R_OK = np.zeros((S, A))
MU_OK = np.array([1.0, 0.0])


def mdp():
    return pg.FiniteMDP(P_OK, R_OK, MU_OK, H)


def P_with(idx, row):
    P = P_OK.copy()
    P[idx] = row
    return P


def traj(states=None, actions=None):
    s = np.zeros((4, H), int) if states is None else states
    a = np.zeros((4, H), int) if actions is None else actions
    return pg.Trajectories(s, a, np.zeros(s.shape))


TAB = pg.TabularSoftmax(S, A)
TH = np.zeros((S, A))

CASES = {
    "P row sum": (lambda: pg.FiniteMDP(P_with((1, 0), [0.5, 0.4]), R_OK, MU_OK, H),
                  r"P\[1, 0\] sums to 0.9"),
    "P negative": (lambda: pg.FiniteMDP(P_with((0, 1), [1.2, -0.2]), R_OK, MU_OK, H),
                   r"P\[0, 1, 1\] = -0.2 is negative"),
    "P NaN": (lambda: pg.FiniteMDP(P_with((0, 0), [np.nan, 0.5]), R_OK, MU_OK, H), "P must be finite"),
    "P shape": (lambda: pg.FiniteMDP(np.full((2, 2, 3), 1 / 3), R_OK, MU_OK, H), "P must have shape"),
    "P not numeric": (lambda: pg.FiniteMDP("abc", R_OK, MU_OK, H), "P must be"),
    "r shape": (lambda: pg.FiniteMDP(P_OK, np.zeros((2, 3)), MU_OK, H), "r must have shape"),
    "r inf": (lambda: pg.FiniteMDP(P_OK, [[0, np.inf], [0, 0]], MU_OK, H), "r must be finite"),
    "mu0 sum": (lambda: pg.FiniteMDP(P_OK, R_OK, [0.5, 0.4], H), "mu0 sums to 0.9"),
    "mu0 shape": (lambda: pg.FiniteMDP(P_OK, R_OK, [1.0], H), "mu0 must have shape"),
    "mu0 NaN": (lambda: pg.FiniteMDP(P_OK, R_OK, [np.nan, 1.0], H), "mu0 must be finite"),
    "horizon 0": (lambda: pg.FiniteMDP(P_OK, R_OK, MU_OK, 0), "horizon must be an integer >= 1"),
    "horizon float": (lambda: pg.FiniteMDP(P_OK, R_OK, MU_OK, 2.5), "horizon must be an integer"),
    "horizon str": (lambda: pg.FiniteMDP(P_OK, R_OK, MU_OK, "3"), "horizon must be an integer"),
    "gamma > 1": (lambda: pg.FiniteMDP(P_OK, R_OK, MU_OK, H, 1.5), r"gamma must be .* \[0, 1\]"),
    "gamma < 0": (lambda: pg.FiniteMDP(P_OK, R_OK, MU_OK, H, -0.1), "gamma must be"),
    "gamma NaN": (lambda: pg.FiniteMDP(P_OK, R_OK, MU_OK, H, np.nan), "gamma must be"),
    "replace unknown": (lambda: mdp().replace(foo=1), "unknown field"),
    "replace bad": (lambda: mdp().replace(horizon=-1), "horizon"),
    "features NaN": (lambda: pg.LinearSoftmax(np.full((2, 2, 2), np.nan)), "features must be finite"),
    "features ndim": (lambda: pg.LinearSoftmax(np.ones((2, 2))), "features must be 3-dimensional"),
    "neural features inf": (lambda: pg.NeuralSoftmax(np.full((2, 2, 2), np.inf)), "features"),
    "neural hidden": (lambda: pg.NeuralSoftmax(np.ones((2, 2, 2)), hidden=(0,)), "hidden"),
    "n_states": (lambda: pg.TabularSoftmax(0, 2), "n_states"),
    "theta shape": (lambda: TAB.probs(np.zeros(4)), r"theta must have shape \(2, 2\)"),
    "theta NaN": (lambda: TAB.probs([[0, np.nan], [0, 0]]), "theta must be finite"),
    "theta str": (lambda: TAB.probs("x"), "theta must be"),
    "state out of range": (lambda: TAB.score(TH, [0, 2], [0, 0]), r"states entries must lie in \[0, 2\)"),
    "action out of range": (lambda: TAB.log_prob(TH, [0], [-1]), "actions entries"),
    "state non-integer": (lambda: TAB.log_prob(TH, [0.5], [0]), "states must contain integers"),
    "state/action shapes": (lambda: TAB.score(TH, [0, 1], [0]), "same shape"),
    "w shape": (lambda: TAB.weighted_score_sum(TH, np.ones(3)), "w must have shape"),
    "n zero": (lambda: pg.sample_trajectories(mdp(), TAB, TH, 0, 0), "n must be an integer >= 1"),
    "rng bad": (lambda: pg.sample_trajectories(mdp(), TAB, TH, 5, "seed"), "rng must be"),
    "rng legacy": (lambda: pg.sample_trajectories(mdp(), TAB, TH, 5, np.random.RandomState(0)),
                   "rng must be a numpy.random.Generator"),
    "mdp type": (lambda: pg.exact_objective("mdp", TAB, TH), "mdp must be a pgtools.FiniteMDP"),
    "policy type": (lambda: pg.exact_gradient(mdp(), object(), TH), "policy must be"),
    "policy size": (lambda: pg.exact_objective(mdp(), pg.TabularSoftmax(3, 2), np.zeros((3, 2))),
                    "policy is for 3 states"),
    "kind": (lambda: pg.reinforce_gradient(TAB, TH, traj(), kind="advantage"), "kind must be one of"),
    "baseline str": (lambda: pg.reinforce_gradient(TAB, TH, traj(), baseline="value"),
                     "baseline must be None, a number"),
    "baseline shape": (lambda: pg.reinforce_gradient(TAB, TH, traj(), baseline=np.zeros(H + 1)),
                       "baseline must be .* got an array of shape"),
    "baseline NaN": (lambda: pg.reinforce_gradient(TAB, TH, traj(), baseline=np.full(H, np.nan)),
                     "baseline must be finite"),
    "baseline nan scalar": (lambda: pg.reinforce_gradient(TAB, TH, traj(), baseline=np.nan),
                            "baseline must be finite"),
    "estimator gamma": (lambda: pg.reinforce_gradient(TAB, TH, traj(), gamma=2), "gamma must be"),
    "estimator theta": (lambda: pg.reinforce_gradient(TAB, np.zeros(3), traj()), "theta must have"),
    "trajectories type": (lambda: pg.reinforce_gradient(TAB, TH, "tau"), "trajectories must be"),
    "trajectory state range": (lambda: pg.reinforce_gradient(TAB, TH, traj(np.full((4, H), 5))),
                               r"trajectories.states entries must lie in \[0, 2\)"),
    "trajectory shapes": (lambda: pg.Trajectories(np.zeros((2, 3), int), np.zeros((2, 2), int),
                                                  np.zeros((2, 3))), "same shape"),
    "trajectory rewards NaN": (lambda: traj().__class__(np.zeros((1, 1), int), np.zeros((1, 1), int),
                                                        [[np.nan]]), "rewards must be finite"),
    "behaviour theta": (lambda: pg.importance_weighted_objective(TAB, TH, np.ones(3), traj()),
                        "behaviour_theta must have shape"),
    "loglik horizon": (lambda: pg.trajectory_log_likelihood(mdp(), TAB, TH, traj(
        np.zeros((4, 2), int), np.zeros((4, 2), int))), "expected horizon 3"),
    "fd eps": (lambda: pg.finite_difference_gradient(np.sum, np.zeros(2), eps=0), "eps must be"),
    "ascent step": (lambda: pg.gradient_ascent(lambda t: t, np.zeros(2), 3, "big"), "step_size"),
    "ascent steps": (lambda: pg.gradient_ascent(lambda t: t, np.zeros(2), -1, 0.1), "steps"),
    "random_mdp rewards": (lambda: pg.random_mdp(2, 2, 2, 0, rewards="cauchy"), "rewards must be"),
    "gridworld goal": (lambda: pg.gridworld(goal=(9, 9)), "goal must be a cell"),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input_raises_value_error(case):
    fn, pattern = CASES[case]
    with pytest.raises(ValueError, match=pattern):
        fn()


def test_row_tolerance_is_1e_8():
    pg.FiniteMDP(P_with((0, 0), [0.5 + 5e-9, 0.5]), R_OK, MU_OK, H)  # accepted
    with pytest.raises(ValueError, match="within 1e-08"):
        pg.FiniteMDP(P_with((0, 0), [0.5 + 5e-8, 0.5]), R_OK, MU_OK, H)
