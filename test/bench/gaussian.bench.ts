// E[x1² x2² x3² x4²] for x ~ N(0, S) with a fully symbolic 4×4 covariance (10 symbols
// s11 … s44): gaussianExpectation against SymPy (test/bench/sympy_isserlis.py, served by
// pyserve.py) through the fair harness: cold (each side's first call in its process)
// against cold, warm (medians over interleaved rounds, SymPy's cache kept as a session
// keeps it) against warm, for each SymPy route: the 105-pairing enumeration + expand
// (SymPy's fastest route here) and the moment-generating-function derivative.
// Every round's polynomial is checked: structurally equal after expansion, and equal at
// 20 random points. Goal: ≥ 1× SymPy's fastest route, cold and warm.
import { bench, describe } from 'vitest';
import { gaussianExpectation } from '../../src/symbolic/index.ts';
import { type Expr, sym } from '../../src/symbolic/index.ts';
import { parse } from '../../src/symbolic/index.ts';
import { evaluate } from '../../src/symbolic/index.ts';
import { polyFromExpr, polyEqual } from '../../src/symbolic/index.ts';
import { Rng } from '../../src/numeric/index.ts';
import { PyBaseline, compare, pythonHas } from './harness.ts';

const VARS = ['x1', 'x2', 'x3', 'x4'];
const COV: Expr[][] = VARS.map((_, i) => VARS.map((__, j) => sym(`s${Math.min(i, j) + 1}${Math.max(i, j) + 1}`)));
const INPUT = parse('x1^2*x2^2*x3^2*x4^2');
const ours = () => gaussianExpectation(INPUT, VARS, COV).expr;

function samePolynomial(mine: Expr, sympyText: string | null): string {
  if (sympyText === null) throw new Error('SymPy returned no polynomial');
  const theirs = parse(sympyText.replaceAll('**', '^'));
  if (!polyEqual(polyFromExpr(mine), polyFromExpr(theirs))) throw new Error('ours and SymPy give different polynomials');
  const rng = new Rng(1);
  let maxRel = 0;
  for (let k = 0; k < 20; k++) {
    const env: Record<string, number> = {};
    for (let i = 1; i <= 4; i++) for (let j = i; j <= 4; j++) env[`s${i}${j}`] = rng.normal();
    const a = evaluate(mine, env), b = evaluate(theirs, env);
    maxRel = Math.max(maxRel, Math.abs(a - b) / Math.max(1, Math.abs(b)));
  }
  if (maxRel > 1e-12) throw new Error(`ours and SymPy differ by ${maxRel} (relative) at a random point`);
  return `same polynomial (${polyFromExpr(mine).terms.size} terms) structurally, and at 20 random points to ${maxRel.toExponential(1)}`;
}

const status = pythonHas('sympy');
if (!status.ok) {
  console.log(`gaussian bench: SymPy comparison skipped (${status.why})`);
} else {
  // one SymPy process per route, so that each route's first call is a cold one
  const routes = [
    ['pairings', 'SymPy: sum over the 105 pairings + expand (fastest SymPy route)'],
    ['mgf', 'SymPy: diff of exp(tᵀSt/2) + expand'],
  ] as const;
  for (const [k, [op, label]] of routes.entries()) {
    const py = new PyBaseline('sympy_isserlis.py', 1);
    try {
      const v = String((await py.call('version')).sympy);
      await compare({
        title: `E[x1²x2²x3²x4²], symbolic 4×4 covariance: gaussianExpectation vs ${op === 'mgf' ? 'the MGF route' : 'the pairing route'}`,
        ours: { label: 'gaussianExpectation', threads: 1, run: ours },
        baseline: {
          label: `${label}, SymPy ${v}`, threads: 1, selfTimed: true,
          run: async () => { const r = await py.call(op); return { output: String(r.polynomial), seconds: r.seconds }; },
        },
        rounds: 31,
        warmup: 20,
        goal: 1,
        noCold: k > 0, // our first call happened in the comparison above
        check: (mine, theirs) => samePolynomial(mine, theirs),
        note: k > 0 ? 'cold figures: see the pairing-route comparison (our first call happens once per process)' : undefined,
      });
    } finally {
      await py.close();
    }
  }
}

describe('Isserlis, symbolic 4×4 covariance (vitest timing; the fair comparison prints above)', () => {
  bench('gaussianExpectation E[x1²x2²x3²x4²]', () => { ours(); });
  bench('gaussianExpectation E[x1⁴x2⁴x3⁴x4⁴] (degree 16, ours only)', () => {
    gaussianExpectation(parse('x1^4*x2^4*x3^4*x4^4'), VARS, COV);
  }, { time: 500 });
});
