"""NumPy baseline for test/bench/effective-gan.bench.ts (docs/effective-dynamics.md C.2, C.3b).

One phase-diagram cell of the effective particle model: N particles in 2-D against M
targets, alternating `critic_steps` full-batch SGD steps (coupled weight decay) of the
ReLU MLP critic on -(E_P f - E_Q f) + lam (E_Q |grad f|^2 - 1) with one particle step
x_i += lrG [(g1 - g2) grad f(x_i) + g2 sum_j grad f(x_j)]. The critic's forward,
backward and exact penalty gradient are critic_numpy.py's grad_rows (the same maths as
src/ntk/critic.ts), imported from beside this file.

Also the particle coupling alone at N = 4096: the two-number form and the dense Gram
form Theta @ V.

Served by pyserve.py:
  OPS["load_cell"](params, P, X0, d, width, lam, N, M)
  OPS["run_cell"](steps, critic_steps, lrD, wd, lrG, g1, g2)   -> final particles
  OPS["load_coupling"](V, theta, N, d)
  OPS["run_two"](steps, g1, g2, lr) / OPS["run_gram"](steps, lr)   -> final V
"""
import os
import runpy

import numpy as np

_here = os.path.dirname(os.path.abspath(__file__))
_critic = runpy.run_path(os.path.join(_here, "critic_numpy.py"), run_name="critic_numpy")
grad_rows, acts, unpack = _critic["grad_rows"], _critic["acts"], _critic["unpack"]

S = {}


def load_cell(params, P, X0, d, width, lam, N, M):
    S["theta0"] = np.fromfile(params, dtype=np.float64)
    S["P"] = np.fromfile(P, dtype=np.float64).reshape(M, d)
    S["X0"] = np.fromfile(X0, dtype=np.float64).reshape(N, d)
    S["widths"] = [d, width, 1]
    S["act"] = acts("relu")
    S["lam"] = lam
    return {}


def input_grad(theta, X, widths, act):
    phi, dphi, _ = act
    Ws, bs = unpack(theta, widths)
    K = len(Ws)
    H, A = [], [X]
    for l in range(K):
        h = A[-1] @ Ws[l].T + bs[l]
        H.append(h)
        if l < K - 1:
            A.append(phi(h))
    D = np.ones((X.shape[0], 1))
    for l in range(K - 2, -1, -1):
        D = dphi(H[l]) * (D @ Ws[l + 1])
    return D @ Ws[0]


def run_cell(steps, critic_steps, lrD, wd, lrG, g1, g2):
    theta = S["theta0"].copy()
    grad = np.empty_like(theta)
    P, X, lam, widths, act = S["P"], S["X0"].copy(), S["lam"], S["widths"], S["act"]
    M, N = P.shape[0], X.shape[0]
    wP = np.full(M, -1.0 / M)
    wQ = np.full(N, 1.0 / N)
    for _ in range(steps):
        for _ in range(critic_steps):
            grad[:] = 0
            grad_rows(theta, grad, P, wP, 0.0, widths, act)
            grad_rows(theta, grad, X, wQ, lam / N, widths, act)
            theta -= lrD * (grad + wd * theta)
        v = input_grad(theta, X, widths, act)
        X += lrG * ((g1 - g2) * v + g2 * v.sum(axis=0))
    return {"arrays": [X], "info": {"numpy": np.__version__}}


def load_coupling(V, theta, N, d):
    S["V"] = np.fromfile(V, dtype=np.float64).reshape(N, d)
    S["theta"] = np.fromfile(theta, dtype=np.float64).reshape(N, N)
    return {}


def run_two(steps, g1, g2, lr):
    V = S["V"].copy()
    for _ in range(steps):
        V += lr * ((g1 - g2) * V + g2 * V.sum(axis=0))
    return {"arrays": [V]}


def run_gram(steps, lr):
    V = S["V"].copy()
    T = S["theta"]
    for _ in range(steps):
        V += lr * (T @ V)
    return {"arrays": [V]}


OPS = {"load_cell": load_cell, "run_cell": run_cell, "load_coupling": load_coupling, "run_two": run_two, "run_gram": run_gram}
