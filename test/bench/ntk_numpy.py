"""NumPy baselines for test/bench/ntk.bench.ts, served by pyserve.py (OPS below).

gram: the N×N NNGP/NTK Gram matrix of a depth-L ReLU network, the same recursion as
src/ntk (neural-tangents conventions, ntk parameterization, diagonal_batch=True: the
variances come from their own diagonal formulas):

    S = W²·X Xᵀ/d + b²,  s = W²·|x|²/d + b²,  Θ = S
    per hidden layer:  r = √max(s sᵀ − S², 0),  θ = arctan2(r, S)
                       K̇ = (π − θ)/(2π),  K = (r + (π − θ)·S)/(2π)
                       S = W²·K + b²,  Θ = S + W²·Θ·K̇,  s = W²·s/2 + b²

on full N×N arrays with in-place ufuncs (the two results fresh per call, as ours; two
N×N scratch buffers allocated once per size and reused across calls), which is how one writes it efficiently in NumPy. Only the
X Xᵀ product uses BLAS threads; the ufuncs run on one thread whatever the count.

empirical: the empirical NTK of a finite ReLU network (the same parameters as
src/ntk/finite.ts, passed as a file) by the same per-layer factorisation
Θ = Σ_l (δ_l δ_lᵀ) ∘ (α_l² A_{l−1} A_{l−1}ᵀ + β_l²), with BLAS matmuls.
"""
import numpy as np

STORE = {}


def _hugepage():
    """Whether NumPy asks the kernel for transparent huge pages on its large arrays (madvise)."""
    try:
        return bool(np._core.multiarray._get_madvise_hugepage())
    except AttributeError:
        return None


def load(path, n, d, key="X"):
    STORE[key] = np.fromfile(path, dtype=np.float64).reshape(n, d)
    return {"info": {"numpy": np.__version__, "hugepage": _hugepage()}}


def _scratch(n):
    b = STORE.get(("scratch", n))
    if b is None:
        b = [np.empty((n, n)) for _ in range(2)]
        STORE[("scratch", n)] = b
    return b


def gram(depth, w_std, b_std, key="X", w_list=None, b_list=None, reuse=False):
    """w_list/b_list: the std of each of the depth + 1 dense layers (default: all w_std, b_std).
    reuse: write the two results into buffers kept across calls (as ours with `out`)."""
    X = STORE[key]
    n, d = X.shape
    Ws = [w * w for w in (w_list or [w_std] * (depth + 1))]
    Bs = [b * b for b in (b_list or [b_std] * (depth + 1))]
    W2, B2 = Ws[0], Bs[0]
    r, theta = _scratch(n)
    if reuse:
        if ("out", n) not in STORE:
            STORE[("out", n)] = (np.empty((n, n)), np.empty((n, n)))
        S, T = STORE[("out", n)]
        np.matmul(X, X.T, out=S)
    else:
        S = X @ X.T  # the two results are fresh arrays, as ours are
        T = np.empty_like(S)
    S *= W2 / d
    S += B2
    s = np.einsum("ij,ij->i", X, X) * (W2 / d) + B2
    np.copyto(T, S)
    for layer in range(depth):
        W2n, B2n = Ws[layer + 1], Bs[layer + 1]
        np.outer(s, s, out=r)
        np.multiply(S, S, out=theta)
        r -= theta
        np.maximum(r, 0, out=r)
        np.sqrt(r, out=r)
        np.arctan2(r, S, out=theta)
        np.subtract(np.pi, theta, out=theta)  # π − θ
        S *= theta
        S += r
        S *= W2n / (2 * np.pi)
        S += B2n
        theta *= W2n / (2 * np.pi)  # W² K̇
        T *= theta
        T += S
        s = W2n * s / 2 + B2n
    return {"arrays": [S, T]}


def empirical(params_path, layers, key="X"):
    """layers: [{nIn, nOut, w, b, alpha, beta}] as in FiniteNetwork.layers."""
    X = STORE[key]
    P = np.fromfile(params_path, dtype=np.float64)
    Ws = [P[p["w"]:p["w"] + p["nIn"] * p["nOut"]].reshape(p["nOut"], p["nIn"]) for p in layers]
    bs = [P[p["b"]:p["b"] + p["nOut"]] if p["b"] >= 0 else None for p in layers]
    A, H = [X], []
    for l, p in enumerate(layers):
        h = p["alpha"] * (A[-1] @ Ws[l].T)
        if bs[l] is not None:
            h += p["beta"] * bs[l]
        H.append(h)
        if l < len(layers) - 1:
            A.append(np.maximum(h, 0))
    n = X.shape[0]
    delta = np.ones((n, 1))
    theta = np.zeros((n, n))
    for l in range(len(layers) - 1, -1, -1):
        p = layers[l]
        G = delta @ delta.T
        Ag = A[l] @ A[l].T
        Ag *= p["alpha"] ** 2
        if bs[l] is not None:
            Ag += p["beta"] ** 2
        G *= Ag
        theta += G
        if l > 0:
            delta = (p["alpha"] * (delta @ Ws[l])) * (H[l - 1] > 0)
    return {"arrays": [theta]}


OPS = {"load": load, "gram": gram, "empirical": empirical}
