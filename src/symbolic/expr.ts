// The one expression tree of gan-dynamics. Parser, printers, differentiation,
// Gaussian expectations and the code emitter all walk this type.

import { ArgumentError } from '../core/index.ts';

/** Arity of every function of the grammar (a frozen object without prototype: look names up with isFnName). */
export const FUNCTIONS = nameTable({
  exp: 1, log: 1, sqrt: 1, abs: 1, sin: 1, cos: 1, tanh: 1, erf: 1,
  relu: 1, step: 1, sigmoid: 1, softplus: 1, arcsin: 1, arccos: 1,
  min: 2, max: 2,
} as const);

export type FnName = keyof typeof FUNCTIONS;

export function isFnName(name: string): name is FnName {
  return typeof name === 'string' && Object.hasOwn(FUNCTIONS, name);
}

/** Named constants the grammar knows without declaration. */
export const CONSTANTS = nameTable({ pi: Math.PI } as const);
export type ConstName = keyof typeof CONSTANTS;

/** Whether `name` is a named constant of the grammar ('pi'); never true for 'constructor' and the like. */
export function isConstName(name: string): name is ConstName {
  return typeof name === 'string' && Object.hasOwn(CONSTANTS, name);
}

/**
 * A frozen copy of `entries` without a prototype, for tables looked up by names that
 * may come from a user: `table['constructor']` and `table['__proto__']` are undefined,
 * `'toString' in table` is false. Prefer a Map where the table is not exported.
 */
export function nameTable<T extends object>(entries: T): Readonly<T> {
  return Object.freeze(Object.assign(Object.create(null) as T, entries));
}

/**
 * A number: an exact rational p/q (p, q safe integers, q > 0, lowest terms) or,
 * when p is not an integer, a float held in p with q = 1.
 */
export interface Num { readonly kind: 'num'; readonly p: number; readonly q: number }
export interface Sym { readonly kind: 'sym'; readonly name: string }
export interface Const { readonly kind: 'const'; readonly name: ConstName }
export interface Add { readonly kind: 'add'; readonly terms: readonly Expr[] }
export interface Mul { readonly kind: 'mul'; readonly factors: readonly Expr[] }
export interface Pow { readonly kind: 'pow'; readonly base: Expr; readonly exp: Expr }
export interface Call { readonly kind: 'call'; readonly fn: FnName; readonly args: readonly Expr[] }

export type Expr = Num | Sym | Const | Add | Mul | Pow | Call;

// ---------- numbers ----------

function gcd(a: number, b: number): number {
  a = Math.abs(a); b = Math.abs(b);
  while (b) { const t = a % b; a = b; b = t; }
  return a;
}

const isExactInt = (x: number) => Number.isSafeInteger(x);

export function isExact(n: Num): boolean { return isExactInt(n.p) && isExactInt(n.q); }

export function rat(p: number, q = 1): Num {
  if (!Number.isFinite(p) || !Number.isFinite(q) || q === 0) {
    throw new ArgumentError(`non-finite number ${p}/${q} in an expression`);
  }
  if (isExactInt(p) && isExactInt(q)) {
    if (q < 0) { p = -p; q = -q; }
    const g = gcd(p, q) || 1;
    return { kind: 'num', p: p / g + 0, q: q / g };
  }
  return { kind: 'num', p: p / q + 0, q: 1 };
}

/** A number from a float: exact when it is an integer, otherwise a float. */
export function num(x: number): Num {
  return rat(x, 1);
}

export function numValue(n: Num): number { return n.p / n.q; }

export function numAdd(a: Num, b: Num): Num {
  if (isExact(a) && isExact(b)) {
    const p = a.p * b.q + b.p * a.q, q = a.q * b.q;
    if (isExactInt(p) && isExactInt(q)) return rat(p, q);
  }
  return num(numValue(a) + numValue(b));
}

export function numMul(a: Num, b: Num): Num {
  if (isExact(a) && isExact(b)) {
    const p = a.p * b.p, q = a.q * b.q;
    if (isExactInt(p) && isExactInt(q)) return rat(p, q);
  }
  return num(numValue(a) * numValue(b));
}

/** a^k for integer k, exact when possible. */
export function numPowInt(a: Num, k: number): Num {
  if (k === 0) return ONE;
  if (k < 0) {
    if (a.p === 0) throw new ArgumentError('division by zero: 0 raised to a negative power');
    return numPowInt(isExact(a) ? rat(a.q, a.p) : num(1 / a.p), -k);
  }
  let r: Num = ONE, base = a;
  while (k > 0) {
    if (k & 1) r = numMul(r, base);
    k >>= 1;
    if (k) base = numMul(base, base);
  }
  return r;
}

export const ZERO = rat(0);
export const ONE = rat(1);
export const MINUS_ONE = rat(-1);
export const TWO = rat(2);
export const HALF = rat(1, 2);

// ---------- constructors (light, local simplification only) ----------

export function sym(name: string): Sym { return { kind: 'sym', name }; }
export function constant(name: ConstName): Const { return { kind: 'const', name }; }
export const PI = constant('pi');

export const isNum = (e: Expr): e is Num => e.kind === 'num';
export const isZero = (e: Expr) => e.kind === 'num' && e.p === 0;
export const isOne = (e: Expr) => e.kind === 'num' && e.p === 1 && e.q === 1;

export function add(...terms: Expr[]): Expr {
  const flat: Expr[] = [];
  let c: Num = ZERO;
  for (const t of terms) {
    if (t.kind === 'add') {
      for (const u of t.terms) {
        if (u.kind === 'num') c = numAdd(c, u); else flat.push(u);
      }
    } else if (t.kind === 'num') c = numAdd(c, t);
    else flat.push(t);
  }
  if (c.p !== 0) flat.unshift(c);
  if (flat.length === 0) return ZERO;
  if (flat.length === 1) return flat[0];
  return { kind: 'add', terms: flat };
}

export function mul(...factors: Expr[]): Expr {
  const flat: Expr[] = [];
  let c: Num = ONE;
  for (const f of factors) {
    if (f.kind === 'mul') {
      for (const u of f.factors) {
        if (u.kind === 'num') c = numMul(c, u); else flat.push(u);
      }
    } else if (f.kind === 'num') c = numMul(c, f);
    else flat.push(f);
  }
  if (c.p === 0) return ZERO;
  if (!(c.p === 1 && c.q === 1)) flat.unshift(c);
  if (flat.length === 0) return ONE;
  if (flat.length === 1) return flat[0];
  return { kind: 'mul', factors: flat };
}

export function pow(base: Expr, exp: Expr): Expr {
  if (exp.kind === 'num') {
    if (exp.p === 0) return ONE;
    if (exp.p === 1 && exp.q === 1) return base;
    // 0^(-1/2) and 0^(-0.3) divide by zero as 0^(-1) does
    if (base.kind === 'num' && base.p === 0 && exp.p < 0) throw new ArgumentError('division by zero: 0 raised to a negative power');
    if (base.kind === 'num' && exp.q === 1 && isExactInt(exp.p) && isExact(base)) {
      if (base.p === 0 && exp.p < 0) throw new ArgumentError('division by zero: 0 raised to a negative power');
      return numPowInt(base, exp.p);
    }
  }
  if (base.kind === 'num' && (base.p === 1 && base.q === 1)) return ONE;
  if (base.kind === 'mul' && exp.kind === 'num' && exp.q === 1 && isExactInt(exp.p)) {
    return mul(...base.factors.map((f) => pow(f, exp)));
  }
  if (base.kind === 'pow' && exp.kind === 'num' && exp.q === 1 && isExactInt(exp.p)
      && base.exp.kind === 'num') {
    // (b^r)^k = b^(r k) for integer k. When r is not an integer this holds in real
    // arithmetic only if r k is not an integer either ((x^(1/2))^2 is NaN for x < 0, x is not).
    const rk = numMul(base.exp, exp);
    const rIsInt = base.exp.q === 1 && isExactInt(base.exp.p);
    if (rIsInt || !Number.isInteger(numValue(rk))) return pow(base.base, rk);
  }
  return { kind: 'pow', base, exp };
}

export const neg = (e: Expr): Expr => mul(MINUS_ONE, e);
export const sub = (a: Expr, b: Expr): Expr => add(a, neg(b));
export const div = (a: Expr, b: Expr): Expr => mul(a, pow(b, MINUS_ONE));

export function call(fn: FnName, ...args: Expr[]): Call {
  if (!isFnName(fn)) throw new ArgumentError(`unknown function '${String(fn)}' (known: ${Object.keys(FUNCTIONS).join(', ')})`);
  if (args.length !== FUNCTIONS[fn]) {
    throw new ArgumentError(`${fn} takes ${FUNCTIONS[fn]} argument(s), got ${args.length}`);
  }
  return { kind: 'call', fn, args };
}

// ---------- traversal ----------

export function children(e: Expr): readonly Expr[] {
  switch (e.kind) {
    case 'add': return e.terms;
    case 'mul': return e.factors;
    case 'pow': return [e.base, e.exp];
    case 'call': return e.args;
    default: return [];
  }
}

/** Rebuild e with new children (through the simplifying constructors). */
export function withChildren(e: Expr, cs: readonly Expr[]): Expr {
  switch (e.kind) {
    case 'add': return add(...cs);
    case 'mul': return mul(...cs);
    case 'pow': return pow(cs[0], cs[1]);
    case 'call': return call(e.fn, ...cs);
    default: return e;
  }
}

export function mapChildren(e: Expr, f: (c: Expr) => Expr): Expr {
  const cs = children(e);
  if (cs.length === 0) return e;
  return withChildren(e, cs.map(f));
}

export function freeSymbols(e: Expr, out = new Set<string>()): Set<string> {
  if (e.kind === 'sym') out.add(e.name);
  for (const c of children(e)) freeSymbols(c, out);
  return out;
}

export function dependsOn(e: Expr, name: string): boolean {
  if (e.kind === 'sym') return e.name === name;
  return children(e).some((c) => dependsOn(c, name));
}

export function size(e: Expr): number {
  let n = 1;
  for (const c of children(e)) n += size(c);
  return n;
}

/** Structural equality. */
export function equal(a: Expr, b: Expr): boolean {
  if (a === b) return true;
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'num': return a.p === (b as Num).p && a.q === (b as Num).q;
    case 'sym': return a.name === (b as Sym).name;
    case 'const': return a.name === (b as Const).name;
    case 'call': if (a.fn !== (b as Call).fn) return false; break;
    default: break;
  }
  const ca = children(a), cb = children(b);
  return ca.length === cb.length && ca.every((c, i) => equal(c, cb[i]));
}
