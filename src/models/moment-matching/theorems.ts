// The checks of the two-moment critic GAN (the tour's model), as theorems: the
// derived expectation against Monte Carlo, convergence of an ensemble through the
// compiled kernel (with its f32 kernel inside the rounding bound), and the n^-1/2
// approach of sample-based SGD to the derived ODE.

import type { CheckOptions, Figure, Theorem, Verdict } from '../../core/index.ts';
import { evaluate } from '../../symbolic/index.ts';
import { compile, boundEvaluator } from '../../compile/index.ts';
import { fixedPoints, integrate, systemJacobian } from '../../compile/index.ts';
import { eigenvalues, Rng, logLogFit } from '../../numeric/index.ts';
import { deriveQuadraticCriticGan, simulateQuadraticCriticSgd } from './quadratic-critic.ts';

const fmt = (x: number, digits = 3) => (Math.abs(x) >= 1e-3 || Math.abs(x) < 1e-12 ? (Math.abs(x) < 1e-12 ? 0 : x).toFixed(digits) : x.toExponential(1));

function verdict(id: string, started: number, figures: Figure[], summary: string, extra = true): Verdict {
  const passed = extra && figures.every((f) => f.tolerance === undefined || Math.abs(f.value) <= f.tolerance);
  return { id, passed, figures, summary, seconds: (performance.now() - started) / 1000 };
}

/** The default parameters of the checks. */
export const QUADRATIC_CRITIC_PARAMS = { mu: 1, sigma: 0.5, gamma: 0.5, eta: 1 };

export const expectationTheorem: Theorem = {
  id: 'quadratic-critic-expectation',
  title: 'The derived generator term E D(G(z)) equals its Monte Carlo estimate',
  source: 'Gaussian moments (Isserlis) applied to the critic D(x) = a x + b x²/2',
  statement: String.raw`\mathbb{E}_{z \sim \mathcal{N}(0,1)}\Big[a(\theta + s z) + \tfrac{b}{2}(\theta + s z)^2\Big] = a\theta + \tfrac{b}{2}(\theta^2 + s^2)`,
  hypotheses: ['z ~ N(0, 1)', 'the derivation uses no sample: it is the symbolic Gaussian expectation'],
  check(opts: CheckOptions = {}): Verdict {
    const started = performance.now();
    const rng = new Rng(opts.seed ?? 1);
    const d = deriveQuadraticCriticGan();
    const mc = Math.round(200_000 * (opts.effort ?? 1)), theta = 0.7, s = 1.3, a = 0.4, b = -0.9;
    let sum = 0, sum2 = 0;
    for (let i = 0; i < mc; i++) {
      const x = theta + s * rng.normal();
      const v = a * x + (b * x * x) / 2;
      sum += v; sum2 += v * v;
    }
    const mean = sum / mc, se = Math.sqrt((sum2 / mc - mean * mean) / mc);
    const exact = evaluate(d.fakeTerm, { a, b, theta, s });
    const z = Math.abs(exact - mean) / se;
    return verdict(this.id, started, [{ name: '|exact − MC| / SE', value: z, tolerance: 4, note: `${mc} samples; 4 SE: two-sided 6e-5` }],
      `exact ${fmt(exact, 5)}, MC ${fmt(mean, 5)} ± ${fmt(se, 5)} (${mc} samples, |z| = ${fmt(z, 2)} ≤ 4)`);
  },
};

export const fixedPointTheorem: Theorem = {
  id: 'quadratic-critic-fixed-point',
  title: 'The generator matching mean and standard deviation is a stable fixed point',
  source: 'Linear stability of the derived gradient flow (symbolic Jacobian, Newton)',
  statement: String.raw`(a, b, \theta, s) = (0, 0, \mu, \sigma) \text{ is a fixed point with } \max \operatorname{Re} \lambda(J) < 0 \text{ for } \gamma > 0`,
  hypotheses: ['weight decay γ > 0', 'σ > 0', 'parameters (μ, σ, γ, η) = (1, 0.5, 0.5, 1)'],
  check(opts: CheckOptions = {}): Verdict {
    const started = performance.now();
    const sys = deriveQuadraticCriticGan().system;
    const fps = fixedPoints(sys, QUADRATIC_CRITIC_PARAMS, { starts: { lower: [-1, -1, -2, 0.1], upper: [1, 1, 2, 2], count: 24, seed: opts.seed ?? 1 } });
    const target = fps.find((fp) => Math.abs(fp.x[2] - QUADRATIC_CRITIC_PARAMS.mu) < 1e-9 && Math.abs(fp.x[3] - QUADRATIC_CRITIC_PARAMS.sigma) < 1e-9);
    const maxRe = target ? Math.max(...target.eigenvalues.map((e) => e.re)) : Infinity;
    const figures: Figure[] = [
      { name: 'max Re eigenvalue at (0, 0, μ, σ)', value: maxRe, note: 'must be negative' },
      { name: 'Newton residual', value: target?.residual ?? Infinity, tolerance: 1e-10 },
    ];
    const stable = target !== undefined && maxRe < 0 && target.kind.startsWith('stable');
    return verdict(this.id, started, figures, target ? `${target.kind}, max Re λ = ${fmt(maxRe)}, residual ${target.residual.toExponential(1)}` : 'fixed point not found', stable);
  },
};

export const ensembleTheorem: Theorem = {
  id: 'quadratic-critic-ensemble',
  title: 'Every member of an ensemble converges to its own (μ, σ); the f32 kernel stays inside its rounding bound',
  source: 'Integration of the derived ODE through the compiled kernel (RK4, fused f64 twin) and its GPU.js f32 kernel',
  statement: String.raw`\max_b \big(|\theta_b(T) - \mu_b|, |s_b(T) - \sigma_b|\big) < 10^{-6}, \quad |f_{32} - f_{64}| \le \text{bound}`,
  hypotheses: ['1000 members with μ ∈ [−1, 1], σ ∈ [0.3, 1.5], γ = 0.5, η = 1', 'T = 200 with 10⁴ RK4 steps'],
  check(opts: CheckOptions = {}): Verdict {
    const started = performance.now();
    const sys = deriveQuadraticCriticGan().system;
    const rng = new Rng(opts.seed ?? 1);
    const members = Math.max(10, Math.round(1000 * (opts.effort ?? 1))), T = 200;
    const paramSets = Array.from({ length: members }, () => ({ mu: rng.uniform() * 2 - 1, sigma: 0.3 + rng.uniform() * 1.2, gamma: 0.5, eta: 1 }));
    const initial = Array.from({ length: members }, () => ({ a: rng.uniform() * 2 - 1, b: rng.uniform() * 2 - 1, theta: rng.uniform() * 4 - 2, s: 0.2 + rng.uniform() * 1.8 }));
    const traj = integrate(sys, { params: paramSets, initial, t1: T, steps: 10_000, record: 'final' });
    const yT = traj.final;
    let worst = 0;
    for (let b = 0; b < members; b++) worst = Math.max(worst, Math.abs(yT[b * 4 + 2] - paramSets[b].mu), Math.abs(yT[b * 4 + 3] - paramSets[b].sigma));
    // each member's slowest mode decays like e^{alpha T}, alpha = max Re of the Jacobian at its fixed point
    const jac = compile(systemJacobian(sys).flat(), { inputs: sys.state, params: sys.params, backend: 'f64' });
    let alpha = -Infinity;
    for (const p of paramSets) {
      const J = jac.f64(Float64Array.of(0, 0, p.mu, p.sigma), Float64Array.of(p.mu, p.sigma, p.gamma, p.eta));
      for (const e of eigenvalues(Float64Array.from(J), 4)) alpha = Math.max(alpha, e.re);
    }
    const f32 = compile(sys, { backend: 'webasm', precision: 'f32' });
    const states = new Float64Array(members * 4), perParams = new Float64Array(members * 4);
    initial.forEach((s, b) => states.set([s.a, s.b, s.theta, s.s], b * 4));
    paramSets.forEach((p, b) => perParams.set([p.mu, p.sigma, p.gamma, p.eta], b * 4));
    const out32 = f32.run(states, perParams), out64 = f32.f64(states, perParams);
    const bounds = boundEvaluator(sys.drift, { inputs: sys.state, params: sys.params });
    let worstRatio = 0;
    for (let b = 0; b < members; b++) {
      const bb = bounds([...states.subarray(b * 4, b * 4 + 4), ...perParams.subarray(b * 4, b * 4 + 4)]);
      for (let i = 0; i < 4; i++) worstRatio = Math.max(worstRatio, Math.abs(out32[b * 4 + i] - out64[b * 4 + i]) / bb[i].bound);
    }
    const backend = f32.backend;
    f32.dispose();
    return verdict(this.id, started, [
      { name: 'max |θ − μ|, |s − σ| at T', value: worst, tolerance: 1e-6, note: `slowest linear rate ${fmt(alpha)}: e^{αT} = ${Math.exp(alpha * T).toExponential(1)}` },
      { name: 'max |f32 − f64| / rounding bound', value: worstRatio, tolerance: 1 },
    ], `${members} members: max deviation ${worst.toExponential(2)} (ran: ${traj.ran.reason}); f32 kernel (${backend}) at ${fmt(worstRatio, 2)} of its rounding bound`);
  },
};

export const sgdRateTheorem: Theorem = {
  id: 'quadratic-critic-sgd-rate',
  title: 'Sample-based SGD approaches the derived ODE like batch^(-1/2)',
  source: 'Diffusion approximation of SGD (fluctuations of order (dt/batch)^(1/2) around the gradient flow)',
  statement: String.raw`\mathbb{E}\max_{t \le T}\|x^{\mathrm{SGD}}_t - x^{\mathrm{ODE}}_t\| \propto \mathrm{batch}^{-1/2}`,
  hypotheses: ['dt = 10⁻³, T = 5, fresh real and fake samples each step', 'slope band [−0.75, −0.25] over batch 1..64, 6 seeds each'],
  check(opts: CheckOptions = {}): Verdict {
    const started = performance.now();
    const sys = deriveQuadraticCriticGan().system;
    const start = [0.2, -0.3, -1, 1.5], dt = 1e-3, T = 5;
    const ode = integrate(sys, {
      params: QUADRATIC_CRITIC_PARAMS, initial: [{ a: start[0], b: start[1], theta: start[2], s: start[3] }],
      t1: T, steps: 5000, record: Array.from({ length: 51 }, (_, i) => i * 0.1),
    });
    const batches = [1, 4, 16, 64], seeds = Math.max(2, Math.round(6 * (opts.effort ?? 1)));
    const deviations = batches.map((batch) => {
      let total = 0;
      for (let k = 0; k < seeds; k++) {
        const run = simulateQuadraticCriticSgd(QUADRATIC_CRITIC_PARAMS, start, { t1: T, dt, batch, seed: (opts.seed ?? 1) * 1000 + k, recordEvery: 100 });
        let dev = 0;
        run.states.forEach((st, i) => { for (let c = 0; c < 4; c++) dev = Math.max(dev, Math.abs(st[c] - ode.y[i][c])); });
        total += dev;
      }
      return total / seeds;
    });
    const fit = logLogFit(batches, deviations);
    return verdict(this.id, started, [
      { name: 'fitted slope + 1/2', value: fit.slope + 0.5, tolerance: 0.25, note: `slope ${fmt(fit.slope, 3)} ± ${fmt(fit.slopeStdErr ?? NaN, 3)}` },
    ], `${batches.map((b, i) => `batch ${b}: ${fmt(deviations[i], 4)}`).join(', ')}; fitted slope ${fmt(fit.slope, 3)} ± ${fmt(fit.slopeStdErr ?? NaN, 3)} (band [−0.75, −0.25])`);
  },
};

export const quadraticCriticTheorems: readonly Theorem[] = [expectationTheorem, fixedPointTheorem, ensembleTheorem, sgdRateTheorem];
