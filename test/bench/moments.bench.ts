// The method-of-moments theory's two heavy computations against NumPy in the same run
// (test/bench/moments_numpy.py, served by pyserve.py; one BLAS thread), through the fair
// harness: interleaved rounds, medians, median of per-round ratios, outputs checked
// element-wise.
//   1. The empirical third-moment tensor of n samples in R^50 (empiricalMomentTensor: the
//      C(52, 3) = 22100 sorted entries accumulated per sample, then symmetrised) against
//      chunked np.einsum('ni,nj,nk->ijk', optimize=True). The issue asks n = 10^6:
//      BENCH_MOMENTS_N=1000000 (default 10^5 keeps the bench short on a shared machine).
//   2. The symbolic moments of a generator with m = 10 hidden units, σ = t³ (Isserlis
//      pattern formulas in the Gram matrix), order 4, d = 50: the unit-moment tensor (ours
//      only: NumPy has no counterpart) and its contraction E[x^⊗4] = M ×₁A ⋯ ×₄A
//      (multilinearProduct) against np.einsum('abcd,ia,jb,kc,ld->ijkl', optimize=True).
import { bench, describe } from 'vitest';
import { Rng, empiricalMomentTensor, multilinearProduct } from '../../src/numeric/index.ts';
import { parseGenerator, sampleGenerator, UnitMoments, generatorMoments } from '../../src/models/moments/index.ts';
import { PyBaseline, checkClose, compare, fmtSeconds, median, pythonHas } from './harness.ts';

const N = Number(process.env.BENCH_MOMENTS_N ?? 100_000);
const D = 50, M = 10, ROUNDS = 3;
const gen = parseGenerator({ d: D, m: M, k: M, activation: 't^3', seed: 7 });

function unitCoreTiming(): { seconds: number; core: Float64Array } {
  const times: number[] = [];
  let core: Float64Array = new Float64Array(0);
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    core = new UnitMoments(gen).tensor(4).core;
    times.push((performance.now() - t0) / 1000);
  }
  return { seconds: median(times), core };
}

const status = pythonHas('numpy');
if (!status.ok) {
  console.log(`moments bench: NumPy comparisons skipped (${status.why})`);
} else {
  const py = new PyBaseline('moments_numpy.py', 1);
  try {
    const X = sampleGenerator({ ...gen, activation: parseGenerator({ d: 1, m: 1, activation: 'tanh' }).activation }, N, new Rng(3));
    await compare({
      title: `third-moment tensor of n = ${N} samples in R^${D} (tanh generator, m = ${M})`,
      ours: { label: 'empiricalMomentTensor (sorted entries, Float64Array loops)', threads: 1, run: () => empiricalMomentTensor(X, N, D, 3) },
      baseline: {
        label: 'NumPy chunked einsum(ni,nj,nk->ijk, optimize=True)', threads: 1, selfTimed: true,
        prepare: async () => { await py.call('load', { path: py.file('x.f64', X), n: N, d: D }); },
        run: async () => { const r = await py.call('moment3', {}, true); return { output: r.data!, seconds: r.seconds }; },
      },
      rounds: ROUNDS,
      check: (a, b) => checkClose('every entry of E[x⊗x⊗x]', a, b, { rel: 1e-9, abs: 1e-12 }),
    });

    const { seconds, core } = unitCoreTiming();
    console.log(`\n■ unit-moment tensor E[σ(u_a)σ(u_b)σ(u_c)σ(u_d)], m = ${M}, σ = t³ (715 sorted entries from 5 Isserlis pattern formulas in G): median ${fmtSeconds(seconds)} (ours only)`);
    await compare({
      title: `E[x^⊗4] = M ×₁A ×₂A ×₃A ×₄A, m = ${M}, d = ${D} (${D ** 4} entries)`,
      ours: { label: 'multilinearProduct (mode by mode, Float64Array loops)', threads: 1, run: () => multilinearProduct(core, M, gen.A, D, 4) },
      baseline: {
        label: 'NumPy einsum(abcd,ia,jb,kc,ld->ijkl, optimize=True)', threads: 1, selfTimed: true,
        prepare: async () => { await py.call('load_core', { M: py.file('m.f64', core), A: py.file('a.f64', gen.A), m: M, d: D }); },
        run: async () => { const r = await py.call('contract4', {}, true); return { output: r.data!, seconds: r.seconds }; },
      },
      rounds: ROUNDS,
      check: (a, b) => checkClose('every entry of E[x^⊗4]', a, b, { rel: 1e-10, abs: 1e-300 }),
    });
  } finally {
    await py.close();
  }
}

describe('moments (vitest timing; the fair comparisons print above)', () => {
  bench(`generatorMoments order 4, m = ${M}, d = ${D}, σ = t³`, () => { generatorMoments(gen, 4); }, { time: 500 });
});
