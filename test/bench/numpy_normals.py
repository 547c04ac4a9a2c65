"""Times NumPy's default_rng(seed).standard_normal(n) and prints normals/s as JSON.

Usage: python3 numpy_normals.py N [REPEATS] [SECONDS_PER_REPEAT]
Prints {"n": N, "alloc": {...}, "out": {...}, "numpy": "<version>"} or {"error": "..."}:
"alloc" times standard_normal(n) (a new array per call), "out" times
standard_normal(out=buf) into a preallocated buffer; each holds the rates of
the repeats (normals/s) and the best.
"""
import json
import sys
import time

try:
    import numpy as np
except ImportError as exc:  # the bench reports this and skips the NumPy line
    print(json.dumps({"error": f"numpy not importable: {exc}"}))
    sys.exit(0)

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 0.5

rng = np.random.default_rng(12345)
buf = np.empty(n)


def measure(draw):
    draw()  # warm-up
    rates = []
    for _ in range(repeats):
        calls = 0
        start = time.perf_counter()
        while True:
            draw()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                break
        rates.append(calls * n / elapsed)
    return {"rates": rates, "best": max(rates)}


alloc = measure(lambda: rng.standard_normal(n))
into = measure(lambda: rng.standard_normal(out=buf))
print(json.dumps({"n": n, "alloc": alloc, "out": into, "numpy": np.__version__}))
