// The generator's kernel on its latent inputs (docs/effective-dynamics.md C.2, C.3b):
// Θ_ij = k(z_i, z_j)·I_d with k the NTK (or NNGP) of an architecture of src/ntk.
// Latents on the sphere of radius √d_z have |z|²/d_z = 1 exactly and pairwise
// cosines of order d_z^-1/2, so Θ_ii = g1 = k(cos = 1) for every i and the
// off-diagonal entries concentrate on g2 = k(cos = 0) with a spread
// ≈ |∂k/∂cos(0)|·d_z^-1/2. Gaussian latents add a spread of the diagonal of the
// same order (|z|²/d_z fluctuates by √(2/d_z)).

import { type Architecture, type Matrix, kernels } from '../../ntk/index.ts';
import { Rng, linearFit, type LinearFit } from '../../numeric/index.ts';

export type LatentLaw = 'sphere' | 'gaussian';
export type KernelWhich = 'ntk' | 'nngp';

/** The two numbers of an architecture's kernel: g1 = k at cos 1, g2 = k at cos 0 (inputs with |x|²/d = 1). */
export interface TwoNumbers {
  readonly g1: number;
  readonly g2: number;
  /** g2 / g1 */
  readonly ratio: number;
}

export function twoNumbers(arch: Architecture, which: KernelWhich = 'ntk'): TwoNumbers {
  const s = Math.SQRT2; // in d = 2, |x|²/d = 1
  const r = kernels(arch, [[s, 0]], [[s, 0], [0, s]], { get: [which] });
  const m = which === 'ntk' ? r.ntk! : r.nngp;
  const g1 = m.data[0], g2 = m.data[1];
  return { g1, g2, ratio: g2 / g1 };
}

/** n latents of dimension dz: uniform on the sphere of radius √dz, or N(0, I). */
export function latents(n: number, dz: number, law: LatentLaw, rng: Rng): Matrix {
  const data = new Float64Array(n * dz);
  rng.fillNormal(data);
  if (law === 'sphere') {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < dz; k++) s += data[i * dz + k] ** 2;
      const c = Math.sqrt(dz / s);
      for (let k = 0; k < dz; k++) data[i * dz + k] *= c;
    }
  }
  return { data, rows: n, cols: dz };
}

/** Θ_ij = k(z_i, z_j) for the rows of Z (the Gram matrix; the output identity I_d is implicit). */
export function latentKernel(arch: Architecture, Z: Matrix, which: KernelWhich = 'ntk'): Matrix {
  const r = kernels(arch, Z, undefined, { get: [which] });
  return which === 'ntk' ? r.ntk! : r.nngp;
}

/** How far a latent Gram matrix is from the two-number kernel, relative to g1. */
export interface KernelSpread {
  readonly dz: number;
  readonly diagMean: number;
  /** standard deviation of Θ_ii / g1 */
  readonly diagSpread: number;
  readonly offMean: number;
  /** standard deviation of Θ_ij / g1 over i < j */
  readonly offSpread: number;
  /** max |Θ_ij − g2| / g1 over i < j */
  readonly offMaxDeviation: number;
}

export function kernelSpread(theta: Matrix, dz: number, two: TwoNumbers): KernelSpread {
  const n = theta.rows, at = (i: number, j: number) => theta.data[i * n + j] / two.g1;
  let sd = 0, so = 0, m = 0, maxDev = 0;
  for (let i = 0; i < n; i++) {
    sd += at(i, i);
    for (let j = i + 1; j < n; j++) { so += at(i, j); m++; maxDev = Math.max(maxDev, Math.abs(at(i, j) - two.ratio)); }
  }
  const dm = sd / n, om = so / m;
  let vd = 0, vo = 0; // two passes: no cancellation in the variances
  for (let i = 0; i < n; i++) {
    vd += (at(i, i) - dm) ** 2;
    for (let j = i + 1; j < n; j++) vo += (at(i, j) - om) ** 2;
  }
  return {
    dz, diagMean: dm * two.g1, diagSpread: Math.sqrt(vd / n),
    offMean: om * two.g1, offSpread: Math.sqrt(vo / m), offMaxDeviation: maxDev,
  };
}

export interface Concentration {
  readonly two: TwoNumbers;
  readonly law: LatentLaw;
  readonly points: readonly KernelSpread[];
  /** log(off-diagonal spread) against log d_z (theory: slope −1/2) */
  readonly offFit: LinearFit;
  /** log(diagonal spread) against log d_z: only for Gaussian latents (sphere: exactly 0) */
  readonly diagFit?: LinearFit;
}

/** The spread of Θ over latent dimensions dzs (n latents each), with fitted slopes. */
export function concentration(arch: Architecture, opts: {
  dzs: readonly number[]; n: number; seed: number; law?: LatentLaw; which?: KernelWhich;
}): Concentration {
  const law = opts.law ?? 'sphere', which = opts.which ?? 'ntk';
  const two = twoNumbers(arch, which);
  const rng = new Rng(opts.seed);
  const points = opts.dzs.map((dz) => kernelSpread(latentKernel(arch, latents(opts.n, dz, law, rng), which), dz, two));
  const logs = points.map((p) => Math.log(p.dz));
  return {
    two, law, points,
    offFit: linearFit(logs, points.map((p) => Math.log(p.offSpread))),
    ...(law === 'gaussian' ? { diagFit: linearFit(logs, points.map((p) => Math.log(p.diagSpread))) } : {}),
  };
}
