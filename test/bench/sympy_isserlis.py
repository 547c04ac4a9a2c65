#!/usr/bin/env python3
"""SymPy baseline for test/bench/gaussian.bench.ts.

E[x1^2 x2^2 x3^2 x4^2] for x ~ N(0, S) with a fully symbolic 4x4 covariance S
(10 symbols s11, s12, ..., s44), computed two ways and timed (best of R runs,
each from a fresh cache):

  mgf       the moment generating function: d^8/dt1^2..dt4^2 exp(t'St/2) at t = 0,
            then expand (what a SymPy user writes; sympy.stats.E on a
            MultivariateNormal is far slower: it did not finish in 120 s here,
            pass --stats to try it with a time limit);
  pairings  Isserlis by enumerating the 105 pairings, then expand.

Prints one JSON line: timings, SymPy version, and the polynomial (str) so that
the bench can check that SymPy and gaussianExpectation agree.
"""
import json
import signal
import sys
import time

try:
    import sympy as sp
    from sympy.core.cache import clear_cache
except ImportError as err:  # the bench reports this and skips the comparison
    print(json.dumps({"error": f"sympy not available: {err}"}))
    sys.exit(0)

REPEATS = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 3
S = sp.Matrix(4, 4, lambda i, j: sp.Symbol(f"s{min(i, j) + 1}{max(i, j) + 1}"))


def by_mgf():
    t = sp.symbols("t1:5")
    T = sp.Matrix(t)
    d = sp.exp((T.T * S * T)[0] / 2)
    for ti in t:
        d = sp.diff(d, ti, 2)
    return sp.expand(d.subs({ti: 0 for ti in t}))


def pairings(idx):
    if not idx:
        yield []
        return
    a = idx[0]
    for k in range(1, len(idx)):
        for rest in pairings(idx[1:k] + idx[k + 1:]):
            yield [(a, idx[k])] + rest


def by_pairings():
    idx = [0, 0, 1, 1, 2, 2, 3, 3]
    return sp.expand(sp.Add(*[sp.Mul(*[S[i, j] for i, j in p]) for p in pairings(idx)]))


def by_stats():
    from sympy.stats import E, MultivariateNormal
    X = MultivariateNormal("X", [0, 0, 0, 0], S)
    return sp.expand(E(X[0] ** 2 * X[1] ** 2 * X[2] ** 2 * X[3] ** 2))


def best_time(f, repeats):
    best, result = float("inf"), None
    for _ in range(repeats):
        clear_cache()
        t0 = time.perf_counter()
        result = f()
        best = min(best, time.perf_counter() - t0)
    return best, result


out = {"sympy": sp.__version__, "python": sys.version.split()[0]}
out["mgf_seconds"], mgf = best_time(by_mgf, REPEATS)
out["pairings_seconds"], pairs = best_time(by_pairings, max(REPEATS, 10))
out["agree"] = sp.expand(mgf - pairs) == 0
out["terms"] = len(mgf.args)
out["polynomial"] = str(mgf)
if "--stats" in sys.argv:
    def on_alarm(*_):
        raise TimeoutError
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(60)
    try:
        out["stats_seconds"], _ = best_time(by_stats, 1)
    except TimeoutError:
        out["stats_seconds"] = "did not finish in 60 s"
    signal.alarm(0)
print(json.dumps(out))
