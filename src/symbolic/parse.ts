// The input grammar (also the grammar every result string is printed in):
//
//   expr    := term (('+' | '-') term)*
//   term    := unary (('*' | '/') unary)*
//   unary   := ('-' | '+') unary | power
//   power   := primary ('^' unary)?            right-associative: a^b^c = a^(b^c)
//   primary := number | name | fn '(' expr (',' expr)* ')' | '(' expr ')'
//   number  := digits ['.' digits] [('e' | 'E') ['+' | '-'] digits]  |  '.' digits ...
//   name    := letter (letter | digit | '_')*
//
// Functions: exp log sqrt abs sin cos tanh erf relu step sigmoid softplus arcsin
// arccos (one argument), min max (two). `pi` is the constant π. -x^2 means -(x^2).
// There is no implicit multiplication. Names that mean something to JavaScript
// (constructor, process, require, prototype, ...) are refused.

import {
  type Expr, FUNCTIONS, isFnName, isConstName, add, mul, pow, neg, div, call, sym, constant, rat, bigNum,
  MAX_EXACT_DIGITS,
} from './expr.ts';
import { ArgumentError, InputError } from '../core/index.ts';

export class ParseError extends InputError {
  constructor(
    readonly reason: string,
    readonly source: string,
    readonly position: number,
  ) {
    super(`${reason} at position ${position}\n  ${source}\n  ${' '.repeat(position)}^`);
    this.name = 'ParseError';
  }
}

export interface ParseOptions {
  /** If given, every name must be one of these (or a function / pi). */
  symbols?: Iterable<string>;
}

const JS_RESERVED = new Set([
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do',
  'else', 'enum', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'implements',
  'import', 'in', 'instanceof', 'interface', 'let', 'new', 'null', 'package', 'private',
  'protected', 'public', 'return', 'static', 'super', 'switch', 'this', 'throw', 'true', 'try',
  'typeof', 'var', 'void', 'while', 'with', 'yield', 'await', 'async', 'of', 'arguments',
  'undefined', 'NaN', 'Infinity', 'eval', 'require', 'module', 'exports', 'process', 'global',
  'globalThis', 'window', 'self', 'document', 'prototype', 'constructor', 'Function', 'Object',
  'Math', 'Reflect', 'Proxy', 'import', 'fetch', 'Buffer', 'setTimeout', 'setInterval',
  'thread', 'output', 'constants', 'kernel', 'gpu',
]);

/** Whether a name may be used as a symbol. */
export function isReservedName(name: string): boolean {
  return JS_RESERVED.has(name)
    || name in Object.prototype
    || name in Function.prototype
    || Object.prototype.hasOwnProperty.call(globalThis, name);
}

type Token =
  | { t: 'num'; text: string; pos: number }
  | { t: 'name'; text: string; pos: number }
  | { t: 'op'; text: string; pos: number }
  | { t: 'end'; text: ''; pos: number };

const isDigit = (c: string) => c >= '0' && c <= '9';
const isLetter = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

function describeChar(c: string): string {
  const code = c.codePointAt(0)!;
  if (code > 126 || code < 32) return `character U+${code.toString(16).toUpperCase().padStart(4, '0')} '${c}'`;
  return `character '${c}'`;
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    const start = i;
    if (isDigit(c) || (c === '.' && isDigit(src[i + 1] ?? ''))) {
      while (isDigit(src[i] ?? '')) i++;
      if (src[i] === '.') { i++; while (isDigit(src[i] ?? '')) i++; }
      if ((src[i] === 'e' || src[i] === 'E')
          && (isDigit(src[i + 1] ?? '') || ((src[i + 1] === '+' || src[i + 1] === '-') && isDigit(src[i + 2] ?? '')))) {
        i += 2;
        while (isDigit(src[i] ?? '')) i++;
      }
      out.push({ t: 'num', text: src.slice(start, i), pos: start });
      if (isLetter(src[i] ?? '') || src[i] === '_') {
        throw new ParseError(`a number cannot be followed directly by a name (write '*' for a product)`, src, i);
      }
      continue;
    }
    if (isLetter(c)) {
      while (i < src.length && (isLetter(src[i]) || isDigit(src[i]) || src[i] === '_')) i++;
      out.push({ t: 'name', text: src.slice(start, i), pos: start });
      continue;
    }
    if ('+-*/^(),'.includes(c)) { out.push({ t: 'op', text: c, pos: i }); i++; continue; }
    throw new ParseError(`unexpected ${describeChar(String.fromCodePoint(src.codePointAt(i)!))}`, src, i);
  }
  out.push({ t: 'end', text: '', pos: src.length });
  return out;
}

/** Most significant digits of a number literal (leading zeros not counted). */
export const MAX_LITERAL_DIGITS = 1000;

/**
 * A decimal literal as the exact rational it denotes (0.1 = 1/10, 1e-3 = 1/1000, a
 * 30-digit integer exactly), or an error when it is beyond MAX_EXACT_DIGITS digits
 * (such a literal is also out of the f64 range: 1e20000, 1e-20000).
 */
function parseNumber(text: string): Expr {
  const m = /^(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text)!;
  const intPart = m[1] || '0', frac = m[2] ?? '';
  const digits = (intPart + frac).replace(/^0+(?=\d)/, '');
  if (digits.length > MAX_LITERAL_DIGITS) {
    throw new ArgumentError(`number literal with ${digits.length} digits, above the limit of ${MAX_LITERAL_DIGITS}`);
  }
  const e = Number(m[3] ?? '0');
  const scale = e - frac.length;
  const mant = Number(digits);
  if (Number.isSafeInteger(mant) && Math.abs(scale) <= 15) {
    const p10 = 10 ** Math.abs(scale);
    if (scale >= 0 && Number.isSafeInteger(mant * p10)) return rat(mant * p10);
    if (scale < 0) return rat(mant, p10);
  }
  if (digits === '0') return rat(0);
  // |scale| beyond the exact limit puts every value of at most MAX_LITERAL_DIGITS digits out of the f64 range
  if (Math.abs(scale) > MAX_EXACT_DIGITS) throw new ArgumentError(`number ${text} is out of range`);
  const M = BigInt(digits), p10 = 10n ** BigInt(Math.abs(scale));
  try {
    return scale >= 0 ? bigNum(M * p10) : bigNum(M, p10);
  } catch (err) {
    if (err instanceof ArgumentError) throw new ArgumentError(`number ${text} is out of range`);
    throw err;
  }
}

/** Longest accepted input, and deepest nesting of parentheses, signs and powers. */
export const MAX_LENGTH = 100_000;
export const MAX_DEPTH = 500;

export function parse(src: string, opts: ParseOptions = {}): Expr {
  if (typeof src !== 'string') throw new ArgumentError(`expression must be a string, got ${typeof src}`);
  if (src.length > MAX_LENGTH) throw new ParseError(`expression longer than ${MAX_LENGTH} characters`, src.slice(0, 40), 40);
  const toks = tokenize(src);
  const declared = opts.symbols ? new Set(opts.symbols) : undefined;
  let k = 0;
  const peek = () => toks[k];
  const fail = (tok: Token, what: string): never => {
    const shown = tok.t === 'end' ? 'end of input' : `'${tok.text}'`;
    throw new ParseError(`${what}, found ${shown}`, src, tok.pos);
  };
  const expect = (text: string) => {
    const tok = peek();
    if (tok.t !== 'op' || tok.text !== text) fail(tok, `expected '${text}'`);
    k++;
  };

  function expr(): Expr {
    const terms = [term()];
    for (;;) {
      const tok = peek();
      if (tok.t === 'op' && (tok.text === '+' || tok.text === '-')) {
        k++;
        const right = term();
        terms.push(tok.text === '+' ? right : neg(right));
      } else return terms.length === 1 ? terms[0] : add(...terms);
    }
  }
  function term(): Expr {
    let factors = [unary()];
    for (;;) {
      const tok = peek();
      if (tok.t === 'op' && (tok.text === '*' || tok.text === '/')) {
        k++;
        const right = unary();
        if (tok.text === '*') factors.push(right);
        else factors = [div(mul(...factors), right)];
      } else return factors.length === 1 ? factors[0] : mul(...factors);
    }
  }
  let depth = 0;
  function unary(): Expr {
    const tok = peek();
    if (++depth > MAX_DEPTH) throw new ParseError(`expression nested more than ${MAX_DEPTH} levels deep`, src, tok.pos);
    try {
      if (tok.t === 'op' && tok.text === '-') { k++; return neg(unary()); }
      if (tok.t === 'op' && tok.text === '+') { k++; return unary(); }
      return power();
    } finally {
      depth--;
    }
  }
  function power(): Expr {
    const base = primary();
    const tok = peek();
    if (tok.t === 'op' && tok.text === '^') { k++; return pow(base, unary()); }
    return base;
  }
  function primary(): Expr {
    const tok = peek();
    if (tok.t === 'num') {
      k++;
      try {
        return parseNumber(tok.text);
      } catch (err) {
        throw new ParseError((err as Error).message, src, tok.pos);
      }
    }
    if (tok.t === 'op' && tok.text === '(') {
      k++;
      const e = expr();
      expect(')');
      return e;
    }
    if (tok.t === 'name') {
      k++;
      const name = tok.text;
      const next = peek();
      if (next.t === 'op' && next.text === '(') {
        if (!isFnName(name)) {
          throw new ParseError(`unknown function '${name}' (known: ${Object.keys(FUNCTIONS).join(', ')})`, src, tok.pos);
        }
        k++;
        const args = [expr()];
        while (peek().t === 'op' && peek().text === ',') { k++; args.push(expr()); }
        const close = peek();
        if (args.length !== FUNCTIONS[name]) {
          throw new ParseError(`${name} takes ${FUNCTIONS[name]} argument(s), got ${args.length}`, src, tok.pos);
        }
        if (close.t !== 'op' || close.text !== ')') fail(close, `expected ')' to close ${name}(`);
        k++;
        return call(name, ...args);
      }
      if (isFnName(name)) throw new ParseError(`function '${name}' needs '(' and its argument`, src, tok.pos);
      if (isConstName(name)) return constant(name);
      if (isReservedName(name)) throw new ParseError(`name '${name}' is reserved and cannot be a symbol`, src, tok.pos);
      if (declared && !declared.has(name)) {
        throw new ParseError(`unknown symbol '${name}' (declared: ${[...declared].join(', ') || 'none'})`, src, tok.pos);
      }
      return sym(name);
    }
    return fail(tok, 'expected a number, a name or \'(\'');
  }

  const e = expr();
  const rest = peek();
  if (rest.t !== 'end') fail(rest, 'expected an operator or the end of the expression');
  return e;
}

/** Validates a user-supplied symbol name (for declarations made outside an expression). */
export function checkSymbolName(name: string): void {
  if (typeof name !== 'string') throw new ArgumentError(`a symbol name must be a string, got ${typeof name}`);
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) {
    throw new ParseError(`'${name}' is not a valid symbol name (letter, then letters, digits or '_')`, name, 0);
  }
  if (isFnName(name) || isConstName(name)) throw new ParseError(`'${name}' is a function or constant name`, name, 0);
  if (isReservedName(name)) throw new ParseError(`name '${name}' is reserved and cannot be a symbol`, name, 0);
}

/**
 * A matrix of expressions written as nested brackets, e.g. `[[q1,c],[c,q2]]`
 * (a flat `[a,b]` is a 1×n row). Errors give the position in the whole string.
 */
export function parseMatrix(src: string, opts: ParseOptions = {}): Expr[][] {
  const rows: Expr[][] = [];
  let i = 0;
  const skip = () => { while (src[i] === ' ' || src[i] === '\t' || src[i] === '\n') i++; };
  const want = (c: string, what: string) => {
    skip();
    if (src[i] !== c) {
      throw new ParseError(`expected '${c}' ${what}, found ${i < src.length ? `'${src[i]}'` : 'end of input'}`, src, i);
    }
    i++;
  };
  const entry = (): Expr => {
    skip();
    const start = i;
    let depth = 0;
    while (i < src.length) {
      const c = src[i];
      if (c === '(') depth++;
      else if (c === ')') depth--;
      else if (depth === 0 && (c === ',' || c === ']' || c === '[')) break;
      i++;
    }
    const text = src.slice(start, i);
    if (text.trim() === '') throw new ParseError('empty matrix entry', src, start);
    try {
      return parse(text, opts);
    } catch (err) {
      if (err instanceof ParseError) throw new ParseError(err.reason, src, start + err.position);
      throw err;
    }
  };
  const row = (): Expr[] => {
    want('[', 'to open a row');
    const r = [entry()];
    skip();
    while (src[i] === ',') { i++; r.push(entry()); skip(); }
    want(']', 'to close the row');
    return r;
  };
  want('[', 'to open the matrix');
  skip();
  if (src[i] === '[') {
    rows.push(row());
    skip();
    while (src[i] === ',') { i++; rows.push(row()); skip(); }
    want(']', 'to close the matrix');
  } else {
    i--;
    rows.push(row());
  }
  skip();
  if (i < src.length) throw new ParseError(`unexpected '${src[i]}' after the matrix`, src, i);
  const width = rows[0].length;
  rows.forEach((r, k) => {
    if (r.length !== width) throw new ParseError(`row ${k + 1} has ${r.length} entries, row 1 has ${width}`, src, 0);
  });
  return rows;
}
