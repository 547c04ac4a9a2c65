"""SciPy baseline for test/bench/user-model.bench.ts: the same derived ODE, integrated by
scipy.integrate.solve_ivp (RK45, the Dormand-Prince 5(4) pair our dopri5 also uses).

The ODE is the committee machine's System exported by gan-dynamics with
`exportSystem(system, 'numpy')` (the same expressions, printed as NumPy), loaded here.

Served by pyserve.py:
  OPS["load"](module, y0, params, B)
  OPS["run"](t1, rtol, atol, times)   -> the states at the record times (times x B x D)

The batch of B initial states is one solve_ivp call on the flattened D x B state with the
exported drift broadcasting over the members (NumPy's natural vectorisation; the step size
is shared by the batch, so SciPy takes at least as many steps as the slowest member).
"""
import runpy

import numpy as np
from scipy.integrate import solve_ivp

S = {}


def load(module, y0, params, B):
    ns = runpy.run_path(module, run_name="exported")
    S["drift"] = ns["drift"]
    S["B"] = B
    S["y0"] = np.fromfile(y0, dtype=np.float64).reshape(B, -1).T.ravel()  # D x B, flattened
    S["params"] = [np.float64(p) for p in params]
    return {}


def run(t1, rtol, atol, times):
    drift, params, B = S["drift"], S["params"], S["B"]
    rhs = lambda t, y: drift(y.reshape(-1, B), params).ravel()
    sol = solve_ivp(rhs, (0.0, t1), S["y0"], method="RK45", rtol=rtol, atol=atol, t_eval=np.asarray(times))
    if not sol.success:
        raise RuntimeError(sol.message)
    out = sol.y.T.reshape(len(times), -1, B).transpose(0, 2, 1)  # times x B x D
    return {"arrays": [out], "info": {"nfev": int(sol.nfev)}}


OPS = {"load": load, "run": run}


# ---------------------------------------------------------------- numeric expectations
#
# A System whose drift refers to numeric expectations E_i = E[f_i(z)], z ~ N(0, C_i)
# (tanh committee): the same rule as src/compile/expectation.ts, in NumPy — per group of
# expectations sharing a covariance, the covariance (exported NumPy), its lower Cholesky
# factor (semidefinite allowed), the node spacing per whitened direction from the factors'
# strips of analyticity, the ball of radius 7.5 (+ the exp shift), the tensor trapezoid
# rule on the integer and the half-integer grid, the mean of the two. The integrands and
# covariances are exported by exportSystem('numpy'); the rule's constants and the factors'
# scales come in the plan. Each member's expectations are computed on their own (their
# grids differ), then the exported drift with the E_i as extra parameters.
import json
import math

N_ = {}


def _module(path):
    return runpy.run_path(path, run_name="exported")["drift"]


def load_numeric(plan, y0, params, B):
    with open(plan) as fh:
        P = json.load(fh)
    N_["drift"] = _module(P["drift"])
    N_["rule"] = P["rule"]
    N_["nE"] = P["nE"]
    N_["D"] = P["D"]
    groups = []
    for g in P["groups"]:
        groups.append({
            "d": g["d"], "members": np.asarray(g["members"]), "nQ": len(g["members"]),
            "cov": _module(g["cov"]), "covPad": g["covPad"],
            "f": _module(g["integrands"]), "fPad": g["fPad"],
            "scales": g["scales"],
        })
    N_["groups"] = groups
    N_["B"] = B
    N_["y0"] = np.fromfile(y0, dtype=np.float64).reshape(B, -1).T.ravel()
    N_["params"] = [np.float64(p) for p in params]
    return {}


def _cholesky_psd(C, tol=1e-12):
    d = len(C)
    L = np.zeros((d, d))
    eps = tol * (max(abs(C[i, i]) for i in range(d)) or 1.0)
    for j in range(d):
        s = C[j, j] - sum(L[j, k] ** 2 for k in range(j))
        if s < -eps:
            raise RuntimeError("covariance is not positive semidefinite")
        if s <= eps:
            continue
        L[j, j] = math.sqrt(s)
        for i in range(j + 1, d):
            L[i, j] = (C[i, j] - sum(L[i, k] * L[j, k] for k in range(j))) / L[j, j]
    return L


def _direction(h, shift, degenerate, radius):
    if degenerate:
        return np.zeros(1), np.ones(1)
    J = math.ceil(radius / h)
    step = radius / J
    k = np.arange(-J, J + 1 - (1 if shift else 0), dtype=np.float64)
    x = (k + shift) * step
    w = np.exp(-0.5 * x * x)
    return x, w / w.sum()


def _expectations(state, params):
    rule = N_["rule"]
    out = np.empty(N_["nE"])
    for g in N_["groups"]:
        d = g["d"]
        C = np.asarray(g["cov"](np.concatenate([state, np.zeros(g["covPad"])]), params), dtype=np.float64)[: d * d].reshape(d, d)
        L = _cholesky_psd(C)
        steps = []
        for j in range(d):
            h = rule["maxStep"]
            for s in g["scales"]:
                c = sum(s["coeff"][i] * L[i, j] for i in range(j, d))
                bound = 2 * math.pi * s["strip"] / ((math.log(1 / rule["tolerance"]) + 6.5 + 1.6 * (s["order"] - 1)) * abs(c)) if c != 0 else math.inf
                h = min(h, bound)
            steps.append(h)
        moved = 0.0
        for s in g["scales"]:
            if s["growth"]:
                cL = np.asarray(s["coeff"]) @ L
                moved += s["growth"] * math.sqrt(float(cL @ cL))
        radius = rule["radius"] + moved
        Y = np.zeros((2, g["nQ"]))
        for k, shift in enumerate((0.0, 0.5)):
            dirs = [_direction(steps[j], shift, L[j, j] == 0, radius) for j in range(d)]
            xi = np.stack([a.ravel() for a in np.meshgrid(*[x for x, _ in dirs], indexing="ij")])
            W = np.ones(xi.shape[1])
            for a in np.meshgrid(*[w for _, w in dirs], indexing="ij"):
                W = W * a.ravel()
            keep = (xi * xi).sum(0) <= radius * radius
            z = L @ xi[:, keep]
            if g["fPad"]:
                z = np.concatenate([z, np.zeros((g["fPad"], z.shape[1]))])
            vals = np.asarray(g["f"](z, []), dtype=np.float64)[: g["nQ"]]
            Y[k] = vals @ W[keep]
        out[g["members"]] = Y.mean(0)
    return out


def run_numeric(t1, rtol, atol, times):
    drift, params, B, D = N_["drift"], N_["params"], N_["B"], N_["D"]

    def rhs(t, y):
        Y = y.reshape(D, B)
        out = np.empty_like(Y)
        for b in range(B):
            E = _expectations(Y[:, b], params)
            out[:, b] = drift(Y[:, b], params + [np.float64(e) for e in E])
        return out.ravel()

    sol = solve_ivp(rhs, (0.0, t1), N_["y0"], method="RK45", rtol=rtol, atol=atol, t_eval=np.asarray(times))
    if not sol.success:
        raise RuntimeError(sol.message)
    out = sol.y.T.reshape(len(times), -1, B).transpose(0, 2, 1)
    return {"arrays": [out], "info": {"nfev": int(sol.nfev)}}


OPS.update({"load_numeric": load_numeric, "run_numeric": run_numeric})
