"""Mutants of §4.7-§4.9 (performance difference, KL, Fisher, natural gradient, TRPO, PPO, rates),
caught by ``book/4_7_performance_difference.ipynb``, ``book/4_8_natural_gradient.ipynb`` and
``book/4_9_trpo_ppo.ipynb``.

Each factory receives the original function and returns a plausible bug of the same signature.
"""

import numpy as np

from mutants.registry import mutant

NB7 = ("4_7_performance_difference", "4_7b_kl_divergence",)
NB8 = ("4_8_natural_gradient", "4_8b_convergence", "4_8c_discounted",)
NB9 = ("4_9_trpo_ppo", "4_9b_ppo", "4_9c_ppo_cartpole",)


# ------------------------------------------------------------------ pgtools.kl
@mutant("trajectory_kl-visits-of-other", target="pgtools.kl:trajectory_kl",
        result="KL(rho || rho') weights states by the visits of rho (mutant: of rho')",
        expect=NB7)
def _(orig):
    def trajectory_kl(mdp, policy, theta, theta_other):
        import pgtools as pg

        other = np.asarray(theta_other, dtype=float)
        if other.shape != tuple(policy.theta_shape):
            return orig(mdp, policy, theta, theta_other)
        D = pg.state_visitation(mdp, policy, other)
        logp, logq = policy.log_probs(theta), policy.log_probs(other)
        return float((np.exp(logp) * (logp - logq)).sum(-1) @ D)

    return trajectory_kl


@mutant("trajectory_kl-first-step-only", target="pgtools.kl:trajectory_kl",
        result="sum over all H steps of E KL(pi(.|s_t)) (mutant: only t = 0, states ~ mu0)",
        expect=NB7)
def _(orig):
    def trajectory_kl(mdp, policy, theta, theta_other):
        return orig(mdp.replace(horizon=1), policy, theta, theta_other)

    return trajectory_kl


@mutant("sampled_trajectory_kl-reversed", target="pgtools.kl:sampled_trajectory_kl",
        result="log-ratio log pi_theta - log pi_theta' (mutant: reversed sign)", expect=NB7)
def _(orig):
    def sampled_trajectory_kl(policy, theta, theta_other, trajectories, per_trajectory=False):
        out = orig(policy, theta, theta_other, trajectories, per_trajectory)
        return -out

    return sampled_trajectory_kl


@mutant("state_visitation-drops-last-step", target="pgtools.kl:state_visitation",
        result="D(s) = sum_{t<H} P(s_t = s) (mutant: t < H - 1, off by one)", expect=NB7)
def _(orig):
    def state_visitation(mdp, policy, theta):
        if mdp.horizon == 1:
            return orig(mdp, policy, theta)
        return orig(mdp.replace(horizon=mdp.horizon - 1), policy, theta)

    return state_visitation


@mutant("gaussian_mixture_kl-entropy-constant", target="pgtools.kl:gaussian_mixture_kl",
        result="KL(p||q) = -1/2 log(2 pi e sigma^2) - E_p log q (mutant: the e dropped)",
        expect=NB7)
def _(orig):
    def gaussian_mixture_kl(mu, sigma, weights, means, sds, direction="p||q"):
        out = orig(mu, sigma, weights, means, sds, direction)
        return out + 0.5 if direction == "p||q" else out

    return gaussian_mixture_kl


@mutant("fit_gaussian-moment-variance", target="pgtools.kl:fit_gaussian",
        result="Var_q x includes the components' variances (mutant: only the spread of means)",
        expect=NB7)
def _(orig):
    def fit_gaussian(weights, means, sds, direction="p||q", start=(0.0, 1.0), tol=1e-10,
                     max_iter=200):
        fit = orig(weights, means, sds, direction, start, tol, max_iter)
        if direction != "q||p":
            return fit
        w, m = np.asarray(weights, float), np.asarray(means, float)
        sigma = float(np.sqrt(w @ m ** 2 - (w @ m) ** 2))
        return type(fit)(fit.mu, sigma, fit.kl, 0)

    return fit_gaussian


# ------------------------------------------------------------------ pgtools.natural
@mutant("fisher_matrix-uniform-actions", target="pgtools.natural:fisher_matrix",
        result="F = sum_s D(s) sum_a pi(a|s) psi psi^T (mutant: actions weighted 1/A)",
        expect=NB7)
def _(orig):
    def fisher_matrix(mdp, policy, theta):
        import pgtools as pg

        D = pg.state_visitation(mdp, policy, theta)
        psi = policy.score_table(theta).reshape(mdp.n_states * mdp.n_actions, -1)
        w = np.repeat(D / mdp.n_actions, mdp.n_actions)
        return (psi * w[:, None]).T @ psi

    return fisher_matrix


@mutant("fisher_vector_product-no-policy-weight",
        target="pgtools.natural:fisher_vector_product",
        result="F u = sum D(s) sum_a pi psi (psi . u) (mutant: pi(a|s) dropped)", expect=NB9)
def _(orig):
    def fisher_vector_product(mdp, policy, theta, vector):
        import pgtools as pg

        D = pg.state_visitation(mdp, policy, theta)
        psi = policy.score_table(theta).reshape(mdp.n_states * mdp.n_actions, -1)
        u = np.asarray(vector, dtype=float)
        w = np.repeat(D, mdp.n_actions)
        return (psi.T @ (w * (psi @ u.ravel()))).reshape(u.shape)

    return fisher_vector_product


@mutant("natural_gradient-always-damped", target="pgtools.natural:natural_gradient",
        result="F^+ grad J (mutant: (F + 0.1 I)^-1 grad J whatever the damping)", expect=NB8)
def _(orig):
    def natural_gradient(mdp, policy, theta, damping=0.0, rcond=1e-10):
        return orig(mdp, policy, theta, damping=max(damping, 0.1), rcond=rcond)

    return natural_gradient


@mutant("natural_step_size-no-factor-2", target="pgtools.natural:natural_step_size",
        result="eta = sqrt(2 delta / g^T F^+ g) (mutant: sqrt(delta / ...))", expect=NB8)
def _(orig):
    def natural_step_size(gradient, direction, delta):
        return orig(gradient, direction, delta) / np.sqrt(2.0)

    return natural_step_size


@mutant("conjugate_gradient-steepest-descent", target="pgtools.natural:conjugate_gradient",
        result="CG directions p = r + beta p (mutant: p = r, steepest descent)", expect=NB9)
def _(orig):
    def conjugate_gradient(matvec, b, iters=10, tol=1e-10):
        b = np.asarray(b, dtype=float)
        x = np.zeros_like(b)
        r = b.copy()
        for _ in range(iters):
            Fr = np.asarray(matvec(r), dtype=float)
            rFr = float(np.sum(r * Fr))
            if rFr <= 0:
                break
            alpha = float(np.sum(r * r)) / rFr
            x = x + alpha * r
            r = r - alpha * Fr
        return x

    return conjugate_gradient


@mutant("sampled_fisher-first-step-score", target="pgtools.natural:sampled_fisher_matrix",
        result="g = grad log rho = sum_t psi_t (mutant: psi_0 only)", expect=NB8)
def _(orig):
    def sampled_fisher_matrix(policy, theta, trajectories):
        first = type(trajectories)(trajectories.states[:, :1], trajectories.actions[:, :1],
                                   trajectories.rewards[:, :1])
        return orig(policy, theta, first)

    return sampled_fisher_matrix


# ------------------------------------------------------------------ pgtools.surrogate
@mutant("performance_difference-old-states", target="pgtools.surrogate:performance_difference",
        result="E over the NEW policy's trajectories (mutant: the old one's, the surrogate)",
        expect=NB7)
def _(orig):
    def performance_difference(mdp, policy, theta_new, theta_old):
        import pgtools as pg

        return pg.surrogate_objective(mdp, policy, theta_new, theta_old, kind="trpo")

    return performance_difference


@mutant("performance_difference-no-discount",
        target="pgtools.surrogate:performance_difference",
        result="sum_t gamma^t A_t (mutant: the gamma^t dropped)", expect=NB7)
def _(orig):
    def performance_difference(mdp, policy, theta_new, theta_old):
        import pgtools as pg

        A = pg.value_tables(mdp, policy, theta_old).A
        d = pg.state_action_marginals(mdp, policy, theta_new)
        return float((d * A).sum())

    return performance_difference


@mutant("surrogate_objective-inverted-ratio", target="pgtools.surrogate:surrogate_objective",
        result="Lambda = pi_theta / pi_old (mutant: pi_old / pi_theta)", expect=NB7)
def _(orig):
    def surrogate_objective(mdp, policy, theta, theta_old, kind="ppo-clip", clip=0.2,
                            kl_coef=0.0):
        if kind != "trpo":
            return orig(mdp, policy, theta, theta_old, kind, clip, kl_coef)
        import pgtools as pg

        A = pg.value_tables(mdp, policy, theta_old).A
        d = pg.state_action_marginals(mdp, policy, theta_old)
        disc = mdp.gamma ** np.arange(mdp.horizon)
        ratio = np.exp(policy.log_probs(theta_old) - policy.log_probs(theta))
        w = (disc[:, None, None] * d * A).sum(axis=0)
        val = (ratio * w).sum(axis=(-2, -1))
        return val if np.ndim(val) else float(val)

    return surrogate_objective


@mutant("surrogate_objective-clip-without-min", target="pgtools.surrogate:surrogate_objective",
        result="min(Lambda A, clip(Lambda) A) (mutant: clip(Lambda) A alone)", expect=NB9)
def _(orig):
    def surrogate_objective(mdp, policy, theta, theta_old, kind="ppo-clip", clip=0.2,
                            kl_coef=0.0):
        if kind != "ppo-clip":
            return orig(mdp, policy, theta, theta_old, kind, clip, kl_coef)
        import pgtools as pg

        A = pg.value_tables(mdp, policy, theta_old).A
        d = pg.state_action_marginals(mdp, policy, theta_old)
        disc = mdp.gamma ** np.arange(mdp.horizon)
        ratio = np.exp(policy.log_probs(theta) - policy.log_probs(theta_old))
        r = np.clip(ratio, 1 - clip, 1 + clip)[..., None, :, :]
        val = (disc[:, None, None] * d * r * A).sum(axis=(-3, -2, -1))
        return val if np.ndim(val) else float(val)

    return surrogate_objective


@mutant("surrogate_gradient-clip-ignored", target="pgtools.surrogate:surrogate_gradient",
        result="clipped terms have zero gradient (mutant: the TRPO gradient for ppo-clip)",
        expect=NB9)
def _(orig):
    def surrogate_gradient(mdp, policy, theta, theta_old, kind="ppo-clip", clip=0.2,
                           kl_coef=0.0):
        if kind == "ppo-clip":
            kind = "trpo"
        return orig(mdp, policy, theta, theta_old, kind, clip, kl_coef)

    return surrogate_gradient


@mutant("surrogate_gradient-kl-sign", target="pgtools.surrogate:surrogate_gradient",
        result="- lambda grad KL (mutant: + lambda grad KL)", expect=NB9)
def _(orig):
    def surrogate_gradient(mdp, policy, theta, theta_old, kind="ppo-clip", clip=0.2,
                           kl_coef=0.0):
        if kind != "ppo-kl":
            return orig(mdp, policy, theta, theta_old, kind, clip, kl_coef)
        plain = orig(mdp, policy, theta, theta_old, "trpo")
        full = orig(mdp, policy, theta, theta_old, kind, clip, kl_coef)
        return plain - (full - plain)

    return surrogate_gradient


@mutant("sampled_surrogate_objective-kl-added",
        target="pgtools.surrogate:sampled_surrogate_objective",
        result="minus kl_coef * log(pi_old / pi_theta) (mutant: plus)", expect=NB9)
def _(orig):
    def sampled_surrogate_objective(policy, theta, theta_old, trajectories, advantages,
                                    kind="ppo-clip", clip=0.2, kl_coef=0.0, gamma=1.0,
                                    per_trajectory=False):
        base = orig(policy, theta, theta_old, trajectories, advantages,
                    "trpo" if kind == "ppo-kl" else kind, clip, 0.0, gamma, per_trajectory)
        if kind != "ppo-kl":
            return base
        full = orig(policy, theta, theta_old, trajectories, advantages, kind, clip, kl_coef,
                    gamma, per_trajectory)
        return base - (full - base)

    return sampled_surrogate_objective


@mutant("sampled_surrogate_gradient-no-mask",
        target="pgtools.surrogate:sampled_surrogate_gradient",
        result="clipped samples contribute nothing (mutant: every sample Lambda A)",
        expect=NB9)
def _(orig):
    def sampled_surrogate_gradient(policy, theta, theta_old, trajectories, advantages,
                                   kind="ppo-clip", clip=0.2, kl_coef=0.0, gamma=1.0,
                                   per_trajectory=False):
        if kind == "ppo-clip":
            kind = "trpo"
        return orig(policy, theta, theta_old, trajectories, advantages, kind, clip, kl_coef,
                    gamma, per_trajectory)

    return sampled_surrogate_gradient


@mutant("trpo_step-no-factor-2", target="pgtools.surrogate:trpo_step",
        result="full step sqrt(2 delta / x^T F x) x (mutant: sqrt(delta / x^T F x) x)",
        expect=NB9)
def _(orig):
    def trpo_step(mdp, policy, theta, delta, cg_iters=10, backtrack=0.5, max_backtracks=20):
        return orig(mdp, policy, theta, delta / 2, cg_iters, backtrack, max_backtracks)

    return trpo_step


@mutant("improvement_bound-alpha-squared", target="pgtools.surrogate:improvement_lower_bound",
        result="alpha = max_s TV (mutant: max_s TV^2, a KL-like quantity)", expect=NB9)
def _(orig):
    def improvement_lower_bound(mdp, policy, theta_new, theta_old):
        b = orig(mdp, policy, theta_new, theta_old)
        a2 = b.alpha ** 2
        t = np.arange(mdp.horizon)
        penalty = 4 * b.epsilon * a2 * float((mdp.gamma ** t * (1 - (1 - a2) ** t)).sum())
        return type(b)(b.surrogate - penalty, b.surrogate, penalty, a2, b.epsilon)

    return improvement_lower_bound


# ------------------------------------------------------------------ pgtools.bandits
@mutant("softmax_bandit_gradient-uncentred", target="pgtools.bandits:softmax_bandit_gradient",
        result="pi * (r - pi.r) (mutant: pi * r, the average reward not subtracted)",
        expect=NB8)
def _(orig):
    def softmax_bandit_gradient(r, theta, tau=0.0, method="pg"):
        g = orig(r, theta, tau, method)
        if method != "pg":
            return g
        th = np.asarray(theta, dtype=float)
        p = np.exp(th - th.max(axis=-1, keepdims=True))
        p = p / p.sum(axis=-1, keepdims=True)
        return g + p * (p * np.asarray(r, float)).sum(axis=-1, keepdims=True)

    return softmax_bandit_gradient


@mutant("softmax_bandit_ascent-gap-before-update",
        target="pgtools.bandits:softmax_bandit_ascent",
        result="gap of pi_t after t updates (mutant: after t + 1, an off-by-one)", expect=NB8)
def _(orig):
    def softmax_bandit_ascent(r, eta, steps, theta0=None, tau=0.0, method="pg"):
        run = orig(r, eta, steps + 1, theta0, tau, method)
        return type(run)(run.gaps[..., 1:], run.regularised_gaps[..., 1:], run.theta)

    return softmax_bandit_ascent


# ------------------------------------------------------------------ pgtools.discounted
@mutant("discounted_values-gamma-squared", target="pgtools.discounted:discounted_values",
        result="Q = r + gamma P V (mutant: gamma^2)", expect=NB8)
def _(orig):
    def discounted_values(mdp, policy, theta):
        return orig(mdp.replace(gamma=mdp.gamma ** 2), policy, theta)

    return discounted_values


@mutant("discounted_visitation-unnormalised",
        target="pgtools.discounted:discounted_visitation",
        result="d = (1 - gamma) sum_t gamma^t P(s_t) (mutant: the factor 1 - gamma dropped)",
        expect=NB8)
def _(orig):
    def discounted_visitation(mdp, policy, theta):
        return orig(mdp, policy, theta) / (1 - mdp.gamma)

    return discounted_visitation


@mutant("discounted_gradient-missing-1-over-1-gamma",
        target="pgtools.discounted:discounted_gradient",
        result="grad V = 1/(1 - gamma) E_d[psi A] (mutant: without 1/(1 - gamma))", expect=NB8)
def _(orig):
    def discounted_gradient(mdp, policy, theta):
        return orig(mdp, policy, theta) * (1 - mdp.gamma)

    return discounted_gradient


@mutant("discounted_fisher-trajectory-weights", target="pgtools.discounted:discounted_fisher",
        result="F_rho weights states by d_rho (mutant: by mu0, the start distribution)",
        expect=NB8)
def _(orig):
    def discounted_fisher(mdp, policy, theta):
        pi = policy.probs(theta)
        psi = policy.score_table(theta).reshape(pi.size, -1)
        w = (mdp.mu0[:, None] * pi).ravel()
        return (psi * w[:, None]).T @ psi

    return discounted_fisher


@mutant("discounted_optimal_values-one-improvement",
        target="pgtools.discounted:discounted_optimal_values",
        result="policy iteration to convergence (mutant: one improvement step)", expect=NB8)
def _(orig):
    def discounted_optimal_values(mdp, max_iter=1000):
        import pgtools.discounted as dd

        act = np.zeros(mdp.n_states, dtype=np.int64)
        V = dd._values(mdp, np.eye(mdp.n_actions)[act]).V
        act = (mdp.r + mdp.gamma * mdp.P @ V).argmax(axis=1)
        return dd._values(mdp, np.eye(mdp.n_actions)[act]).V, act

    return discounted_optimal_values


@mutant("npg_discounted-sign", target="pgtools.discounted:npg_discounted",
        result="theta += eta A / (1 - gamma) (mutant: -=, natural descent)", expect=NB8)
def _(orig):
    def npg_discounted(mdp, eta, steps, theta0=None):
        import pgtools.discounted as dd

        S, A = mdp.n_states, mdp.n_actions
        theta = np.zeros((S, A)) if theta0 is None else np.asarray(theta0, float)
        V_star = float(mdp.mu0 @ dd.discounted_optimal_values(mdp)[0])
        values = np.empty(steps + 1)
        for t in range(steps + 1):
            z = theta - theta.max(axis=1, keepdims=True)
            pi = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
            vals = dd._values(mdp, pi)
            values[t] = mdp.mu0 @ vals.V
            theta = theta - eta * vals.A / (1 - mdp.gamma)
        return dd.NPGRun(values, V_star, theta)

    return npg_discounted


# ------------------------------------------------------------------ pgtools.gym.ppo
@mutant("ppo_clip_gradient_obs-no-ratio", target="pgtools.gym.ppo:ppo_clip_gradient_obs",
        result="Lambda A 1{unclipped} grad log pi (mutant: A 1{unclipped}, ratio dropped)",
        expect=NB9)
def _(orig):
    def ppo_clip_gradient_obs(policy, theta, obs, actions, advantages, old_log_prob, clip=0.2):
        logp = policy.log_prob(theta, obs, actions)
        lam = np.exp(logp - np.asarray(old_log_prob, float))
        A = np.asarray(advantages, float)
        keep = ((A > 0) & (lam < 1 + clip)) | ((A < 0) & (lam > 1 - clip))
        return policy.batch_score_weighted(theta, obs, actions, A * keep)

    return ppo_clip_gradient_obs


@mutant("train_ppo-stale-ratio", target="pgtools.gym.ppo:train_ppo",
        result="Lambda against the batch's policy (mutant: against the previous minibatch's)",
        expect=NB9)
def _(orig):
    def train_ppo(envs, policies, thetas, iterations, lr, *, epochs=4, minibatches=4, clip=0.2,
                  horizon=500, gamma=1.0, baseline="mean", normalize=True, seed=0,
                  target=None):
        from pgtools.gym import ppo

        inner = ppo.ppo_clip_gradient_obs

        def stale(policy, theta, obs, actions, advantages, old_log_prob, clip=0.2):
            # the "old" log-probabilities refreshed at every minibatch: every ratio is 1
            return inner(policy, theta, obs, actions, advantages,
                         policy.log_prob(theta, obs, actions), clip)

        ppo.ppo_clip_gradient_obs = stale
        try:
            return orig(envs, policies, thetas, iterations, lr, epochs=epochs,
                        minibatches=minibatches, clip=clip, horizon=horizon, gamma=gamma,
                        baseline=baseline, normalize=normalize, seed=seed, target=target)
        finally:
            ppo.ppo_clip_gradient_obs = inner

    return train_ppo


@mutant("PPOResult.steps_to-excludes-hit-batch", target="pgtools.gym.ppo:PPOResult.steps_to",
        result="steps up to and including the first batch >= target (mutant: excluding it)",
        expect=NB9)
def _(orig):
    def steps_to(self, target):
        out = orig(self, target)
        hit = self.returns >= target
        first = np.argmax(hit, axis=0)
        return out - np.where(hit.any(axis=0), self.steps[first, np.arange(out.size)], 0)

    return steps_to
