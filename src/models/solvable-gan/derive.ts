// Derives the macroscopic ODE of the solvable GAN (papers.md A.2–A.4) from its
// microscopic online-SGD update: the expected one-step change of every overlap to
// order 1/n, computed with the high-dimensional vector algebra and the Gaussian
// expectation engine. Nothing here is transcribed from the paper's equations.

import { type Expr, ONE, ZERO, add, mul, pow, rat, sym, sub } from '../../symbolic/expr.ts';
import { expand, polyFromExpr, polyTerms } from '../../symbolic/poly.ts';
import {
  type HighDimSpace, type Vec, H, vec, vadd, vscale, inner, normalize, coefficientOfH,
  projectionCovariance,
} from '../../symbolic/highdim.ts';
import { gaussianExpectation } from '../../symbolic/gaussian.ts';
import type { System } from '../../symbolic/system.ts';
import { type Normalization, entryName, vectorEntryName, paramNames, stateNames } from './spec.ts';

const sigmaT = sym('sigma_T'), sigmaG = sym('sigma_G');

/** Replaces sigma^(2k) by eta^k; an odd power left after the expectation is a bug. */
function noiseAmplitudesToVariances(e: Expr): Expr {
  const out: Expr[] = [];
  for (const t of polyTerms(polyFromExpr(e))) {
    const factors = t.factors.map((f) => {
      if (f.key !== 'sigma_T' && f.key !== 'sigma_G') return pow(f.atom, rat(f.exp));
      if (f.exp % 2 !== 0) throw new Error(`odd power of ${f.key} survived the expectation`);
      return pow(sym(f.key === 'sigma_T' ? 'eta_T' : 'eta_G'), rat(f.exp / 2));
    });
    out.push(mul(t.coeff, ...factors));
  }
  return expand(add(...out));
}

interface Microscopic {
  space: HighDimSpace;
  /** One step of the update, as vectors to order h. */
  wNew: Vec;
  vNew: Vec[];
  latent: { vars: string[]; variances: Expr[] };
}

function microscopicStep(d: number, normalization: Normalization): Microscopic {
  const u = Array.from({ length: d }, (_, j) => `u${j + 1}`);
  const v = Array.from({ length: d }, (_, l) => `v${l + 1}`);
  const gram = (x: string, y: string): Expr => {
    if (x > y) [x, y] = [y, x];
    const kx = x[0], ky = y[0];
    const ix = Number(x.slice(1)) - 1, iy = Number(y.slice(1)) - 1;
    if (kx === 'w' && ky === 'w') return ONE;
    if (kx === 'u' && ky === 'u') return ix === iy ? ONE : ZERO;
    if (kx === 'u' && ky === 'v') return sym(entryName('P', ix, iy, d));
    if (kx === 'u' && ky === 'w') return sym(vectorEntryName('q', ix, d));
    if (kx === 'v' && ky === 'v') return ix === iy ? ONE : sym(entryName('S', Math.min(ix, iy), Math.max(ix, iy), d));
    if (kx === 'v' && ky === 'w') return sym(vectorEntryName('r', ix, d));
    throw new Error(`no overlap for ${x}, ${y}`);
  };
  const space: HighDimSpace = { directions: [...u, ...v, 'w'], gram, noises: ['a', 'at'] };
  const c = u.map((_, j) => sym(`c${j + 1}`));
  const ct = v.map((_, l) => sym(`ct${l + 1}`));
  const tau = sym('tau'), tauG = sym('tau_g');

  const w = vec(['w', ONE]);
  const y = vadd(vec(...u.map((x, j) => [x, c[j]] as const)), vec(['a', sigmaT]));
  const yFake = vadd(vec(...v.map((x, l) => [x, ct[l]] as const)), vec(['at', sigmaG]));
  const s = inner(space, y, w);
  const sFake = inner(space, yFake, w);

  // Discriminator: ascend F(yᵀw) − F(ỹᵀw), F(x) = x²/2; then w ← w/‖w‖.
  const gradW = vadd(vscale(y, s), vscale(yFake, mul(rat(-1), sFake)));
  const wNew = normalize(space, vadd(w, vscale(gradW, mul(H, tau))));

  // Generator: ascend ½(ỹᵀw)² in V with the old w and the same fake sample.
  const r = v.map((vm) => gram(vm, 'w'));
  const vNew = v.map((vl, l) => {
    const vCol = vec([vl, ONE]);
    // column: ΔV = s̃ w c̃ᵀ; oja: ΔV = s̃ (I − VVᵀ) w c̃ᵀ = s̃ (w − V r) c̃ᵀ; then each column renormalised.
    const direction = normalization === 'column'
      ? w
      : vadd(w, vec(...v.map((vm, m) => [vm, mul(rat(-1), r[m])] as const)));
    return normalize(space, vadd(vCol, vscale(direction, mul(H, tauG, sFake, ct[l]))));
  });

  const latentVars = [...c.map((x) => x.name), ...ct.map((x) => x.name)];
  const variances = [
    ...u.map((_, j) => sym(d === 1 ? 'lambda' : `lambda${j + 1}`)),
    ...v.map((_, l) => sym(d === 1 ? 'lambda_g' : `lambda_g${l + 1}`)),
  ];
  return { space, wNew, vNew, latent: { vars: latentVars, variances } };
}

/** n · E[overlap after one step − overlap before], as h → 0. */
function expectedRate(m: Microscopic, after: Expr, before: Expr): Expr {
  const zeroth = expand(sub(coefficientOfH(after, 0), before));
  if (polyTerms(polyFromExpr(zeroth)).length !== 0) {
    throw new Error('derivation: the order-1 part of an overlap update is not the old overlap');
  }
  const first = coefficientOfH(after, 1);
  const proj = projectionCovariance(m.space);
  const vars = [...m.latent.vars, ...proj.vars];
  const k = m.latent.vars.length;
  const cov: Expr[][] = vars.map((_, i) => vars.map((__, j) => {
    if (i < k || j < k) return i === j && i < k ? m.latent.variances[i] : ZERO;
    return proj.cov[i - k][j - k];
  }));
  const result = gaussianExpectation(first, vars, cov);
  if (!result.exact) throw new Error('derivation: expected an exact (polynomial) expectation');
  return noiseAmplitudesToVariances(result.expr);
}

/**
 * The macroscopic ODE of the solvable GAN with d features: states P, q, r (and S
 * for d > 1), derived from the microscopic update, for either normalisation.
 */
export function deriveOverlapOde(d: number, normalization: Normalization = 'column'): System {
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`d must be an integer ≥ 1, got ${d}`);
  const m = microscopicStep(d, normalization);
  const space = m.space;
  const u = (j: number) => vec([`u${j + 1}`, ONE]);
  const after = new Map<string, Expr>();
  for (let j = 0; j < d; j++) for (let l = 0; l < d; l++) after.set(entryName('P', j, l, d), inner(space, u(j), m.vNew[l]));
  for (let j = 0; j < d; j++) after.set(vectorEntryName('q', j, d), inner(space, u(j), m.wNew));
  for (let l = 0; l < d; l++) after.set(vectorEntryName('r', l, d), inner(space, m.vNew[l], m.wNew));
  for (let l = 0; l < d; l++) {
    for (let k = l + 1; k < d; k++) after.set(entryName('S', l, k, d), inner(space, m.vNew[l], m.vNew[k]));
  }
  const state = stateNames(d);
  const drift = state.map((name) => expectedRate(m, after.get(name)!, sym(name)));
  return { state, params: paramNames(d), drift };
}
