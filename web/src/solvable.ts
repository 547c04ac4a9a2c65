// The solvable GAN (Wang, Hu & Lu) for the live page: the predicted phase at the
// sliders' (τ, τ̃/τ, η), the phase map over (η, τ), and the derived ODE's overlaps.
// Runs the same in Node and in the browser.

import { latexSystem } from '../../src/symbolic/index.ts';
import {
  type Phase, classifyPhase, defaultInit, defaultSpec, deriveOverlapOde, odeTrajectory, validateSpec, type SolvableGanSpec,
} from '../../src/models/solvable-gan/index.ts';

export interface SolvableControls {
  /** discriminator learning rate τ */
  readonly tau: number;
  /** generator / discriminator learning-rate ratio τ̃/τ */
  readonly ratio: number;
  /** noise variance η = η_T = η_G */
  readonly eta: number;
}

export const DEFAULT_SOLVABLE: SolvableControls = { tau: 0.2, ratio: 0.2, eta: 2 };
export const PHASE_COLORS: Record<Phase, string> = { success: '#a6dba0', oscillation: '#fdd49e', failure: '#c2a5cf', collapse: '#f4a6a6' };
/** The map's axes (the range of `gandyn verify solvable-gan-phases`). */
export const MAP_ETAS = { lo: 0.5, hi: 5 };
export const MAP_TAUS = { lo: 0.02, hi: 0.4 };

export function solvableSpec(c: SolvableControls): SolvableGanSpec {
  return validateSpec({ ...defaultSpec(1), tau: c.tau, tau_g: c.ratio * c.tau, eta_T: c.eta, eta_G: c.eta });
}

export function predictedPhase(c: SolvableControls): { phase: Phase; kappa: number } {
  const v = classifyPhase(solvableSpec(c), defaultInit(1));
  return { phase: v.phase, kappa: v.kappa };
}

/** Overlaps P and q of the derived ODE (d = 1) from the default start, to time T. */
export function overlapCurves(c: SolvableControls, T = 100, every = 0.5): { t: number[]; P: number[]; q: number[] } {
  const tr = odeTrajectory(solvableSpec(c), defaultInit(1), T, every);
  return { t: tr.t, P: tr.series.P, q: tr.series.q };
}

/** The predicted phase on a grid: [iTau][iEta]. */
export function phaseMap(ratio: number, nEta: number, nTau: number): Phase[][] {
  const etas = Array.from({ length: nEta }, (_, i) => MAP_ETAS.lo + ((i + 0.5) * (MAP_ETAS.hi - MAP_ETAS.lo)) / nEta);
  const taus = Array.from({ length: nTau }, (_, i) => MAP_TAUS.lo + ((i + 0.5) * (MAP_TAUS.hi - MAP_TAUS.lo)) / nTau);
  return taus.map((tau) => etas.map((eta) => predictedPhase({ tau, ratio, eta }).phase));
}

/** The macroscopic ODE (d = 1, column normalisation), derived symbolically here, as LaTeX. */
export function solvableLatex(): string {
  return latexSystem(deriveOverlapOde(1, 'column'), { env: 'aligned' });
}
