// The microscopic update of a model file at finite n, batched over seeds: vectors in
// R^n with ⟨x, y⟩ = the overlap (unit scale), fresh N(0, I_n) noises and latent
// Gaussians each step, step size h·step with h = 1/n, t = steps/n. Coefficients are
// evaluated by the compiled f64 kernel of their expressions (src/compile), one row per seed.

import { IntegrationError, InputError } from '../../core/index.ts';
import { Rng, choleskyPsd, NotPositiveSemidefiniteError } from '../../numeric/index.ts';
import { compile } from '../../compile/index.ts';
import { type Expr, evaluate } from '../../symbolic/index.ts';
import type { UserModel } from './model-file.ts';

export interface SimulateOptions {
  readonly n: number;
  readonly T: number;
  readonly every: number;
  readonly seeds: readonly number[];
  readonly onTick?: (t: number) => void;
}

export interface SimulationResult {
  readonly t: number[];
  /** [seed][record][state] */
  readonly runs: Float64Array[][];
  readonly state: readonly string[];
}

/** Elementary operations of a run (for the CLI's work limit). */
export function simulationCost(model: UserModel, o: { n: number; T: number; seeds: number }): number {
  const dirs = model.vectors.reduce((s, v) => s + v.size, 0);
  const terms = model.updates.reduce((s, u) => s + u.terms.length, 0) + [...model.samples.values()].reduce((s, t) => s + t.length, 0);
  const perStep = o.n * (model.noises.length * 4 + model.fields.length + terms + model.state.length + dirs * 2);
  return Math.ceil(o.T * o.n) * perStep * o.seeds;
}

const dot = (a: Float64Array, b: Float64Array) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; };

/** The Gram matrix of all directions at the given parameter and state values. */
export function gramValues(model: UserModel, params: Readonly<Record<string, number>>, state: ReadonlyMap<string, number>): { rows: string[]; G: number[][] } {
  const rows = model.vectors.flatMap((v) => v.rows);
  const G = rows.map((a) => rows.map((b) => {
    const e = model.gram.get(`${a}|${b}`)!;
    if (e.kind === 'one') return 1;
    if (e.kind === 'zero') return 0;
    return e.kind === 'state' ? state.get(e.name)! : params[e.name];
  }));
  return { rows, G };
}

export function simulateModel(
  model: UserModel, params: Readonly<Record<string, number>>, initial: ReadonlyMap<string, number>, o: SimulateOptions,
): SimulationResult {
  const { n, T, every } = o;
  const S = o.seeds.length;
  const { rows, G } = gramValues(model, params, initial);
  let L: number[][];
  try { L = choleskyPsd(G, 1e-12); } catch (err) {
    if (err instanceof NotPositiveSemidefiniteError) throw new InputError(`--init: the overlaps of ${rows.join(', ')} at these values are not a Gram matrix (not positive semidefinite)`);
    throw err;
  }
  if (n < rows.length) throw new InputError(`--n ${n} must be at least the number of vector rows (${rows.length})`);
  const dirIndex = new Map(rows.map((r, i) => [r, i] as const));
  const sphere = rows.map((r) => model.vectors.find((v) => v.rows.includes(r))!.sphere);

  // compiled coefficients: inputs latent, fields, state overlaps; parameters as declared
  const latentNames = model.latent.map((l) => l.name);
  const fieldNames = model.fields.map((f) => f.name);
  const stateNames = model.state.map((s) => s.name);
  const paramNames = model.params.map((p) => p.name);
  const inputs = [...latentNames, ...fieldNames, ...stateNames];
  const sampleTerms = [...model.samples.entries()].flatMap(([name, ts]) => ts.map((t) => ({ sample: name, ...t })));
  const updateTerms = model.updates.flatMap((u, ui) => u.terms.map((t) => ({ ui, ...t })));
  const exprs: Expr[] = [...sampleTerms.map((t) => t.coefficient), ...updateTerms.map((t) => t.coefficient)];
  const kernel = compile(exprs, { inputs, params: paramNames, backend: 'f64' });
  const P = Float64Array.from(paramNames.map((p) => params[p]));
  const env = Object.assign(Object.create(null) as Record<string, number>, params);
  const latentSd = model.latent.map((l) => Math.sqrt(Math.max(0, evaluate(l.variance, env))));
  const steps = model.updates.map((u) => evaluate(u.step, env) / n);
  const stateIdx = model.state.map((s) => [dirIndex.get(s.a)!, dirIndex.get(s.b)!] as const);

  const rngs = o.seeds.map((s) => new Rng(s));
  const D = rows.length;
  const vecs: Float64Array[][] = rngs.map((rng) => {
    const basis: Float64Array[] = [];
    for (let j = 0; j < D; j++) {
      const g = rng.fillNormal(new Float64Array(n));
      for (const b of basis) { const c = dot(g, b); for (let i = 0; i < n; i++) g[i] -= c * b[i]; }
      const norm = Math.sqrt(dot(g, g));
      for (let i = 0; i < n; i++) g[i] /= norm;
      basis.push(g);
    }
    return rows.map((_, a) => {
      const v = new Float64Array(n);
      for (let j = 0; j <= a; j++) { const c = L[a][j]; if (c !== 0) for (let i = 0; i < n; i++) v[i] += c * basis[j][i]; }
      return v;
    });
  });
  const noiseVecs = rngs.map(() => model.noises.map(() => new Float64Array(n)));
  const sampleVecs = rngs.map(() => new Map([...model.samples.keys()].map((k) => [k, new Float64Array(n)] as const)));
  const X = new Float64Array(S * inputs.length);
  const nRecords = Math.floor(T / every + 1e-9) + 1;
  const stepsPerRecord = Math.max(1, Math.round(every * n));
  const t: number[] = [];
  const runs: Float64Array[][] = rngs.map(() => []);
  const record = (step: number) => {
    t.push(step / n);
    for (let s = 0; s < S; s++) runs[s].push(Float64Array.from(stateIdx.map(([a, b]) => dot(vecs[s][a], vecs[s][b]))));
  };
  record(0);
  const noiseIndex = new Map(model.noises.map((a, i) => [a, i] as const));
  const vectorOf = (s: number, name: string): Float64Array => {
    const d = dirIndex.get(name);
    if (d !== undefined) return vecs[s][d];
    const a = noiseIndex.get(name);
    if (a !== undefined) return noiseVecs[s][a];
    return sampleVecs[s].get(name)!;
  };
  const nLatent = latentNames.length, nField = fieldNames.length, nIn = inputs.length;
  const nSampleTerms = sampleTerms.length;
  let step = 0;
  for (let r = 1; r < nRecords; r++) {
    for (let q = 0; q < stepsPerRecord; q++, step++) {
      // 1. fresh noises and latent variables; current overlaps
      for (let s = 0; s < S; s++) {
        for (const a of noiseVecs[s]) rngs[s].fillNormal(a);
        for (let l = 0; l < nLatent; l++) X[s * nIn + l] = latentSd[l] * rngs[s].normal();
        stateIdx.forEach(([a, b], k) => { X[s * nIn + nLatent + nField + k] = dot(vecs[s][a], vecs[s][b]); });
      }
      // 2. samples (their coefficients depend on latent and deterministic values only), then fields
      let Y = kernel.run(X, P);
      for (let s = 0; s < S; s++) {
        for (const v of sampleVecs[s].values()) v.fill(0);
        sampleTerms.forEach((term, k) => {
          const c = Y[s * exprs.length + k], src = vectorOf(s, term.vector), dst = sampleVecs[s].get(term.sample)!;
          for (let i = 0; i < n; i++) dst[i] += c * src[i];
        });
        model.fields.forEach((f, k) => { X[s * nIn + nLatent + k] = dot(vectorOf(s, f.input), vecs[s][dirIndex.get(f.direction)!]); });
      }
      Y = kernel.run(X, P);
      // 3. simultaneous updates with the old vectors
      for (let s = 0; s < S; s++) {
        const moved = model.updates.map((u) => Float64Array.from(vecs[s][dirIndex.get(u.direction)!]));
        updateTerms.forEach((term, k) => {
          const c = Y[s * exprs.length + nSampleTerms + k] * steps[term.ui];
          if (!Number.isFinite(c)) {
            throw new IntegrationError(`simulate: a non-finite update coefficient at step ${step} (t = ${(step / n).toFixed(3)}, seed ${o.seeds[s]})`, { t, runs });
          }
          const src = vectorOf(s, term.vector), dst = moved[term.ui];
          for (let i = 0; i < n; i++) dst[i] += c * src[i];
        });
        model.updates.forEach((u, ui) => {
          const d = dirIndex.get(u.direction)!;
          const v = moved[ui];
          if (sphere[d]) { const norm = Math.sqrt(dot(v, v)); for (let i = 0; i < n; i++) v[i] /= norm; }
          vecs[s][d] = v;
        });
      }
    }
    record(step);
    o.onTick?.(step / n);
  }
  return { t, runs, state: stateNames };
}
