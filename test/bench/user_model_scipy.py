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
