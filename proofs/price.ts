// Price's theorem ∂E[φ(u)ψ(v)]/∂c = E[φ′(u)ψ′(v)] for a zero-mean Gaussian pair with
// covariance [[q1, c], [c, q2]]. Two checks per activation pair:
//  (1) symbolic: diff.ts's derivative in c of the closed form of E[φψ] equals the
//      closed form of E[φ′ψ′] (φ′, ψ′ also from diff.ts), evaluated at random
//      covariances (and proved identically zero by simplify.ts where it can);
//  (2) numeric: a Richardson-extrapolated central difference in c of E[φψ] computed
//      by quadrature (polar rule split along u = 0 and v = 0, f64-accurate for these
//      integrands), against the closed form of E[φ′ψ′].

import type { Theorem, Verdict, Figure, CheckOptions } from '../src/core/index.ts';
import { type Expr, sym, mul, add, neg } from '../src/symbolic/index.ts';
import { parse } from '../src/symbolic/index.ts';
import { evaluate } from '../src/symbolic/index.ts';
import { diff } from '../src/symbolic/index.ts';
import { simplify } from '../src/symbolic/index.ts';
import { gaussianExpectation } from '../src/symbolic/index.ts';
import { expectation2dPolar } from '../src/numeric/index.ts';
import { Rng } from '../src/numeric/index.ts';

/** φ(u)ψ(v) pairs whose classical derivatives are the weak ones (no step: its derivative is δ). */
const PAIRS: Array<[string, string]> = [
  ['relu(u)', 'relu(v)'], // arc-cosine 1 → arc-cosine 0
  ['erf(u)', 'erf(v)'], // Williams → (4/π)/√((1+2q1)(1+2q2) − 4c²)
  ['erf(2*u)', 'erf(v/2)'],
  ['relu(u)', 'erf(v)'],
  ['abs(u)', 'abs(v)'],
  ['relu(-u)', 'abs(2*v)'],
  ['sin(u)', 'sin(v)'],
  ['cos(u)', 'cos(2*v)'],
  ['relu(u)', 'sin(v)'],
  ['exp(u/2)', 'exp(v)'],
  ['u', 'relu(v)'],
];

const COV: Expr[][] = [[sym('q1'), sym('c')], [sym('c'), sym('q2')]];
const E = (e: Expr) => gaussianExpectation(e, ['u', 'v'], COV);

function compile(text: string, variable: 'u' | 'v'): (x: number) => number {
  const e = parse(text);
  const env: Record<string, number> = { [variable]: 0 };
  return (x) => { env[variable] = x; return evaluate(e, env); };
}

export const theorem: Theorem = {
  id: 'price',
  title: "Price's theorem for Gaussian pairs",
  source: 'R. Price, IRE Trans. Inf. Theory 4 (1958); as used for dual activations in Daniely et al. (2016), docs/ntk-kernels.md F.2',
  statement: String.raw`(u, v) \sim \mathcal{N}\!\left(0, \begin{pmatrix} q_1 & c \\ c & q_2 \end{pmatrix}\right):\quad
\frac{\partial}{\partial c}\, \mathbb{E}[\varphi(u)\,\psi(v)] = \mathbb{E}[\varphi'(u)\,\psi'(v)],
\quad\text{e.g.}\ \frac{\partial}{\partial c}\,\frac{\sqrt{q_1 q_2 - c^2} + (\pi - \theta)\,c}{2\pi} = \frac{\pi - \theta}{2\pi},\ \theta = \arccos\frac{c}{\sqrt{q_1 q_2}}.`,
  hypotheses: [
    'zero mean, |c| < √(q1 q2) (non-degenerate pair)',
    'φ, ψ absolutely continuous with derivatives of at most exponential growth; φ′, ψ′ are the classical (= weak) derivatives',
  ],
  check(opts: CheckOptions = {}): Verdict {
    const t0 = performance.now();
    const rng = new Rng(opts.seed ?? 3);
    const effort = opts.effort ?? 1;
    const points = Math.max(2, Math.round(6 * effort));
    let maxSymbolic = 0, worstSymbolic = '', provedZero = 0;
    let maxFdExcess = 0, maxFd = 0, worstFd = '';
    for (const [phi, psi] of PAIRS) {
      const product = mul(parse(phi), parse(psi));
      const closed = E(product);
      const derivativePair = E(mul(diff(parse(phi), 'u'), diff(parse(psi), 'v')));
      if (!closed.exact || !derivativePair.exact) throw new Error(`price: no closed form for ${phi}·${psi} or its derivative pair`);
      const dClosed = diff(closed.expr, 'c');
      try {
        const gap = simplify(add(dClosed, neg(derivativePair.expr)));
        if (gap.kind === 'num' && gap.p === 0) provedZero++;
      } catch { /* simplification is a bonus, not the check */ }
      const f1 = compile(phi, 'u'), f2 = compile(psi, 'v');
      for (let k = 0; k < points; k++) {
        const q1 = 0.3 + 1.7 * rng.uniform(), q2 = 0.3 + 1.7 * rng.uniform();
        const c = (2 * rng.uniform() - 1) * 0.9 * Math.sqrt(q1 * q2);
        const env = { q1, q2, c };
        const lhs = evaluate(dClosed, env), rhs = evaluate(derivativePair.expr, env);
        const rel = Math.abs(lhs - rhs) / Math.max(1, Math.abs(rhs));
        if (rel > maxSymbolic) { maxSymbolic = rel; worstSymbolic = `${phi}·${psi} at q1=${q1.toFixed(3)} q2=${q2.toFixed(3)} c=${c.toFixed(3)}: ${lhs} vs ${rhs}`; }
        // Finite differences of the quadrature value in c, Richardson-extrapolated at h and h/2.
        const Eq = (cc: number) => expectation2dPolar((u, v) => f1(u) * f2(v), [[q1, cc], [cc, q2]], [[1, 0], [0, 1]], { nAngle: 20, nRadius: 10, radius: 10 });
        const central = (h: number) => (Eq(c + h) - Eq(c - h)) / (2 * h);
        const h = 0.02 * Math.sqrt(q1 * q2);
        const [d1, d2, d4] = [central(h), central(h / 2), central(h / 4)];
        const rich1 = (4 * d2 - d1) / 3, rich2 = (4 * d4 - d2) / 3;
        // Tolerance from the observed convergence of the extrapolation, plus quadrature noise / h.
        const tol = 10 * Math.abs(rich1 - rich2) + 1e-12 / h + 1e-12;
        const err = Math.abs(rich2 - rhs);
        maxFd = Math.max(maxFd, err);
        if (err / tol > maxFdExcess) { maxFdExcess = err / tol; worstFd = `${phi}·${psi} at c=${c.toFixed(3)}: FD ${rich2} vs ${rhs} (tolerance ${tol.toExponential(1)})`; }
      }
    }
    const figures: Figure[] = [
      { name: `max relative gap |∂_c E[φψ] − E[φ′ψ′]| of the closed forms, ${PAIRS.length} pairs × ${points} covariances`, value: maxSymbolic, tolerance: 1e-10, note: worstSymbolic || 'f64 evaluation of two closed forms' },
      { name: 'pairs for which simplify() reduces ∂_c E[φψ] − E[φ′ψ′] to 0 symbolically (informative)', value: provedZero, note: `of ${PAIRS.length}` },
      { name: 'max |Richardson FD of the quadrature value − E[φ′ψ′]| / tolerance', value: maxFdExcess, tolerance: 1, note: `${worstFd}; largest absolute gap ${maxFd.toExponential(2)}` },
    ];
    const passed = figures.every((f) => f.tolerance === undefined || f.value <= f.tolerance);
    return {
      id: 'price',
      passed,
      figures,
      summary: `${PAIRS.length} activation pairs: closed-form derivative gap ${maxSymbolic.toExponential(1)} (simplify proves ${provedZero}/${PAIRS.length}); FD of quadrature within ${maxFdExcess.toFixed(2)}× its convergence tolerance`,
      seconds: (performance.now() - t0) / 1000,
    };
  },
};
