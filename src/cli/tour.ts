// `gandyn tour` (npm start): derive a small GAN's dynamics, print them as LaTeX,
// integrate them through a compiled kernel, and check the result three ways.

import type { Command } from 'commander';
import { print } from '../symbolic/print.ts';
import { evaluate } from '../symbolic/evaluate.ts';
import { compile } from '../compile/kernel.ts';
import { boundEvaluator } from '../compile/bound.ts';
import { fixedPoints, integrate, systemJacobian, systemLatex } from '../compile/dynamics.ts';
import { eigenvalues } from '../numeric/linalg.ts';
import { Rng } from '../numeric/rng.ts';
import { logLogFit } from '../numeric/stats.ts';
import {
  deriveQuadraticCriticGan, simulateQuadraticCriticSgd, CRITIC,
} from '../models/moment-matching/quadratic-critic.ts';
import type { Io } from './main.ts';

const fmt = (x: number, digits = 3) => (Math.abs(x) >= 1e-3 || Math.abs(x) < 1e-12 ? (Math.abs(x) < 1e-12 ? 0 : x).toFixed(digits) : x.toExponential(1));

export interface TourResult {
  passed: boolean;
  checks: Array<{ name: string; passed: boolean; detail: string }>;
}

export async function runTour(io: Io, opts: { seed?: number } = {}): Promise<TourResult> {
  const seed = opts.seed ?? 1;
  const checks: TourResult['checks'] = [];
  const check = (name: string, passed: boolean, detail: string) => {
    checks.push({ name, passed, detail });
    io.out(`   ${passed ? 'ok  ' : 'FAIL'} ${name}: ${detail}\n`);
  };
  const say = (s = '') => io.out(`${s}\n`);

  say('gan-dynamics tour: a GAN whose critic can only see two moments (papers.md D)');
  say(`   data y ~ N(mu, sigma^2), generator G(z) = theta + s*z, critic D(x) = ${CRITIC}, weight decay gamma`);
  say();

  say('1. Derive (Gaussian-expectation engine, then differentiation)');
  const t0 = performance.now();
  const d = deriveQuadraticCriticGan();
  const sys = d.system;
  say(`   E D(y)        = ${print(d.realTerm)}`);
  say(`   E D(G(z))     = ${print(d.fakeTerm)}`);
  say(`   L             = ${print(d.objective)}`);
  say('   critic ascends L, generator descends it at speed eta:');
  sys.state.forEach((s, i) => say(`   d${s}/dt = ${print(sys.drift[i])}`));
  say(`   (derived in ${(performance.now() - t0).toFixed(0)} ms)`);
  const rng = new Rng(seed);
  {
    const mc = 200_000, theta = 0.7, s = 1.3, a = 0.4, b = -0.9;
    let sum = 0, sum2 = 0;
    for (let i = 0; i < mc; i++) {
      const x = theta + s * rng.normal();
      const v = a * x + (b * x * x) / 2;
      sum += v; sum2 += v * v;
    }
    const mean = sum / mc, se = Math.sqrt((sum2 / mc - mean * mean) / mc);
    const exact = evaluate(d.fakeTerm, { a, b, theta, s });
    check('E D(G(z)) against Monte Carlo', Math.abs(exact - mean) <= 4 * se,
      `exact ${fmt(exact, 5)}, MC ${fmt(mean, 5)} ± ${fmt(se, 5)} (${mc} samples, |z| = ${fmt(Math.abs(exact - mean) / se, 2)} ≤ 4)`);
  }
  say();

  say('2. LaTeX');
  say(systemLatex(sys).split('\n').map((l) => `   ${l}`).join('\n'));
  say();

  const params = { mu: 1, sigma: 0.5, gamma: 0.5, eta: 1 };
  say(`3. Fixed points (Newton with the symbolic Jacobian) at ${Object.entries(params).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  const fps = fixedPoints(sys, params, { starts: { lower: [-1, -1, -2, 0.1], upper: [1, 1, 2, 2], count: 24, seed } });
  for (const fp of fps) {
    const eig = fp.eigenvalues.map((e) => `${fmt(e.re)}${e.im >= 0 ? '+' : '-'}${fmt(Math.abs(e.im))}i`).join(', ');
    say(`   (a, b, theta, s) = (${Array.from(fp.x, (v) => fmt(v)).join(', ')}): ${fp.kind}; eigenvalues ${eig}`);
  }
  const target = fps.find((fp) => Math.abs(fp.x[2] - params.mu) < 1e-9 && Math.abs(fp.x[3] - params.sigma) < 1e-9);
  check('the generator matching mean and std is a stable fixed point', target !== undefined && target.kind.startsWith('stable'),
    target ? `${target.kind}, residual ${target.residual.toExponential(1)}` : 'not found');
  say();

  const members = 1000, T = 200;
  say(`4. Integrate through the compiled kernel: ${members} members with random (mu, sigma) and initial states, RK4, T = ${T}`);
  const paramSets = Array.from({ length: members }, () => ({
    mu: rng.uniform() * 2 - 1, sigma: 0.3 + rng.uniform() * 1.2, gamma: params.gamma, eta: params.eta,
  }));
  const initial = Array.from({ length: members }, () => ({
    a: rng.uniform() * 2 - 1, b: rng.uniform() * 2 - 1, theta: rng.uniform() * 4 - 2, s: 0.2 + rng.uniform() * 1.8,
  }));
  const tInt = performance.now();
  const traj = integrate(sys, { params: paramSets, initial, t1: T, steps: 10_000, record: 'final' });
  const ms = performance.now() - tInt;
  const yT = traj.final;
  let worst = 0;
  for (let b = 0; b < members; b++) {
    worst = Math.max(worst, Math.abs(yT[b * 4 + 2] - paramSets[b].mu), Math.abs(yT[b * 4 + 3] - paramSets[b].sigma));
  }
  say(`   ran: ${traj.ran.reason} (${(members * 10_000 * 4 / ms / 1e3).toFixed(1)} M right-hand-side evaluations/s, ${ms.toFixed(0)} ms)`);
  // Each member's slowest mode decays like e^{alpha T}, alpha = max Re of the Jacobian's eigenvalues at its fixed point.
  const jac = compile(systemJacobian(sys).flat(), { inputs: sys.state, params: sys.params, backend: 'f64' });
  let alpha = -Infinity;
  for (const p of paramSets) {
    const J = jac.f64(Float64Array.of(0, 0, p.mu, p.sigma), Float64Array.of(p.mu, p.sigma, p.gamma, p.eta));
    for (const e of eigenvalues(Float64Array.from(J), 4)) alpha = Math.max(alpha, e.re);
  }
  const tol = 1e-6;
  check('every member converges to its own (mu, sigma)', worst < tol,
    `max |theta - mu|, |s - sigma| = ${worst.toExponential(2)} < ${tol}; slowest linear rate ${fmt(alpha)} gives e^{alpha T} = ${Math.exp(alpha * T).toExponential(1)}`);

  const f32 = compile(sys, { backend: 'webasm', precision: 'f32' });
  const states = new Float64Array(members * 4);
  const perParams = new Float64Array(members * 4);
  initial.forEach((s, b) => states.set([s.a, s.b, s.theta, s.s], b * 4));
  paramSets.forEach((p, b) => perParams.set([p.mu, p.sigma, p.gamma, p.eta], b * 4));
  const out32 = f32.run(states, perParams);
  const out64 = f32.f64(states, perParams);
  const bounds = boundEvaluator(sys.drift, { inputs: sys.state, params: sys.params });
  let worstRatio = 0, worstDiff = 0;
  for (let b = 0; b < members; b++) {
    const bb = bounds([...states.subarray(b * 4, b * 4 + 4), ...perParams.subarray(b * 4, b * 4 + 4)]);
    for (let i = 0; i < 4; i++) {
      const diff = Math.abs(out32[b * 4 + i] - out64[b * 4 + i]);
      worstDiff = Math.max(worstDiff, diff);
      worstRatio = Math.max(worstRatio, diff / bb[i].bound);
    }
  }
  check(`GPU.js kernel (${f32.backend}, f32) against its f64 twin`, worstRatio <= 1,
    `max |f32 - f64| = ${worstDiff.toExponential(2)}, at most ${fmt(worstRatio, 2)} of the rounding bound`);
  f32.dispose();
  say();

  say('5. Against a direct simulation with samples (stochastic gradients, no expectations)');
  const sgdParams = { mu: 1, sigma: 0.5, gamma: 0.5, eta: 1 };
  const start = [0.2, -0.3, -1, 1.5];
  const dt = 1e-3, T5 = 5;
  const ode = integrate(sys, {
    params: sgdParams, initial: [{ a: start[0], b: start[1], theta: start[2], s: start[3] }],
    t1: T5, steps: 5000, record: Array.from({ length: 51 }, (_, i) => i * 0.1),
  });
  const batches = [1, 4, 16, 64], seeds = 6;
  const deviations = batches.map((batch) => {
    let total = 0;
    for (let k = 0; k < seeds; k++) {
      const run = simulateQuadraticCriticSgd(sgdParams, start, { t1: T5, dt, batch, seed: seed * 1000 + k, recordEvery: 100 });
      let dev = 0;
      run.states.forEach((st, i) => {
        for (let c = 0; c < 4; c++) dev = Math.max(dev, Math.abs(st[c] - ode.y[i][c]));
      });
      total += dev;
    }
    return total / seeds;
  });
  const fit = logLogFit(batches, deviations);
  say(`   max over t in [0, ${T5}] of |SGD - ODE|, mean of ${seeds} seeds, dt = ${dt}:`);
  say(`   ${batches.map((b, i) => `batch ${b}: ${fmt(deviations[i], 4)}`).join(', ')}`);
  check('deviation shrinks like batch^(-1/2)', fit.slope >= -0.75 && fit.slope <= -0.25,
    `fitted slope ${fmt(fit.slope, 3)} ± ${fmt(fit.slopeStdErr ?? NaN, 3)} (band [-0.75, -0.25])`);
  say();

  const passed = checks.every((c) => c.passed);
  say(passed
    ? `All ${checks.length} checks passed. Next: \`gandyn verify\` runs the theorem checks, \`gandyn --help\` lists the commands.`
    : `${checks.filter((c) => !c.passed).length} of ${checks.length} checks FAILED.`);
  return { passed, checks };
}

export function registerTourCommand(program: Command, io: Io): void {
  program
    .command('tour')
    .description('derive, print, integrate and verify a small GAN (the default job)')
    .option('--seed <n>', 'seed', '1')
    .action(async (opts: { seed: string }) => {
      const result = await runTour(io, { seed: Number(opts.seed) });
      if (!result.passed) process.exitCode = 1;
    });
}
