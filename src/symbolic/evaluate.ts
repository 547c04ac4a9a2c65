// Direct f64 evaluation of an Expr (an interpreter; the compiled twin lives in compile/).

import { InputError } from '../core/index.ts';
import { type Expr, type FnName, CONSTANTS, isFnName, numValue } from './expr.ts';
import { erf, sigmoid, softplus } from '../numeric/index.ts';

/** Heaviside step with H(0) = 1/2; NaN for NaN. */
export const heaviside = (x: number) => (x > 0 ? 1 : x < 0 ? 0 : x === 0 ? 0.5 : NaN);

/** max(x, 0); NaN for NaN. */
const reluF64 = (x: number) => (x > 0 ? x : x <= 0 ? 0 : NaN);

/**
 * The f64 meaning of every function of the grammar (also the helpers bound into the
 * compiled f64 twin). Every one returns NaN when an argument is NaN. A frozen
 * object without prototype, so a name such as 'constructor' finds nothing.
 */
export const F64_FUNCTIONS: Readonly<Record<FnName, (...a: number[]) => number>> = Object.freeze(Object.assign(
  Object.create(null) as Record<FnName, (...a: number[]) => number>,
  {
    exp: Math.exp, log: Math.log, sqrt: Math.sqrt, abs: Math.abs, sin: Math.sin, cos: Math.cos,
    tanh: Math.tanh, erf, relu: reluF64, step: heaviside, sigmoid, softplus,
    arcsin: Math.asin, arccos: Math.acos, min: Math.min, max: Math.max,
  } satisfies Record<FnName, (...a: number[]) => number>,
));

export type Env = Readonly<Record<string, number>> | ReadonlyMap<string, number>;

export class UnknownSymbolError extends InputError {
  constructor(readonly symbol: string) {
    super(`no value given for symbol '${symbol}'`);
    this.name = 'UnknownSymbolError';
  }
}

export function evaluate(e: Expr, env: Env): number {
  const lookup = env instanceof Map
    ? (n: string) => (env as ReadonlyMap<string, number>).get(n)
    : (n: string) => (Object.prototype.hasOwnProperty.call(env, n) ? (env as Record<string, number>)[n] : undefined);
  const go = (x: Expr): number => {
    switch (x.kind) {
      case 'num': return numValue(x);
      case 'const': {
        if (!Object.hasOwn(CONSTANTS, x.name)) throw new InputError(`unknown constant '${String(x.name)}'`);
        return CONSTANTS[x.name];
      }
      case 'sym': {
        const v = lookup(x.name);
        if (v === undefined) throw new UnknownSymbolError(x.name);
        return v;
      }
      case 'add': { let s = 0; for (const t of x.terms) s += go(t); return s; }
      case 'mul': { let p = 1; for (const f of x.factors) p *= go(f); return p; }
      case 'pow': {
        // NaN propagates: Math.pow(NaN, 0) is 1, but an undefined base stays undefined.
        const b = go(x.base), k = go(x.exp);
        return Number.isNaN(b) ? NaN : Math.pow(b, k);
      }
      case 'call': {
        if (!isFnName(x.fn)) throw new InputError(`unknown function '${String(x.fn)}'`);
        return F64_FUNCTIONS[x.fn](...x.args.map(go));
      }
    }
  };
  return go(e);
}
