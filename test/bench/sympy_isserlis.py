"""SymPy baselines for test/bench/gaussian.bench.ts, served by pyserve.py (OPS below).

E[x1^2 x2^2 x3^2 x4^2] for x ~ N(0, S) with a fully symbolic 4x4 covariance S
(10 symbols s11, s12, ..., s44), two routes:

  mgf       the moment generating function: d^8/dt1^2..dt4^2 exp(t'St/2) at t = 0,
            then expand (what a SymPy user writes; sympy.stats.E on a
            MultivariateNormal did not finish in 120 s here);
  pairings  Isserlis by enumerating the 105 pairings, then expand.

Each op takes clear (default False): clear SymPy's cache before the call. The first
call in the process is the cold one; later calls with clear=False are SymPy warm
(its cache kept, as a session would). The reply carries the polynomial (str) so that
the bench can check that SymPy and gaussianExpectation agree.
"""
import sympy as sp
from sympy.core.cache import clear_cache

S = sp.Matrix(4, 4, lambda i, j: sp.Symbol(f"s{min(i, j) + 1}{max(i, j) + 1}"))


def _mgf():
    t = sp.symbols("t1:5")
    T = sp.Matrix(t)
    d = sp.exp((T.T * S * T)[0] / 2)
    for ti in t:
        d = sp.diff(d, ti, 2)
    return sp.expand(d.subs({ti: 0 for ti in t}))


def _pairings(idx):
    if not idx:
        yield []
        return
    a = idx[0]
    for k in range(1, len(idx)):
        for rest in _pairings(idx[1:k] + idx[k + 1:]):
            yield [(a, idx[k])] + rest


def _by_pairings():
    idx = [0, 0, 1, 1, 2, 2, 3, 3]
    return sp.expand(sp.Add(*[sp.Mul(*[S[i, j] for i, j in p]) for p in _pairings(idx)]))


def mgf(clear=False):
    if clear:
        clear_cache()
    r = _mgf()
    return {"info": {"polynomial": lambda: str(r), "sympy": sp.__version__}}


def pairings(clear=False):
    if clear:
        clear_cache()
    r = _by_pairings()
    return {"info": {"polynomial": lambda: str(r), "sympy": sp.__version__}}


def version():
    return {"info": {"sympy": sp.__version__}}


OPS = {"mgf": mgf, "pairings": pairings, "version": version}
