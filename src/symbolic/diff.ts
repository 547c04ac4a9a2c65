// Symbolic differentiation with our own rule for every function of the grammar.
// Results go through the expr.ts constructors only (no 0*..., no 1*..., numbers folded).

import {
  type Expr, ZERO, ONE, MINUS_ONE, TWO, HALF, PI, add, sub, mul, pow, div, neg, call, rat, numAdd,
  isZero, dependsOn, equal, children,
} from './expr.ts';
import { ArgumentError } from '../core/index.ts';
import { checkSymbolName } from './parse.ts';
import { print } from './print.ts';
import { polyFromExpr, polyIsZero } from './poly.ts';

const step = (a: Expr) => call('step', a);

/**
 * d e / d x. Conventions at non-smooth points (all derivatives are the classical
 * ones away from them):
 * - step: derivative 0 (the Dirac delta at 0 is dropped);
 * - relu: step(a), so 1/2 at a = 0;
 * - abs: 2*step(a)-1, i.e. sign(a) with sign(0) = 0;
 * - min(a,b): step(b-a)*a' + step(a-b)*b' (and max symmetrically): the average of
 *   both one-sided derivatives on the tie a = b.
 */
/**
 * The variable name is checked like a declared symbol (checkSymbolName: '__proto__',
 * 'x y' are refused with a ParseError). An input that divides by an expression that
 * expands to 0 (1/(x-x)) is undefined everywhere: ArgumentError 'division by zero',
 * as simplify() gives, rather than a derivative.
 */
export function diff(e: Expr, x: string): Expr {
  checkSymbolName(x);
  checkDenominators(e);
  return diffRec(e, x);
}

/**
 * Throws ArgumentError('division by zero: ...') when e has a negative power of a sum
 * or product that expands to the zero polynomial (x-x, x*y-y*x, (x+1)^2-x^2-2*x-1).
 * Zeros that only identities of functions reveal (sin(x)^2+cos(x)^2-1) are not found.
 */
export function checkDenominators(e: Expr): void {
  const seen = new Set<Expr>();
  const visit = (n: Expr) => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const c of children(n)) visit(c);
    if (n.kind === 'pow' && n.exp.kind === 'num' && n.exp.p < 0 && (n.base.kind === 'add' || n.base.kind === 'mul')
        && polyIsZero(polyFromExpr(n.base))) {
      throw new ArgumentError(`division by zero: the denominator ${print(n.base)} is identically 0`);
    }
  };
  visit(e);
}

function diffRec(e: Expr, x: string): Expr {
  if (!dependsOn(e, x)) return ZERO;
  switch (e.kind) {
    case 'num': case 'const': return ZERO;
    case 'sym': return e.name === x ? ONE : ZERO;
    case 'add': return add(...e.terms.map((t) => diffRec(t, x)));
    case 'mul': {
      const parts: Expr[] = [];
      e.factors.forEach((f, i) => {
        const df = diffRec(f, x);
        if (isZero(df)) return;
        parts.push(mulMerge(...e.factors.slice(0, i), df, ...e.factors.slice(i + 1)));
      });
      return add(...parts);
    }
    case 'pow': return diffPow(e.base, e.exp, x);
    case 'call': {
      if (e.fn === 'min' || e.fn === 'max') {
        const [a, b] = e.args;
        const da = diffRec(a, x), db = diffRec(b, x);
        const [wa, wb] = e.fn === 'max' ? [step(sub(a, b)), step(sub(b, a))] : [step(sub(b, a)), step(sub(a, b))];
        return add(isZero(da) ? ZERO : mulMerge(da, wa), isZero(db) ? ZERO : mulMerge(db, wb));
      }
      const a = e.args[0];
      const da = diffRec(a, x);
      if (isZero(da)) return ZERO;
      return mulMerge(da, outerDerivative(e.fn, a, e));
    }
  }
}

/** f'(a) for a one-argument function f; `fa` is the call f(a) itself. */
function outerDerivative(fn: Exclude<Expr & { kind: 'call' }, never>['fn'], a: Expr, fa: Expr): Expr {
  switch (fn) {
    case 'exp': return fa;
    case 'log': return pow(a, MINUS_ONE);
    case 'sqrt': return div(HALF, fa);
    case 'abs': return sub(mul(TWO, step(a)), ONE);
    case 'sin': return call('cos', a);
    case 'cos': return neg(call('sin', a));
    case 'tanh': return sub(ONE, pow(fa, TWO));
    case 'erf': return mul(TWO, pow(call('sqrt', PI), MINUS_ONE), call('exp', neg(pow(a, TWO))));
    case 'relu': return step(a);
    case 'step': return ZERO;
    case 'sigmoid': return mul(fa, sub(ONE, fa));
    case 'softplus': return call('sigmoid', a);
    case 'arcsin': return pow(sub(ONE, pow(a, TWO)), rat(-1, 2));
    case 'arccos': return neg(pow(sub(ONE, pow(a, TWO)), rat(-1, 2)));
    case 'min': case 'max': throw new ArgumentError(`${fn} takes two arguments`);
    default: throw new ArgumentError(`unknown function '${String(fn)}'`);
  }
}

function diffPow(b: Expr, k: Expr, x: string): Expr {
  const db = diffRec(b, x), dk = diffRec(k, x);
  if (isZero(dk)) {
    if (isZero(db)) return ZERO;
    const km1 = k.kind === 'num' ? numAdd(k, MINUS_ONE) : sub(k, ONE);
    return mulMerge(k, pow(b, km1), db);
  }
  const self = pow(b, k);
  if (isZero(db)) return mulMerge(self, call('log', b), dk);
  // a^b (b' log a + b a'/a)
  return mulMerge(self, add(mulMerge(dk, call('log', b)), mulMerge(k, db, pow(b, MINUS_ONE))));
}

/**
 * A product with factors of structurally equal base and integer exponents merged
 * (x * x^-1 -> 1, x^2 * x -> x^3); other factors kept in order.
 */
function mulMerge(...fs: Expr[]): Expr {
  const m = mul(...fs);
  if (m.kind !== 'mul') return m;
  const bases: Expr[] = [], exps: number[] = [];
  for (const f of m.factors) {
    const [b, k] = f.kind === 'pow' && f.exp.kind === 'num' && f.exp.q === 1 && Number.isSafeInteger(f.exp.p)
      ? [f.base, f.exp.p] : [f, 1];
    const i = b.kind === 'num' ? -1 : bases.findIndex((c) => equal(c, b));
    if (i >= 0) exps[i] += k;
    else { bases.push(b); exps.push(k); }
  }
  const merged = bases.map((b, i) => pow(b, rat(exps[i])));
  // reciprocals last, so the product prints as a quotient
  const recip = (f: Expr) => f.kind === 'pow' && f.exp.kind === 'num' && f.exp.p < 0;
  return mul(...merged.filter((f) => !recip(f)), ...merged.filter(recip));
}

/** Rows i = d fs[i] / d xs[j] for each j (names checked as in diff). */
export function jacobian(fs: readonly Expr[], xs: readonly string[]): Expr[][] {
  xs.forEach(checkSymbolName);
  fs.forEach(checkDenominators);
  return fs.map((f) => xs.map((x) => diffRec(f, x)));
}

/** [d f / d x for x in xs] (names checked as in diff). */
export function gradient(f: Expr, xs: readonly string[]): Expr[] {
  xs.forEach(checkSymbolName);
  checkDenominators(f);
  return xs.map((x) => diffRec(f, x));
}

/** The n-th derivative d^n e / d x^n. */
export function diffN(e: Expr, x: string, n: number): Expr {
  if (!Number.isInteger(n) || n < 0) throw new ArgumentError(`derivative order must be a natural number, got ${n}`);
  checkSymbolName(x);
  checkDenominators(e);
  let r = e;
  for (let i = 0; i < n; i++) r = diffRec(r, x);
  return r;
}
