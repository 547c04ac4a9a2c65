// `gandyn moments --generator SPEC --order K [--other SPEC] [--samples N] [--json|--latex]`:
// the symbolic moment tensors of a two-layer generator, the formulas behind them, the
// moment distance (IPM) to a second generator, and an optional Monte Carlo comparison.

import { Rng, sortedIndices, frobenius } from '../../numeric/index.ts';
import { latex } from '../../symbolic/index.ts';
import type { ActionResult } from '../theory.ts';
import { type TwoLayerGenerator, describeGenerator } from './generator.ts';
import { generatorMoments, monteCarloMoments } from './moments.ts';
import {
  UnitMoments, patternsOfOrder, patternLatex, GENERAL_FORMULA_LATEX, PAIR_FORMULA_LATEX, TENSOR_FORMULA_LATEX,
} from './unit-moments.ts';
import { type IpmBall, momentDiscrepancies, momentDistance } from './distance.ts';
import { SpecError } from '../spec-input.ts';

export interface MomentsQuery {
  readonly generator: TwoLayerGenerator;
  readonly other?: TwoLayerGenerator;
  readonly order: number;
  readonly hermiteOrder: number;
  readonly samples: number;
  readonly seed: number;
  readonly ball: IpmBall;
}

/** Unique entries listed in the output up to this many per order. */
const MAX_LISTED = 2000;

/** Work estimate (elementary operations) of the moments action. */
export function momentsCost(q: MomentsQuery): number {
  let c = 0;
  for (let p = 1; p <= q.order; p++) c += q.generator.m ** p * (q.generator.activation.polynomial ? 50 : 4 * q.hermiteOrder ** 4) + p * q.generator.d ** p * q.generator.m;
  return c * (q.other ? 2 : 1) + q.samples * (q.generator.m * q.generator.k + q.order * q.generator.d ** q.order);
}

const errorText = (t: { frobeniusErrorBound: number; frobeniusErrorEstimate: number }) =>
  `, Frobenius error: bound ${t.frobeniusErrorBound.toExponential(2)}, estimate ${t.frobeniusErrorEstimate.toExponential(2)}`;
const fmt = (v: number) => (Math.abs(v) < 1e-300 ? '0' : v.toPrecision(6));

export function runMoments(q: MomentsQuery): ActionResult {
  const g = q.generator;
  const units = new UnitMoments(g, { hermiteOrder: q.hermiteOrder });
  const moments = generatorMoments(g, q.order, { units });
  const overflow = moments.tensors.find((t) => !t.tensor.every(Number.isFinite));
  if (overflow) throw new SpecError(`--generator: E[x^⊗${overflow.order}] overflows f64 (the entries of A or B are too large for moments of order ${overflow.order})`);
  const lines: string[] = [
    `two-layer generator x = A σ(B z): d = ${g.d}, m = ${g.m}, k = ${g.k}, σ(t) = ${g.activation.text}`,
    moments.exact
      ? 'method: exact (σ is a polynomial: Isserlis on the Gram matrix G = B Bᵀ)'
      : `method: Hermite series of σ to order ${q.hermiteOrder} per unit (diagram formula), with an error bound`,
  ];
  const orders = moments.tensors.map((t) => {
    const idx = sortedIndices(g.d, t.order);
    const listed = idx.length <= MAX_LISTED;
    if (listed && g.d ** t.order <= 256) {
      lines.push(`E[x^⊗${t.order}]  (‖·‖_F = ${fmt(frobenius(t.tensor))}${moments.exact ? '' : errorText(t)})`);
      for (const ix of idx) {
        let flat = 0;
        for (const i of ix) flat = flat * g.d + i;
        lines.push(`  [${ix.map((i) => i + 1).join(',')}] ${fmt(t.tensor[flat])}`);
      }
    } else {
      lines.push(`E[x^⊗${t.order}]: ${idx.length} distinct entries, ‖·‖_F = ${fmt(frobenius(t.tensor))}${moments.exact ? '' : errorText(t)}`);
    }
    return {
      order: t.order,
      frobenius: frobenius(t.tensor),
      frobeniusErrorBound: t.frobeniusErrorBound,
      frobeniusErrorEstimate: t.frobeniusErrorEstimate,
      entries: listed ? idx.map((ix) => { let flat = 0; for (const i of ix) flat = flat * g.d + i; return { index: ix.map((i) => i + 1), value: t.tensor[flat], errorBound: t.errorBound[flat], errorEstimate: t.errorEstimate[flat] }; }) : undefined,
    };
  });
  const details: Record<string, unknown> = {
    generator: describeGenerator(g),
    method: moments.method,
    exact: moments.exact,
    ...(moments.exact ? {} : { hermiteOrder: q.hermiteOrder }),
    moments: orders,
  };
  const formulaLines: string[] = [];
  if (units.exact) {
    const formulas = [];
    for (let p = 1; p <= q.order; p++) {
      for (const counts of patternsOfOrder(p)) formulas.push({ pattern: counts, latex: patternLatex(units.polyText!, counts) });
    }
    details.unitMomentFormulas = formulas;
    formulaLines.push(...formulas.map((f) => f.latex));
  }
  if (q.other) {
    const o = generatorMoments(q.other, q.order, { hermiteOrder: q.hermiteOrder });
    const bad = o.tensors.find((t) => !t.tensor.every(Number.isFinite));
    if (bad) throw new SpecError(`--other: E[x^⊗${bad.order}] overflows f64 (the entries of A or B are too large)`);
    const disc = momentDiscrepancies(moments.tensors.map((t) => t.tensor), o.tensors.map((t) => t.tensor));
    const bound = moments.tensors.reduce((s, t, i) => s + Math.min(t.frobeniusErrorBound, 2 * t.frobeniusErrorEstimate) + Math.min(o.tensors[i].frobeniusErrorBound, 2 * o.tensors[i].frobeniusErrorEstimate), 0);
    const dist = momentDistance(disc, q.ball);
    details.other = describeGenerator(q.other);
    details.distance = { ball: q.ball, value: dist, discrepancies: disc, uncertainty: bound };
    lines.push(`moment distance to the other generator (IPM of polynomials of degree ≤ ${q.order}, ${q.ball} ball): ${fmt(dist)}${bound > 0 ? ` (± ${bound.toExponential(2)})` : ''}`);
    lines.push(`  ‖Δ_k‖_F, k = 1..${q.order}: ${disc.map(fmt).join(', ')}`);
  }
  if (q.samples > 0) {
    const mc = monteCarloMoments(g, q.order, q.samples, new Rng(q.seed));
    const z = moments.tensors.map((t, p) => {
      let worst = 0;
      for (let i = 0; i < t.tensor.length; i++) {
        const se = mc.tensors[p].standardError[i];
        if (se > 0) worst = Math.max(worst, (Math.abs(t.tensor[i] - mc.tensors[p].mean[i]) - t.uncertainty[i]) / se);
      }
      return Math.max(0, worst);
    });
    details.monteCarlo = { samples: q.samples, seed: q.seed, maxZ: z };
    lines.push(`Monte Carlo (${q.samples} samples, seed ${q.seed}): max (|formula − MC| − uncertainty) / SE per order: ${z.map((v) => v.toFixed(2)).join(', ')}`);
  }
  const tex = [
    String.raw`x = A\,\sigma(Bz),\quad z\sim\mathcal N(0, I_{${g.k}}),\quad \sigma(t) = ${latex(g.activation.expr)}`,
    TENSOR_FORMULA_LATEX,
    PAIR_FORMULA_LATEX,
    GENERAL_FORMULA_LATEX,
    ...formulaLines,
  ].map((l) => `$$${l}$$`).join('\n');
  return { details, lines, latex: tex };
}
