#!/usr/bin/env python3
"""Reference numbers for tests/pipelines/test_samplers.cpp, derived from the papers' formulas in plain
Python (no code shared with the C++ samplers; DPM-Solver++ is written in the variance-preserving
form of Lu et al. 2022, Algorithm 2, where the C++ code steps in sigma space).

Setting: the cosine schedule (Nichol & Dhariwal 2021) over T = 1000 steps; one-dimensional data
x0 ~ N(MU, S^2), for which the ideal denoiser is known in closed form; four steps; fixed start
values and fixed noise per step. Run it and paste the printed table into the test.
"""
import math

T, MU, S = 1000, 0.5, 0.8
START = [1.3, -0.7, 0.2]
NOISE = [[0.3, -1.1, 0.8], [-0.4, 0.9, 0.1], [1.2, 0.05, -0.6], [-0.2, -0.3, 0.7]]
STEPS = 4


def alpha_bars():
    f = lambda t: math.cos((t / T + 0.008) / 1.008 * math.pi / 2) ** 2
    out, prod = [], 1.0
    for t in range(T):
        prod *= 1 - min(1 - f(t + 1) / f(t), 0.999)
        out.append(prod)
    return out


AB = alpha_bars()


def ideal(x, ab):
    """E[x0 | x_t] and the matching eps for Gaussian data, x_t = sqrt(ab) x0 + sqrt(1 - ab) eps."""
    a, b = math.sqrt(ab), math.sqrt(1 - ab)
    x0 = MU + a * S * S / (a * a * S * S + b * b) * (x - a * MU)
    return x0, (x - a * x0) / b


def trailing_times(n):
    return [T - 1 - (i * T) // n for i in range(n)]


def ddim(eta):
    times = trailing_times(STEPS)
    out = []
    for k, x in enumerate(START):
        for i, t in enumerate(times):
            ab = AB[t]
            ab_prev = AB[times[i + 1]] if i + 1 < STEPS else 1.0
            x0, eps = ideal(x, ab)
            std = eta * math.sqrt((1 - ab_prev) / (1 - ab)) * math.sqrt(1 - ab / ab_prev)
            x = math.sqrt(ab_prev) * x0 + math.sqrt(max(0.0, 1 - ab_prev - std * std)) * eps + std * NOISE[i][k]
        out.append(x)
    return out


def ddpm():
    # Posterior q(x_prev | x_t, x0) with the beta the two chosen times imply (Ho et al. eq. 7).
    times = trailing_times(STEPS)
    out = []
    for k, x in enumerate(START):
        for i, t in enumerate(times):
            ab = AB[t]
            ab_prev = AB[times[i + 1]] if i + 1 < STEPS else 1.0
            beta = 1 - ab / ab_prev
            x0, _ = ideal(x, ab)
            mean = math.sqrt(ab_prev) * beta / (1 - ab) * x0 + math.sqrt(1 - beta) * (1 - ab_prev) / (1 - ab) * x
            var = beta * (1 - ab_prev) / (1 - ab)
            x = mean + math.sqrt(var) * NOISE[i][k]
        out.append(x)
    return out


def sigma_of(ab):
    return math.sqrt((1 - ab) / ab)


def euler_ancestral():
    # Karras et al. / k-diffusion, in sigma space X = x / sqrt(ab); levels at the trailing times.
    sigmas = [sigma_of(AB[t]) for t in trailing_times(STEPS)] + [0.0]
    out = []
    for k, x in enumerate(START):
        X = x * math.sqrt(1 + sigmas[0] ** 2)
        for i in range(STEPS):
            s, sn = sigmas[i], sigmas[i + 1]
            x0, _ = ideal(X / math.sqrt(1 + s * s), 1 / (1 + s * s))
            up = min(sn, math.sqrt(sn * sn * (s * s - sn * sn) / (s * s)))
            down = math.sqrt(sn * sn - up * up)
            d = (X - x0) / s
            X = X + d * (down - s) + NOISE[i][k] * up
        out.append(X)  # sigma 0: the VP and sigma forms agree
    return out


def karras(n, lo, hi, rho=7.0):
    return [(hi ** (1 / rho) + i / (n - 1) * (lo ** (1 / rho) - hi ** (1 / rho))) ** rho for i in range(n)] + [0.0]


def dpmpp_2m():
    lo, hi = sigma_of(AB[0]), min(sigma_of(AB[T - 1]), 80.0)
    sig = karras(STEPS, lo, hi)
    # Variance-preserving alpha_t, sigma_t and lambda_t = log(alpha_t / sigma_t) of each level.
    alpha = [1 / math.sqrt(1 + s * s) for s in sig]
    vp_sigma = [s / math.sqrt(1 + s * s) for s in sig]
    out = []
    for k, x in enumerate(START):
        history = []
        for i in range(STEPS):
            x0, _ = ideal(x, alpha[i] ** 2)
            history.append(x0)
            if vp_sigma[i + 1] == 0:
                x = x0  # the last step: the data estimate itself
                continue
            lam, lam_next = math.log(alpha[i] / vp_sigma[i]), math.log(alpha[i + 1] / vp_sigma[i + 1])
            h = lam_next - lam
            if i == 0:
                D = x0
            else:
                h_last = lam - math.log(alpha[i - 1] / vp_sigma[i - 1])
                r = h_last / h
                D = (1 + 1 / (2 * r)) * history[-1] - 1 / (2 * r) * history[-2]
            x = vp_sigma[i + 1] / vp_sigma[i] * x - alpha[i + 1] * (math.exp(-h) - 1) * D
        out.append(x)
    return out


if __name__ == "__main__":
    for name, values in [("ddpm", ddpm()), ("ddim_eta0", ddim(0.0)), ("ddim_eta05", ddim(0.5)),
                         ("euler_a", euler_ancestral()), ("dpmpp_2m", dpmpp_2m())]:
        print(name, ", ".join(f"{v:.9f}" for v in values))
