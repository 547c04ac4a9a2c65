// An Expr in one variable as a tree of JS closures, built once: a fast interpreter for
// hot loops (sampling, quadrature) where `evaluate`'s per-call environment lookup and
// the compiled twin's per-call setup cost too much. No source text is generated.

import { InputError } from '../core/index.ts';
import { type Expr, CONSTANTS, isFnName, numValue } from './expr.ts';
import { F64_FUNCTIONS } from './evaluate.ts';

type Fn = (x: number) => number;

/** f(x) for an Expr whose only symbol is `variable` (others throw an InputError). */
export function univariateClosure(e: Expr, variable: string): Fn {
  const go = (x: Expr): Fn => {
    switch (x.kind) {
      case 'num': { const v = numValue(x); return () => v; }
      case 'const': {
        if (!Object.hasOwn(CONSTANTS, x.name)) throw new InputError(`unknown constant '${String(x.name)}'`);
        const v = CONSTANTS[x.name];
        return () => v;
      }
      case 'sym':
        if (x.name !== variable) throw new InputError(`unknown symbol '${x.name}' (expected only ${variable})`);
        return (t) => t;
      case 'add': {
        const fs = x.terms.map(go);
        return (t) => { let s = 0; for (const f of fs) s += f(t); return s; };
      }
      case 'mul': {
        const fs = x.factors.map(go);
        return (t) => { let p = 1; for (const f of fs) p *= f(t); return p; };
      }
      case 'pow': {
        const b = go(x.base);
        if (x.exp.kind === 'num' && x.exp.q === 1 && Number.isInteger(x.exp.p) && x.exp.p >= 0 && x.exp.p <= 16) {
          const k = x.exp.p;
          return (t) => { const v = b(t); let r = 1; for (let i = 0; i < k; i++) r *= v; return r; };
        }
        const k = go(x.exp);
        return (t) => { const v = b(t); return Number.isNaN(v) ? NaN : Math.pow(v, k(t)); };
      }
      case 'call': {
        if (!isFnName(x.fn)) throw new InputError(`unknown function '${String(x.fn)}'`);
        const f = F64_FUNCTIONS[x.fn];
        const args = x.args.map(go);
        if (args.length === 1) { const a = args[0]; return (t) => f(a(t)); }
        const [a, c] = args;
        return (t) => f(a(t), c(t));
      }
    }
  };
  return go(e);
}
