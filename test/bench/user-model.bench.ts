// User models (docs/user-models.md):
//  1. derivation time of the K = M = 3 soft committee machine (erf) from its model file:
//     15 overlap equations, every expectation in closed form. No baseline exists (no
//     public tool derives these ODEs); one cold and two warm runs are printed.
//  2. integrating the derived K = M = 2 committee ODE (7 states) for a batch of 64
//     initial states to T = 5 (dopri5, rtol 1e-10, atol 1e-12, 11 records) through the
//     compiled kernel, against scipy.integrate.solve_ivp (RK45, same tolerances and
//     records) of the same System exported as NumPy (exportSystem 'numpy'), the batch
//     broadcast through the drift, served by pyserve.py, one thread each; the records
//     are compared element-wise.
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bench, describe } from 'vitest';
import { integrate } from '../../src/compile/index.ts';
import { exportSystem } from '../../src/symbolic/index.ts';
import { Rng } from '../../src/numeric/index.ts';
import { parseModelText, deriveModelOde } from '../../src/models/user-model/index.ts';
import { PyBaseline, checkClose, compare, pythonHas, fmtSeconds, loadLine } from './harness.ts';

const committee = readFileSync(new URL('../../examples/models/committee-erf.json', import.meta.url), 'utf8');
{
  const text = committee.replace('"K": 2, "M": 2', '"K": 3, "M": 3').replace(/"initial": \{[^}]*\}/, '"initial": {}');
  const model = parseModelText(text);
  const times: number[] = [];
  let equations = 0;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    equations = deriveModelOde(model).state.length;
    times.push((performance.now() - t0) / 1000);
  }
  const warm = [...times.slice(1)].sort((a, b) => a - b);
  console.log(`user-model: derivation of the K = M = 3 erf committee machine (${equations} overlap equations, all closed forms): cold ${fmtSeconds(times[0])}, warm ${warm.map(fmtSeconds).join(', ')}; ${loadLine()}`);
}

const model = parseModelText(committee);
const ode = deriveModelOde(model);
const D = ode.state.length, B = 64;
const params: Record<string, number> = Object.fromEntries(model.params.map((p) => [p.name, p.default]));
const rng = new Rng(2);
const y0 = new Float64Array(B * D);
for (let b = 0; b < B; b++) {
  ode.state.forEach((s, k) => {
    const base = model.initial.get(s) ?? 0;
    y0[b * D + k] = base * (0.8 + 0.4 * rng.uniform());
  });
}
const T = 5, times = Array.from({ length: 11 }, (_, i) => i * 0.5);
const ours = () => {
  const initial = Array.from({ length: B }, (_, b) => Object.fromEntries(ode.state.map((s, k) => [s, y0[b * D + k]])));
  const tr = integrate(ode, { params, initial, t1: T, method: 'dopri5', rtol: 1e-10, atol: 1e-12, record: times });
  const out = new Float64Array(times.length * B * D);
  for (let r = 0; r < times.length; r++) for (let b = 0; b < B; b++) for (let k = 0; k < D; k++) out[(r * B + b) * D + k] = tr.y[r][b * D + k];
  return out;
};

const status = pythonHas('numpy', 'scipy');
if (!status.ok) {
  console.log(`user-model bench: SciPy comparison skipped (${status.why})`);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'user-model-bench-'));
  const module = join(dir, 'committee_ode.py');
  writeFileSync(module, exportSystem(ode, 'numpy').text);
  const py = new PyBaseline('user_model_scipy.py', 1);
  try {
    await py.call('load', { module, y0: py.file('y0.f64', y0), params: ode.params.map((p) => params[p]), B });
    await compare({
      title: `user-model: the derived K = M = 2 committee ODE (${D} states), ${B} initial states, T = ${T}, dopri5/RK45 at rtol 1e-10, atol 1e-12, ${times.length} records`,
      ours: { label: 'integrate() dopri5, compiled f64 kernel', threads: 1, run: ours },
      baseline: py.side('scipy solve_ivp RK45, exported NumPy drift, batch broadcast', 'run', { t1: T, rtol: 1e-10, atol: 1e-12, times }, true) as never,
      rounds: 3, goal: 1,
      // two adaptive integrators at the same tolerances agree to the tolerance, not bitwise
      check: (a: Float64Array, b: Float64Array | null) => checkClose('records', a, b!, { rel: 1e-7, abs: 1e-9 }),
    });
  } finally {
    await py.close();
  }
}

describe('user-model (vitest timing; the fair comparison prints above)', () => {
  bench(`integrate the K = M = 2 committee ODE, ${B} members, to T = ${T}`, () => { ours(); }, { time: 1000 });
});
