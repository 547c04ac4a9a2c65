// Direct f64 evaluation of an Expr (an interpreter; the compiled twin lives in compile/).

import { type Expr, type FnName, CONSTANTS, numValue } from './expr.ts';
import { erf, sigmoid, softplus } from '../numeric/special.ts';

/** Heaviside step with H(0) = 1/2. */
export const heaviside = (x: number) => (x > 0 ? 1 : x < 0 ? 0 : 0.5);

export const F64_FUNCTIONS: Record<FnName, (...a: number[]) => number> = {
  exp: Math.exp, log: Math.log, sqrt: Math.sqrt, abs: Math.abs, sin: Math.sin, cos: Math.cos,
  tanh: Math.tanh, erf, relu: (x) => (x > 0 ? x : 0), step: heaviside, sigmoid, softplus,
  arcsin: Math.asin, arccos: Math.acos, min: Math.min, max: Math.max,
};

export type Env = Readonly<Record<string, number>> | ReadonlyMap<string, number>;

export class UnknownSymbolError extends Error {
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
      case 'const': return CONSTANTS[x.name];
      case 'sym': {
        const v = lookup(x.name);
        if (v === undefined) throw new UnknownSymbolError(x.name);
        return v;
      }
      case 'add': { let s = 0; for (const t of x.terms) s += go(t); return s; }
      case 'mul': { let p = 1; for (const f of x.factors) p *= go(f); return p; }
      case 'pow': return Math.pow(go(x.base), go(x.exp));
      case 'call': return F64_FUNCTIONS[x.fn](...x.args.map(go));
    }
  };
  return go(e);
}
