"""NumPy baseline for test/bench/solvable-gan.bench.ts: the online SGD of the solvable GAN
(docs/solvable-gan.md A.2, column normalisation), vectorised per step, the same loop as
src/models/solvable-gan/simulate.ts: per step two fresh n-vectors of noise, two latent codes,
y = U c + sqrt(eta_T) a, y~ = V c~ + sqrt(eta_G) a~, the w and V updates with the old w, then
renormalisation of w and of each column of V. Buffers are preallocated (out=) so that NumPy is
measured at its best rather than at its allocator.

MODE 'full' is that literal loop (2n normals per step). MODE 'projected' is the simulator's
exact-in-law variant (n + 2 normals per step): a^T w and a~^T w are drawn as scalars and the
rest of the noise as sigma (b - (b^T w) w), so that both implementations can be compared like
for like in each mode.

Served by pyserve.py: OPS["run"](n, d, steps, mode, seed) runs from a fresh state and returns
the final overlaps P = U^T V, q = U^T w, r = V^T w (the bench checks their law against ours).
"""
import numpy as np


def make_state(n, d, rng):
    # Same initial overlaps as defaultInit(d): P = 0.1 I, q = 0.1, r = P^T q, S = I.
    m = 2 * d + 1
    G = np.eye(m)
    G[:d, d:2 * d] = 0.1 * np.eye(d)
    G[d:2 * d, :d] = 0.1 * np.eye(d)
    G[:d, 2 * d] = G[2 * d, :d] = 0.1
    G[d:2 * d, 2 * d] = G[2 * d, d:2 * d] = 0.01
    L = np.linalg.cholesky(G)
    Q, _ = np.linalg.qr(rng.standard_normal((n, m)))
    X = Q @ L.T
    return np.ascontiguousarray(X[:, :d]), np.ascontiguousarray(X[:, d:2 * d]), X[:, 2 * d].copy()


def run(n, d, steps, U, V, w, rng, tau=0.2, tau_g=0.04, eta_T=2.0, eta_G=2.0):
    lam = np.array([3.0 + 2 * i for i in range(d)])
    sq_lam = np.sqrt(lam)
    sq_eT, sq_eG = np.sqrt(eta_T), np.sqrt(eta_G)
    eps, eps_g = tau / n, tau_g / n
    a = np.empty(n)
    at = np.empty(n)
    y = np.empty(n)
    yt = np.empty(n)
    for _ in range(steps):
        c = rng.standard_normal(d) * sq_lam
        ct = rng.standard_normal(d) * sq_lam
        rng.standard_normal(out=a)
        rng.standard_normal(out=at)
        np.dot(U, c, out=y)
        y += sq_eT * a
        np.dot(V, ct, out=yt)
        yt += sq_eG * at
        s = y @ w
        st = yt @ w
        V += np.outer(w, (eps_g * st) * ct)  # old w
        w += (eps * s) * y
        w -= (eps * st) * yt
        w /= np.sqrt(w @ w)
        V /= np.sqrt(np.einsum('ij,ij->j', V, V))
    return U, V, w


def run_projected(n, d, steps, U, V, w, rng, tau=0.2, tau_g=0.04, eta_T=2.0, eta_G=2.0):
    lam = np.array([3.0 + 2 * i for i in range(d)])
    sq_lam = np.sqrt(lam)
    sq_eT, sq_eG = np.sqrt(eta_T), np.sqrt(eta_G)
    eps, eps_g = tau / n, tau_g / n
    b = np.empty(n)
    yu = np.empty(n)
    yv = np.empty(n)
    for _ in range(steps):
        c = rng.standard_normal(d) * sq_lam
        ct = rng.standard_normal(d) * sq_lam
        alpha, alpha_t = rng.standard_normal(2)
        rng.standard_normal(out=b)
        s = (w @ U) @ c + sq_eT * alpha
        st = (w @ V) @ ct + sq_eG * alpha_t
        sigma = np.sqrt(eta_T * s * s + eta_G * st * st)
        beta = b @ w
        np.dot(U, c, out=yu)
        np.dot(V, ct, out=yv)
        V += np.outer(w, (eps_g * st) * ct)  # old w
        w *= 1 + eps * (s * sq_eT * alpha - st * sq_eG * alpha_t - sigma * beta)
        w += (eps * s) * yu
        w -= (eps * st) * yv
        w += (eps * sigma) * b
        w /= np.sqrt(w @ w)
        V /= np.sqrt(np.einsum('ij,ij->j', V, V))
    return U, V, w


def run_op(n, d, steps, mode="full", seed=1):
    """One run of `steps` steps from a fresh state (construction included, as in simulateSgd).
    Returns the final overlaps P = UᵀV (d×d, row-major), q = Uᵀw, r = Vᵀw."""
    rng = np.random.default_rng(seed)
    U, V, w = make_state(n, d, rng)
    loop = {"full": run, "projected": run_projected}[mode]
    loop(n, d, steps, U, V, w, rng)
    return {"arrays": [U.T @ V, U.T @ w, V.T @ w], "info": {"numpy": np.__version__}}


OPS = {"run": run_op}
