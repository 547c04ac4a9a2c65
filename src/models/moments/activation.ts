// The activation σ of a two-layer generator: a formula in t in the symbolic grammar
// ("t^3", "t^3 - 2*t", "tanh(t)", "relu(t)") or one of a few names. Polynomial σ
// (numeric coefficients) gets exact moments by Isserlis; any other σ goes through
// its Hermite coefficients (docs/method-of-moments.md D.3).

import {
  type Expr, parse, print, diff, polyIn, freeSymbols, evaluate, kinkPoints, NotPolynomialError, univariateClosure,
} from '../../symbolic/index.ts';
import { SpecError } from '../spec-input.ts';

/** Names accepted for σ besides formulas: name → formula in t. */
const NAMED = new Map<string, string>([
  ['cubic', 't^3'],
  ['he3', 't^3 - 3*t'],
  ['he3+he1', 't^3 - 2*t'],
  ['relu', 'relu(t)'],
  ['tanh', 'tanh(t)'],
  ['erf', 'erf(t)'],
  ['identity', 't'],
]);

export interface MomentActivation {
  /** The formula as typed (after name expansion). */
  readonly text: string;
  readonly expr: Expr;
  /** σ(t) in f64. */
  readonly f: (t: number) => number;
  /** σ'(t) in f64 (symbolic derivative; at kinks the convention of symbolic/diff.ts). */
  readonly df: (t: number) => number;
  /** Vectorised σ: out[i] = σ(xs[i]). */
  readonly fill: (xs: Float64Array, out: Float64Array) => Float64Array;
  /** Coefficients c_0..c_p of σ(t) = Σ c_j t^j when σ is a polynomial with numeric coefficients, else null. */
  readonly polynomial: readonly number[] | null;
  /** Kinks of σ (where relu/abs/step/min/max switch), for piecewise quadrature. */
  readonly kinks: readonly number[];
}

/** Parses σ from a formula in t or a name (cubic, he3, he3+he1, relu, tanh, erf, identity). */
export function parseActivation(text: string, where = 'activation'): MomentActivation {
  const src = NAMED.get(text.trim().toLowerCase()) ?? text;
  let expr: Expr;
  try {
    expr = parse(src, { symbols: ['t'] });
  } catch (e) {
    throw new SpecError(`${where}: ${(e as Error).message.split('\n')[0]} (a formula in t, e.g. "t^3", or one of ${[...NAMED.keys()].join(', ')})`);
  }
  const others = [...freeSymbols(expr)].filter((s) => s !== 't');
  if (others.length) throw new SpecError(`${where}: σ may use only the symbol t, got ${others.join(', ')}`);
  let polynomial: number[] | null = null;
  try {
    const p = polyIn(expr, ['t']);
    const deg = Math.max(0, ...p.terms.map((t) => t.exps[0]));
    if (deg > 8) throw new SpecError(`${where}: polynomial σ of degree ${deg} is above the limit 8`);
    const c = new Array<number>(deg + 1).fill(0);
    for (const t of p.terms) c[t.exps[0]] += evaluate(t.coeff, {});
    if (c.every(Number.isFinite)) polynomial = c;
  } catch (e) {
    if (!(e instanceof NotPolynomialError)) throw e;
  }
  const dexpr = diff(expr, 't');
  const horner = (c: readonly number[]) => (t: number) => { let v = 0; for (let j = c.length - 1; j >= 0; j--) v = v * t + c[j]; return v; };
  const f = polynomial ? horner(polynomial) : univariateClosure(expr, 't');
  const df = polynomial ? horner(polynomial.slice(1).map((c, j) => c * (j + 1))) : univariateClosure(dexpr, 't');
  for (const probe of [0, 0.5, -1.3, 2.7]) {
    if (!Number.isFinite(f(probe))) throw new SpecError(`${where}: σ(${probe}) = ${f(probe)} is not finite`);
  }
  return {
    text: print(expr),
    expr,
    f,
    df,
    fill: (xs, out) => { for (let i = 0; i < xs.length; i++) out[i] = f(xs[i]); return out; },
    polynomial,
    kinks: kinkPoints(expr, 't'),
  };
}
