"""Mutants of §4.3 (REINFORCE, importance sampling, causality, discounting), caught by
``book/4_3_reinforce.ipynb``.

Each factory receives the original function and returns a plausible bug of the same signature.
"""

import numpy as np

from mutants.registry import mutant

NB = ("4_3_reinforce", "4_3b_causality", "4_3c_reading_the_update",)


# ------------------------------------------------------------------ R4: importance sampling
@mutant("is-weights-inverted", target="pgtools.estimators:importance_weighted_objective",
        result="R4: w = rho_theta / rho (mutant: rho / rho_theta, ratio inverted)", expect=NB)
def _(orig):
    def importance_weighted_objective(policy, theta, behaviour_theta, trajectories, gamma=1.0,
                                      behaviour_policy=None, self_normalised=False):
        return orig(policy, behaviour_theta, theta, trajectories, gamma, behaviour_policy,
                    self_normalised)

    return importance_weighted_objective


@mutant("is-weights-last-step-only", target="pgtools.estimators:importance_weighted_objective",
        result="R4: w = prod_t pi/pi_b (mutant: the ratio of the last step only)", expect=NB)
def _(orig):
    def importance_weighted_objective(policy, theta, behaviour_theta, trajectories, gamma=1.0,
                                      behaviour_policy=None, self_normalised=False):
        res = orig(policy, theta, behaviour_theta, trajectories, gamma, behaviour_policy,
                   self_normalised)
        bpol = policy if behaviour_policy is None else behaviour_policy
        s, a = trajectories.states[:, -1], trajectories.actions[:, -1]
        w = np.exp(policy.log_probs(theta)[s, a] - bpol.log_probs(behaviour_theta)[s, a])
        R = trajectories.returns(gamma)
        est = float(w @ R / w.sum()) if self_normalised else float(np.mean(w * R))
        return type(res)(est, float(w.sum() ** 2 / (w ** 2).sum()), w)

    return importance_weighted_objective


@mutant("is-gradient-unweighted", target="pgtools.estimators:importance_weighted_gradient",
        result="R4: grad J = E_rho[w grad log rho_theta R] (mutant: weights w dropped)",
        expect=NB)
def _(orig):
    def importance_weighted_gradient(policy, theta, behaviour_theta, trajectories, gamma=1.0,
                                     behaviour_policy=None, self_normalised=False):
        import pgtools as pg

        return pg.reinforce_gradient(policy, theta, trajectories, "return", gamma=gamma)

    return importance_weighted_gradient


# ------------------------------------------------------------------ R5: score-function form
@mutant("reinforce-return-drop-last-score", target="pgtools.estimators:reinforce_gradient",
        result="R5: sum_{t<H} grad log pi(a_t|s_t) R(tau) (mutant: off-by-one, t < H-1)",
        expect=NB)
def _(orig):
    def reinforce_gradient(policy, theta, trajectories, kind="return", baseline=None, gamma=1.0,
                           per_trajectory=False, Q=None, **kwargs):
        if (kwargs or kind != "return" or baseline is not None
                or np.ndim(theta) != len(policy.theta_shape)):
            return orig(policy, theta, trajectories, kind, baseline, gamma, per_trajectory, Q,
                        **kwargs)
        import pgtools as pg

        coef = np.repeat(trajectories.returns(gamma)[:, None], trajectories.horizon, axis=1)
        coef[:, -1] = 0.0
        return pg.score_weighted_sum(policy, theta, trajectories, coef, per_trajectory)

    return reinforce_gradient


@mutant("score_weighted_sum-mean-over-t", target="pgtools.estimators:score_weighted_sum",
        result="pgtools.score_weighted_sum: sum_t c_t grad log pi (mutant: mean over t)",
        expect=NB)
def _(orig):
    def score_weighted_sum(policy, theta, trajectories, coef, per_trajectory=False):
        return orig(policy, theta, trajectories, coef, per_trajectory) / trajectories.horizon

    return score_weighted_sum


# ------------------------------------------------------------------ R6: the dynamics drop out
def _log_kernel_terms(mdp, trajectories):
    s, a = trajectories.states, trajectories.actions
    with np.errstate(divide="ignore"):
        return np.log(mdp.P[s[:, :-1], a[:, :-1], s[:, 1:]]).sum(axis=1)


@mutant("loglik-dynamics-depend-on-theta", target="pgtools.exact:trajectory_log_likelihood",
        result="R6: log rho has log P(s'|s,a) (mutant: log of the policy-averaged kernel "
               "sum_a pi(a|s) P(s'|s,a), which depends on theta)", expect=NB)
def _(orig):
    def trajectory_log_likelihood(mdp, policy, theta, trajectories):
        out = orig(mdp, policy, theta, trajectories)
        Ppi = np.einsum("sa,sat->st", policy.probs(theta), mdp.P)
        s = trajectories.states
        with np.errstate(divide="ignore"):
            avg = np.log(Ppi[s[:, :-1], s[:, 1:]]).sum(axis=1)
        return out - _log_kernel_terms(mdp, trajectories) + avg

    return trajectory_log_likelihood


@mutant("loglik-dynamics-dropped", target="pgtools.exact:trajectory_log_likelihood",
        result="R2/R6: log rho = log mu0 + sum log pi + sum log P (mutant: log P dropped)",
        expect=NB)
def _(orig):
    def trajectory_log_likelihood(mdp, policy, theta, trajectories):
        return orig(mdp, policy, theta, trajectories) - _log_kernel_terms(mdp, trajectories)

    return trajectory_log_likelihood


# ------------------------------------------------------------------ R7: causality, Q form
@mutant("reinforce-q-uses-V", target="pgtools.estimators:reinforce_gradient",
        result="R7: Q form weights Q_t(s_t, a_t) (mutant: V_t(s_t) = E_pi Q_t in its place)",
        expect=NB)
def _(orig):
    def reinforce_gradient(policy, theta, trajectories, kind="return", baseline=None, gamma=1.0,
                           per_trajectory=False, Q=None, **kwargs):
        if kind == "q" and Q is not None:
            Q = np.asarray(Q, dtype=float)
            V = (policy.probs(theta)[None] * Q).sum(axis=2)
            Q = np.broadcast_to(V[:, :, None], Q.shape)
        return orig(policy, theta, trajectories, kind, baseline, gamma, per_trajectory, Q,
                    **kwargs)

    return reinforce_gradient


@mutant("reward_to_go-discount-from-0", target="pgtools.sampling:reward_to_go",
        result="R7/R8: G_t = sum_{t'>=t} gamma^(t'-t) r_t' (mutant: gamma^t', discounted "
               "from 0)", expect=NB)
def _(orig):
    def reward_to_go(rewards, gamma=1.0):
        G = orig(rewards, gamma)
        return G * float(gamma) ** np.arange(G.shape[1])

    return reward_to_go


@mutant("sample_from_enumeration-uniform", target="pgtools.sampling:sample_from_enumeration",
        result="pgtools.sample_from_enumeration: draw tau_k w.p. probs[k] (mutant: uniformly "
               "over the support)", expect=NB)
def _(orig):
    def sample_from_enumeration(trajectories, probs, n, rng):
        p = (np.asarray(probs, dtype=float) > 0).astype(float)
        return orig(trajectories, p / p.sum(), n, rng)

    return sample_from_enumeration


@mutant("mean_and_se-over-n", target="pgtools.estimators:mean_and_se",
        result="pgtools.mean_and_se: SE = s / sqrt(n) (mutant: s / n)", expect=NB)
def _(orig):
    def mean_and_se(samples):
        m, se = orig(samples)
        return m, se / np.sqrt(np.shape(samples)[0])

    return mean_and_se


# ------------------------------------------------------------------ R8: discounting
@mutant("exact_gradient-gamma", target="pgtools.exact:exact_gradient",
        result="R8: discounted PG theorem weights gamma^t (mutant: (gamma + 0.05)^t)",
        expect=NB)
def _(orig):
    def exact_gradient(mdp, policy, theta):
        return orig(mdp.replace(gamma=min(1.0, mdp.gamma + 0.05)), policy, theta)

    return exact_gradient


@mutant("tabular-score-uncentred", target="pgtools.policies:TabularSoftmax.score",
        result="R6: score e_{s,a} - pi(.|s) e_s (mutant: the pi(.|s) e_s term dropped)",
        expect=NB)
def _(orig):
    def score(self, theta, states, actions):
        s, a = np.asarray(states), np.asarray(actions)
        return self.logit_gradients(theta)[s, a]

    return score
