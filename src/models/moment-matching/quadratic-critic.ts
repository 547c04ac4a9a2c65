// The smallest GAN in which the method of moments is visible (docs/method-of-moments.md): data
// N(mu, sigma²), a generator G(z) = theta + s z, and a quadratic critic
// D(x) = a x + b x²/2 with weight decay gamma. The critic can only see the first
// two moments, so training drives the generator to match exactly those.
// The population gradient flow is derived, not written down: the objective is a
// Gaussian expectation computed symbolically, then differentiated.

import { type Expr, add, mul, rat, sym, pow, neg } from '../../symbolic/index.ts';
import { parse } from '../../symbolic/index.ts';
import { substitute } from '../../symbolic/index.ts';
import { diff } from '../../symbolic/index.ts';
import { simplify } from '../../symbolic/index.ts';
import { gaussianExpectation } from '../../symbolic/index.ts';
import type { System } from '../../symbolic/index.ts';
import { Rng } from '../../numeric/index.ts';
import { IntegrationError } from '../../core/index.ts';

export const CRITIC = 'a*x+b*x^2/2';
export const STATE = ['a', 'b', 'theta', 's'] as const;
export const PARAMS = ['mu', 'sigma', 'gamma', 'eta'] as const;

export interface QuadraticCriticDerivation {
  critic: Expr;
  /** E_{y~N(mu, sigma²)} D(y) */
  realTerm: Expr;
  /** E_{z~N(0,1)} D(theta + s z) */
  fakeTerm: Expr;
  /** L = E D(real) − E D(fake) − (gamma/2)(a² + b²) */
  objective: Expr;
  system: System;
}

/** Critic ascends L; generator descends it at relative speed eta. */
export function deriveQuadraticCriticGan(): QuadraticCriticDerivation {
  const critic = parse(CRITIC, { symbols: ['a', 'b', 'x'] });
  const z = sym('z');
  const expectOverZ = (x: Expr) => {
    const r = gaussianExpectation(substitute(critic, { x }), ['z'], [[rat(1)]]);
    if (!r.exact) throw new Error('expected an exact expectation for a polynomial critic');
    return simplify(r.expr);
  };
  const realTerm = expectOverZ(add(sym('mu'), mul(sym('sigma'), z)));
  const fakeTerm = expectOverZ(add(sym('theta'), mul(sym('s'), z)));
  const decay = mul(rat(1, 2), sym('gamma'), add(pow(sym('a'), rat(2)), pow(sym('b'), rat(2))));
  const objective = simplify(add(realTerm, neg(fakeTerm), neg(decay)));
  const eta = sym('eta');
  const drift = [
    diff(objective, 'a'),
    diff(objective, 'b'),
    mul(neg(eta), diff(objective, 'theta')),
    mul(neg(eta), diff(objective, 's')),
  ].map(simplify);
  return {
    critic, realTerm, fakeTerm, objective,
    system: { state: [...STATE], params: [...PARAMS], drift },
  };
}

export interface SgdRun {
  t: number[];
  /** states at the recorded times, [a, b, theta, s] each */
  states: Float64Array[];
}

/**
 * The same GAN trained directly on samples: simultaneous stochastic gradient
 * steps of size dt with `batch` fresh real and fake samples per step (no
 * expectation is taken anywhere). As dt·(1/batch) → 0 it follows the ODE.
 * A non-finite state stops the run with an IntegrationError whose `.partial` is
 * `{ t, series: { a, b, theta, s } }` up to the last recorded time.
 */
export function simulateQuadraticCriticSgd(
  params: { mu: number; sigma: number; gamma: number; eta: number },
  initial: readonly number[],
  opts: { t1: number; dt: number; batch: number; seed: number; recordEvery?: number },
): SgdRun {
  const rng = new Rng(opts.seed);
  const steps = Math.round(opts.t1 / opts.dt);
  const every = opts.recordEvery ?? 1;
  let [a, b, theta, s] = initial;
  const zr = new Float64Array(opts.batch), zf = new Float64Array(opts.batch);
  const t: number[] = [0];
  const states: Float64Array[] = [Float64Array.of(a, b, theta, s)];
  for (let k = 1; k <= steps; k++) {
    rng.fillNormal(zr);
    rng.fillNormal(zf);
    let ga = 0, gb = 0, gTheta = 0, gS = 0;
    for (let i = 0; i < opts.batch; i++) {
      const y = params.mu + params.sigma * zr[i];
      const x = theta + s * zf[i];
      ga += y - x;
      gb += (y * y - x * x) / 2;
      const dDdx = a + b * x; // ∂D/∂x at the fake sample; the generator ascends D(G(z))
      gTheta += dDdx;
      gS += dDdx * zf[i];
    }
    const m = opts.batch;
    const da = ga / m - params.gamma * a, db = gb / m - params.gamma * b;
    theta += opts.dt * params.eta * (gTheta / m);
    s += opts.dt * params.eta * (gS / m);
    a += opts.dt * da;
    b += opts.dt * db;
    if (!(Number.isFinite(a) && Number.isFinite(b) && Number.isFinite(theta) && Number.isFinite(s))) {
      const series = Object.fromEntries(STATE.map((name, c) => [name, states.map((x) => x[c])]));
      throw new IntegrationError(`SGD diverged at t = ${k * opts.dt} (step ${k}): (a, b, theta, s) = (${[a, b, theta, s].join(', ')}); `
        + `params: ${Object.entries(params).map(([n, v]) => `${n}=${v}`).join(', ')}, dt=${opts.dt}, batch=${opts.batch}`, { t: [...t], series });
    }
    if (k % every === 0 || k === steps) {
      t.push(k * opts.dt);
      states.push(Float64Array.of(a, b, theta, s));
    }
  }
  return { t, states };
}
