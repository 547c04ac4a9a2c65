// Seeded datasets for the particle flows (docs/ntk-gan.md B.6). Source particles are
// drawn from N(0, I_d); targets from:
//  - eight_gaussians (d = 2): 8 equally weighted components N(c_k, 0.5² I) with
//    centres c_k = 5 (cos 2πk/8, sin 2πk/8), k = 0..7 (component chosen uniformly
//    per point). GAN(TK)²'s own centres use the same circle of radius 5.
//  - modes_1d (d = 1): our choice, two equally weighted modes N(−2, 0.3²) and
//    N(+2, 0.3²): the source N(0, 1) must split its mass in two.
// gantk2Modes1d() gives GAN(TK)²'s fixed 1-D "adequation" set (5 fake, 5 real
// points, B.6), used for its Figure 1.

import { Rng } from '../../numeric/index.ts';
import { type Matrix, KernelInputError } from '../../ntk/index.ts';

export type DatasetName = 'eight_gaussians' | 'modes_1d';
export const DATASET_NAMES: readonly DatasetName[] = ['eight_gaussians', 'modes_1d'];

export interface DatasetOptions {
  /** number of source particles (default 500) */
  readonly particles?: number;
  /** number of target points (default 500) */
  readonly targets?: number;
  readonly seed: number;
}

export interface Dataset {
  readonly name: DatasetName;
  readonly d: number;
  readonly source: Matrix;
  readonly target: Matrix;
}

export const EIGHT_GAUSSIANS = { radius: 5, std: 0.5, components: 8 } as const;
export const MODES_1D = { centres: [-2, 2], std: 0.3 } as const;

function count(v: number | undefined, fallback: number, what: string): number {
  const n = v ?? fallback;
  if (!Number.isSafeInteger(n) || n < 2 || n > 100_000) throw new KernelInputError(`${what} must be an integer in 2..100000, got ${String(v)}`);
  return n;
}

/** The named dataset; `seed` fixes both samples (independent streams). */
export function dataset(name: string, opts: DatasetOptions): Dataset {
  if (!(DATASET_NAMES as readonly string[]).includes(name)) {
    throw new KernelInputError(`unknown dataset "${name}" (known: ${DATASET_NAMES.join(', ')})`);
  }
  const N = count(opts.particles, 500, 'particles');
  const M = count(opts.targets, 500, 'targets');
  if (!Number.isSafeInteger(opts.seed) || opts.seed < 0) throw new KernelInputError(`seed must be a non-negative integer, got ${String(opts.seed)}`);
  const root = new Rng(opts.seed);
  const rs = root.split(), rt = root.split();
  const d = name === 'eight_gaussians' ? 2 : 1;
  const source = { data: rs.fillNormal(new Float64Array(N * d)), rows: N, cols: d };
  const target = new Float64Array(M * d);
  if (name === 'eight_gaussians') {
    const { radius, std, components } = EIGHT_GAUSSIANS;
    for (let j = 0; j < M; j++) {
      const k = rt.int(components);
      const a = (2 * Math.PI * k) / components;
      target[2 * j] = radius * Math.cos(a) + std * rt.normal();
      target[2 * j + 1] = radius * Math.sin(a) + std * rt.normal();
    }
  } else {
    const { centres, std } = MODES_1D;
    for (let j = 0; j < M; j++) target[j] = centres[rt.int(centres.length)] + std * rt.normal();
  }
  return { name: name as DatasetName, d, source, target: { data: target, rows: M, cols: d } };
}

/** GAN(TK)²'s modes_1d: 5 fake points 1.5·{−1.2, −1.34, −0.8, −0.7, −0.3}, 5 real 1.5·{0.6, 1, 1.23, 1.32, 0.2}. */
export function gantk2Modes1d(): { fake: Matrix; real: Matrix } {
  const col = (v: number[]) => ({ data: Float64Array.from(v, (x) => 1.5 * x), rows: v.length, cols: 1 });
  return { fake: col([-1.2, -1.34, -0.8, -0.7, -0.3]), real: col([0.6, 1, 1.23, 1.32, 0.2]) };
}
