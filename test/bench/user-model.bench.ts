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
//  3. the same for the tanh committee K = 2, M = 1 (5 states; 33 numeric expectations in
//     groups of up to 3 variables, src/compile/expectation.ts), 2 initial states to T = 1
//     at rtol 1e-8: our compiled rule (emitted loop nests) inside dopri5 against the same
//     rule in NumPy (same covariances and integrands exported as NumPy, same Cholesky,
//     node spacing, ball and shifted grids) inside solve_ivp RK45.
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bench, describe } from 'vitest';
import { integrate, ExpectationEvaluator, EXPECTATION_TOLERANCE, EXPECTATION_RADIUS, EXPECTATION_MAX_STEP } from '../../src/compile/index.ts';
import { exportSystem, type System, type Expr, ZERO, systemExpectations } from '../../src/symbolic/index.ts';
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

// ---- 3. the tanh committee (numeric expectations) ----
const tanhModel = parseModelText(readFileSync(new URL('../../examples/models/committee-tanh.json', import.meta.url), 'utf8')
  .replace('"K": 2, "M": 2', '"K": 2, "M": 1').replace(/"initial": \{[^}]*\}/, '"initial": {}'));
const tanhOde = deriveModelOde(tanhModel);
const tanhE = systemExpectations(tanhOde);
const TD = tanhOde.state.length, TB = 2, TT = 1, tanhTimes = Array.from({ length: 5 }, (_, i) => i * 0.25);
const tanhParams: Record<string, number> = Object.fromEntries(tanhModel.params.map((p) => [p.name, p.default]));
const tanhY0 = new Float64Array(TB * TD);
for (let b = 0; b < TB; b++) {
  tanhOde.state.forEach((s, k) => {
    const self = /^Q(\d)\1$/.test(s) || s === 'Q';
    tanhY0[b * TD + k] = self ? 0.5 + 0.3 * b : 0.1 * (1 + b) * (s.startsWith('R') ? 1 : 0.5);
  });
}
const tanhOurs = () => {
  const initial = Array.from({ length: TB }, (_, b) => Object.fromEntries(tanhOde.state.map((s, k) => [s, tanhY0[b * TD + k]])));
  const tr = integrate(tanhOde, { params: tanhParams, initial, t1: TT, method: 'dopri5', rtol: 1e-8, atol: 1e-10, record: tanhTimes });
  const out = new Float64Array(tanhTimes.length * TB * TD);
  for (let r = 0; r < tanhTimes.length; r++) for (let b = 0; b < TB; b++) for (let k = 0; k < TD; k++) out[(r * TB + b) * TD + k] = tr.y[r][b * TD + k];
  return out;
};

/** Exported NumPy of exprs as the drift of a System over `state` (padded with unused names or zero entries to equal lengths). */
function exportExprs(dir: string, name: string, state: readonly string[], params: readonly string[], exprs: readonly Expr[]): { path: string; statePad: number } {
  const statePad = Math.max(0, exprs.length - state.length);
  const padded = [...state, ...Array.from({ length: statePad }, (_, i) => `pad${i + 1}`)];
  const drift = [...exprs, ...Array.from({ length: Math.max(0, padded.length - exprs.length) }, () => ZERO)];
  const path = join(dir, `${name}.py`);
  writeFileSync(path, exportSystem({ state: padded, params, drift } as System, 'numpy').text);
  return { path, statePad };
}

if (status.ok && tanhE.length) {
  const dir = mkdtempSync(join(tmpdir(), 'user-model-tanh-bench-'));
  const names = tanhE.map((q) => q.name);
  const driftPath = exportExprs(dir, 'drift', tanhOde.state, [...tanhOde.params, ...names], tanhOde.drift).path;
  const ev = new ExpectationEvaluator(tanhOde);
  const groups = ev.plan.map((g, i) => {
    const cov = exportExprs(dir, `cov${i}`, tanhOde.state, tanhOde.params, g.cov);
    const f = exportExprs(dir, `f${i}`, g.vars, [], g.integrands);
    return { d: g.d, members: g.members, cov: cov.path, covPad: cov.statePad, integrands: f.path, fPad: f.statePad, scales: g.scales };
  });
  const plan = join(dir, 'plan.json');
  writeFileSync(plan, JSON.stringify({
    drift: driftPath, nE: tanhE.length, D: TD, groups,
    rule: { tolerance: EXPECTATION_TOLERANCE, radius: EXPECTATION_RADIUS, maxStep: EXPECTATION_MAX_STEP },
  }));
  const py = new PyBaseline('user_model_scipy.py', 1);
  try {
    await py.call('load_numeric', { plan, y0: py.file('tanh-y0.f64', tanhY0), params: tanhOde.params.map((p) => tanhParams[p]), B: TB });
    await compare({
      title: `user-model: the derived tanh committee ODE K = 2, M = 1 (${TD} states, ${tanhE.length} numeric expectations in ${ev.plan.length} groups), ${TB} initial states, T = ${TT}, dopri5/RK45 at rtol 1e-8, atol 1e-10, ${tanhTimes.length} records`,
      ours: { label: 'integrate() dopri5, compiled rule (emitted loop nests) + compiled drift', threads: 1, run: tanhOurs },
      baseline: py.side('scipy solve_ivp RK45, the same rule in NumPy, exported NumPy drift', 'run_numeric', { t1: TT, rtol: 1e-8, atol: 1e-10, times: tanhTimes }, true) as never,
      rounds: 3, goal: 1,
      // the same right-hand side up to rounding, two adaptive integrators at rtol 1e-8
      check: (a: Float64Array, b: Float64Array | null) => checkClose('records', a, b!, { rel: 1e-6, abs: 1e-8 }),
    });
  } finally {
    await py.close();
  }
}

describe('user-model (vitest timing; the fair comparison prints above)', () => {
  bench(`integrate the K = M = 2 committee ODE, ${B} members, to T = ${T}`, () => { ours(); }, { time: 1000 });
});
