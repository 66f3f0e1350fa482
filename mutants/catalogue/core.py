"""Mutants of the core formulas of pgtools that every section relies on (lead's catalogue).

Each factory receives the original function and returns a plausible bug of the same signature.
"""

import numpy as np

from mutants.registry import mutant


@mutant("reward_to_go-offbyone", target="pgtools.sampling:reward_to_go",
        result="R7: reward-to-go G_t sums t' >= t (mutant: t' > t)",
        expect=("4_3_reinforce", "4_3b_causality", "4_3c_reading_the_update",))
def _(orig):
    def reward_to_go(rewards, gamma=1.0):
        return orig(rewards, gamma) - np.asarray(rewards, dtype=float)

    return reward_to_go


@mutant("returns-discount-from-1", target="pgtools.sampling:Trajectories.returns",
        result="R1/R8: return sum_t gamma^t r_t (mutant: gamma^(t+1))",
        expect=("4_2_gradient_ascent", "4_2b_sga_rate",))
def _(orig):
    def returns(self, gamma=1.0):
        return orig(self, gamma) * gamma

    return returns


@mutant("returns-drop-last-reward", target="pgtools.sampling:Trajectories.returns",
        result="R1: R(tau) sums all H rewards (mutant: off-by-one horizon, H-1)",
        expect=("4_2_gradient_ascent", "4_2b_sga_rate",))
def _(orig):
    def returns(self, gamma=1.0):
        H = self.horizon
        return orig(self, gamma) - gamma ** (H - 1) * self.rewards[:, -1]

    return returns


@mutant("value_tables-uniform-advantage", target="pgtools.exact:value_tables",
        result="R10: A_t = Q_t - V_t with V_t = E_pi Q_t (mutant: uniform mean of Q_t)",
        expect=("4_4_baselines", "4_4b_advantages", "4_4c_short_corridor",))
def _(orig):
    def value_tables(mdp, policy, theta):
        vt = orig(mdp, policy, theta)
        Vu = vt.Q.mean(axis=2)
        return vt._replace(V=Vu, A=vt.Q - Vu[:, :, None])

    return value_tables


@mutant("marginals-offbyone", target="pgtools.exact:state_action_marginals",
        result="R7/R9: d_t(s, a) = P(s_t = s, a_t = a) (mutant: d_{t+1} shifted to t)",
        expect=("4_3_reinforce", "4_3b_causality", "4_3c_reading_the_update", "4_4_baselines", "4_4b_advantages", "4_4c_short_corridor"))
def _(orig):
    def state_action_marginals(mdp, policy, theta):
        d = orig(mdp, policy, theta)
        return np.concatenate([d[1:], d[-1:]], axis=0)

    return state_action_marginals


@mutant("enumeration-sharpened", target="pgtools.exact:enumerate_trajectories",
        result="R2: rho_theta(tau) of every trajectory (mutant: rho^1.1, renormalised)",
        expect=("4_2_gradient_ascent", "4_2b_sga_rate",))
def _(orig):
    def enumerate_trajectories(mdp, policy, theta):
        e = orig(mdp, policy, theta)
        p = e.probs ** 1.1
        return type(e)(e.trajectories, p / p.sum())

    return enumerate_trajectories


@mutant("fd-missing-half", target="pgtools.estimators:finite_difference_gradient",
        result="central differences (f(x+e) - f(x-e)) / 2e (mutant: / e)",
        expect=("4_3_reinforce", "4_3b_causality", "4_3c_reading_the_update", "4_5_parameterisations", "4_5b_dropping_the_mean", "4_5c_three_policies"))
def _(orig):
    def finite_difference_gradient(f, theta, eps=1e-6):
        return 2.0 * orig(f, theta, eps)

    return finite_difference_gradient


@mutant("gradient_ascent-descends", target="pgtools.optim:gradient_ascent",
        result="R3: ascent theta + eta g (mutant: descent theta - eta g)",
        expect=("4_1_motivation", "4_6_case_studies", "4_6b_cartpole"))
def _(orig):
    def gradient_ascent(grad_fn, theta0, steps, step_size, objective=None):
        return orig(lambda th: -np.asarray(grad_fn(th)), theta0, steps, step_size, objective)

    return gradient_ascent


@mutant("tabular-probs-temperature", target="pgtools.policies:TabularSoftmax._logits",
        result="R11: pi(a|s) = softmax_a theta[s, a] (mutant: softmax of 2 theta)",
        expect=("4_2_gradient_ascent", "4_2b_sga_rate", "4_5_parameterisations", "4_5b_dropping_the_mean", "4_5c_three_policies"))
def _(orig):
    def _logits(self, theta):
        return 2.0 * orig(self, theta)

    return _logits


@mutant("weighted_score_sum-uncentred", target="pgtools.policies:SoftmaxPolicy.weighted_score_sum",
        result="R11/R12: score grad f - E_pi grad f (mutant: centring dropped in the aggregate)",
        expect=("4_3_reinforce", "4_3b_causality", "4_3c_reading_the_update", "4_5_parameterisations", "4_5b_dropping_the_mean", "4_5c_three_policies"))
def _(orig):
    def weighted_score_sum(self, theta, w):
        theta, w = np.asarray(theta, dtype=float), np.asarray(w, dtype=float)
        if theta.ndim == len(self.theta_shape) + 1:
            return self._logits_vjp_batch(theta, w)
        return self._logits_vjp(theta, w)

    return weighted_score_sum


@mutant("reinforce-baseline-sign", target="pgtools.estimators:reinforce_gradient",
        result="R9: G_t - b_t(s_t) (mutant: G_t + b_t(s_t))",
        expect=("4_4_baselines", "4_4b_advantages", "4_4c_short_corridor",))
def _(orig):
    def reinforce_gradient(policy, theta, trajectories, kind="return", baseline=None, gamma=1.0,
                           per_trajectory=False, **kwargs):
        if baseline is None or isinstance(baseline, str):
            return orig(policy, theta, trajectories, kind, baseline, gamma, per_trajectory,
                        **kwargs)
        neg = -np.asarray(baseline, dtype=float)
        return orig(policy, theta, trajectories, kind, neg, gamma, per_trajectory, **kwargs)

    return reinforce_gradient


@mutant("reinforce-rtg-no-gamma-t", target="pgtools.estimators:reinforce_gradient",
        result="R8: sum_t gamma^t G_t grad log pi (mutant: the gamma^t weight dropped)",
        expect=("4_3_reinforce", "4_3b_causality", "4_3c_reading_the_update",))
def _(orig):
    def reinforce_gradient(policy, theta, trajectories, kind="return", baseline=None, gamma=1.0,
                           per_trajectory=False, **kwargs):
        if kind != "reward_to_go" or gamma == 1 or baseline is not None or per_trajectory \
                or np.ndim(theta) != len(policy.theta_shape) or kwargs:
            return orig(policy, theta, trajectories, kind, baseline, gamma, per_trajectory,
                        **kwargs)
        S, A = policy.n_states, policy.n_actions
        coef = trajectories.reward_to_go(gamma)
        flat = trajectories.states * A + trajectories.actions
        W = np.bincount(flat.ravel(), weights=coef.ravel(), minlength=S * A).reshape(S, A)
        return policy.weighted_score_sum(theta, W / trajectories.n)

    return reinforce_gradient


@mutant("loglog_slope-semilog", target="pgtools.plotting:loglog_slope",
        result="R3/R5: fitted log-log slope (mutant: log y fitted against x, not log x)",
        expect=("4_2_gradient_ascent", "4_2b_sga_rate",))
def _(orig):
    def loglog_slope(ax, x, y, label=None, **kwargs):
        orig(ax, x, y, label=label, **kwargs)
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        return float(np.polyfit(x, np.log(y), 1)[0])

    return loglog_slope
