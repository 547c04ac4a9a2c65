// A phase diagram of 10^4 (eta, tau) points of the solvable GAN (d = 1), each one's derived
// ODE integrated to T = 50 with RK4 (dt = 0.05, 1000 steps), against a vectorised NumPy RK4
// over all members at once (test/bench/phase_numpy.py: the drift exported from the same
// System by exportExpr(…, 'numpy'), collected once into per-member coefficient arrays, the
// same flush below 1e-100), through the fair harness:
//   1 thread:  phaseDiagram() (the fused f64 twin) against NumPy with 1 BLAS thread;
//   2 threads: phaseDiagramAsync() (members split over 2 threads, same bits) against NumPy
//              with 2 BLAS threads (its element-wise ufuncs use one thread whatever the count).
// Ours also reads the phases off 41 records per member; NumPy only integrates. The check:
// every member's final state, element-wise. Goal (issue 16): ≥ 2× vectorised NumPy.
import { bench, describe } from 'vitest';
import { phaseDiagram, phaseDiagramAsync, deriveOverlapOde, paramValues, overlapsRecord, defaultInit, defaultSpec } from '../../src/models/solvable-gan/index.ts';
import { exportExpr } from '../../src/symbolic/index.ts';
import { PyBaseline, checkClose, compare, pythonHas } from './harness.ts';

const GRID = 100, T = 50, DT = 0.05; // T = 50 (1000 steps) keeps the NumPy side at seconds per call
const etas = Array.from({ length: GRID }, (_, i) => 0.5 + (i * 4.5) / (GRID - 1));
const taus = Array.from({ length: GRID }, (_, i) => 0.02 + (i * 0.98) / (GRID - 1));
const base = defaultSpec(1);
const opts = { base, etas, taus, T, dt: DT };

const status = pythonHas('numpy');
if (!status.ok) {
  console.log(`phase bench: NumPy comparison skipped (${status.why})`);
} else {
  const system = deriveOverlapOde(1, base.normalization);
  const symbols = [...system.state, ...system.params];
  const drift = system.drift.map((e) => exportExpr(e, 'numpy', { symbols }));
  const rename = (n: string) => drift[0].renamed[n] ?? n;
  const P = new Float64Array(GRID * GRID * system.params.length);
  let k = 0;
  for (const tau of taus) for (const eta of etas) {
    const v = paramValues({ ...base, tau, eta_T: eta, eta_G: eta });
    for (const p of system.params) P[k++] = v[p];
  }
  const x0 = overlapsRecord(defaultInit(1), 1);
  for (const threads of [1, 2]) {
    const py = new PyBaseline('phase_numpy.py', threads);
    try {
      const info = await py.call('setup', {
        state: system.state.map(rename), params: system.params.map(rename), drift: drift.map((x) => x.code),
        P_path: py.file('params.f64', P), y0: system.state.map((s) => x0[s]),
      });
      let path = '';
      await compare({
        title: `solvable-GAN phase diagram, ${GRID * GRID} members × ${Math.round(T / DT)} RK4 steps (d = 1, f64), ${threads} thread${threads > 1 ? 's' : ''}`,
        ours: threads === 1
          ? { label: 'phaseDiagram() batched (fused f64 twin, collected, flush < 1e-100) + phases', threads: 1, run: () => { const r = phaseDiagram(opts); path = r.path; return r; } }
          : { label: 'phaseDiagramAsync() (the same, members split over threads) + phases', threads, run: async () => { const r = await phaseDiagramAsync({ ...opts, threads }); path = r.path; return r; } },
        baseline: py.side(`NumPy ${String(info.numpy)} vectorised RK4 over all members (flush < 1e-100)${threads > 1 ? '; BLAS threads set to 2, but its ufuncs run on one thread' : ''}`,
          'rk4', { T, steps: Math.round(T / DT), flush: 1e-100 }, true),
        rounds: 3,
        warmup: 0,
        goal: 2,
        // Different operation orders (ours: polynomials collected once per member) round differently.
        check: (r, np) => `${checkClose('final states', r.final, np!, { rel: 1e-8, abs: 1e-12 })}; ours ran: ${path}`,
      });
    } finally {
      await py.close();
    }
  }
}

describe('phase diagram, 20×20 points to T = 200 (vitest timing; the fair comparison prints above)', () => {
  const small = { base, etas: etas.filter((_, i) => i % 5 === 0), taus: taus.filter((_, i) => i % 5 === 0), T: 200 };
  bench('batched', () => { phaseDiagram({ ...small, batched: true }); }, { iterations: 3, time: 0 });
});
