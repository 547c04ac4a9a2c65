import { ArgumentError } from '../../src/core/index.ts';
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { parse } from '../../src/symbolic/index.ts';
import { print } from '../../src/symbolic/index.ts';
import { type Expr, equal, num, numValue, isExact, children } from '../../src/symbolic/index.ts';
import { expand } from '../../src/symbolic/index.ts';
import { simplify } from '../../src/symbolic/index.ts';
import { diff } from '../../src/symbolic/index.ts';
import { exprArb } from './helpers.ts';

const RUNS = Number(process.env.FC_RUNS ?? 2000);

function hasFloat(e: Expr): boolean {
  return (e.kind === 'num' && !isExact(e)) || children(e).some(hasFloat);
}

function roundTrips(e: Parameters<typeof print>[0], what: string): void {
  const s = print(e);
  let back;
  try { back = parse(s); } catch (err) {
    throw new Error(`${what}: print gave unparsable ${s}: ${(err as Error).message}`);
  }
  if (!equal(back, e)) {
    throw new Error(`${what}: parse(print(e)) differs\n print(e)       = ${s}\n print(reparsed) = ${print(back)}\n e = ${JSON.stringify(e)}\n reparsed = ${JSON.stringify(back)}`);
  }
}

// Decimal literals parse as exact rationals, so a float leaf comes back exact (same
// value, different kind): structural round trips are checked on exact-leaf expressions,
// float leaves by value below.
describe('parse(print(e)) is structurally e', () => {
  it('for random expressions built by the constructors', () => {
    fc.assert(fc.property(exprArb({ depth: 4, floats: false }), (e) => roundTrips(e, 'constructed')), { numRuns: RUNS });
  });
  it('for results of expand, diff and simplify', () => {
    fc.assert(fc.property(exprArb({ depth: 3, floats: false }), (e) => {
      for (const [what, f] of [['expand', expand], ['diff', (x: typeof e) => diff(x, 'x')], ['simplify', simplify]] as const) {
        let r;
        try { r = f(e); } catch (err) { if ((err instanceof ArgumentError || err instanceof RangeError)) continue; throw err; }
        if (hasFloat(r)) continue; // exact arithmetic overflowed to floats (see above)
        roundTrips(r, what);
      }
    }), { numRuns: RUNS / 4 });
  });
  it('float numbers come back with the same value', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
      const back = parse(print(num(x)));
      const v = back.kind === 'num' ? numValue(back) : back.kind === 'mul' || back.kind === 'pow' ? NaN : NaN;
      if (!(v === x || (x === 0 && v === 0))) throw new Error(`${x} printed as ${print(num(x))}, parsed back as ${print(back)}`);
    }), { numRuns: RUNS });
  });
});
