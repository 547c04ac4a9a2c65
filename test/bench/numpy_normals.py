"""NumPy baseline for test/bench/rng.bench.ts, served by pyserve.py (OPS below).

fill(n): rng.standard_normal(out=buf) into a preallocated buffer of n doubles
(default_rng(12345), PCG64 + NumPy's ziggurat), matching Rng.fillNormal into a
preallocated Float64Array. With dump, the buffer comes back for the law check.
"""
import numpy as np

rng = np.random.default_rng(12345)
BUF = {}


def fill(n):
    buf = BUF.get(n)
    if buf is None:
        buf = BUF[n] = np.empty(n)
    rng.standard_normal(out=buf)
    return {"arrays": [buf], "info": {"numpy": np.__version__}}


OPS = {"fill": fill}
