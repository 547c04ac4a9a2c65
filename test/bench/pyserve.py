"""Serves the operations of one Python baseline script to test/bench/harness.ts.

usage: python3 pyserve.py SCRIPT.py

SCRIPT.py defines OPS = {name: function(**args)}. Each stdin line is a JSON request
{"op": name, "args": {...}, "dump": path-or-null}; the reply (one stdout line) is
{"seconds": perf_counter time of the call alone, ...info} where info is the dict the
function returned under "info" (if any; callables there run after the timing). When "dump" is a path, the function's
returned arrays ("arrays": [ndarray, ...]) are written there, float64, row-major,
one after the other, for the element-wise check. Errors reply {"error": "..."}.

The harness starts this process with OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset and
the BLAS thread count set; "__env__" reports what the process sees.
"""
import json
import os
import runpy
import sys
import time
import traceback


def main():
    script = sys.argv[1]
    ops = runpy.run_path(script, run_name="baseline")["OPS"]
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            op = req["op"]
            if op == "__env__":
                keys = ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"]
                reply = {"seconds": 0.0, "env": {k: os.environ.get(k) for k in keys}}
            else:
                fn = ops[op]
                t0 = time.perf_counter()
                out = fn(**req.get("args", {}))
                seconds = time.perf_counter() - t0
                out = out or {}
                # info values that are callables run after the timing (e.g. str() of a result)
                info = {k: (v() if callable(v) else v) for k, v in out.get("info", {}).items()}
                reply = {"seconds": seconds, **info}
                if req.get("dump"):
                    import numpy as np
                    with open(req["dump"], "wb") as f:
                        for a in out.get("arrays", []):
                            np.ascontiguousarray(a, dtype=np.float64).tofile(f)
            sys.stdout.write(json.dumps(reply) + "\n")
        except Exception as exc:  # reported to the bench, which fails with it
            sys.stdout.write(json.dumps({"error": f"{type(exc).__name__}: {exc} {traceback.format_exc(limit=2)}"}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
