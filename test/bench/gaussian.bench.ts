// E[x1² x2² x3² x4²] for x ~ N(0, S) with a fully symbolic 4×4 covariance (10 symbols
// s11 … s44): gaussianExpectation against SymPy doing the same in this run
// (test/bench/sympy_isserlis.py through python3: the moment-generating-function
// derivative a SymPy user would write, and a plain pairing enumeration + expand).
// The side-by-side table and the check that both give the same polynomial are
// produced while the file is collected (vitest runs no afterAll hooks in bench mode),
// so they print before vitest's own table.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bench, describe } from 'vitest';
import { gaussianExpectation } from '../../src/symbolic/index.ts';
import { type Expr, sym } from '../../src/symbolic/index.ts';
import { parse } from '../../src/symbolic/index.ts';
import { evaluate } from '../../src/symbolic/index.ts';
import { polyFromExpr, polyEqual } from '../../src/symbolic/index.ts';
import { Rng } from '../../src/numeric/index.ts';

const SCRIPT = fileURLToPath(new URL('./sympy_isserlis.py', import.meta.url));
const VARS = ['x1', 'x2', 'x3', 'x4'];
const COV: Expr[][] = VARS.map((_, i) => VARS.map((__, j) => sym(`s${Math.min(i, j) + 1}${Math.max(i, j) + 1}`)));
const INPUT = parse('x1^2*x2^2*x3^2*x4^2');
const ours = () => gaussianExpectation(INPUT, VARS, COV).expr;

interface SympyResult { sympy: string; mgf_seconds: number; pairings_seconds: number; agree: boolean; terms: number; polynomial: string }

function runSympy(): SympyResult | { error: string } {
  try {
    const stdout = execFileSync('python3', [SCRIPT, '3'], { encoding: 'utf8', timeout: 300_000 });
    return JSON.parse(stdout.trim().split('\n').pop()!) as SympyResult | { error: string };
  } catch (e) {
    return { error: `python3 could not be run: ${(e as Error).message.split('\n')[0]}` };
  }
}

/** Median and best of n timed calls, in seconds. */
function time(f: () => unknown, n: number): { median: number; best: number } {
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    f();
    ts.push((performance.now() - t0) / 1000);
  }
  ts.sort((a, b) => a - b);
  return { median: ts[Math.floor(n / 2)], best: ts[0] };
}

function sideBySide(): void {
  const t0 = performance.now();
  const first = ours();
  const cold = (performance.now() - t0) / 1000;
  const warm = time(ours, 200);
  const sp = runSympy();
  const fmt = (s: number) => (s < 1e-3 ? `${(s * 1e6).toFixed(0)} µs` : s < 1 ? `${(s * 1e3).toFixed(2)} ms` : `${s.toFixed(2)} s`);
  if ('error' in sp) {
    console.log(`gaussian bench: SymPy comparison skipped (${sp.error}); ours: first call ${fmt(cold)}, warm median ${fmt(warm.median)}`);
    return;
  }
  // Same polynomial? Structurally after expansion, and numerically at random points.
  const theirs = parse(sp.polynomial.replaceAll('**', '^'));
  const structural = polyEqual(polyFromExpr(first), polyFromExpr(theirs));
  const rng = new Rng(1);
  let maxRel = 0;
  for (let k = 0; k < 20; k++) {
    const env: Record<string, number> = {};
    for (let i = 1; i <= 4; i++) for (let j = i; j <= 4; j++) env[`s${i}${j}`] = rng.normal();
    const a = evaluate(first, env), b = evaluate(theirs, env);
    maxRel = Math.max(maxRel, Math.abs(a - b) / Math.max(1, Math.abs(b)));
  }
  if (!structural || maxRel > 1e-12 || !sp.agree) {
    throw new Error(`gaussian bench: ours and SymPy disagree (structural ${structural}, max rel. diff ${maxRel}, SymPy self-check ${sp.agree})`);
  }
  console.log(`\nE[x1²x2²x3²x4²], symbolic 4×4 covariance — same 17-term polynomial as SymPy ${sp.sympy} (checked structurally and at 20 random points, max rel. diff ${maxRel.toExponential(1)})`);
  console.table([
    { method: 'gaussianExpectation (first call, cold)', time: fmt(cold), 'SymPy MGF / this': (sp.mgf_seconds / cold).toFixed(0) + '×' },
    { method: 'gaussianExpectation (warm, median of 200)', time: fmt(warm.median), 'SymPy MGF / this': (sp.mgf_seconds / warm.median).toFixed(0) + '×' },
    { method: 'SymPy: diff of exp(tᵀSt/2) + expand (best of 3)', time: fmt(sp.mgf_seconds), 'SymPy MGF / this': '1×' },
    { method: 'SymPy: sum over the 105 pairings + expand (best of 10)', time: fmt(sp.pairings_seconds), 'SymPy MGF / this': (sp.mgf_seconds / sp.pairings_seconds).toFixed(0) + '×' },
  ]);
}

sideBySide();

describe('Isserlis, symbolic 4×4 covariance', () => {
  bench('gaussianExpectation E[x1²x2²x3²x4²]', () => { ours(); });
  bench('gaussianExpectation E[x1⁴x2⁴x3⁴x4⁴] (degree 16)', () => {
    gaussianExpectation(parse('x1^4*x2^4*x3^4*x4^4'), VARS, COV);
  });
});
