// A phase diagram of 10^4 (eta, tau) points of the solvable GAN (d = 1), each one's derived
// ODE integrated to T = 50 with RK4 (dt = 0.05, 1000 steps), against a vectorised NumPy RK4
// over all members at once (test/bench/phase_numpy.py: the drift exported from the same
// System by exportExpr(…, 'numpy'), collected once into per-member coefficient arrays, the
// same flush below 1e-100), through the fair harness:
//   1 thread:  phaseDiagram() (the fused f64 twin) against NumPy with 1 BLAS thread;
//   2 threads: phaseDiagramAsync() (members split over 2 threads, same bits) against NumPy
//              with 2 BLAS threads (its element-wise ufuncs use one thread whatever the count);
//   f32:       phaseDiagram({ precision: 'f32' }) (the fused f32 webasm kernel, its phases checked
//              in f64 after the run) against the same NumPy, 1 thread, and against phaseDiagram()
//              (f64) in the same process; checked: phases equal f64's.
// Ours also reads the phases off 41 records per member; NumPy only integrates. The check:
// every member's final state, element-wise. Goal (issue 16): ≥ 2× vectorised NumPy.
import { bench, describe } from 'vitest';
import { F32_MARGIN, phaseDiagram, phaseDiagramAsync, deriveOverlapOde, paramValues, overlapsRecord, defaultInit, defaultSpec } from '../../src/models/solvable-gan/index.ts';
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
      if (threads === 1) {
        // the opt-in f32 kernel, its phases checked in f64 after the run (F32Check); the claim is the
        // phases: every cell equal to the f64 diagram's. Its final states are f32 ones, compared
        // loosely (F32_MARGIN, the margin of the check) only to show they are the same trajectories.
        const reference = phaseDiagram(opts);
        await compare({
          title: `solvable-GAN phase diagram, ${GRID * GRID} members × ${Math.round(T / DT)} RK4 steps (d = 1), f32 kernel + f64 check, 1 thread`,
          ours: { label: "phaseDiagram({ precision: 'f32' }) (fused f32 webasm kernel, members near a boundary/threshold + a sample re-run in f64) + phases", threads: 1, run: () => { const r = phaseDiagram({ ...opts, precision: 'f32' }); path = r.path; return r; } },
          baseline: py.side(`NumPy ${String(info.numpy)} vectorised RK4 over all members, f64 (flush < 1e-100)`, 'rk4', { T, steps: Math.round(T / DT), flush: 1e-100 }, true),
          rounds: 3,
          warmup: 0,
          goal: 2,
          check: (r, np) => {
            const same = r.ode.every((row, i) => row.every((p, j) => p === reference.ode[i][j]));
            if (!same) throw new Error(`f32 phases differ from the f64 diagram's (${path})`);
            return `phases equal the f64 diagram's on all ${GRID * GRID} cells; ${checkClose('final states (f32)', r.final, np!, { rel: F32_MARGIN, abs: F32_MARGIN })}; ours ran: ${path}`;
          },
        });
        // whether f32 pays end to end: the same diagram in f32 (+ its check) against f64, one process
        await compare({
          title: `solvable-GAN phase diagram, ${GRID * GRID} members × ${Math.round(T / DT)} RK4 steps (d = 1): f32 + f64 check against f64, 1 thread`,
          ours: { label: "phaseDiagram({ precision: 'f32' })", threads: 1, run: () => phaseDiagram({ ...opts, precision: 'f32' }) },
          baseline: { label: 'phaseDiagram() (f64)', threads: 1, run: () => phaseDiagram(opts) },
          rounds: 7,
          noCold: true,
          check: (a, b) => {
            if (JSON.stringify(a.ode) !== JSON.stringify(b.ode)) throw new Error('f32 phases differ from the f64 ones');
            return `phases equal on all ${GRID * GRID} cells`;
          },
        });
      }
    } finally {
      await py.close();
    }
  }
}

describe('phase diagram, 20×20 points to T = 200 (vitest timing; the fair comparison prints above)', () => {
  const small = { base, etas: etas.filter((_, i) => i % 5 === 0), taus: taus.filter((_, i) => i % 5 === 0), T: 200 };
  bench('batched', () => { phaseDiagram({ ...small, batched: true }); }, { iterations: 3, time: 0 });
});
