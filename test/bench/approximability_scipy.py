"""SciPy baseline for test/bench/approximability.bench.ts: exact W1 between two uniform
empirical measures of n points in R^d, as the assignment problem on the Euclidean cost
matrix (scipy.spatial.distance.cdist + scipy.optimize.linear_sum_assignment, the
Jonker-Volgenant-type solver of SciPy), the same LP optimum our transportW1 computes by
successive shortest paths.

Served by pyserve.py:
  OPS["load"](x, y, n, d)
  OPS["w1"]()   -> [W1]
"""
import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

S = {}


def load(x, y, n, d):
    S["x"] = np.fromfile(x, dtype=np.float64).reshape(n, d)
    S["y"] = np.fromfile(y, dtype=np.float64).reshape(n, d)
    return {}


def w1():
    C = cdist(S["x"], S["y"])
    r, c = linear_sum_assignment(C)
    return {"arrays": [np.array([C[r, c].mean()])]}


OPS = {"load": load, "w1": w1}
