"""NumPy baseline for test/bench/critic.bench.ts: full-batch steps of the MLP critic
(src/ntk/critic.ts) on the penalised WGAN objective of papers.md C.3b,
    L = -(E_P f - E_Q f) + lam (E_Q |grad_x f|^2 - 1),
with Adam, written the way one writes it efficiently in NumPy: whole-batch matmuls.
The same maths as critic.ts: forward, unit backprop for g = grad_x f, the tangent pass
along u = dL/dg, and reverse mode through (h, h_dot), which gives the exact
parameter gradient including the mixed second derivative of the penalty.

Served by pyserve.py:
  OPS["load"](params, P, Q, d, hidden, act, lam, nP, nQ)  files of float64 (row-major)
  OPS["run"](steps, lr)  `steps` Adam steps from the loaded parameters (fresh Adam
  state); returns the parameters after them (checked element-wise against ours).
Standard parameterization (alpha = beta = 1), biases present.
"""
import numpy as np

S = {}


def acts(name):
    if name == "tanh":
        def phi(x):
            return np.tanh(x)

        def dphi(x):
            t = np.tanh(x)
            return 1 - t * t

        def d2phi(x):
            t = np.tanh(x)
            return -2 * t * (1 - t * t)
    elif name == "relu":
        def phi(x):
            return np.maximum(x, 0)

        def dphi(x):
            return (x > 0).astype(np.float64)

        def d2phi(x):
            return None
    else:
        raise ValueError(name)
    return phi, dphi, d2phi


def unpack(theta, widths):
    Ws, bs, o = [], [], 0
    for l in range(len(widths) - 1):
        nin, nout = widths[l], widths[l + 1]
        Ws.append(theta[o:o + nin * nout].reshape(nout, nin))
        o += nin * nout
        bs.append(theta[o:o + nout])
        o += nout
    return Ws, bs


def grad_rows(theta, grad, X, w, penal_c, widths, act):
    """Adds d/dtheta of sum_i w_i f(x_i) + sum_i penal_c |g_i|^2 into grad; returns (f, g)."""
    phi, dphi, d2phi = act
    Ws, bs = unpack(theta, widths)
    gWs, gbs = unpack(grad, widths)
    K = len(Ws)
    H, A = [], [X]
    for l in range(K):
        h = A[-1] @ Ws[l].T + bs[l]
        H.append(h)
        if l < K - 1:
            A.append(phi(h))
    f = H[-1][:, 0]
    n = X.shape[0]
    D = [None] * K
    E = [None] * (K - 1)
    D[K - 1] = np.ones((n, 1))
    for l in range(K - 2, -1, -1):
        E[l] = D[l + 1] @ Ws[l + 1]
        D[l] = dphi(H[l]) * E[l]
    g = D[0] @ Ws[0]
    with_u = penal_c != 0
    if with_u:
        u = 2 * penal_c * g
        Ad = [u]
        Hd = []
        for l in range(K - 1):
            hd = Ad[-1] @ Ws[l].T
            Hd.append(hd)
            Ad.append(dphi(H[l]) * hd)
    Hb = w[:, None]
    for l in range(K - 1, -1, -1):
        gWs[l] += Hb.T @ A[l]
        if with_u:
            gWs[l] += D[l].T @ Ad[l]
        gbs[l] += Hb.sum(axis=0)
        if l == 0:
            break
        hb = (Hb @ Ws[l]) * dphi(H[l - 1])
        if with_u:
            d2 = d2phi(H[l - 1])
            if d2 is not None:
                hb += d2 * Hd[l - 1] * E[l - 1]
        Hb = hb
    return f, g


def load(params, P, Q, d, hidden, act, lam, nP, nQ):
    S["theta0"] = np.fromfile(params, dtype=np.float64)
    S["P"] = np.fromfile(P, dtype=np.float64).reshape(nP, d)
    S["Q"] = np.fromfile(Q, dtype=np.float64).reshape(nQ, d)
    S["widths"] = [d] + list(hidden) + [1]
    S["act"] = acts(act)
    S["lam"] = lam
    return {}


def run(steps, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    theta = S["theta0"].copy()
    grad = np.empty_like(theta)
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    P, Q, lam = S["P"], S["Q"], S["lam"]
    nP, nQ = P.shape[0], Q.shape[0]
    wP = np.full(nP, -1.0 / nP)
    wQ = np.full(nQ, 1.0 / nQ)
    for t in range(1, steps + 1):
        grad[:] = 0
        grad_rows(theta, grad, P, wP, 0.0, S["widths"], S["act"])
        grad_rows(theta, grad, Q, wQ, lam / nQ, S["widths"], S["act"])
        m *= beta1
        m += (1 - beta1) * grad
        v *= beta2
        v += (1 - beta2) * grad * grad
        theta -= lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
    return {"arrays": [theta], "info": {"numpy": np.__version__}}


OPS = {"load": load, "run": run}
