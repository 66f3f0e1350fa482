"""Mutants for §4.1, §4.2 and §4.5 and the batched core API (engineer H1's catalogue).

Each factory receives the original callable and returns a plausible bug with the same signature;
the batched ones only misbehave for a leading batch of theta, the path the learning curves use.
"""

import numpy as np

from mutants.registry import mutant


def _batched(policy, theta):
    return np.ndim(theta) == len(policy.theta_shape) + 1


# ----------------------------------------------------------------------- R1: the objective
@mutant("exact_objective-unweighted-backup", target="pgtools.exact:exact_objective",
        result="R1: V_t = sum_a pi(a|s) Q_t(s, a) (mutant: the backup averages Q_t uniformly)",
        expect=("4_2_gradient_ascent", "4_2b_sga_rate", "4_1_motivation"))
def _(orig):
    def exact_objective(mdp, policy, theta):
        return orig(mdp, policy, np.zeros_like(np.asarray(theta, dtype=float)))

    return exact_objective


@mutant("exact_objective-horizon-minus-1", target="pgtools.exact:exact_objective",
        result="R1: J sums the H rewards r_0..r_{H-1} (mutant: off-by-one horizon, H - 1)",
        expect=("4_2_gradient_ascent", "4_2b_sga_rate", "4_1_motivation"))
def _(orig):
    def exact_objective(mdp, policy, theta):
        if mdp.horizon < 2:
            return orig(mdp, policy, theta)
        return orig(mdp.replace(horizon=mdp.horizon - 1), policy, theta)

    return exact_objective


# -------------------------------------------------------------- R2: trajectory likelihood
@mutant("loglik-transposed-P", target="pgtools.exact:trajectory_log_likelihood",
        result="R2: rho uses P(s_{t+1}|s_t, a_t) (mutant: P transposed, P(s_t|s_{t+1}, a_t))",
        expect=("4_2_gradient_ascent", "4_2b_sga_rate",))
def _(orig):
    def trajectory_log_likelihood(mdp, policy, theta, trajectories):
        out = orig(mdp, policy, theta, trajectories)
        s, a = trajectories.states, trajectories.actions
        with np.errstate(divide="ignore"):
            logP = np.log(mdp.P)
        right = logP[s[:, :-1], a[:, :-1], s[:, 1:]].sum(axis=1)
        wrong = logP[s[:, 1:], a[:, :-1], s[:, :-1]].sum(axis=1)
        return out - right + wrong

    return trajectory_log_likelihood


@mutant("loglik-no-mu0", target="pgtools.exact:trajectory_log_likelihood",
        result="R2: rho starts with mu0(s_0) (mutant: the start factor dropped)",
        expect=("4_2_gradient_ascent", "4_2b_sga_rate",))
def _(orig):
    def trajectory_log_likelihood(mdp, policy, theta, trajectories):
        out = orig(mdp, policy, theta, trajectories)
        with np.errstate(divide="ignore"):
            return out - np.log(mdp.mu0)[trajectories.states[:, 0]]

    return trajectory_log_likelihood


# ------------------------------------------------------- R3: the estimator SGA runs call
@mutant("batched-reinforce-x3", target="pgtools.estimators:reinforce_gradient",
        result="R3: SGA needs an unbiased estimate (mutant: batched REINFORCE times 3)",
        expect=("4_2_gradient_ascent", "4_2b_sga_rate",))
def _(orig):
    def reinforce_gradient(policy, theta, trajectories, *args, **kwargs):
        g = orig(policy, theta, trajectories, *args, **kwargs)
        return 3.0 * g if _batched(policy, theta) else g

    return reinforce_gradient


@mutant("batched-reinforce-uncentred", target="pgtools.estimators:reinforce_gradient",
        result="R3/R11: batched REINFORCE uses grad log pi = grad f - E grad f "
               "(mutant: centring dropped, sum_t c_t grad f)",
        expect=("4_2_gradient_ascent", "4_2b_sga_rate",))
def _(orig):
    def reinforce_gradient(policy, theta, trajectories, *args, **kwargs):
        if not _batched(policy, theta):
            return orig(policy, theta, trajectories, *args, **kwargs)

        def uncentred(th, w):
            th, w = np.asarray(th, dtype=float), np.asarray(w, dtype=float)
            return policy._logits_vjp_batch(th, w)

        policy.weighted_score_sum = uncentred  # shadows the method on this instance only
        try:
            return orig(policy, theta, trajectories, *args, **kwargs)
        finally:
            del policy.weighted_score_sum

    return reinforce_gradient


@mutant("batched_ascent-descends", target="pgtools.optim:batched_ascent",
        result="R3: ascent theta + eta g (mutant: batched runs step theta - eta g)",
        expect=("4_1_motivation", "4_2_gradient_ascent", "4_2b_sga_rate"))
def _(orig):
    def batched_ascent(mdp, policy, theta0, steps, step_size, gradient="exact", **kwargs):
        if callable(step_size):
            def neg(t):
                return -np.asarray(step_size(t), dtype=float)
        else:
            neg = -np.asarray(step_size, dtype=float)
        from pgtools import optim

        check = optim._run_etas
        optim._run_etas = lambda eta, K, name="step_size": np.asarray(eta, dtype=float)
        try:
            return orig(mdp, policy, theta0, steps, neg, gradient, **kwargs)
        finally:
            optim._run_etas = check

    return batched_ascent


# ------------------------------------------------------------ R11-R14: parameterisations
@mutant("tabular-probs-whole-table", target="pgtools.policies:TabularSoftmax.probs",
        result="R11: pi(a|s) normalises over a' (mutant: over (s, a'), the chapter's E11 typo)",
        expect=("4_5_parameterisations", "4_5b_dropping_the_mean", "4_5c_three_policies", "4_1_motivation"))
def _(orig):
    def probs(self, theta):
        z = np.asarray(theta, dtype=float)
        axes = (-2, -1)
        e = np.exp(z - z.max(axis=axes, keepdims=True))
        return e / e.sum(axis=axes, keepdims=True)

    return probs


@mutant("linear-score-doubled", target="pgtools.policies:LinearSoftmax.score",
        result="R12: score phi(s,a) - E_pi phi(s,.) (mutant: pgtools' score times 2)",
        expect=("4_5_parameterisations", "4_5b_dropping_the_mean", "4_5c_three_policies",))
def _(orig):
    def score(self, theta, states, actions):
        return 2.0 * orig(self, theta, states, actions)

    return score


@mutant("linear-score-no-Ephi", target="pgtools.policies:LinearSoftmax.score",
        result="R12: score phi(s,a) - E_pi phi(s,.) (mutant: E phi term dropped, phi(s,a))",
        expect=("4_5_parameterisations", "4_5b_dropping_the_mean", "4_5c_three_policies",))
def _(orig):
    def score(self, theta, states, actions):
        orig(self, theta, states, actions)  # same validation
        s, a = np.asarray(states), np.asarray(actions)
        return self.features[s, a].copy()

    return score


@mutant("linear-score_table-no-Ephi", target="pgtools.policies:LinearSoftmax.score_table",
        result="R12: score table phi - E_pi phi (mutant: E phi term dropped)",
        expect=("4_5_parameterisations", "4_5b_dropping_the_mean", "4_5c_three_policies",))
def _(orig):
    def score_table(self, theta):
        out = orig(self, theta)
        return out + np.einsum("...sa,sap->...sp", self.probs(theta), self.features)[..., None, :]

    return score_table


@mutant("advantage-V-next", target="pgtools.exact:value_tables",
        result="R13: A_t = Q_t - V_t has mean 0 under pi, so E phi drops out "
               "(mutant: A_t = Q_t - V_{t+1})",
        expect=("4_5_parameterisations", "4_5b_dropping_the_mean", "4_5c_three_policies",))
def _(orig):
    def value_tables(mdp, policy, theta):
        vt = orig(mdp, policy, theta)
        V_next = np.concatenate([vt.V[1:], np.zeros_like(vt.V[:1])], axis=0)
        return vt._replace(A=vt.Q - V_next[:, :, None])

    return value_tables


@mutant("neural-logit-gradients-last-layer", target="pgtools.policies:NeuralSoftmax._logit_gradients",
        result="R14: grad f by backprop through every layer (mutant: only the output weights)",
        expect=("4_5_parameterisations", "4_5b_dropping_the_mean", "4_5c_three_policies",))
def _(orig):
    def _logit_gradients(self, theta):
        g = orig(self, theta).copy()
        g[..., :-self._shapes[-1][0]] = 0.0
        return g

    return _logit_gradients


# --------------------------------------------------------------- the batched core API
@mutant("tabular-logits-batch-first-only", target="pgtools.policies:TabularSoftmax._logits_batch",
        result="batched probs/log_probs: row k uses theta[k] (mutant: every row uses theta[0])",
        expect=("4_1_motivation", "4_2_gradient_ascent", "4_2b_sga_rate"))
def _(orig):
    def _logits_batch(self, theta):
        out = orig(self, theta)
        return np.broadcast_to(out[:1], out.shape).copy()

    return _logits_batch


@mutant("weighted_score_sum-batch-shifted", target="pgtools.policies:SoftmaxPolicy.weighted_score_sum",
        result="batched weighted_score_sum: w[k] with theta[k] (mutant: with theta[k-1])",
        expect=("4_2_gradient_ascent", "4_2b_sga_rate", "4_5_parameterisations", "4_5b_dropping_the_mean", "4_5c_three_policies"))
def _(orig):
    def weighted_score_sum(self, theta, w):
        theta = np.asarray(theta, dtype=float)
        if theta.ndim == len(self.theta_shape) + 1:
            theta = np.roll(theta, 1, axis=0)
        return orig(self, theta, w)

    return weighted_score_sum


@mutant("exact_objective-batch-uniform-start", target="pgtools.exact:exact_objective",
        result="batched exact_objective: J_k = mu0 . V_0^k (mutant: batch path averages V_0 "
               "uniformly over states)",
        expect=("4_2_gradient_ascent", "4_2b_sga_rate", "4_1_motivation"))
def _(orig):
    def exact_objective(mdp, policy, theta):
        if not _batched(policy, theta):
            return orig(mdp, policy, theta)
        S = mdp.n_states
        return orig(mdp.replace(mu0=np.full(S, 1.0 / S)), policy, theta)

    return exact_objective


@mutant("exact_gradient-batch-horizon-minus-1", target="pgtools.exact:exact_gradient",
        result="batched exact_gradient: sum over t < H (mutant: batch path stops at H - 1)",
        expect=("4_2_gradient_ascent", "4_2b_sga_rate", "4_1_motivation"))
def _(orig):
    def exact_gradient(mdp, policy, theta):
        if not _batched(policy, theta) or mdp.horizon < 2:
            return orig(mdp, policy, theta)
        return orig(mdp.replace(horizon=mdp.horizon - 1), policy, theta)

    return exact_gradient


@mutant("leave_one_out-keeps-own", target="pgtools.estimators:_leave_one_out",
        result="leave-one-out baseline: mean over j != i (mutant: sum over all j / (m - 1))",
        expect=("4_5_parameterisations", "4_5b_dropping_the_mean", "4_5c_three_policies",))
def _(orig):
    def _leave_one_out(x, groups):
        b = orig(x, groups)
        m = x.shape[0] // groups
        return b + x / (m - 1)

    return _leave_one_out
