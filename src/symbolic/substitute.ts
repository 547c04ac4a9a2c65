// Simultaneous substitution of symbols.

import { type Expr, num, withChildren, children } from './expr.ts';
import { checkSymbolName } from './parse.ts';
import { ArgumentError } from '../core/index.ts';

export type Substitution = Readonly<Record<string, Expr | number>> | ReadonlyMap<string, Expr | number>;

/**
 * e with every symbol named in `map` replaced by its value, all at once
 * (substitute(x+y, {x: y, y: x}) is y+x). Numbers become exact when they are
 * integers, floats otherwise. The input is never mutated; the result is rebuilt
 * through the simplifying constructors, so numbers fold (x*y with x=0 gives 0);
 * substituting an exact 0 into 1/x throws the constructors' ArgumentError. Every key
 * must be a valid symbol name (checkSymbolName: '__proto__', 'x y' are refused).
 */
export function substitute(e: Expr, map: Substitution): Expr {
  if (map === null || typeof map !== 'object') throw new ArgumentError('substitute needs a Map or an object of name: value');
  for (const key of map instanceof Map ? map.keys() : Object.keys(map)) checkSymbolName(key);
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
