// The two empirical claims of Li & Dou as checks over seeds (docs/method-of-moments.md D.5):
// "low degree first" (a rank statistic over seeds) and "necessity" (degree ≤ 2 critics cannot
// see the third moment).

import type { Theorem, Verdict, Figure } from '../../core/index.ts';
import { Rng } from '../../numeric/index.ts';
import { parseGenerator, type TwoLayerGenerator } from './generator.ts';
import { trainMoments, crossingSteps, type TrainingConfig } from './training.ts';
import { initialGenerator } from './experiment.ts';

function verdict(id: string, start: number, passed: boolean, figures: Figure[], summary: string): Verdict {
  return { id, passed, figures, summary, seconds: (performance.now() - start) / 1000 };
}

/** Kendall's τ between the degrees 1..K and their crossing steps (ties count 0). */
export function kendallTauWithDegree(steps: readonly number[]): number {
  let s = 0, pairs = 0;
  for (let a = 0; a < steps.length; a++) for (let b = a + 1; b < steps.length; b++) { pairs++; s += Math.sign(steps[b] - steps[a]); }
  return s / pairs;
}

/** One-sided sign test: P(at least `wins` of `n` fair coin flips). */
export function signTestPValue(wins: number, n: number): number {
  let p = 0, c = 1;
  for (let k = 0; k <= n; k++) {
    if (k > 0) c = (c * (n - k + 1)) / k;
    if (k >= wins) p += c;
  }
  return p / 2 ** n;
}

/** The default low-degree-first experiment for one seed: ReLU target, ReLU-MLP critic, WGAN with clipping. */
export function lowDegreeConfig(seed: number, effort = 1): TrainingConfig {
  const target = parseGenerator({ d: 3, m: 2, k: 2, activation: 'relu(t)', seed });
  return {
    target, init: initialGenerator(target, 1, seed), critic: { kind: 'mlp', hidden: [16], activation: 'relu' },
    constraint: 'clip', clip: 0.1, gpLambda: 1, steps: Math.round(300 * effort), batch: 64, criticSteps: 3,
    lrGenerator: 0.003, lrCritic: 0.01, every: 10, orders: 4, seed, gradient: 'sampled', criticScale: 'target-rms', hermiteOrder: 12,
  };
}

const SEEDS = 10;
const LEVEL = 0.2;

const lowDegreeFirst: Theorem = {
  id: 'moments-low-degree-first',
  title: 'WGAN training matches low-degree moments first (rank statistic over seeds)',
  source: 'Li & Dou, abstract [C]; measurement docs/method-of-moments.md D.5 [R]',
  statement: String.raw`t_k = \min\{t : \lVert m_k(G_t) - m_k(G^*)\rVert_F \le \varepsilon \lVert m_k(G^*)\rVert_F\}\ \text{increases with } k:\ \overline{\tau}_{\text{Kendall}}(k, t_k) > 0`,
  hypotheses: [
    `target x = A σ(B z), σ = ReLU, d = 3, m = 2, k = 2; generator of the same architecture started at target + 1 × an independent generator`,
    'critic: ReLU MLP (16 units, src/ntk/critic.ts), WGAN with weight clipping 0.1, Adam, batches of 64, 3 critic steps per generator step, 300 generator steps',
    `matched [R]: relative to the target moment, ε = ${LEVEL}; ${SEEDS} seeds; pass: mean τ > 0 and one-sided sign test p < 0.05`,
    'also reported: the same statistic for the fraction-of-start criterion (‖Δ_k(t)‖ ≤ 0.5‖Δ_k(0)‖)',
  ],
  check(opts = {}) {
    const start = performance.now();
    const base = opts.seed ?? 1;
    const taus: number[] = [], tausStart: number[] = [];
    for (let s = 0; s < SEEDS; s++) {
      const run = trainMoments(lowDegreeConfig(base + s, opts.effort ?? 1));
      taus.push(kendallTauWithDegree(crossingSteps(run, LEVEL, 'relative-to-target')));
      tausStart.push(kendallTauWithDegree(crossingSteps(run, 0.5, 'fraction-of-start')));
    }
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    const wins = taus.filter((t) => t > 0).length, losses = taus.filter((t) => t < 0).length;
    const p = signTestPValue(wins, wins + losses);
    const passed = mean(taus) > 0 && p < 0.05;
    return verdict(this.id, start, passed, [
      { name: `mean Kendall τ(k, t_k), matched relative to the target (ε = ${LEVEL})`, value: mean(taus), note: `per seed: ${taus.map((t) => t.toFixed(2)).join(' ')}` },
      { name: `one-sided sign test p (${wins} of ${wins + losses} non-tied seeds with τ > 0)`, value: p, tolerance: 0.05 },
      { name: 'mean Kendall τ for the fraction-of-start criterion (0.5 of ‖Δ_k(0)‖), reported, not tested', value: mean(tausStart), note: `per seed: ${tausStart.map((t) => t.toFixed(2)).join(' ')}` },
    ], `low degree first over ${SEEDS} seeds: mean τ = ${mean(taus).toFixed(2)}, sign test p = ${p.toPrecision(2)} (fraction-of-start criterion: mean τ = ${mean(tausStart).toFixed(2)})`);
  },
};

/**
 * A target and a start that agree in the first two moments but not the third: d = 1, three
 * independent units (B = I), σ(t) = t³ + t²; x = Σ a_i σ(g_i) has m₁, m₂ fixed by Σ a_i and
 * Σ a_i², so rotating a about (1,1,1) keeps them and changes Σ a_i³ (hence m₃).
 */
export function necessityPair(seed: number, angle = 1.2): { target: TwoLayerGenerator; init: TwoLayerGenerator } {
  const rng = new Rng(seed);
  const a = rng.fillNormal(new Float64Array(3));
  const n = 1 / Math.sqrt(3);
  const along = (a[0] + a[1] + a[2]) * n;
  const cross = [n * (a[2] - a[1]), n * (a[0] - a[2]), n * (a[1] - a[0])];
  const c = Math.cos(angle), s = Math.sin(angle);
  const rotated = Array.from(a, (v, i) => v * c + cross[i] * s + n * along * (1 - c));
  const B = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  return {
    target: parseGenerator({ d: 1, m: 3, k: 3, activation: 't^3+t^2', A: [Array.from(a)], B }),
    init: parseGenerator({ d: 1, m: 3, k: 3, activation: 't^3+t^2', A: [rotated], B }),
  };
}

/** Step sizes of the necessity runs (Adam on the generator; the critic is a best response, clip unused). */
const NECESSITY_RATES = { lrGenerator: 0.01, lrCritic: 0.05, clip: 1 } as const;

export function necessityConfig(seed: number, degree: number, effort = 1): TrainingConfig {
  const { target, init } = necessityPair(seed);
  return {
    target, init, critic: { kind: 'poly', degree }, constraint: 'clip', gpLambda: 1, steps: Math.round(200 * effort), batch: 64,
    criticSteps: 1, every: 20, orders: 3, seed, gradient: 'exact', criticScale: 'target-rms',
    criticSolver: 'best-response', ...NECESSITY_RATES,
  };
}

const NECESSITY_SEEDS = 6;

const necessity: Theorem = {
  id: 'moments-necessity',
  title: 'A degree-2 discriminator cannot teach the third moment; a degree-3 one can',
  source: 'Li & Dou, public summary [C: "higher-order moments are necessary"]; experiment docs/method-of-moments.md D.5 [R]',
  statement: String.raw`m_{1,2}(G_0) = m_{1,2}(G^*),\ m_3(G_0)\ne m_3(G^*):\ \ \lVert\Delta_3\rVert_{\deg\le 2}(T) = \lVert\Delta_3\rVert(0),\quad \lVert\Delta_3\rVert_{\deg 3}(T) \ll \lVert\Delta_3\rVert(0)`,
  hypotheses: [
    'd = 1, m = 3 independent units (B = I), σ(t) = t³ + t²; the start is the target with a rotated about (1,1,1) by 1.2 rad (same m₁, m₂, different m₃)',
    'population WGAN (exact moments [R]), polynomial critic with clipping ±1 on monomials of x/s, gradient steps, 200 generator steps',
    `${NECESSITY_SEEDS} seeds; pass: degree 2 keeps ‖Δ₃‖ ≥ 0.9 of its start in every seed, degree 3 brings the median below 0.5`,
  ],
  check(opts = {}) {
    const start = performance.now();
    const base = opts.seed ?? 1;
    const keep2: number[] = [], keep3: number[] = [];
    for (let s = 0; s < NECESSITY_SEEDS; s++) {
      for (const [deg, out] of [[2, keep2], [3, keep3]] as const) {
        const run = trainMoments(necessityConfig(base + s, deg, opts.effort ?? 1));
        const d3 = run.discrepancy[2];
        out.push(d3[d3.length - 1] / d3[0]);
      }
    }
    const median = (a: number[]) => { const b = [...a].sort((x, y) => x - y); return (b[(b.length - 1) >> 1] + b[b.length >> 1]) / 2; };
    const passed = Math.min(...keep2) >= 0.9 && median(keep3) < 0.5;
    return verdict(this.id, start, passed, [
      { name: 'degree-2 critic: smallest final ‖Δ₃‖/‖Δ₃(0)‖ over seeds', value: Math.min(...keep2), tolerance: 0.9, note: `per seed: ${keep2.map((v) => v.toFixed(3)).join(' ')}` },
      { name: 'degree-3 critic: median final ‖Δ₃‖/‖Δ₃(0)‖', value: median(keep3), tolerance: 0.5, note: `per seed: ${keep3.map((v) => v.toFixed(3)).join(' ')}` },
    ], `third-moment discrepancy kept by degree 2 (min ratio ${Math.min(...keep2).toFixed(3)}), reduced by degree 3 (median ratio ${median(keep3).toFixed(3)})`);
  },
};

export const trainingTheorems: Theorem[] = [lowDegreeFirst, necessity];
