// Simultaneous substitution of symbols.

import { type Expr, num, withChildren, children } from './expr.ts';

export type Substitution = Readonly<Record<string, Expr | number>> | ReadonlyMap<string, Expr | number>;

/**
 * e with every symbol named in `map` replaced by its value, all at once
 * (substitute(x+y, {x: y, y: x}) is y+x). Numbers become exact when they are
 * integers, floats otherwise. The input is never mutated; the result is rebuilt
 * through the simplifying constructors, so numbers fold (x*y with x=0 gives 0);
 * substituting an exact 0 into 1/x throws the constructors' RangeError.
 */
export function substitute(e: Expr, map: Substitution): Expr {
  const get = map instanceof Map
    ? (n: string) => (map as ReadonlyMap<string, Expr | number>).get(n)
    : (n: string) => (Object.prototype.hasOwnProperty.call(map, n) ? (map as Record<string, Expr | number>)[n] : undefined);
  const go = (x: Expr): Expr => {
    if (x.kind === 'sym') {
      const v = get(x.name);
      if (v === undefined) return x;
      return typeof v === 'number' ? num(v) : v;
    }
    const cs = children(x);
    if (cs.length === 0) return x;
    const next = cs.map(go);
    return next.every((c, i) => c === cs[i]) ? x : withChildren(x, next);
  };
  return go(e);
}
