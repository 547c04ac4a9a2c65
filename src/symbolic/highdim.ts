// Vectors in R^n, n → ∞, written over a few named directions whose overlaps are
// symbols, plus fresh isotropic noise vectors a ~ N(0, I_n). This is the algebra of
// online SGD in high dimension: the expected one-step change of every overlap,
// to order h = 1/n, is a Gaussian expectation of a polynomial in the projections.
//
// Rules (each exact to the order kept):
//   ⟨x, y⟩ for directions         = gram(x, y)                     (a symbol or number)
//   ⟨a, x⟩ for a noise, direction = a_x, jointly Gaussian, Cov(a_x, a_y) = gram(x, y)
//   ⟨a, a⟩                        = n = 1/h   (its O(√n) fluctuation changes the mean by O(h^{3/2}))
//   ⟨a, b⟩ for distinct noises    = 0         (mean 0; it enters squared only at O(h^2))

import { type Expr, ONE, add, mul, pow, rat, sym, isZero } from './expr.ts';
import { expand, polyFromExpr, polyTerms } from './poly.ts';

export type Vec = ReadonlyMap<string, Expr>;

export interface HighDimSpace {
  /** Deterministic directions (their overlaps are the macroscopic state). */
  readonly directions: readonly string[];
  /** Overlap of two directions (symmetric). */
  readonly gram: (x: string, y: string) => Expr;
  /** Independent N(0, I_n) noise vectors, fresh at every step. */
  readonly noises: readonly string[];
  /**
   * The small symbol the expansion is in (default h = 1/n) and the power of it
   * that equals 1/n (default 1; use 2 with k = n^{-1/2} for per-coordinate SDEs).
   */
  readonly small?: string;
  readonly smallPowerOfInverseN?: number;
}

const smallOf = (space: HighDimSpace) => space.small ?? 'h';

/** The symbol h = 1/n. */
export const H = sym('h');
const H_NAME = 'h';

/** Name of the Gaussian scalar ⟨noise, direction⟩. */
export const projectionName = (noise: string, direction: string) => `${noise}_${direction}`;

export function vec(...terms: Array<readonly [string, Expr]>): Vec {
  const m = new Map<string, Expr>();
  for (const [k, c] of terms) m.set(k, m.has(k) ? add(m.get(k)!, c) : c);
  return m;
}

export function vadd(...vs: Vec[]): Vec {
  const m = new Map<string, Expr>();
  for (const v of vs) for (const [k, c] of v) m.set(k, m.has(k) ? add(m.get(k)!, c) : c);
  return m;
}

export function vscale(v: Vec, c: Expr): Vec {
  const m = new Map<string, Expr>();
  for (const [k, x] of v) m.set(k, mul(c, x));
  return m;
}

function basisInner(space: HighDimSpace, x: string, y: string): Expr {
  const xNoise = space.noises.includes(x), yNoise = space.noises.includes(y);
  if (xNoise && yNoise) return x === y ? pow(sym(smallOf(space)), rat(-(space.smallPowerOfInverseN ?? 1))) : rat(0);
  if (xNoise) return sym(projectionName(x, y));
  if (yNoise) return sym(projectionName(y, x));
  return space.gram(x, y);
}

/** ⟨x, y⟩ under the rules above, expanded. */
export function inner(space: HighDimSpace, x: Vec, y: Vec): Expr {
  const terms: Expr[] = [];
  for (const [i, ci] of x) for (const [j, cj] of y) terms.push(mul(ci, cj, basisInner(space, i, j)));
  return expand(add(...terms));
}

/** e with every power of h above `order` dropped; throws if a power below `lowest` remains. */
export function truncateInH(e: Expr, order: number, lowest = -Infinity, symbol = H_NAME): Expr {
  const kept: Expr[] = [];
  for (const t of polyTerms(polyFromExpr(e))) {
    const hFactor = t.factors.find((f) => f.key === symbol);
    const k = hFactor ? hFactor.exp : 0;
    if (k < lowest) throw new Error(`a term of order h^${k} survives: the expansion is not consistent`);
    if (k <= order) kept.push(mul(t.coeff, ...t.factors.map((f) => pow(f.atom, rat(f.exp)))));
  }
  return add(...kept);
}

/** The coefficient of h^k in e (e expanded as a Laurent polynomial in h). */
export function coefficientOfH(e: Expr, k: number, symbol = H_NAME): Expr {
  const kept: Expr[] = [];
  for (const t of polyTerms(polyFromExpr(e))) {
    const hFactor = t.factors.find((f) => f.key === symbol);
    if ((hFactor ? hFactor.exp : 0) !== k) continue;
    kept.push(mul(t.coeff, ...t.factors.filter((f) => f.key !== symbol).map((f) => pow(f.atom, rat(f.exp)))));
  }
  return add(...kept);
}

/**
 * x/‖x‖ for x = d + O(h) where ‖d‖ = 1: the factor (1 + X)^{-1/2}, X = ‖x‖² − 1,
 * expanded to second order in X and truncated at h^order.
 */
export function normalize(space: HighDimSpace, x: Vec, order = 1): Vec {
  const s = smallOf(space);
  const X = truncateInH(add(inner(space, x, x), rat(-1)), order, -Infinity, s);
  if (!isZero(coefficientOfH(X, 0, s))) {
    throw new Error(`normalize: the vector is not a unit vector plus O(${s})`);
  }
  const factor = truncateInH(expand(add(ONE, mul(rat(-1, 2), X), mul(rat(3, 8), pow(X, rat(2))))), order, -Infinity, s);
  const m = new Map<string, Expr>();
  for (const [k, c] of x) m.set(k, truncateInH(expand(mul(c, factor)), order, -Infinity, s));
  return m;
}

/** The Gaussian projection variables of a space and their covariance (block diagonal over noises). */
export function projectionCovariance(space: HighDimSpace): { vars: string[]; cov: Expr[][] } {
  const vars: string[] = [];
  const blocks: Array<{ start: number }> = [];
  for (const a of space.noises) {
    blocks.push({ start: vars.length });
    for (const x of space.directions) vars.push(projectionName(a, x));
  }
  const m = space.directions.length;
  const cov = vars.map(() => vars.map(() => rat(0) as Expr));
  for (const { start } of blocks) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) cov[start + i][start + j] = space.gram(space.directions[i], space.directions[j]);
    }
  }
  return { vars, cov };
}
