// Critical damping measured (docs/effective-dynamics.md C.3, C.3b): N particles, each
// near its own mode y_i with a locally linear critic f_i(x) = ψ_i·x (the model the
// derivation of derive.ts linearises), in discrete time, alternating
//   critic:    ψ_i ← ψ_i + η_D [(y_i − x_i) − 2λ ψ_i]     (penalty 'full'; 'half': − λ ψ_i)
//   particles: x_i ← x_i + η_G c Σ_j Θ_ij ψ_j              (two-number kernel, coupling c)
// from x = y + a displacement in the chosen eigenmode (centre of mass: one vector for
// all; relative: displacements of mean zero), ψ = 0. The convergence time is the first
// step after which rms |x − y| stays below ε times its start. Scanning λ gives the
// measured optimum, compared with the derived λ_c of that mode's kernel eigenvalue g.

import { Rng } from '../../numeric/index.ts';
import { type Coupling, couple, twoNumberEigenvalues } from './coupling.ts';
import type { Penalty } from './derive.ts';

export type Mode = 'centre' | 'relative';
export const MODES: readonly Mode[] = ['centre', 'relative'];

export interface DampingSetting {
  readonly lrG: number;
  readonly lrD: number;
  readonly g1: number;
  readonly g2: number;
  readonly N: number;
  readonly coupling: Coupling;
  readonly mode: Mode;
  readonly penalty: Penalty;
}

/** The kernel eigenvalue g of the mode, with the coupling's 1/N for 'mean'. */
export function modeEigenvalue(s: DampingSetting): number {
  const e = twoNumberEigenvalues(s.g1, s.g2, s.N);
  return (s.mode === 'centre' ? e.centreOfMass : e.relative) / (s.coupling === 'mean' ? s.N : 1);
}

/** λ_c of the closed form the derivation reproduces: √(η_G g/η_D), doubled for the (λ/2) penalty. */
export function criticalLambda(s: DampingSetting): number {
  const c = Math.sqrt((s.lrG * modeEigenvalue(s)) / s.lrD);
  return s.penalty === 'full' ? c : 2 * c;
}

export interface Trajectory {
  readonly step: number[];
  /** rms |x − y| over particles, relative to its start */
  readonly distance: number[];
  /** convergence time in steps (Infinity when not reached within maxSteps) */
  readonly time: number;
}

/** One damped run (d = 2), recording every `every` steps. */
export function dampedRun(s: DampingSetting, lambda: number, opts: { eps: number; maxSteps: number; seed: number; every?: number; d?: number }): Trajectory {
  const N = s.N, d = opts.d ?? 2, every = opts.every ?? 0;
  const rng = new Rng(opts.seed);
  const Y = new Float64Array(N * d), X = new Float64Array(N * d), Psi = new Float64Array(N * d), u = new Float64Array(N * d);
  rng.fillNormal(Y);
  const disp = new Float64Array(N * d);
  if (s.mode === 'centre') {
    const v = new Float64Array(d); rng.fillNormal(v);
    for (let i = 0; i < N; i++) disp.set(v, i * d);
  } else {
    rng.fillNormal(disp);
    for (let k = 0; k < d; k++) {
      let m = 0; for (let i = 0; i < N; i++) m += disp[i * d + k] / N;
      for (let i = 0; i < N; i++) disp[i * d + k] -= m;
    }
  }
  for (let i = 0; i < N * d; i++) X[i] = Y[i] + disp[i];
  const rms = () => { let t = 0; for (let i = 0; i < N * d; i++) t += (X[i] - Y[i]) ** 2; return Math.sqrt(t / N); };
  const r0 = rms();
  const kernel = { kind: 'two-number' as const, g1: s.g1, g2: s.g2 };
  const decay = s.penalty === 'full' ? 2 * lambda : lambda;
  const step: number[] = [], distance: number[] = [];
  let lastAbove = 0;
  for (let k = 0; k <= opts.maxSteps; k++) {
    const r = rms() / r0;
    if (!(r <= opts.eps)) lastAbove = k;
    if (every > 0 && k % every === 0) { step.push(k); distance.push(r); }
    if (!Number.isFinite(r) || r > 1e12) { lastAbove = Infinity; break; }
    if (k === opts.maxSteps) break;
    for (let i = 0; i < N * d; i++) Psi[i] += s.lrD * ((Y[i] - X[i]) - decay * Psi[i]);
    couple(kernel, Psi, N, d, s.coupling, u);
    for (let i = 0; i < N * d; i++) X[i] += s.lrG * u[i];
  }
  const time = lastAbove >= opts.maxSteps ? Infinity : lastAbove + 1;
  return { step, distance, time };
}

export interface DampingScan {
  readonly setting: DampingSetting;
  readonly g: number;
  readonly lambdaC: number;
  readonly lambdas: number[];
  readonly times: number[];
  /** the measured optimum: middle of the set of λ with the least convergence time */
  readonly lambdaOpt: number;
  readonly timeOpt: number;
  /** (λ_opt − λ_c)/λ_c */
  readonly relativeError: number;
  readonly eps: number;
}

const logspace = (lo: number, hi: number, n: number) => Array.from({ length: n }, (_, i) => lo * (hi / lo) ** (n === 1 ? 0 : i / (n - 1)));

/**
 * Convergence time over λ ∈ [λ_c/spread, λ_c·spread] (log grid of `points`), then a finer
 * grid between the best point's neighbours; λ_c only sets the window.
 */
export function dampingScan(s: DampingSetting, opts: { eps?: number; points?: number; spread?: number; seed?: number } = {}): DampingScan {
  const eps = opts.eps ?? 1e-6, points = opts.points ?? 31, spread = opts.spread ?? 4, seed = opts.seed ?? 1;
  const g = modeEigenvalue(s), lambdaC = criticalLambda(s);
  const omega = Math.sqrt(s.lrG * s.lrD * g);
  // slowest rate on the window: about ω/(2·spread) (over-damped end); run 3× the time it needs
  const maxSteps = Math.ceil((3 * 2 * spread * Math.log(1 / eps)) / omega) + 100;
  const run = (l: number) => dampedRun(s, l, { eps, maxSteps, seed }).time;
  const lambdas: number[] = [], times: number[] = [];
  const coarse = logspace(lambdaC / spread, lambdaC * spread, points);
  const ct = coarse.map(run);
  lambdas.push(...coarse); times.push(...ct);
  const ib = ct.indexOf(Math.min(...ct));
  const lo = coarse[Math.max(0, ib - 1)], hi = coarse[Math.min(points - 1, ib + 1)];
  const fine = logspace(lo, hi, points);
  const ft = fine.map(run);
  lambdas.push(...fine); times.push(...ft);
  const best = Math.min(...ft);
  const at = fine.filter((_, i) => ft[i] === best);
  const lambdaOpt = Math.sqrt(at[0] * at[at.length - 1]);
  const order = lambdas.map((l, i) => [l, times[i]] as const).sort((a, b) => a[0] - b[0]);
  return {
    setting: s, g, lambdaC, lambdas: order.map((p) => p[0]), times: order.map((p) => p[1]),
    lambdaOpt, timeOpt: best, relativeError: (lambdaOpt - lambdaC) / lambdaC, eps,
  };
}

/** Work of a scan in particle-coordinate updates. */
export function dampingScanCost(s: DampingSetting, opts: { eps?: number; points?: number; spread?: number } = {}): number {
  const eps = opts.eps ?? 1e-6, points = opts.points ?? 31, spread = opts.spread ?? 4;
  const omega = Math.sqrt(s.lrG * s.lrD * modeEigenvalue(s));
  return 2 * points * ((6 * spread * Math.log(1 / eps)) / omega + 100) * s.N * 2 * 4;
}
