// The --p / --q texts of `gandyn ipm` into members of each generator class, validated
// (dimensions, positive definite covariances, invertible weights) with one-line errors
// that name the flag. Formats: JSON objects, or `key=v,v,...;key=...` for the small
// classes (see docs/approximability.md "CLI").

import { SpecError } from '../spec-input.ts';
import { Rng, cholesky, det, symmetricEigen } from '../../numeric/index.ts';
import type { Gaussian } from './gaussian-class.ts';
import type { Mixture } from './mixture.ts';
import { randomGenerator, singularRange, type InvertibleGenerator, type ParameterBox, type SmoothLeakyRelu } from './invertible.ts';

const MAX_D = 64;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function numbers(text: string, where: string): number[] {
  return text.split(',').map((t) => {
    const s = t.trim();
    const v = NUMBER.test(s) ? Number(s) : NaN;
    if (!Number.isFinite(v)) throw new SpecError(`${where}: ${JSON.stringify(s.slice(0, 30))} is not a finite decimal number`);
    return v;
  });
}

/** `a=1,2;b=3` into a null-prototype-safe Map, or a parsed JSON object into the same shape. */
function fields(text: string, flag: string, known: readonly string[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const t = text.trim();
  if (t.startsWith('{')) {
    let json: unknown;
    try { json = JSON.parse(t); } catch (e) { throw new SpecError(`${flag}: not valid JSON (${(e as Error).message})`); }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new SpecError(`${flag}: expected a JSON object`);
    for (const k of Object.keys(json)) out.set(k, (json as Record<string, unknown>)[k]);
  } else {
    for (const part of t.split(';')) {
      if (part.trim() === '') continue;
      const eq = part.indexOf('=');
      if (eq < 0) throw new SpecError(`${flag}: ${JSON.stringify(part.trim().slice(0, 30))} is not key=values`);
      const key = part.slice(0, eq).trim();
      if (out.has(key)) throw new SpecError(`${flag}: ${key} is given twice`);
      out.set(key, numbers(part.slice(eq + 1), `${flag} ${key}`));
    }
  }
  for (const k of out.keys()) if (!known.includes(k)) throw new SpecError(`${flag}: unknown key ${JSON.stringify(k.slice(0, 30))} (known: ${known.join(', ')})`);
  return out;
}

function vector(v: unknown, where: string): number[] {
  if (!Array.isArray(v) || v.length === 0) throw new SpecError(`${where} must be a non-empty list of numbers`);
  return v.map((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new SpecError(`${where}[${i}] must be a finite number`);
    return x;
  });
}

/** A d×d matrix from a nested JSON list or a flat row-major list. */
function matrix(v: unknown, d: number, where: string): Float64Array {
  const flat = Array.isArray(v) && v.length > 0 && Array.isArray(v[0]) ? (v as unknown[]).flatMap((row, i) => {
    const r = vector(row, `${where}[${i}]`);
    if (r.length !== d) throw new SpecError(`${where}: row ${i} has ${r.length} entries, expected ${d} (dimension mismatch)`);
    return r;
  }) : vector(v, where);
  if (flat.length !== d * d) throw new SpecError(`${where} has ${flat.length} entries, expected ${d}×${d} = ${d * d} (dimension mismatch)`);
  return Float64Array.from(flat);
}

function checkDim(d: number, flag: string): void {
  if (d > MAX_D) throw new SpecError(`${flag}: dimension ${d} is above the limit ${MAX_D}`);
}

/** N(mean, cov) from `mean=..;cov=..` (row-major) | `var=..` (diagonal) | `sigma=s` (isotropic), or JSON. */
export function parseGaussian(text: string, flag: string): Gaussian {
  const f = fields(text, flag, ['mean', 'cov', 'var', 'sigma']);
  if (!f.has('mean')) throw new SpecError(`${flag}: mean is required (e.g. mean=0,0;cov=1,0,0,1)`);
  const mean = Float64Array.from(vector(f.get('mean'), `${flag} mean`));
  const d = mean.length;
  checkDim(d, flag);
  const given = ['cov', 'var', 'sigma'].filter((k) => f.has(k));
  if (given.length !== 1) throw new SpecError(`${flag}: give exactly one of cov, var, sigma`);
  let cov: Float64Array;
  if (f.has('cov')) cov = matrix(f.get('cov'), d, `${flag} cov`);
  else if (f.has('var')) {
    const v = vector(f.get('var'), `${flag} var`);
    if (v.length !== d) throw new SpecError(`${flag} var has ${v.length} entries but mean has ${d} (dimension mismatch)`);
    cov = new Float64Array(d * d);
    v.forEach((x, i) => { cov[i * d + i] = x; });
  } else {
    const s = vector(f.get('sigma'), `${flag} sigma`);
    if (s.length !== 1) throw new SpecError(`${flag} sigma takes one number`);
    cov = new Float64Array(d * d);
    for (let i = 0; i < d; i++) cov[i * d + i] = s[0] * s[0];
  }
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) {
    if (Math.abs(cov[i * d + j] - cov[j * d + i]) > 1e-12 * (Math.abs(cov[i * d + j]) + Math.abs(cov[j * d + i]) + 1e-300)) {
      throw new SpecError(`${flag}: covariance is not symmetric (entries (${i},${j}) and (${j},${i}) differ)`);
    }
  }
  try { cholesky(cov, d); } catch {
    throw new SpecError(`${flag}: covariance is not positive definite (smallest eigenvalue ${symmetricEigen(cov, d).values[0].toPrecision(3)})`);
  }
  const ev = symmetricEigen(cov, d).values;
  if (ev[0] < 1e-12 * ev[d - 1]) throw new SpecError(`${flag}: covariance is numerically singular (eigenvalues ${ev[0].toPrecision(3)} to ${ev[d - 1].toPrecision(3)})`);
  return { d, mean, cov };
}

/** θ of the cube family from `theta=..` or JSON, with ‖θ‖ ≤ R. */
export function parseExpFamily(text: string, flag: string, R: number): Float64Array {
  const f = fields(text, flag, ['theta']);
  if (!f.has('theta')) throw new SpecError(`${flag}: theta is required (e.g. theta=0.5,-1)`);
  const theta = Float64Array.from(vector(f.get('theta'), `${flag} theta`));
  checkDim(theta.length, flag);
  const n = Math.hypot(...theta);
  if (n > R) throw new SpecError(`${flag}: ‖theta‖ = ${n.toPrecision(4)} is above --R ${R} (the family's parameter ball)`);
  return theta;
}

/** Σ w_i N(μ_i, I) from `weights=..;means=..` (k·d row-major) or JSON {"weights": [...], "means": [[...], ...]}. */
export function parseMixture(text: string, flag: string, R: number): Mixture {
  const f = fields(text, flag, ['weights', 'means']);
  if (!f.has('weights') || !f.has('means')) throw new SpecError(`${flag}: weights and means are required (e.g. weights=0.5,0.5;means=0,0,2,0)`);
  const w = vector(f.get('weights'), `${flag} weights`);
  const k = w.length;
  if (k > 16) throw new SpecError(`${flag}: ${k} components is above the limit 16`);
  if (w.some((x) => !(x > 0))) throw new SpecError(`${flag}: weights must be positive`);
  const s = w.reduce((a, b) => a + b, 0);
  if (Math.abs(s - 1) > 1e-9) throw new SpecError(`${flag}: weights sum to ${s}, not 1`);
  const raw = f.get('means');
  const flat = Array.isArray(raw) && Array.isArray(raw[0]) ? (raw as unknown[]).map((r, i) => vector(r, `${flag} means[${i}]`)) : null;
  let d: number, means: Float64Array;
  if (flat) {
    if (flat.length !== k) throw new SpecError(`${flag}: ${flat.length} means for ${k} weights`);
    d = flat[0].length;
    if (flat.some((r) => r.length !== d)) throw new SpecError(`${flag}: means have different dimensions (dimension mismatch)`);
    means = Float64Array.from(flat.flat());
  } else {
    const v = vector(raw, `${flag} means`);
    if (v.length % k !== 0) throw new SpecError(`${flag}: ${v.length} mean entries is not a multiple of ${k} components`);
    d = v.length / k;
    means = Float64Array.from(v);
  }
  checkDim(d, flag);
  for (let i = 0; i < k; i++) {
    const n = Math.hypot(...means.subarray(i * d, i * d + d));
    if (n > R) throw new SpecError(`${flag}: component ${i} has ‖μ‖ = ${n.toPrecision(4)} above --R ${R}`);
  }
  return { d, weights: Float64Array.from(w), means };
}

/**
 * An invertible generator: JSON {"gamma": [...], "layers": [{"W": [[...]], "b": [...]}, ...]}
 * or `seed=N` (a random generator with --d, --layers, inside the box) or `seed=N;perturb=s`
 * (for --q: --p's generator with every parameter moved by s·N(0,1)).
 */
export function parseInvertible(text: string, flag: string, opts: { d: number; layers: number; box: ParameterBox; sigma: SmoothLeakyRelu }): InvertibleGenerator | { seed: number; perturb: number } {
  const f = fields(text, flag, ['gamma', 'layers', 'seed', 'perturb', 'scale']);
  if (f.has('seed')) {
    const seed = vector(f.get('seed'), `${flag} seed`);
    if (seed.length !== 1 || !Number.isSafeInteger(seed[0]) || seed[0] < 0) throw new SpecError(`${flag}: seed must be one non-negative integer`);
    const perturb = f.has('perturb') ? vector(f.get('perturb'), `${flag} perturb`)[0] : 0;
    if (!(perturb >= 0 && perturb <= 10)) throw new SpecError(`${flag}: perturb must be in [0, 10]`);
    if (perturb > 0) return { seed: seed[0], perturb };
    const scale = f.has('scale') ? vector(f.get('scale'), `${flag} scale`)[0] : 0.5;
    if (!(scale >= 0 && scale <= 10)) throw new SpecError(`${flag}: scale must be in [0, 10]`);
    return randomGenerator(new Rng(seed[0]), opts.d, opts.layers, { scale, box: opts.box, sigma: opts.sigma });
  }
  if (!f.has('gamma') || !f.has('layers')) throw new SpecError(`${flag}: give seed=N, or JSON with gamma and layers`);
  const gamma = Float64Array.from(vector(f.get('gamma'), `${flag} gamma`));
  const d = gamma.length;
  checkDim(d, flag);
  for (let i = 0; i < d; i++) if (!(gamma[i] >= opts.box.delta && gamma[i] <= 1)) throw new SpecError(`${flag}: gamma[${i}] = ${gamma[i]} is outside [--delta ${opts.box.delta}, 1]`);
  const rawLayers = f.get('layers');
  if (!Array.isArray(rawLayers) || rawLayers.length === 0 || rawLayers.length > 8) throw new SpecError(`${flag}: layers must be a list of 1 to 8 {W, b}`);
  const layers = rawLayers.map((L, k) => {
    if (L === null || typeof L !== 'object' || Array.isArray(L)) throw new SpecError(`${flag} layers[${k}] must be an object {W, b}`);
    const o = L as Record<string, unknown>;
    for (const key of Object.keys(o)) if (key !== 'W' && key !== 'b') throw new SpecError(`${flag} layers[${k}]: unknown key ${JSON.stringify(key.slice(0, 20))}`);
    const W = matrix(o.W, d, `${flag} layers[${k}].W`);
    const b = Float64Array.from(vector(o.b, `${flag} layers[${k}].b`));
    if (b.length !== d) throw new SpecError(`${flag} layers[${k}].b has ${b.length} entries, expected ${d} (dimension mismatch)`);
    const [smin, smax] = singularRange(W, d);
    if (!(smin > 1e-10 * smax) || det(W, d) === 0) throw new SpecError(`${flag} layers[${k}].W is not invertible (singular values ${smin.toPrecision(3)} to ${smax.toPrecision(3)})`);
    if (smax > opts.box.RW * (1 + 1e-12) || 1 / smin > opts.box.RW * (1 + 1e-12)) {
      throw new SpecError(`${flag} layers[${k}].W has singular values ${smin.toPrecision(3)}..${smax.toPrecision(3)} outside [1/--RW, --RW] = [${(1 / opts.box.RW).toPrecision(3)}, ${opts.box.RW}]`);
    }
    if (Math.hypot(...b) > opts.box.Rb * (1 + 1e-12)) throw new SpecError(`${flag} layers[${k}].b has norm above --Rb ${opts.box.Rb}`);
    return { W, b };
  });
  return { d, gamma, layers, sigma: opts.sigma };
}
