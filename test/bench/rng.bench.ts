// Rng.fillNormal (src/numeric/rng.ts) into a preallocated Float64Array against NumPy's
// default_rng().standard_normal(out=buf) into a preallocated buffer (one thread each;
// test/bench/numpy_normals.py served by pyserve.py), and against a Box–Muller
// Math.random loop, through the fair harness (interleaved rounds, medians, median of
// per-round ratios). Goal: ≥ 1× NumPy. Different generators cannot agree element-wise:
// both outputs are checked for their law (mean, variance, fourth moment of the last
// round, each within 5 standard errors of N(0, 1)'s 0, 1, 3).
import { bench, describe } from 'vitest';
import { Rng } from '../../src/numeric/index.ts';
import { PyBaseline, compare, pythonHas } from './harness.ts';

const SIZES = [1_000_000, 10_000_000];

function boxMullerMathRandom(out: Float64Array): Float64Array {
  const n = out.length;
  for (let i = 0; i < n; i += 2) {
    const u1 = 1 - Math.random(); // (0, 1]
    const u2 = Math.random();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/** Mean, variance and E[x⁴] within 5 standard errors of 0, 1, 3 (Var x = 1, Var x² = 2, Var x⁴ = 96). */
function normalLaw(who: string, x: ArrayLike<number>): string {
  const n = x.length;
  let s1 = 0, s2 = 0, s4 = 0;
  for (let i = 0; i < n; i++) { const v = x[i], v2 = v * v; s1 += v; s2 += v2; s4 += v2 * v2; }
  const z = [Math.abs(s1 / n) / Math.sqrt(1 / n), Math.abs(s2 / n - 1) / Math.sqrt(2 / n), Math.abs(s4 / n - 3) / Math.sqrt(96 / n)];
  const worst = Math.max(...z);
  if (!(worst <= 5)) throw new Error(`${who}: moments of the normals are ${worst.toFixed(1)} standard errors off N(0, 1)`);
  return `${who} ${worst.toFixed(1)} SE`;
}

const status = pythonHas('numpy');
for (const n of SIZES) {
  const stream = new Rng(8);
  const buf = new Float64Array(n);
  const ours = { label: 'Rng.fillNormal (preallocated)', threads: 1, run: () => stream.fillNormal(buf) };
  if (status.ok) {
    const py = new PyBaseline('numpy_normals.py', 1);
    try {
      await compare({
        title: `${n} standard normals into a preallocated f64 buffer`,
        ours,
        baseline: py.side('NumPy default_rng().standard_normal(out=buf)', 'fill', { n }, true),
        rounds: 9,
        rate: { perCall: n / 1e6, unit: 'M normals/s' },
        goal: 1,
        check: (a, b) => `law (worst moment, limit 5): ${normalLaw('ours', a)}, ${normalLaw('NumPy', b!)}`,
      });
    } finally {
      await py.close();
    }
  } else {
    console.log(`rng bench: NumPy comparison skipped (${status.why})`);
  }
  const bm = new Float64Array(n);
  await compare({
    title: `${n} standard normals: ours against a Box–Muller Math.random loop`,
    ours,
    baseline: { label: 'Box–Muller over Math.random (preallocated)', threads: 1, run: () => boxMullerMathRandom(bm) },
    rounds: 9,
    rate: { perCall: n / 1e6, unit: 'M normals/s' },
    noCold: status.ok, // our first call was in the NumPy comparison
    check: (a, b) => `law (worst moment, limit 5): ${normalLaw('ours', a)}, ${normalLaw('Box–Muller', b)}`,
  });
}

describe('standard normals into a Float64Array (vitest timing; the fair comparison prints above)', () => {
  const rng = new Rng(12345);
  const buf = new Float64Array(1_000_000);
  bench('Rng.fillNormal n=1e6', () => { rng.fillNormal(buf); }, { time: 500 });
});
