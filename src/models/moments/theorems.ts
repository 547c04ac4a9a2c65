// The moments theory's checks (gandyn verify; docs/method-of-moments.md D.3–D.6).

import type { Theorem, Verdict, Figure } from '../../core/index.ts';
import { Rng, tensorInner } from '../../numeric/index.ts';
import { parseGenerator, sampleGenerator } from './generator.ts';
import { generatorMoments, monteCarloMoments, sampleMoments } from './moments.ts';
import { momentDiscrepancies, momentDistance, witnessTensors, evaluateOnSamples } from './distance.ts';
import { recoveryCurve } from './recovery-action.ts';
import { trainingTheorems } from './training-theorems.ts';

function verdict(id: string, start: number, passed: boolean, figures: Figure[], summary: string): Verdict {
  return { id, passed, figures, summary, seconds: (performance.now() - start) / 1000 };
}

const ACTIVATIONS = ['t^3', 't^3 - 2*t', 'tanh(t)', 'relu(t)'];

const momentFormulas: Theorem = {
  id: 'moments-formulas-monte-carlo',
  title: 'Moment tensors of x = A σ(B z) agree with Monte Carlo (Isserlis and Hermite series)',
  source: 'docs/method-of-moments.md D.3 (Isserlis; Mehler / diagram formula for Hermite expansions)',
  statement: String.raw`\mathbb{E}[x^{\otimes p}] = \sum_{i_1..i_p} \mathbb{E}\big[\textstyle\prod_j \sigma(w_{i_j}\!\cdot z)\big]\, a_{i_1}\otimes\cdots\otimes a_{i_p},\ p = 1..4`,
  hypotheses: ['z ~ N(0, I_k); A, B drawn from the seed (d = 2, m = 3, k = 3)', 'σ ∈ {t³, t³ − 2t (He₃ + He₁), tanh, ReLU}', 'tolerance: every entry within its uncertainty min(bound, 2 × estimate) plus 4.5 standard errors (Bonferroni over 56 entries)'],
  check(opts = {}) {
    const start = performance.now();
    const seed = opts.seed ?? 1;
    const n = Math.round(100_000 * (opts.effort ?? 1));
    const figures: Figure[] = [];
    let passed = true;
    for (const [i, act] of ACTIVATIONS.entries()) {
      const g = parseGenerator({ d: 2, m: 3, k: 3, activation: act, seed: seed + i });
      const ex = generatorMoments(g, 4);
      const mc = monteCarloMoments(g, 4, n, new Rng(seed * 7919 + i));
      let z = 0;
      ex.tensors.forEach((t, p) => {
        for (let e = 0; e < t.tensor.length; e++) {
          const se = mc.tensors[p].standardError[e];
          z = Math.max(z, Math.max(0, Math.abs(t.tensor[e] - mc.tensors[p].mean[e]) - t.uncertainty[e]) / se);
        }
      });
      passed &&= z < 4.5;
      figures.push({ name: `σ = ${act} (${ex.method}): max (|formula − MC| − uncertainty)/SE over orders 1..4`, value: z, tolerance: 4.5 });
      if (g.activation.polynomial) {
        // the Hermite path on a polynomial σ is a finite series: it must equal Isserlis
        const he = generatorMoments(g, 4, { forceHermite: true });
        let gap = 0, bound = 0;
        he.tensors.forEach((t, p) => { for (let e = 0; e < t.tensor.length; e++) { gap = Math.max(gap, Math.abs(t.tensor[e] - ex.tensors[p].tensor[e]) - t.errorBound[e]); bound = Math.max(bound, t.errorBound[e]); } });
        passed &&= gap <= 0;
        figures.push({ name: `σ = ${act}: max (|Hermite − Isserlis| − Hermite error bound)`, value: gap, tolerance: 0, note: `largest bound ${bound.toExponential(1)}` });
      }
    }
    return verdict(this.id, start, passed, figures, `moment tensors of orders 1..4 for 4 activations vs ${n} Monte Carlo samples: ${passed ? 'all within bound + 4.5 SE' : 'a moment disagrees'}`);
  },
};

const momentIpm: Theorem = {
  id: 'moments-distance-is-ipm',
  title: 'The moment distance is the IPM of bounded-coefficient polynomial discriminators',
  source: 'docs/method-of-moments.md D.4 (papers.md D.2 [R])',
  statement: String.raw`\sup_{\lVert T_k\rVert_F\le 1} \mathbb{E}_p f - \mathbb{E}_q f = \sum_{k\le K}\lVert \mathbb{E}_p x^{\otimes k} - \mathbb{E}_q x^{\otimes k}\rVert_F,\quad f(x) = \sum_{k\le K}\langle T_k, x^{\otimes k}\rangle`,
  hypotheses: ['two generators with d = 2 (σ = t³, m = 2 and σ = t³ − 2t, m = 3), K = 4, exact moments', 'per-degree ball (the [R] default)', 'tolerances: 1e-9 relative for identities, 4 SE for the Monte Carlo estimate'],
  check(opts = {}) {
    const start = performance.now();
    const seed = opts.seed ?? 1;
    const p = parseGenerator({ d: 2, m: 2, k: 2, activation: 't^3', seed });
    const q = parseGenerator({ d: 2, m: 3, k: 2, activation: 't^3 - 2*t', seed: seed + 1 });
    const mp = generatorMoments(p, 4), mq = generatorMoments(q, 4);
    const tp = mp.tensors.map((t) => t.tensor), tq = mq.tensors.map((t) => t.tensor);
    const dist = momentDistance(momentDiscrepancies(tp, tq));
    const bound = mp.tensors.concat(mq.tensors).reduce((s, t) => s + Math.min(t.frobeniusErrorBound, 2 * t.frobeniusErrorEstimate), 0);
    // (1) the witness attains the distance (exact moments)
    const w = witnessTensors(tp, tq);
    const attained = w.reduce((s, t, k) => s + tensorInner(t, tp[k]) - tensorInner(t, tq[k]), 0);
    // (2) no discriminator in the ball does better (random ones)
    const rng = new Rng(seed);
    let bestRandom = -Infinity;
    for (let r = 0; r < 200; r++) {
      const T = tp.map((t) => { const v = rng.fillNormal(new Float64Array(t.length)); const nrm = Math.sqrt(tensorInner(v, v)); return v.map((x) => x / nrm); });
      bestRandom = Math.max(bestRandom, T.reduce((s, t, k) => s + tensorInner(t, tp[k]) - tensorInner(t, tq[k]), 0));
    }
    // (3) the witness evaluated pointwise on samples: its mean difference estimates the distance (SE)
    const n = Math.round(200_000 * (opts.effort ?? 1));
    const xs = sampleGenerator(p, n, rng.split()), ys = sampleGenerator(q, n, rng.split());
    const fx = evaluateOnSamples(w, xs, n, 2), fy = evaluateOnSamples(w, ys, n, 2);
    const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
    const varOf = (a: Float64Array, m: number) => a.reduce((s, v) => s + (v - m) ** 2, 0) / (a.length - 1);
    const mx = mean(fx), my = mean(fy);
    const se = Math.sqrt(varOf(fx, mx) / n + varOf(fy, my) / n);
    const z = Math.max(0, Math.abs(mx - my - dist) - bound) / se;
    // (4) between samples: the IPM of the empirical measures (sample moment tensors) equals its own witness on the samples
    const sx = sampleMoments(xs, n, 2, 4), sy = sampleMoments(ys, n, 2, 4);
    const sampleDist = momentDistance(momentDiscrepancies(sx, sy));
    const ws = witnessTensors(sx, sy);
    const sampleWitness = mean(evaluateOnSamples(ws, xs, n, 2)) - mean(evaluateOnSamples(ws, ys, n, 2));
    const rel = Math.abs(sampleWitness - sampleDist) / sampleDist;
    const passed = Math.abs(attained - dist) <= 1e-9 * dist && bestRandom <= dist && z < 4 && rel < 1e-9;
    return verdict(this.id, start, passed, [
      { name: 'exact: |witness value − Σ‖Δ_k‖_F| / distance', value: Math.abs(attained - dist) / dist, tolerance: 1e-9 },
      { name: 'exact: best of 200 random discriminators in the ball / distance', value: bestRandom / dist, tolerance: 1 },
      { name: `samples (n = ${n}): |mean f*(x) − mean f*(y) − distance| / SE`, value: z, tolerance: 4 },
      { name: 'between samples: |witness on samples − Σ‖Δ̂_k‖_F| / Σ‖Δ̂_k‖_F', value: rel, tolerance: 1e-9 },
    ], `moment distance ${dist.toPrecision(5)} (σ = t³ vs t³ − 2t generators): attained by the witness, not exceeded, Monte Carlo z = ${z.toFixed(2)}`);
  },
};

const recoveryRate: Theorem = {
  id: 'moments-recovery-rate',
  title: 'Recovery of A from the empirical third cumulant converges at rate n^{-1/2}',
  source: 'docs/method-of-moments.md D.6 (papers.md D.1: tensor decomposition; the algorithm is [R])',
  statement: String.raw`\min_{P}\lVert \hat A P - A\rVert_F / \lVert A\rVert_F = O_P(n^{-1/2})`,
  hypotheses: ['x = A σ(B z), σ(t) = t³ + t², d = 6, m = 3, k = 3, rows of B orthonormal', 'sizes 2000·4^j, j = 0..3, 3 trials each (effort scales the trials, at least 2)', 'pass: fitted slope within 0.5 ± max(0.15, 3 slope SE)'],
  check(opts = {}) {
    const start = performance.now();
    const seed = opts.seed ?? 1;
    const e = opts.effort ?? 1;
    const generator = parseGenerator({ d: 6, m: 3, k: 3, activation: 't^3+t^2', seed });
    const c = recoveryCurve({ generator, sizes: [2000, 8000, 32000, 128000], trials: Math.max(2, Math.round(3 * e)), seed });
    const tol = Math.max(0.15, 3 * c.slopeStdErr);
    const passed = Math.abs(c.slope + 0.5) <= tol && c.error[c.error.length - 1] < c.error[0];
    return verdict(this.id, start, passed, [
      { name: 'fitted slope of log error vs log n', value: c.slope, tolerance: tol, note: 'expected −0.5' },
      ...c.sizes.map((n, i) => ({ name: `relative error at n = ${n}`, value: c.error[i] })),
      { name: 'sliced W1 recovered vs true (largest n)', value: c.slicedW1, note: `noise floor (true vs true) ${c.slicedW1Floor.toExponential(2)}` },
    ], `recovery error slope ${c.slope.toFixed(3)} ± ${c.slopeStdErr.toFixed(3)} (expected −0.5)`);
  },
};

export const momentsTheorems: Theorem[] = [momentFormulas, momentIpm, recoveryRate, ...trainingTheorems];
