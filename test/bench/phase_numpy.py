"""NumPy baseline for test/bench/solvable-gan-phase.bench.ts, served by pyserve.py.

setup(state, params, drift, P_path, y0): the drift of the solvable-GAN overlap ODE as
NumPy expressions (exported by src/symbolic exportExpr(…, 'numpy')), the per-member
parameter table (B×nP, row-major f64 file) and the initial state (shared by all members).
As an efficient NumPy user would, the polynomial drift is collected once (SymPy Poly in
the state variables) and its parameter-only coefficients computed once per member, so a
stage is Σ_m c_m·x^m over length-B arrays (ours hoists the same way, form 'collected').
rk4(T, steps, flush): classical RK4 on every member at once (each state variable and
parameter a length-B array), with the same flush as ours (after each step, components
with |y| < flush set to 0, so that decaying members do not end in subnormal arithmetic).
Returns the final state (B×D, row-major) for the element-wise check.
"""
import numpy as np

CTX = {}


def setup(state, params, drift, P_path, y0):
    B = None
    P = np.fromfile(P_path, dtype=np.float64).reshape(-1, len(params))
    B = P.shape[0]
    import sympy as sp
    xs = sp.symbols(state)
    ps = sp.symbols(params)
    names = {str(v): v for v in (*xs, *ps)}
    cols = [np.ascontiguousarray(P[:, j]) for j in range(len(params))]
    terms = []  # per component: [(exponents, coefficient array)]
    for text in drift:
        poly = sp.Poly(sp.sympify(text.replace("np.", ""), locals=names), *xs)
        comp = []
        for exps, coeff in poly.terms():
            c = sp.lambdify(ps, coeff, "numpy")(*cols)
            comp.append((exps, np.broadcast_to(np.asarray(c, dtype=np.float64), (B,)).copy()))
        terms.append(comp)

    def f(*y):
        out = []
        for comp in terms:
            acc = np.zeros(B)
            for exps, c in comp:
                t = c.copy()
                for v, e in zip(y, exps):
                    if e == 1:
                        t *= v
                    elif e > 1:
                        t *= v ** e
                acc += t
            out.append(acc)
        return out

    CTX.update(f=f, P=[], y0=np.array(y0, dtype=np.float64), B=B, D=len(state))
    return {"info": {"numpy": np.__version__, "members": B}}


def rk4(T, steps, flush):
    f, P, B, D = CTX["f"], CTX["P"], CTX["B"], CTX["D"]
    y = [np.full(B, v) for v in CTX["y0"]]
    h = T / steps
    for _ in range(steps):
        k1 = f(*y, *P)
        k2 = f(*[y[i] + 0.5 * h * k1[i] for i in range(D)], *P)
        k3 = f(*[y[i] + 0.5 * h * k2[i] for i in range(D)], *P)
        k4 = f(*[y[i] + h * k3[i] for i in range(D)], *P)
        y = [y[i] + (h / 6) * (k1[i] + 2 * (k2[i] + k3[i]) + k4[i]) for i in range(D)]
        if flush > 0:
            for v in y:
                v[np.abs(v) < flush] = 0.0
    return {"arrays": [np.stack(y, axis=1)]}


OPS = {"setup": setup, "rk4": rk4}
