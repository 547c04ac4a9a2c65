// Lowers an Expr to a DAG of primitive operations in exactly the order the
// compiled code will perform them. The code emitters print this DAG and the
// forward error analysis (bound.ts) walks it, so the bound describes the code
// that actually runs. After lowering no user-supplied string is left: a
// declared symbol is only its slot number.

import { InputError } from '../core/index.ts';
import { type Expr, type FnName, FUNCTIONS, CONSTANTS, isFnName, numValue, formatNumber } from '../symbolic/index.ts';
import { checkSymbolName, splitSign } from '../symbolic/index.ts';

/** A refused compilation: names the offending token and what was expected. */
export class CompileError extends InputError {
  constructor(message: string, readonly token?: string) {
    super(message);
    this.name = 'CompileError';
  }
}

/** A user string made safe and short for an error message. */
export function quote(s: unknown): string {
  if (typeof s !== 'string') return `<${typeof s}>`;
  const shown = s.length > 40 ? `${s.slice(0, 40)}… (${s.length} chars)` : s;
  return JSON.stringify(shown);
}

/**
 * One primitive operation; `id` is its index in the lowering's node list.
 * Sums and products are n-ary, evaluated strictly left to right (a left
 * fold), so long sums stay shallow for every walker.
 */
export type Op =
  | { readonly op: 'num'; readonly id: number; readonly value: number }
  | { readonly op: 'ref'; readonly id: number; readonly slot: number }
  /** ±t0 ± t1 ± ... (minus[i] subtracts term i; minus[0] negates the first) */
  | { readonly op: 'sum'; readonly id: number; readonly terms: readonly Op[]; readonly minus: readonly boolean[] }
  /** f0 · f1 · ... (at least two factors) */
  | { readonly op: 'prod'; readonly id: number; readonly factors: readonly Op[] }
  | { readonly op: 'div'; readonly id: number; readonly a: Op; readonly b: Op }
  | { readonly op: 'neg'; readonly id: number; readonly a: Op }
  /** a^k by binary exponentiation, k an integer ≥ 2 */
  | { readonly op: 'ipow'; readonly id: number; readonly a: Op; readonly k: number }
  /** general a^b (Math.pow): real only for a > 0 unless b is an integer */
  | { readonly op: 'pow'; readonly id: number; readonly a: Op; readonly b: Op }
  | { readonly op: 'call'; readonly id: number; readonly fn: FnName; readonly args: readonly Op[] };

/** Largest |k| for which x^k is lowered to multiplications (≤ 2·31 of them). */
export const MAX_INT_POWER = 2 ** 31 - 1;
const MAX_DEPTH = 1000;

/** Declared names, in slot order, and the roles they play (for messages). */
export interface Declared {
  readonly names: readonly string[];
  readonly roles: readonly string[];
}

/**
 * Checks declared names (valid identifiers, not reserved, not functions, no
 * duplicates) and returns them with their roles. Throws CompileError.
 */
export function declare(groups: readonly { role: string; names: readonly string[] }[]): Declared {
  const names: string[] = [];
  const roles: string[] = [];
  const seen = new Map<string, string>();
  for (const { role, names: group } of groups) {
    if (!Array.isArray(group)) throw new CompileError(`declared ${role} names must be an array of strings`);
    for (const name of group) {
      if (typeof name !== 'string') throw new CompileError(`declared ${role} name ${quote(name)} is not a string`);
      try {
        checkSymbolName(name);
      } catch (err) {
        const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
        throw new CompileError(`declared ${role} name ${quote(name)} is refused: ${why}`, name);
      }
      const earlier = seen.get(name);
      if (earlier !== undefined) {
        throw new CompileError(`name ${quote(name)} is declared twice (as ${earlier} and as ${role})`, name);
      }
      seen.set(name, role);
      names.push(name);
      roles.push(role);
    }
  }
  return { names, roles };
}

function describeDeclared(d: Declared): string {
  if (d.names.length === 0) return 'none';
  const byRole = new Map<string, string[]>();
  d.names.forEach((n, i) => {
    const list = byRole.get(d.roles[i]) ?? [];
    list.push(n);
    byRole.set(d.roles[i], list);
  });
  return [...byRole].map(([role, ns]) => `${role}: ${ns.join(', ')}`).join('; ');
}

/** Hash-consed builder of the Op DAG: equal subtrees become one node. */
export class Lowering {
  readonly nodes: Op[] = [];
  private readonly interned = new Map<string, Op>();
  private readonly slotOf: Map<string, number>;

  constructor(readonly declared: Declared) {
    this.slotOf = new Map(declared.names.map((n, i) => [n, i]));
  }

  private make(key: string, build: (id: number) => Op): Op {
    const hit = this.interned.get(key);
    if (hit) return hit;
    const node = build(this.nodes.length);
    this.nodes.push(node);
    this.interned.set(key, node);
    return node;
  }

  num(value: number): Op {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new CompileError(`number ${quote(String(value))} is not a finite number`);
    }
    const v = value + 0;
    return this.make(`n${v}`, (id) => ({ op: 'num', id, value: v }));
  }

  ref(slot: number): Op {
    return this.make(`r${slot}`, (id) => ({ op: 'ref', id, slot }));
  }

  sum(terms: readonly Op[], minus: readonly boolean[]): Op {
    if (terms.length === 1) return minus[0] ? this.neg(terms[0]) : terms[0];
    const key = `sum${terms.map((t, i) => `${minus[i] ? '-' : '+'}${t.id}`).join('')}`;
    return this.make(key, (id) => ({ op: 'sum', id, terms: [...terms], minus: [...minus] }));
  }

  prod(factors: readonly Op[]): Op {
    if (factors.length === 1) return factors[0];
    return this.make(`prod${factors.map((f) => f.id).join(',')}`, (id) => ({ op: 'prod', id, factors: [...factors] }));
  }

  div(a: Op, b: Op): Op {
    return this.make(`div${a.id},${b.id}`, (id) => ({ op: 'div', id, a, b }));
  }

  neg(a: Op): Op {
    return this.make(`neg${a.id}`, (id) => ({ op: 'neg', id, a }));
  }

  ipow(a: Op, k: number): Op {
    return this.make(`ipow${a.id},${k}`, (id) => ({ op: 'ipow', id, a, k }));
  }

  pow(a: Op, b: Op): Op {
    return this.make(`pow${a.id},${b.id}`, (id) => ({ op: 'pow', id, a, b }));
  }

  call(fn: FnName, args: Op[]): Op {
    return this.make(`${fn}(${args.map((a) => a.id).join(',')})`, (id) => ({ op: 'call', id, fn, args }));
  }

  /** Lowers one expression (validating every node: Exprs may come from JSON). */
  lower(e: Expr): Op {
    return this.go(e, 0);
  }

  private go(e: Expr, depth: number): Op {
    if (depth > MAX_DEPTH) throw new CompileError(`expression is nested deeper than ${MAX_DEPTH} levels`);
    if (e === null || typeof e !== 'object') throw new CompileError(`expression node ${quote(String(e))} is not an object`);
    const d = depth + 1;
    switch (e.kind) {
      case 'num': {
        const { p, q } = e;
        if (typeof p !== 'number' || typeof q !== 'number' || !Number.isFinite(p) || !Number.isFinite(q) || q === 0) {
          throw new CompileError(`number node ${quote(`${String(p)}/${String(q)}`)} is not a finite number`);
        }
        if (e.big === undefined) return this.num(p / q);
        // an exact number beyond safe integers: compiled as its nearest double
        const { num: n, den } = e.big;
        if (typeof n !== 'bigint' || typeof den !== 'bigint' || n <= 0n || den <= 0n) {
          throw new CompileError('number node has a malformed big form');
        }
        const v = numValue(e);
        if (!Number.isFinite(v)) throw new CompileError(`number ${quote(formatNumber(e))} is beyond the f64 range`);
        return this.num(v);
      }
      case 'const': {
        if (typeof e.name !== 'string' || !Object.prototype.hasOwnProperty.call(CONSTANTS, e.name)) {
          throw new CompileError(`unknown constant ${quote(e.name)} (known: ${Object.keys(CONSTANTS).join(', ')})`, String(e.name));
        }
        return this.num(CONSTANTS[e.name]);
      }
      case 'sym': {
        const slot = typeof e.name === 'string' ? this.slotOf.get(e.name) : undefined;
        if (slot === undefined) {
          throw new CompileError(
            `unknown symbol ${quote(e.name)} (declared ${describeDeclared(this.declared)})`, String(e.name));
        }
        return this.ref(slot);
      }
      case 'add': {
        const terms: Op[] = [], minus: boolean[] = [];
        for (const t of checkList(e.terms, 'sum')) {
          const { negative, magnitude } = splitSign(t);
          terms.push(this.go(magnitude, d));
          minus.push(negative);
        }
        return this.sum(terms, minus);
      }
      case 'mul': {
        const { negative, magnitude } = splitSign(e);
        const factors = magnitude.kind === 'mul' ? checkList(magnitude.factors, 'product') : [magnitude];
        const numer: Op[] = [], denom: Op[] = [];
        for (const f of factors) {
          const r = reciprocalBase(f);
          if (r) denom.push(this.go(r, d));
          else numer.push(this.go(f, d));
        }
        let out = numer.length > 0 ? this.prod(numer) : this.num(1);
        if (denom.length > 0) out = this.div(out, this.prod(denom));
        return negative ? this.neg(out) : out;
      }
      case 'pow': {
        const r = reciprocalBase(e);
        if (r) return this.div(this.num(1), this.go(r, d));
        const k = integerExponent(e.exp);
        const base = this.go(e.base, d);
        if (k !== undefined) {
          if (k === 0) return this.num(1);
          if (k === 1) return base;
          return this.ipow(base, k);
        }
        if (isHalf(e.exp)) return this.call('sqrt', [base]);
        return this.pow(base, this.go(e.exp, d));
      }
      case 'call': {
        if (typeof e.fn !== 'string' || !isFnName(e.fn)) {
          throw new CompileError(`unknown function ${quote(e.fn)} (known: ${Object.keys(FUNCTIONS).join(', ')})`, String(e.fn));
        }
        const args = checkList(e.args, e.fn);
        if (args.length !== FUNCTIONS[e.fn]) {
          throw new CompileError(`${e.fn} takes ${FUNCTIONS[e.fn]} argument(s), got ${args.length}`, e.fn);
        }
        return this.call(e.fn, args.map((a) => this.go(a, d)));
      }
      default:
        throw new CompileError(`unknown expression node kind ${quote((e as { kind: unknown }).kind)}`);
    }
  }
}

function checkList(list: unknown, what: string): readonly Expr[] {
  if (!Array.isArray(list) || list.length === 0) throw new CompileError(`${what} node has no operands`);
  return list as Expr[];
}

/** Integer value of an exponent node when it is an exact integer in range. */
function integerExponent(x: Expr): number | undefined {
  if (x.kind !== 'num' || x.q !== 1 || !Number.isInteger(x.p) || Math.abs(x.p) > MAX_INT_POWER) return undefined;
  return x.p;
}

const isHalf = (x: Expr) => x.kind === 'num' && x.p === 1 && x.q === 2;

/**
 * For b^k with k a negative integer or -1/2, the positive power b^|k| that the
 * code divides by; otherwise undefined.
 */
function reciprocalBase(e: Expr): Expr | undefined {
  if (e.kind !== 'pow' || e.exp.kind !== 'num' || !(e.exp.p < 0)) return undefined;
  const k = integerExponent(e.exp);
  if (k !== undefined) {
    return k === -1 ? e.base : { kind: 'pow', base: e.base, exp: { kind: 'num', p: -k, q: 1 } };
  }
  if (e.exp.p === -1 && e.exp.q === 2) return { kind: 'pow', base: e.base, exp: { kind: 'num', p: 1, q: 2 } };
  return undefined;
}

/** Operation kinds the cost model prices. */
export type CostKey = 'add' | 'mul' | 'div' | 'ipow' | 'pow' | FnName;

/**
 * How many operations of each kind the code for `roots` performs per
 * evaluation, each shared node counted once (as the emitted code does).
 * Subtraction counts as 'add'; negation is free.
 */
export function countOps(roots: readonly Op[]): Partial<Record<CostKey, number>> {
  const seen = new Set<number>();
  const counts: Partial<Record<CostKey, number>> = {};
  const bump = (key: CostKey) => { counts[key] = (counts[key] ?? 0) + 1; };
  const visit = (n: Op) => {
    if (seen.has(n.id)) return;
    seen.add(n.id);
    switch (n.op) {
      case 'num': case 'ref': return;
      case 'neg': visit(n.a); return;
      case 'ipow': bump('ipow'); visit(n.a); return;
      case 'call': bump(n.fn); n.args.forEach(visit); return;
      case 'sum': counts.add = (counts.add ?? 0) + n.terms.length - 1; n.terms.forEach(visit); return;
      case 'prod': counts.mul = (counts.mul ?? 0) + n.factors.length - 1; n.factors.forEach(visit); return;
      default: bump(n.op); visit(n.a); visit(n.b);
    }
  };
  roots.forEach(visit);
  return counts;
}
