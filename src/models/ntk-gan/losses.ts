// The GAN losses of docs/ntk-gan.md B.2 (GAN(TK)² gantk2/losses.py). The discriminator
// minimises
//   L_D(f) = (1/N) Σ_i ℓ_fake(f(x_i)) + (1/M) Σ_j ℓ_real(f(y_j)),
// x_i the N generated ("fake") points, y_j the M target ("real") points; the
// generator minimises (1/N) Σ_i c(f(x_i)).
//
//   loss     ℓ_fake(f)       ℓ_real(f)        c(f)
//   ipm      f               −f               −f
//   lsgan    (f + 1)²        (f − 1)²         f²
//   vanilla  softplus(f)     softplus(−f)     softplus(−f)   (non-saturating generator)
//   hinge    max(0, 1 + f)   max(0, 1 − f)    −f             (finite width only)
//
// Derivatives at the kinks of hinge: the one-sided derivative from the flat side
// (0), as autodiff of jnp.minimum gives.

import { sigmoid, softplus } from '../../numeric/index.ts';
import { ArgumentError } from '../../core/index.ts';

export type LossName = 'ipm' | 'lsgan' | 'vanilla' | 'hinge';
export const LOSS_NAMES: readonly LossName[] = ['ipm', 'lsgan', 'vanilla', 'hinge'];
/** Losses with an infinite-width discriminator here (hinge is finite width only, as in B.2). */
export const INFINITE_WIDTH_LOSSES: readonly LossName[] = ['ipm', 'lsgan', 'vanilla'];

export interface GanLoss {
  readonly name: LossName;
  /** ℓ_fake(f) and its derivative */
  lFake(f: number): number;
  dlFake(f: number): number;
  /** ℓ_real(f) and its derivative */
  lReal(f: number): number;
  dlReal(f: number): number;
  /** the generator's c(f) and c'(f) */
  c(f: number): number;
  dc(f: number): number;
}

/** The losses by name (a frozen object without prototype: LOSSES['constructor'] is undefined; see lossByName). */
export const LOSSES: Readonly<Record<LossName, GanLoss>> = Object.freeze(Object.assign(Object.create(null) as Record<LossName, GanLoss>, {
  ipm: {
    name: 'ipm',
    lFake: (f) => f, dlFake: () => 1,
    lReal: (f) => -f, dlReal: () => -1,
    c: (f) => -f, dc: () => -1,
  },
  lsgan: {
    name: 'lsgan',
    lFake: (f) => (f + 1) ** 2, dlFake: (f) => 2 * (f + 1),
    lReal: (f) => (f - 1) ** 2, dlReal: (f) => 2 * (f - 1),
    c: (f) => f * f, dc: (f) => 2 * f,
  },
  vanilla: {
    name: 'vanilla',
    lFake: softplus, dlFake: sigmoid,
    lReal: (f) => softplus(-f), dlReal: (f) => -sigmoid(-f),
    c: (f) => softplus(-f), dc: (f) => -sigmoid(-f),
  },
  hinge: {
    name: 'hinge',
    lFake: (f) => Math.max(0, 1 + f), dlFake: (f) => (1 + f > 0 ? 1 : 0),
    lReal: (f) => Math.max(0, 1 - f), dlReal: (f) => (1 - f > 0 ? -1 : 0),
    c: (f) => -f, dc: () => -1,
  },
} satisfies Record<LossName, GanLoss>));

/** A loss by name; a clear error for an unknown one. */
export function lossByName(name: string): GanLoss {
  if (typeof name !== 'string' || !(LOSS_NAMES as readonly string[]).includes(name)) {
    throw new ArgumentError(`unknown loss "${name}" (known: ${LOSS_NAMES.join(', ')})`);
  }
  return LOSSES[name as LossName];
}

/**
 * ∂L_D/∂f(s) on the training set S = fake ∪ real (fake first): w_s ℓ'_fake(f(s))
 * for fake points (w = 1/N), w_s ℓ'_real(f(s)) for real ones (w = 1/M).
 */
export function lossGradientOnS(loss: GanLoss, f: ArrayLike<number>, nFake: number, nReal: number, out = new Float64Array(nFake + nReal)): Float64Array {
  for (let i = 0; i < nFake; i++) out[i] = loss.dlFake(f[i]) / nFake;
  for (let j = 0; j < nReal; j++) out[nFake + j] = loss.dlReal(f[nFake + j]) / nReal;
  return out;
}

/** L_D on S from the values f(s) (fake first). */
export function discriminatorLoss(loss: GanLoss, f: ArrayLike<number>, nFake: number, nReal: number): number {
  let a = 0, b = 0;
  for (let i = 0; i < nFake; i++) a += loss.lFake(f[i]);
  for (let j = 0; j < nReal; j++) b += loss.lReal(f[nFake + j]);
  return a / nFake + b / nReal;
}
