// Two-layer generators x = A σ(B z), z ~ N(0, I_k): A is d×m (columns a_i), B is m×k
// (rows w_i), σ elementwise. A generator spec is a small string
//   "d=3; m=2; k=4; activation=t^3; seed=1"
// or JSON {"d":3,"m":2,"k":4,"activation":"t^3","seed":1,"A":[[...]],"B":[[...]]}.
// Matrices not given are drawn from the seed: B_ij ~ N(0, 1/k), A_ij ~ N(0, 1/m)
// (the scales are [R]: docs/method-of-moments.md, option `generator`).

import { Rng } from '../../numeric/index.ts';
import { SpecError } from '../spec-input.ts';
import { type MomentActivation, parseActivation } from './activation.ts';

export interface TwoLayerGenerator {
  readonly d: number;
  readonly m: number;
  readonly k: number;
  /** d×m row-major. */
  readonly A: Float64Array;
  /** m×k row-major. */
  readonly B: Float64Array;
  readonly activation: MomentActivation;
}

/** Limits on a generator spec (moment tensors and samples stay within memory and time). */
export const GENERATOR_LIMITS = { d: 200, m: 64, k: 200 } as const;
const KEYS = ['d', 'm', 'k', 'activation', 'seed', 'A', 'B'] as const;

function quote(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 39)}…` : s);
}

function intField(v: unknown, key: string, lo: number, hi: number): number {
  const n = typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < lo || n > hi) {
    throw new SpecError(`generator: ${key} must be an integer in ${lo}..${hi}, got ${quote(String(v))}`);
  }
  return n;
}

function matrixField(v: unknown, key: string, rows: number, cols: number): Float64Array {
  if (!Array.isArray(v) || v.length !== rows) throw new SpecError(`generator: ${key} must be a list of ${rows} rows`);
  const out = new Float64Array(rows * cols);
  v.forEach((row: unknown, i) => {
    if (!Array.isArray(row) || row.length !== cols) throw new SpecError(`generator: ${key}[${i}] must be a list of ${cols} numbers`);
    row.forEach((x: unknown, j) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) throw new SpecError(`generator: ${key}[${i}][${j}] must be a finite number, got ${JSON.stringify(x)}`);
      out[i * cols + j] = x;
    });
  });
  return out;
}

/** `key=value; key=value` (values may contain commas, e.g. max(t,0)) into a null-prototype record. */
function parseKeyValues(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const raw of text.split(';')) {
    const item = raw.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) throw new SpecError(`generator: ${quote(item)} is not key=value (keys: ${KEYS.join(', ')}; separate with ';')`);
    const key = item.slice(0, eq).trim();
    if (Object.hasOwn(out, key)) throw new SpecError(`generator: ${key} is given twice`);
    const value = item.slice(eq + 1).trim();
    if ((key === 'A' || key === 'B') && value.startsWith('[')) {
      try {
        out[key] = JSON.parse(value) as unknown;
      } catch {
        throw new SpecError(`generator: ${key} must be a JSON list of rows, e.g. [[1,0],[0,1]]`);
      }
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** A generator spec (string or parsed JSON object) into a validated generator. */
export function parseGenerator(spec: string | Record<string, unknown>, defaults: { d?: number; m?: number; k?: number; activation?: string } = {}): TwoLayerGenerator {
  let obj: Record<string, unknown>;
  if (typeof spec === 'string') {
    const s = spec.trim();
    if (s.startsWith('{')) {
      try {
        obj = JSON.parse(s) as Record<string, unknown>;
      } catch (e) {
        throw new SpecError(`generator: invalid JSON (${(e as Error).message})`);
      }
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new SpecError('generator: JSON must be an object');
    } else {
      obj = parseKeyValues(s);
    }
  } else {
    obj = spec;
  }
  const known = new Set<string>(KEYS);
  for (const key of Object.keys(obj)) {
    if (!known.has(key)) throw new SpecError(`generator: unknown key ${quote(key)} (known: ${KEYS.join(', ')})`);
  }
  const get = (key: string) => (Object.hasOwn(obj, key) ? obj[key] : undefined);
  const givenA = get('A'), givenB = get('B');
  const shapeOf = (v: unknown) => (Array.isArray(v) && Array.isArray(v[0]) ? [v.length, (v[0] as unknown[]).length] : undefined);
  const sa = shapeOf(givenA), sb = shapeOf(givenB);
  const d = intField(get('d') ?? sa?.[0] ?? defaults.d ?? 3, 'd', 1, GENERATOR_LIMITS.d);
  const m = intField(get('m') ?? sa?.[1] ?? sb?.[0] ?? defaults.m ?? 2, 'm', 1, GENERATOR_LIMITS.m);
  const k = intField(get('k') ?? sb?.[1] ?? defaults.k ?? m, 'k', 1, GENERATOR_LIMITS.k);
  const seed = intField(get('seed') ?? 1, 'seed', 0, Number.MAX_SAFE_INTEGER);
  const actText = get('activation') ?? defaults.activation ?? 't^3';
  if (typeof actText !== 'string') throw new SpecError('generator: activation must be a string (a formula in t)');
  const activation = parseActivation(actText, 'generator: activation');
  const rng = new Rng(seed);
  const rngB = rng.split(), rngA = rng.split();
  const B = givenB !== undefined ? matrixField(givenB, 'B', m, k) : rngB.fillNormal(new Float64Array(m * k), 0, 1 / Math.sqrt(k));
  const A = givenA !== undefined ? matrixField(givenA, 'A', d, m) : rngA.fillNormal(new Float64Array(d * m), 0, 1 / Math.sqrt(m));
  return { d, m, k, A, B, activation };
}

/** The Gram matrix G = B Bᵀ (m×m) of the rows of B. */
export function gram(g: TwoLayerGenerator): Float64Array {
  const { m, k, B } = g;
  const G = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = i; j < m; j++) {
      let s = 0;
      for (let l = 0; l < k; l++) s += B[i * k + l] * B[j * k + l];
      G[i * m + j] = s;
      G[j * m + i] = s;
    }
  }
  return G;
}

/** n samples x = A σ(B z) (row-major n×d) from the stream rng, in blocks (σ is vectorised). */
export function sampleGenerator(g: TwoLayerGenerator, n: number, rng: Rng): Float64Array {
  const { d, m, k, A, B } = g;
  const block = 1024;
  const z = new Float64Array(k), u = new Float64Array(block * m), h = new Float64Array(block * m);
  const out = new Float64Array(n * d);
  for (let s0 = 0; s0 < n; s0 += block) {
    const nb = Math.min(block, n - s0);
    for (let s = 0; s < nb; s++) {
      rng.fillNormal(z);
      for (let i = 0; i < m; i++) { let v = 0; for (let l = 0; l < k; l++) v += B[i * k + l] * z[l]; u[s * m + i] = v; }
    }
    g.activation.fill(nb === block ? u : u.subarray(0, nb * m), nb === block ? h : h.subarray(0, nb * m));
    for (let s = 0; s < nb; s++) {
      for (let a = 0; a < d; a++) { let v = 0; for (let i = 0; i < m; i++) v += A[a * m + i] * h[s * m + i]; out[(s0 + s) * d + a] = v; }
    }
  }
  return out;
}

/** A JSON-ready record of the generator. */
export function describeGenerator(g: TwoLayerGenerator): Record<string, unknown> {
  const rows = (M: Float64Array, r: number, c: number) => Array.from({ length: r }, (_, i) => Array.from(M.subarray(i * c, (i + 1) * c)));
  return { d: g.d, m: g.m, k: g.k, activation: g.activation.text, A: rows(g.A, g.d, g.m), B: rows(g.B, g.m, g.k) };
}
