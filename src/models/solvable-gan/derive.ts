// Derives the macroscopic ODE of the solvable GAN (docs/solvable-gan.md A.2–A.4) from its
// microscopic online-SGD update: the expected one-step change of every overlap to
// order 1/n, computed with the high-dimensional vector algebra and the Gaussian
// expectation engine. Nothing here is transcribed from the paper's equations.

import { type Expr, ONE, ZERO, add, mul, pow, rat, sym } from '../../symbolic/index.ts';
import { expand, polyFromExpr, polyIn, polyTerms } from '../../symbolic/index.ts';
import {
  type HighDimSpace, type Vec, H, vec, vadd, vscale, inner, normalize,
} from '../../symbolic/index.ts';
import { type OnlineStep, type OverlapVariable, overlapDrifts, coordinateSde } from '../../symbolic/index.ts';
import type { System } from '../../symbolic/index.ts';
import { type Normalization, entryName, vectorEntryName, paramNames, stateNames } from './spec.ts';
import { ArgumentError } from '../../core/index.ts';

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

/** Names of one coordinate's rescaled entries √n·u_ij, √n·v_il, √n·w_i. */
export function coordinateNames(d: number): { u: string[]; v: string[]; w: string } {
  const idx = (j: number) => (d === 1 ? '' : `_${j + 1}`);
  return {
    u: Array.from({ length: d }, (_, j) => `u_i${idx(j)}`),
    v: Array.from({ length: d }, (_, l) => `v_i${idx(l)}`),
    w: 'w_i',
  };
}

/**
 * One SGD step as vectors. With `coordinate`, the expansion is in k = n^{-1/2}
 * (h = k²) and a unit basis vector e = e_i joins the directions, with
 * eᵀu_j = k·û_j, eᵀv_l = k·v̂_l, eᵀw = k·ŵ: the rescaled coordinate i.
 */
function microscopicStep(d: number, normalization: Normalization, coordinate = false): Microscopic {
  const coord = coordinateNames(d);
  const k = sym('k');
  const u = Array.from({ length: d }, (_, j) => `u${j + 1}`);
  const v = Array.from({ length: d }, (_, l) => `v${l + 1}`);
  const gram = (x: string, y: string): Expr => {
    if (x > y) [x, y] = [y, x];
    const kx = x[0], ky = y[0];
    const ix = Number(x.slice(1)) - 1, iy = Number(y.slice(1)) - 1;
    if (kx === 'w' && ky === 'w') return ONE;
    if (kx === 'e') {
      if (ky === 'e') return ONE;
      const name = ky === 'u' ? coord.u[iy] : ky === 'v' ? coord.v[iy] : coord.w;
      return mul(k, sym(name));
    }
    if (kx === 'u' && ky === 'u') return ix === iy ? ONE : ZERO;
    if (kx === 'u' && ky === 'v') return sym(entryName('P', ix, iy, d));
    if (kx === 'u' && ky === 'w') return sym(vectorEntryName('q', ix, d));
    if (kx === 'v' && ky === 'v') return ix === iy ? ONE : sym(entryName('S', Math.min(ix, iy), Math.max(ix, iy), d));
    if (kx === 'v' && ky === 'w') return sym(vectorEntryName('r', ix, d));
    throw new Error(`no overlap for ${x}, ${y}`);
  };
  const space: HighDimSpace = coordinate
    ? { directions: ['e', ...u, ...v, 'w'], gram, noises: ['a', 'at'], small: 'k', smallPowerOfInverseN: 2 }
    : { directions: [...u, ...v, 'w'], gram, noises: ['a', 'at'] };
  const h = coordinate ? mul(k, k) : H;
  const order = coordinate ? 3 : 1;
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
  const wNew = normalize(space, vadd(w, vscale(gradW, mul(h, tau))), order);

  // Generator: ascend ½(ỹᵀw)² in V with the old w and the same fake sample.
  const r = v.map((vm) => gram(vm, 'w'));
  const vNew = v.map((vl, l) => {
    const vCol = vec([vl, ONE]);
    // column: ΔV = s̃ w c̃ᵀ; oja: ΔV = s̃ (I − VVᵀ) w c̃ᵀ = s̃ (w − V r) c̃ᵀ; then each column renormalised.
    const direction = normalization === 'column'
      ? w
      : vadd(w, vec(...v.map((vm, m) => [vm, mul(rat(-1), r[m])] as const)));
    return normalize(space, vadd(vCol, vscale(direction, mul(h, tauG, sFake, ct[l]))), order);
  });

  const latentVars = [...c.map((x) => x.name), ...ct.map((x) => x.name)];
  const variances = [
    ...u.map((_, j) => sym(d === 1 ? 'lambda' : `lambda${j + 1}`)),
    ...v.map((_, l) => sym(d === 1 ? 'lambda_g' : `lambda_g${l + 1}`)),
  ];
  return { space, wNew, vNew, latent: { vars: latentVars, variances } };
}

/** The step as the lifted derivation (src/symbolic/online.ts) reads it. */
function onlineStep(m: Microscopic): OnlineStep {
  const vars = m.latent.vars;
  const cov = vars.map((_, i) => vars.map((__, j) => (i === j ? m.latent.variances[i] : ZERO)));
  const next = new Map<string, Vec>([['w', m.wNew], ...m.vNew.map((v, l) => [`v${l + 1}`, v] as const)]);
  return { space: m.space, latent: { vars, cov }, next, after: noiseAmplitudesToVariances };
}

/**
 * The per-coordinate SDE (docs/solvable-gan.md A.5, the McKean–Vlasov limit): for one
 * coordinate i, the rescaled entries (√n u_ij, √n v_il, √n w_i) move by
 * drift·dt + diffusion·dB with drift = n·E[Δ] and diffusion² = n·E[Δ²] to
 * leading order. The overlaps P, q, r (S) enter as parameters: in the limit they
 * are moments of the law of the coordinates themselves.
 */
export function deriveCoordinateSde(d: number, normalization: Normalization = 'column'): System {
  if (!Number.isInteger(d) || d < 1) throw new ArgumentError(`d must be an integer ≥ 1, got ${d}`);
  const m = microscopicStep(d, normalization, true);
  const coord = coordinateNames(d);
  const rows = [
    ...coord.u.map((name) => ({ name, direction: null })),
    ...coord.v.map((name, l) => ({ name, direction: `v${l + 1}` })),
    { name: coord.w, direction: 'w' },
  ];
  const { drift, diffusion } = coordinateSde(onlineStep(m), rows);
  const overlaps = stateNames(d);
  return { state: rows.map((r) => r.name), params: [...paramNames(d), ...overlaps], drift, diffusion };
}

/** g² with sqrt(X)² written as X (a diffusion's square root is of a variance, X ≥ 0). */
export function squareOfDiffusion(g: Expr): Expr {
  const out: Expr[] = [];
  for (const t of polyTerms(polyFromExpr(mul(g, g)))) {
    out.push(mul(t.coeff, ...t.factors.map((f) => {
      const a = f.atom;
      if (a.kind === 'call' && a.fn === 'sqrt' && f.exp % 2 === 0) return pow(a.args[0], rat(f.exp / 2));
      return pow(a, rat(f.exp));
    })));
  }
  return expand(add(...out));
}

/**
 * The macroscopic ODE of the solvable GAN with d features: states P, q, r (and S
 * for d > 1), derived from the microscopic update, for either normalisation.
 */
export function deriveOverlapOde(d: number, normalization: Normalization = 'column'): System {
  if (!Number.isInteger(d) || d < 1) throw new ArgumentError(`d must be an integer ≥ 1, got ${d}`);
  const m = microscopicStep(d, normalization);
  const overlaps: OverlapVariable[] = [];
  for (let j = 0; j < d; j++) for (let l = 0; l < d; l++) overlaps.push({ name: entryName('P', j, l, d), a: `u${j + 1}`, b: `v${l + 1}` });
  for (let j = 0; j < d; j++) overlaps.push({ name: vectorEntryName('q', j, d), a: `u${j + 1}`, b: 'w' });
  for (let l = 0; l < d; l++) overlaps.push({ name: vectorEntryName('r', l, d), a: `v${l + 1}`, b: 'w' });
  for (let l = 0; l < d; l++) {
    for (let k = l + 1; k < d; k++) overlaps.push({ name: entryName('S', l, k, d), a: `v${l + 1}`, b: `v${k + 1}` });
  }
  const byName = new Map(overlaps.map((o) => [o.name, o] as const));
  const state = stateNames(d);
  const drift = overlapDrifts(onlineStep(m), state.map((name) => byName.get(name)!));
  return { state, params: paramNames(d), drift };
}

/**
 * Itô's rule for the second moments of the coordinate SDE:
 * d E[x_a x_b]/dt = E[x_a f_b + x_b f_a] + δ_ab E[g_a²], with E[x_a x_b] replaced by
 * the overlap it stands for (E[û_j ŵ] = q_j, E[ŵ²] = 1, ...). Returns the drift of
 * each overlap (by name) and of the self-overlaps E[ŵ²], E[v̂_l²], E[û_j²].
 */
export function sdeSecondMoments(sde: System, d: number): Map<string, Expr> {
  const coord = coordinateNames(d);
  const vars = sde.state;
  const moment = (a: string, b: string): Expr => {
    const kind = (x: string) => (coord.u.includes(x) ? 'u' : coord.v.includes(x) ? 'v' : 'w');
    const index = (x: string) => (kind(x) === 'u' ? coord.u.indexOf(x) : kind(x) === 'v' ? coord.v.indexOf(x) : 0);
    let [x, y] = [a, b];
    if (kind(x) > kind(y)) [x, y] = [y, x];
    const kx = kind(x), ky = kind(y), ix = index(x), iy = index(y);
    if (kx === ky && ix === iy) return ONE;
    if (kx === 'u' && ky === 'u') return ZERO;
    if (kx === 'u' && ky === 'v') return sym(entryName('P', ix, iy, d));
    if (kx === 'u' && ky === 'w') return sym(vectorEntryName('q', ix, d));
    if (kx === 'v' && ky === 'v') return sym(entryName('S', Math.min(ix, iy), Math.max(ix, iy), d));
    return sym(vectorEntryName('r', ix, d));
  };
  const closure = (e: Expr): Expr => add(...polyIn(expand(e), vars).terms.map((t) => {
    const ones = t.exps.flatMap((p, i) => Array<string>(p).fill(vars[i]));
    if (ones.length === 0) return t.coeff;
    if (ones.length !== 2) throw new Error(`moment closure: a term of degree ${ones.length} in the coordinates`);
    return mul(t.coeff, moment(ones[0], ones[1]));
  }));
  const out = new Map<string, Expr>();
  const f = (i: number) => sde.drift[i], g = (i: number) => sde.diffusion![i];
  const pairName = (a: number, b: number) => {
    const m = moment(vars[a], vars[b]);
    return m.kind === 'sym' ? m.name : `E[${vars[a]}*${vars[b]}]`;
  };
  for (let a = 0; a < vars.length; a++) {
    for (let b = a; b < vars.length; b++) {
      const xa = sym(vars[a]), xb = sym(vars[b]);
      const ito = a === b ? squareOfDiffusion(g(a)) : ZERO;
      out.set(pairName(a, b), expand(closure(add(mul(xa, f(b)), mul(xb, f(a)), ito))));
    }
  }
  return out;
}
