// The solvable high-dimensional GAN of Wang, Hu & Lu (docs/solvable-gan.md A.2) as data:
// parameters, initial overlaps, their validation, and the names every part of the
// toolkit uses for them (so the symbolic derivation, the reference ODE, the SGD
// simulator and the particle SDE all agree on one state-vector order).

import { InputError } from '../../core/index.ts';
import { choleskyPsd, NotPositiveSemidefiniteError } from '../../numeric/index.ts';
import type { NamedSeries } from '../../numeric/index.ts';

/** How the generator step is normalised; see simulate.ts for the exact update of each. */
export type Normalization = 'column' | 'oja';

/** Parameters of the model with d features (docs/solvable-gan.md A.2). */
export interface SolvableGanSpec {
  /** Number of features (columns of U and V), an integer ≥ 1. */
  d: number;
  /** Variances of the real features: Λ = diag(lambda), length d. */
  lambda: number[];
  /** Variances of the generator's latent features: Λ̃ = diag(lambda_g), length d. */
  lambda_g: number[];
  /** Background-noise variance of the real data, η_T ≥ 0. */
  eta_T: number;
  /** Background-noise variance of the generated data, η_G ≥ 0. */
  eta_G: number;
  /** Discriminator learning rate τ ≥ 0 (the step is τ/n). */
  tau: number;
  /** Generator learning rate τ̃ ≥ 0 (the step is τ̃/n). */
  tau_g: number;
  /** Generator-step normalisation: 'column' (docs/solvable-gan.md A.4) or 'oja' (the A.4 caveat). */
  normalization: Normalization;
}

/** Macroscopic state: the off-identity entries of the Gram matrix of [U, V, w]. */
export interface Overlaps {
  /** P = UᵀV, d×d, P[j][l] = cosine of U column j and V column l. */
  P: number[][];
  /** q = Uᵀw, length d. */
  q: number[];
  /** r = Vᵀw, length d. */
  r: number[];
  /** S = VᵀV, d×d, symmetric with unit diagonal. */
  S: number[][];
}

/** Bad model parameters or initial overlaps; the CLI reports it as bad input (exit 2). */
export class SpecError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'SpecError';
  }
}

/**
 * Default feature variances for d features: 3 for d = 1; 3, 5 for d = 2; and in
 * general the odd numbers 3, 5, 7, …, 2d + 1 (distinct variances, so the
 * features are learned one after another, strongest first).
 */
export function defaultLambda(d: number): number[] {
  return Array.from({ length: d }, (_, i) => 3 + 2 * i);
}

/**
 * The parameters of the follow-up code and Fig. 1 of the paper (docs/solvable-gan.md A.1):
 * tau 0.2, tau_g 0.04, eta_T = eta_G = 2, lambda = lambda_g = defaultLambda(d),
 * column normalisation.
 */
export function defaultSpec(d: number): SolvableGanSpec {
  checkD(d);
  return {
    d,
    lambda: defaultLambda(d),
    lambda_g: defaultLambda(d),
    eta_T: 2,
    eta_G: 2,
    tau: 0.2,
    tau_g: 0.04,
    normalization: 'column',
  };
}

function checkD(d: unknown): asserts d is number {
  if (typeof d !== 'number' || !Number.isInteger(d) || d < 1) {
    throw new SpecError(`d (the number of features) must be an integer ≥ 1, got ${String(d)}`);
  }
}

function checkNonNegative(name: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new SpecError(`${name} must be a finite number, got ${String(v)}`);
  }
  if (v < 0) throw new SpecError(`${name} must be ≥ 0, got ${v}`);
}

/** Throws a SpecError naming the first bad parameter; returns the spec unchanged otherwise. */
export function validateSpec(spec: SolvableGanSpec): SolvableGanSpec {
  if (spec === null || typeof spec !== 'object') throw new SpecError('the model spec must be an object');
  checkD(spec.d);
  const d = spec.d;
  for (const key of ['lambda', 'lambda_g'] as const) {
    const arr = spec[key];
    if (!Array.isArray(arr)) throw new SpecError(`${key} must be a list of ${d} variances, got ${String(arr)}`);
    if (arr.length !== d) {
      throw new SpecError(`${key} must have d = ${d} entr${d === 1 ? 'y' : 'ies'}, got ${arr.length} (${arr.join(', ')})`);
    }
    arr.forEach((v, i) => checkNonNegative(d === 1 ? key : `${key}${i + 1}`, v));
  }
  checkNonNegative('eta_T', spec.eta_T);
  checkNonNegative('eta_G', spec.eta_G);
  checkNonNegative('tau', spec.tau);
  checkNonNegative('tau_g', spec.tau_g);
  if (spec.normalization !== 'column' && spec.normalization !== 'oja') {
    throw new SpecError(`normalization must be 'column' or 'oja', got '${String(spec.normalization)}'`);
  }
  return spec;
}

// ------------------------------------------------------------------ names

/** Index suffix of a matrix entry: "12" for d ≤ 9, "1_12" for d ≥ 10 (so names stay unambiguous). */
function pair(j: number, l: number, d: number): string {
  return d >= 10 ? `${j}_${l}` : `${j}${l}`;
}

/**
 * State-variable names in state-vector order.
 * d = 1: ['P', 'q', 'r'] (S ≡ 1 is not a state).
 * d > 1: P11, P12, …, Pdd (row-major, P_jl = U_jᵀV_l), q1…qd, r1…rd, then the
 * strict upper triangle of S row by row: S12, S13, …, S(d−1)d.
 * For d ≥ 10 the two indices of a matrix entry are joined by '_' (P1_10).
 */
export function stateNames(d: number): string[] {
  checkD(d);
  if (d === 1) return ['P', 'q', 'r'];
  const names: string[] = [];
  for (let j = 1; j <= d; j++) for (let l = 1; l <= d; l++) names.push(`P${pair(j, l, d)}`);
  for (let j = 1; j <= d; j++) names.push(`q${j}`);
  for (let l = 1; l <= d; l++) names.push(`r${l}`);
  for (let l = 1; l <= d; l++) for (let m = l + 1; m <= d; m++) names.push(`S${pair(l, m, d)}`);
  return names;
}

/**
 * Parameter names: tau, tau_g, then lambda (d = 1) or lambda1…lambdad, then
 * lambda_g (d = 1) or lambda_g1…lambda_gd, then eta_T, eta_G.
 */
export function paramNames(d: number): string[] {
  checkD(d);
  const idx = (base: string) => (d === 1 ? [base] : Array.from({ length: d }, (_, i) => `${base}${i + 1}`));
  return ['tau', 'tau_g', ...idx('lambda'), ...idx('lambda_g'), 'eta_T', 'eta_G'];
}

/** The spec's parameters as a name → value map, names as in `paramNames(spec.d)`. */
export function paramValues(spec: SolvableGanSpec): Record<string, number> {
  const d = spec.d;
  const out: Record<string, number> = { tau: spec.tau, tau_g: spec.tau_g };
  for (let i = 0; i < d; i++) out[d === 1 ? 'lambda' : `lambda${i + 1}`] = spec.lambda[i];
  for (let i = 0; i < d; i++) out[d === 1 ? 'lambda_g' : `lambda_g${i + 1}`] = spec.lambda_g[i];
  out.eta_T = spec.eta_T;
  out.eta_G = spec.eta_G;
  return out;
}

// ------------------------------------------------------------------ overlaps

/** Identity matrix as nested arrays. */
function eye(d: number): number[][] {
  return Array.from({ length: d }, (_, j) => Array.from({ length: d }, (_, l) => (j === l ? 1 : 0)));
}

/**
 * The initial condition of the follow-up code (docs/solvable-gan.md A.1): P = 0.1·I,
 * q = 0.1·(1,…,1), r = Pᵀq (= 0.01·(1,…,1)), S = I. For d = 1: P = q = 0.1, r = 0.01.
 */
export function defaultInit(d: number): Overlaps {
  checkD(d);
  const P = eye(d).map((row) => row.map((v) => 0.1 * v));
  const q = new Array<number>(d).fill(0.1);
  const r = Array.from({ length: d }, (_, l) => P.reduce((acc, row, j) => acc + row[l] * q[j], 0));
  return { P, q, r, S: eye(d) };
}

/** Overlaps → state vector in `stateNames(d)` order. */
export function overlapsToState(o: Overlaps, d: number): Float64Array {
  const x = new Float64Array(stateNames(d).length);
  let k = 0;
  for (let j = 0; j < d; j++) for (let l = 0; l < d; l++) x[k++] = o.P[j][l];
  for (let j = 0; j < d; j++) x[k++] = o.q[j];
  for (let l = 0; l < d; l++) x[k++] = o.r[l];
  for (let l = 0; l < d; l++) for (let m = l + 1; m < d; m++) x[k++] = o.S[l][m];
  return x;
}

/** State vector in `stateNames(d)` order → overlaps (S filled symmetric with unit diagonal). */
export function stateToOverlaps(x: ArrayLike<number>, d: number): Overlaps {
  let k = 0;
  const P = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let j = 0; j < d; j++) for (let l = 0; l < d; l++) P[j][l] = x[k++];
  const q = Array.from({ length: d }, () => x[k++]);
  const r = Array.from({ length: d }, () => x[k++]);
  const S = eye(d);
  for (let l = 0; l < d; l++) for (let m = l + 1; m < d; m++) S[l][m] = S[m][l] = x[k++];
  return { P, q, r, S };
}

/** The name of entry (j, l) (0-based) of P or S, as in `stateNames`. */
export function entryName(matrix: 'P' | 'S', j: number, l: number, d: number): string {
  if (d === 1) return matrix;
  return `${matrix}${pair(j + 1, l + 1, d)}`;
}

/** The name of entry j (0-based) of q or r. */
export function vectorEntryName(vector: 'q' | 'r', j: number, d: number): string {
  return d === 1 ? vector : `${vector}${j + 1}`;
}

/**
 * The (2d+1)×(2d+1) Gram matrix of [U, V, w]:
 * [[I, P, q], [Pᵀ, S, r], [qᵀ, rᵀ, 1]].
 */
export function gramMatrix(o: Overlaps, d: number): number[][] {
  const m = 2 * d + 1;
  const G = Array.from({ length: m }, () => new Array<number>(m).fill(0));
  for (let j = 0; j < d; j++) {
    G[j][j] = 1;
    for (let l = 0; l < d; l++) {
      G[j][d + l] = G[d + l][j] = o.P[j][l];
      G[d + j][d + l] = o.S[j][l];
    }
    G[j][2 * d] = G[2 * d][j] = o.q[j];
    G[d + j][2 * d] = G[2 * d][d + j] = o.r[j];
  }
  G[2 * d][2 * d] = 1;
  return G;
}

/** Name of the Gram-matrix entry (a, b) (0-based) in terms of the overlaps. */
function gramEntryName(a: number, b: number, d: number): string {
  if (a > b) [a, b] = [b, a];
  if (b < d) return a === b ? 'UᵀU diagonal' : 'UᵀU (identity)';
  if (a < d && b < 2 * d) return entryName('P', a, b - d, d);
  if (a < d) return vectorEntryName('q', a, d);
  if (b < 2 * d) return a === b ? `S diagonal ${a - d + 1}` : entryName('S', a - d, b - d, d);
  if (a < 2 * d) return vectorEntryName('r', a - d, d);
  return 'wᵀw';
}

/** Tolerance for a zero pivot in the Gram-matrix Cholesky factorisation (relative to the unit diagonal). */
const PSD_TOL = 1e-12;

/**
 * Lower-triangular L with G = L Lᵀ for a positive semidefinite Gram matrix G
 * (zero pivots allowed when the rest of their column vanishes too). Throws a
 * SpecError naming the overlap whose value makes G indefinite.
 */
export function gramCholesky(G: number[][], d: number): number[][] {
  try {
    return choleskyPsd(G, PSD_TOL);
  } catch (err) {
    if (err instanceof NotPositiveSemidefiniteError) {
      throw err.zeroColumn === undefined ? impossible(G, d, err.index, err.pivot) : impossible(G, d, err.index, NaN, err.zeroColumn);
    }
    throw err;
  }
}

function impossible(G: number[][], d: number, row: number, pivot: number, zeroCol?: number): SpecError {
  // The entries of this row (left of the diagonal) that are not fixed by the model.
  const involved: string[] = [];
  for (let b = 0; b < row; b++) {
    if (b < d && row < d) continue;
    const name = gramEntryName(row, b, d);
    if (G[row][b] !== 0) involved.push(`${name} = ${G[row][b]}`);
  }
  const what = row < d ? `U column ${row + 1}` : row < 2 * d ? `V column ${row - d + 1}` : 'w';
  const detail = zeroCol === undefined
    ? `the squared distance of ${what} from the span of the vectors before it would be ${pivot.toPrecision(3)} < 0`
    : `${what} would need a component along a direction the earlier vectors do not span`;
  return new SpecError(
    `impossible initial overlaps: no unit vectors U, V, w have them (the Gram matrix of [U, V, w] is not positive semidefinite; ${detail}). `
    + `Check ${involved.length ? involved.join(', ') : gramEntryName(row, row, d)}.`,
  );
}

/**
 * Checks initial overlaps for d features: shapes, finiteness, |cosines| ≤ 1, S
 * symmetric with unit diagonal, and consistency (the Gram matrix of [U, V, w]
 * positive semidefinite). Throws a SpecError naming the offending entry.
 */
export function validateOverlaps(o: Overlaps, d: number): Overlaps {
  checkD(d);
  if (o === null || typeof o !== 'object') throw new SpecError('the initial overlaps must be an object {P, q, r, S}');
  const checkMatrix = (name: 'P' | 'S', M: unknown) => {
    if (!Array.isArray(M) || M.length !== d || M.some((row) => !Array.isArray(row) || row.length !== d)) {
      throw new SpecError(`${name} must be a ${d}×${d} matrix`);
    }
  };
  const checkVector = (name: 'q' | 'r', v: unknown) => {
    if (!Array.isArray(v) || v.length !== d) throw new SpecError(`${name} must be a list of ${d} numbers`);
  };
  checkMatrix('P', o.P);
  checkMatrix('S', o.S);
  checkVector('q', o.q);
  checkVector('r', o.r);
  const cosine = (name: string, v: unknown) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new SpecError(`initial ${name} must be a finite number, got ${String(v)}`);
    if (Math.abs(v) > 1) throw new SpecError(`initial ${name} = ${v} is a cosine between unit vectors and must lie in [-1, 1]`);
  };
  for (let j = 0; j < d; j++) {
    for (let l = 0; l < d; l++) cosine(entryName('P', j, l, d), o.P[j][l]);
    cosine(vectorEntryName('q', j, d), o.q[j]);
    cosine(vectorEntryName('r', j, d), o.r[j]);
  }
  for (let l = 0; l < d; l++) {
    if (o.S[l][l] !== 1) {
      throw new SpecError(`S must have unit diagonal (the columns of V are unit vectors), got S${d === 1 ? '' : pair(l + 1, l + 1, d)} = ${o.S[l][l]}`);
    }
    for (let m = l + 1; m < d; m++) {
      cosine(entryName('S', l, m, d), o.S[l][m]);
      if (o.S[l][m] !== o.S[m][l]) {
        throw new SpecError(`S must be symmetric, got ${entryName('S', l, m, d)} = ${o.S[l][m]} but ${entryName('S', m, l, d)} = ${o.S[m][l]}`);
      }
    }
  }
  gramCholesky(gramMatrix(o, d), d);
  return o;
}

/** A recorded trajectory: times and one series per state name (same length as t). */
export type Trajectory = NamedSeries;

/** The overlaps as a name → value record, names as in `stateNames(d)`. */
export function overlapsRecord(o: Overlaps, d: number): Record<string, number> {
  const names = stateNames(d);
  const x = overlapsToState(o, d);
  return Object.fromEntries(names.map((n, i) => [n, x[i]]));
}
