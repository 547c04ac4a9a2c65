// Stein's lemma E[g f(g)] = σ² E[f′(g)], for random f drawn from the expression
// grammar and differentiated by diff.ts. Each side is computed by piecewise
// Gauss–Legendre quadrature (split at f's kinks, so f64-accurate) and the
// identity is also checked by Monte Carlo of g f(g) − σ² f′(g) with its standard
// error. The multivariate form E[x_i f(x)] = Σ_j Σ_ij E[∂_j f(x)] is checked on
// closed forms from gaussianExpectation (symbolic covariance).

import type { Theorem, Verdict, Figure, CheckOptions } from '../src/core/index.ts';
import { type Expr, add, mul, pow, call, sym, rat, type FnName } from '../src/symbolic/index.ts';
import { parse } from '../src/symbolic/index.ts';
import { print } from '../src/symbolic/index.ts';
import { evaluate } from '../src/symbolic/index.ts';
import { diff } from '../src/symbolic/index.ts';
import { gaussianExpectation } from '../src/symbolic/index.ts';
import { kinkPoints } from '../src/symbolic/index.ts';
import { polyIn } from '../src/symbolic/index.ts';
import { expectation1dPiecewise } from '../src/numeric/index.ts';
import { Rng } from '../src/numeric/index.ts';

const Z_TOLERANCE = 4;
/** Functions whose classical derivative (diff.ts) is the weak one: no jumps (step) allowed. */
const SMOOTH_OR_LIPSCHITZ: FnName[] = ['sin', 'cos', 'tanh', 'erf', 'sigmoid', 'softplus', 'relu', 'abs'];

/** A random f(g): sums of c·φ(a g + b), c·g^k·φ(a g + b) and c·φ1(·)φ2(·), with |a| ≤ 2. */
function randomFunction(rng: Rng): Expr {
  const g = sym('g');
  const coeff = () => rat(Math.round(8 * rng.normal()) || 1, 4);
  const affine = () => add(mul(rat(Math.round(4 * rng.normal()) || 2, 2), g), rat(Math.round(4 * rng.normal()), 4));
  const atom = (): Expr => {
    const r = rng.int(10);
    if (r === 9) return call('exp', mul(rat(1, 4), affine()));
    return call(SMOOTH_OR_LIPSCHITZ[rng.int(SMOOTH_OR_LIPSCHITZ.length)], affine());
  };
  const terms: Expr[] = [];
  const n = 1 + rng.int(3);
  for (let k = 0; k < n; k++) {
    const shape = rng.int(3);
    if (shape === 0) terms.push(mul(coeff(), atom()));
    else if (shape === 1) terms.push(mul(coeff(), pow(g, rat(1 + rng.int(2))), atom()));
    else terms.push(mul(coeff(), atom(), atom()));
  }
  return add(...terms);
}

/** Zeros of the affine arguments a g + b of the calls in f (where tanh, erf, … change fastest). */
function transitionCentres(f: Expr): number[] {
  const out: number[] = [];
  const visit = (e: Expr): void => {
    if (e.kind === 'call') {
      try {
        const p = polyIn(e.args[0], ['g']);
        const a = p.terms.find((t) => t.exps[0] === 1), b = p.terms.find((t) => t.exps[0] === 0);
        if (a && p.terms.every((t) => t.exps[0] <= 1)) out.push(-(b ? evaluate(b.coeff, {}) : 0) / evaluate(a.coeff, {}));
      } catch { /* not affine */ }
      e.args.forEach(visit);
    } else if (e.kind === 'add') e.terms.forEach(visit);
    else if (e.kind === 'mul') e.factors.forEach(visit);
    else if (e.kind === 'pow') visit(e.base);
  };
  visit(f);
  return out.filter(Number.isFinite);
}

export const theorem: Theorem = {
  id: 'stein',
  title: "Stein's lemma (Gaussian integration by parts)",
  source: 'C. Stein, Ann. Statist. 9 (1981); multivariate form e.g. Liu (1994)',
  statement: String.raw`g \sim \mathcal{N}(0, \sigma^2),\ f \text{ absolutely continuous with } \mathbb{E}|f'(g)| < \infty:\quad
\mathbb{E}[g\, f(g)] = \sigma^2\, \mathbb{E}[f'(g)];\qquad
x \sim \mathcal{N}(0, \Sigma):\ \mathbb{E}[x_i f(x)] = \sum_j \Sigma_{ij}\, \mathbb{E}[\partial_j f(x)].`,
  hypotheses: [
    'f is absolutely continuous (kinks allowed, jumps not: step is excluded) and f, f′ grow at most like e^{|g|/2}',
    'f′ is the classical derivative from diff.ts, which equals the weak derivative for these f',
  ],
  check(opts: CheckOptions = {}): Verdict {
    const t0 = performance.now();
    const rng = new Rng(opts.seed ?? 2);
    const effort = opts.effort ?? 1;
    const cases = Math.max(4, Math.round(24 * effort));
    const samples = Math.max(2000, Math.round(40_000 * effort));
    let maxQuad = 0, maxZ = 0, worstQuad = '', worstZ = '';
    for (let k = 0; k < cases; k++) {
      const f = randomFunction(rng);
      const fp = diff(f, 'g');
      const variance = 0.2 + 2 * rng.uniform();
      const env: Record<string, number> = { g: 0 };
      const F = (x: number) => { env.g = x; return evaluate(f, env); };
      const Fp = (x: number) => { env.g = x; return evaluate(fp, env); };
      // Split at the kinks and at the centres of steep transitions; panels of 1/4 sd.
      const breaks = [...kinkPoints(f, 'g'), ...transitionCentres(f)];
      const lhs = expectation1dPiecewise((x) => x * F(x), 0, variance, breaks, 6, 24, 0.25);
      const rhs = variance * expectation1dPiecewise(Fp, 0, variance, breaks, 6, 24, 0.25);
      const rel = Math.abs(lhs - rhs) / Math.max(1, Math.abs(lhs));
      if (rel > maxQuad) { maxQuad = rel; worstQuad = `f = ${print(f)}, σ² = ${variance.toFixed(3)}: ${lhs} vs ${rhs}`; }
      // Monte Carlo of the difference g f(g) − σ² f′(g), mean 0 by the lemma.
      const r = rng.split();
      const sd = Math.sqrt(variance);
      let s = 0, s2 = 0;
      for (let n = 0; n < samples; n++) {
        const x = sd * r.normal();
        const v = x * F(x) - variance * Fp(x);
        s += v; s2 += v * v;
      }
      const mean = s / samples;
      const se = Math.sqrt(Math.max(0, s2 / samples - mean * mean) / (samples - 1));
      const z = se > 0 ? Math.abs(mean) / se : 0;
      if (z > maxZ) { maxZ = z; worstZ = `f = ${print(f)}: mean ${mean.toExponential(2)} ± ${se.toExponential(2)}`; }
    }
    // Multivariate form on closed forms (symbolic covariance, evaluated at random PSD points).
    const pairs = ['relu(u)*relu(v)', 'erf(u)*erf(2*v)', 'relu(u)*abs(v)', 'sin(u)*cos(v)', 'erf(u)*relu(v)', 'exp(u/2)*relu(v)', 'v^2*relu(u)'];
    const cov = [[sym('q1'), sym('c')], [sym('c'), sym('q2')]];
    let maxMulti = 0, worstMulti = '';
    for (const text of pairs) {
      const f = parse(text);
      const lhs = gaussianExpectation(mul(sym('u'), f), ['u', 'v'], cov).expr;
      const rhs = add(
        mul(sym('q1'), gaussianExpectation(diff(f, 'u'), ['u', 'v'], cov).expr),
        mul(sym('c'), gaussianExpectation(diff(f, 'v'), ['u', 'v'], cov).expr),
      );
      for (let k = 0; k < 4; k++) {
        const q1 = 0.2 + 2 * rng.uniform(), q2 = 0.2 + 2 * rng.uniform();
        const c = (2 * rng.uniform() - 1) * 0.95 * Math.sqrt(q1 * q2);
        const a = evaluate(lhs, { q1, q2, c }), b = evaluate(rhs, { q1, q2, c });
        const rel = Math.abs(a - b) / Math.max(1, Math.abs(a));
        if (rel > maxMulti) { maxMulti = rel; worstMulti = `f = ${text}: ${a} vs ${b}`; }
      }
    }
    const figures: Figure[] = [
      { name: `max |E[g f] − σ²E[f′]| / max(1, |E[g f]|) by piecewise quadrature over ${cases} random f`, value: maxQuad, tolerance: 1e-10, note: worstQuad || 'piecewise Gauss–Legendre split at the kinks: ~1e-13' },
      { name: `max |mean|/SE of g f(g) − σ² f′(g) (N = ${samples} samples each)`, value: maxZ, tolerance: Z_TOLERANCE, note: worstZ },
      { name: `max relative gap of the multivariate form on ${pairs.length} closed forms × 4 covariances`, value: maxMulti, tolerance: 1e-11, note: worstMulti || 'closed forms evaluated in f64' },
    ];
    const passed = figures.every((fg) => fg.tolerance === undefined || fg.value <= fg.tolerance);
    return {
      id: 'stein',
      passed,
      figures,
      summary: `${cases} random f: quadrature gap ${maxQuad.toExponential(1)}, max MC |z| ${maxZ.toFixed(2)}; multivariate closed forms gap ${maxMulti.toExponential(1)}`,
      seconds: (performance.now() - t0) / 1000,
    };
  },
};
