"""The N×N NNGP/NTK Gram matrix of a depth-L ReLU network in NumPy, timed.

The same recursion as src/ntk (neural-tangents conventions, ntk parameterization,
diagonal_batch=True: the variances come from their own diagonal formulas):

    S = W²·X Xᵀ/d + b²,  s = W²·|x|²/d + b²,  Θ = S
    per hidden layer:  r = √max(s sᵀ − S², 0),  θ = arctan2(r, S)
                       K̇ = (π − θ)/(2π),  K = (r + (π − θ)·S)/(2π)
                       S = W²·K + b²,  Θ = S + W²·Θ·K̇,  s = W²·s/2 + b²

computed on full N×N arrays with in-place ufuncs (no temporaries beyond a few
N×N buffers), which is how one writes it efficiently in NumPy.

Usage: python3 ntk_numpy.py X.f64 N D DEPTH W_STD B_STD [REPEATS]
X.f64 holds the N×D inputs (float64, row-major). Prints one JSON line:
{"n", "seconds": [...], "best", "checksum": {"nngp_sum", "ntk_sum", "ntk_01", "ntk_00"}, "numpy"}
or {"error": "..."}.
"""
import json
import sys
import time

try:
    import numpy as np
except ImportError as exc:  # the bench prints this and skips the NumPy column
    print(json.dumps({"error": f"numpy not importable: {exc}"}))
    sys.exit(0)

path, n, d, depth = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
w_std, b_std = float(sys.argv[5]), float(sys.argv[6])
repeats = int(sys.argv[7]) if len(sys.argv) > 7 else 3
X = np.fromfile(path, dtype=np.float64).reshape(n, d)
W2, B2 = w_std * w_std, b_std * b_std
TWO_PI = 2 * np.pi


def ntk_gram(X):
    S = X @ X.T
    S *= W2 / d
    S += B2
    s = np.einsum("ij,ij->i", X, X) * (W2 / d) + B2
    T = S.copy()
    r = np.empty_like(S)
    theta = np.empty_like(S)
    for _ in range(depth):
        np.outer(s, s, out=r)
        r -= S * S
        np.maximum(r, 0, out=r)
        np.sqrt(r, out=r)
        np.arctan2(r, S, out=theta)
        np.subtract(np.pi, theta, out=theta)  # π − θ
        # K = (r + (π − θ) S)/(2π);  K̇ = (π − θ)/(2π)
        S *= theta
        S += r
        S *= W2 / TWO_PI
        S += B2
        theta *= W2 / TWO_PI  # W² K̇
        T *= theta
        T += S
        s = W2 * s / 2 + B2
    return S, T


ntk_gram(X[: min(n, 64)])  # warm-up
seconds = []
for _ in range(repeats):
    start = time.perf_counter()
    S, T = ntk_gram(X)
    seconds.append(time.perf_counter() - start)
print(json.dumps({
    "n": n, "seconds": seconds, "best": min(seconds),
    "checksum": {"nngp_sum": float(S.sum()), "ntk_sum": float(T.sum()), "ntk_01": float(T[0, 1]), "ntk_00": float(T[0, 0])},
    "numpy": np.__version__,
}))
