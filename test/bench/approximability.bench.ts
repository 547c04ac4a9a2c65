// Exact W1 between two samples (the dilemma's distance, docs/approximability.md E.1):
// w1Samples (equal sizes: the Hungarian algorithm on the cost matrix, src/numeric/distances.ts)
// against SciPy's linear_sum_assignment on the cdist cost matrix, n = 300 points in d = 32,
// one thread each, through the fair harness; the two optima must agree to 1e-9 relative.
import { bench, describe } from 'vitest';
import { Rng, w1Samples } from '../../src/numeric/index.ts';
import { PyBaseline, checkClose, compare, pythonHas } from './harness.ts';

const n = 300, d = 32;
const rng = new Rng(12);
const X = rng.fillNormal(new Float64Array(n * d), 0, 1 / Math.sqrt(d)), Y = rng.fillNormal(new Float64Array(n * d), 0, 1 / Math.sqrt(d));
const ours = () => Float64Array.of(w1Samples(X, n, Y, n, d));

const status = pythonHas('numpy', 'scipy');
if (!status.ok) {
  console.log(`approximability bench: SciPy comparison skipped (${status.why})`);
} else {
  const py = new PyBaseline('approximability_scipy.py', 1);
  try {
    await py.call('load', { x: py.file('x.f64', X), y: py.file('y.f64', Y), n, d });
    await compare({
      title: `exact W1 of two samples, n = ${n}, d = ${d} (p = q = N(0, I/d))`,
      ours: { label: 'w1Samples (Hungarian, O(n³))', threads: 1, run: ours },
      baseline: py.side('scipy cdist + linear_sum_assignment', 'w1', {}, true) as never,
      rounds: 5,
      check: (a: Float64Array, b: Float64Array | null) => checkClose('W1', a, b!, { rel: 1e-9 }),
    });
  } finally {
    await py.close();
  }
}

describe('approximability (vitest timing; the fair comparison prints above)', () => {
  bench(`w1Samples, n = ${n}, d = ${d}`, () => { ours(); }, { time: 1000 });
});
