"""NumPy baselines for test/bench/moments.bench.ts, served by pyserve.py (OPS below).

moment3: the empirical third-moment tensor (1/n) sum_s x_s (x) x_s (x) x_s of n samples in
R^d with np.einsum, in chunks of rows so the n x d x d intermediate stays small:
    T += einsum('ni,nj,nk->ijk', Xc, Xc, Xc, optimize=True)   (BLAS for the last contraction)

contract4: E[x^{(x)4}] = M x1 A x2 A x3 A x4 A from the m^4 unit-moment tensor M and the d x m
matrix A, as np.einsum('abcd,ia,jb,kc,ld->ijkl', M, A, A, A, A, optimize=True).
"""
import numpy as np

S = {}


def load(path, n, d):
    S["X"] = np.fromfile(path, dtype=np.float64).reshape(n, d)
    return {"info": {"numpy": np.__version__}}


def moment3(chunk=4096):
    X = S["X"]
    n, d = X.shape
    T = np.zeros((d, d, d))
    for s in range(0, n, chunk):
        Xc = X[s:s + chunk]
        T += np.einsum("ni,nj,nk->ijk", Xc, Xc, Xc, optimize=True)
    T /= n
    return {"arrays": [T]}


def load_core(M, A, m, d):
    S["M"] = np.fromfile(M, dtype=np.float64).reshape(m, m, m, m)
    S["A"] = np.fromfile(A, dtype=np.float64).reshape(d, m)
    return {"info": {"numpy": np.__version__}}


def contract4():
    A = S["A"]
    return {"arrays": [np.einsum("abcd,ia,jb,kc,ld->ijkl", S["M"], A, A, A, A, optimize=True)]}


OPS = {"load": load, "moment3": moment3, "load_core": load_core, "contract4": contract4}
