"""NumPy baselines for test/bench/ntk-paths.bench.ts, served by pyserve.py (OPS below).

Each op computes, on full N×N arrays with vectorised ufuncs (how one writes it in NumPy),
the NNGP and NTK Gram matrices of the same network as our side (ntk parameterization,
neural-tangents conventions, diagonal_batch=True: each row's variances from their own
diagonal formulas); w_list/b_list are the stds of the L + 1 dense layers (b = 0: no bias).

relu:  the ReLU recursion, in float64 or float32 (dtype), as ntk_numpy.py's gram
       (r = √max(s sᵀ − S², 0), θ = arctan2(r, S)).
rbf:   k = exp(−γ |x − y|² / d) with |x − y|² = |x|² + |y|² − 2 x·y (one BLAS product).
erf:   the erf network's closed-form dual K = (2/π) arcsin(2S/√((1 + 2s)(1 + 2s)ᵀ)),
       K̇ = (4/π)/√((1 + 2s)(1 + 2s)ᵀ − 4S²), diagonal k = (2/π) arcsin(2q/(1 + 2q)).
xtanh: φ(x) = x·tanh(x) by tensor Gauss–Hermite quadrature (scipy.special.roots_hermitenorm,
       weights normalised to 1) in the Cholesky coordinates u = √s1 g1, v = √s2 (ρ g1 + √(1 − ρ²) g2),
       the orders per layer given (the ones our order study chose), φ' = tanh + x(1 − tanh²)
       from the same tanh; the diagonal by the 1-D rule of 4× the order. Only the pairs i ≤ j
       are computed (as ours), in chunks whose pairs×n×n grid stays near 32 MB.
"""
import numpy as np

STORE = {}


def load(path, n, d, key="X"):
    STORE[key] = np.fromfile(path, dtype=np.float64).reshape(n, d)
    return {"info": {"numpy": np.__version__}}


def _first_layer(X, W2, B2, dtype):
    X = X.astype(dtype, copy=False)
    n, d = X.shape
    S = X @ X.T
    S *= dtype(W2 / d)
    S += dtype(B2)
    s = np.einsum("ij,ij->i", X, X) * dtype(W2 / d) + dtype(B2)
    return S, s


def relu(w_list, b_list, dtype="float64", key="X"):
    dt = np.dtype(dtype).type
    Ws = [dt(w * w) for w in w_list]
    Bs = [dt(b * b) for b in b_list]
    S, s = _first_layer(STORE[key], Ws[0], Bs[0], dt)
    T = S.copy()
    for layer in range(len(Ws) - 1):
        W2n, B2n = Ws[layer + 1], Bs[layer + 1]
        r = np.outer(s, s)
        r -= S * S
        np.maximum(r, 0, out=r)
        np.sqrt(r, out=r)
        theta = np.arctan2(r, S)
        np.subtract(dt(np.pi), theta, out=theta)
        S *= theta
        S += r
        S *= W2n / dt(2 * np.pi)
        S += B2n
        theta *= W2n / dt(2 * np.pi)
        T *= theta
        T += S
        s = W2n * s / 2 + B2n
    return {"arrays": [S, T]}


def rbf(gamma, key="X"):
    X = STORE[key]
    n, d = X.shape
    nx = np.einsum("ij,ij->i", X, X)
    sq = X @ X.T
    sq *= -2
    sq += nx[:, None]
    sq += nx[None, :]
    np.maximum(sq, 0, out=sq)
    sq *= -gamma / d
    np.exp(sq, out=sq)
    return {"arrays": [sq]}


def erf(w_list, b_list, key="X"):
    Ws = [w * w for w in w_list]
    Bs = [b * b for b in b_list]
    S, s = _first_layer(STORE[key], Ws[0], Bs[0], np.float64)
    T = S.copy()
    for layer in range(len(Ws) - 1):
        W2n, B2n = Ws[layer + 1], Bs[layer + 1]
        a = 1 + 2 * s
        P = np.outer(a, a)
        Kd = P - 4 * S * S
        np.sqrt(Kd, out=Kd)
        np.divide(4 / np.pi, Kd, out=Kd)
        np.sqrt(P, out=P)
        np.divide(2 * S, P, out=P)
        np.arcsin(P, out=P)
        S = P
        S *= W2n * 2 / np.pi
        S += B2n
        Kd *= W2n
        T *= Kd
        T += S
        s = W2n * (2 / np.pi) * np.arcsin(2 * s / (1 + 2 * s)) + B2n
    return {"arrays": [S, T]}


def _rule(n):
    # SciPy's rule: NumPy's hermegauss overflows to NaN weights beyond order ~500
    from scipy.special import roots_hermitenorm
    x, w = roots_hermitenorm(n)
    return x, w / w.sum()


def _xtanh_pairs(S, s, n):
    """[E φ(u)φ(v), E φ'(u)φ'(v)] for every pair i ≤ j (mirrored), by the n×n rule."""
    x, w = _rule(n)
    N = S.shape[0]
    a = np.sqrt(np.maximum(s, 0))
    iu, ju = np.triu_indices(N)
    K = np.empty_like(S)
    Kd = np.empty_like(S)
    step = max(1, int(4e6 // (n * n)))
    for p0 in range(0, iu.size, step):
        i, j = iu[p0:p0 + step], ju[p0:p0 + step]
        ab = a[i] * a[j]
        rho = np.divide(S[i, j], ab, out=np.zeros_like(ab), where=ab > 0)
        np.clip(rho, -1, 1, out=rho)
        rc = np.sqrt((1 - rho) * (1 + rho))
        # v[p, k, l] = √s_j (ρ x_k + rc x_l)
        v = rho[:, None, None] * x[:, None] + rc[:, None, None] * x[None, :]
        v *= a[j][:, None, None]
        t = np.tanh(v)
        fv = v * t
        dfv = t + v * (1 - t * t)
        u = a[i][:, None] * x[None, :]
        tu = np.tanh(u)
        fu = u * tu
        dfu = tu + u * (1 - tu * tu)
        k = np.einsum("pk,pk,k->p", fu, fv @ w, w)
        kd = np.einsum("pk,pk,k->p", dfu, dfv @ w, w)
        K[i, j] = k
        K[j, i] = k
        Kd[i, j] = kd
        Kd[j, i] = kd
    return K, Kd


def _xtanh_diag(q, n):
    x, w = _rule(n)
    u = np.sqrt(np.maximum(q, 0))[:, None] * x[None, :]
    f = u * np.tanh(u)
    return (f * f) @ w


def xtanh(w_list, b_list, orders, key="X"):
    Ws = [w * w for w in w_list]
    Bs = [b * b for b in b_list]
    S, s = _first_layer(STORE[key], Ws[0], Bs[0], np.float64)
    T = S.copy()
    for layer in range(len(Ws) - 1):
        W2n, B2n = Ws[layer + 1], Bs[layer + 1]
        n = orders[layer]
        K, Kd = _xtanh_pairs(S, s, n)
        S = W2n * K + B2n
        T *= W2n * Kd
        T += S
        s = W2n * _xtanh_diag(s, min(4 * n, 600)) + B2n
    return {"arrays": [S, T]}


OPS = {"load": load, "relu": relu, "rbf": rbf, "erf": erf, "xtanh": xtanh}
