// The architecture spec grammar:
//
//   spec    := ['stax.'] 'serial' '(' layer (',' layer)* [';' option (',' option)*] ')'
//   layer   := ['stax.'] name ['(' [arg (',' arg)*] ')']
//   arg     := [name '='] value
//   value   := 'none' | string | '[' number (',' number)* ']' | number
//   number  := a constant expression in the symbolic grammar (1.5, -0.4, sqrt(2), 1/2.4, pi/4)
//   string  := "..." or '...'   (elementwise only: a formula in x)
//   option  := 'parameterization' '=' ('ntk' | 'standard') | 'width' '=' integer
//
// Layer names are case-insensitive and '_' is optional (LeakyRelu = leaky_relu).
// dense(W_std, b_std): b_std defaults to 0 and may be none (no bias).

import { evaluate } from '../symbolic/index.ts';
import { parse, ParseError } from '../symbolic/index.ts';
import {
  type Activation, ACTIVATION_SIGNATURES, CLOSED_FORM_NAMES, canonicalActivationName, closedFormActivation, ActivationError,
} from './activations.ts';
import {
  type Architecture, type ArchitectureOptions, type Layer, type Parameterization, architecture, ArchitectureError,
} from './architecture.ts';
import { elementwise } from './elementwise.ts';

/** A spec that does not parse: reason, the spec and the position (0-based) of the offending text. */
export class ArchitectureParseError extends ArchitectureError {
  constructor(readonly reason: string, readonly source: string, readonly position: number) {
    super(`${reason} at position ${position}\n  ${source}\n  ${' '.repeat(Math.max(0, position))}^`);
    this.name = 'ArchitectureParseError';
  }
}

type Value =
  | { t: 'none'; pos: number }
  | { t: 'num'; v: number; pos: number }
  | { t: 'list'; v: number[]; pos: number }
  | { t: 'str'; v: string; pos: number }
  | { t: 'word'; v: string; pos: number };

interface Arg { name?: string; value: Value; pos: number }
interface Call { name: string; args: Arg[]; pos: number; hasParens: boolean }

class Reader {
  i = 0;
  constructor(readonly src: string) {}

  fail(reason: string, pos = this.i): never {
    throw new ArchitectureParseError(reason, this.src, pos);
  }

  ws(): void {
    while (this.i < this.src.length && /\s/.test(this.src[this.i])) this.i++;
  }

  peek(): string {
    this.ws();
    return this.src[this.i] ?? '';
  }

  expect(ch: string, what: string): void {
    if (this.peek() !== ch) this.fail(`expected '${ch}' ${what}, found ${this.describe()}`);
    this.i++;
  }

  describe(): string {
    this.ws();
    if (this.i >= this.src.length) return 'the end of the spec';
    return `'${this.src[this.i]}'`;
  }

  name(): { text: string; pos: number } {
    this.ws();
    const pos = this.i;
    const m = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?/.exec(this.src.slice(this.i));
    if (!m) this.fail(`expected a name, found ${this.describe()}`);
    this.i += m[0].length;
    let text = m[0];
    if (text.includes('.')) {
      const [pre, rest] = text.split('.');
      if (pre !== 'stax') this.fail(`unknown prefix '${pre}.' (only 'stax.' is accepted)`, pos);
      text = rest;
    }
    return { text, pos };
  }

  /** The raw text of a value up to the next ',' / ')' / ']' / ';' at nesting depth 0. */
  rawUntilDelimiter(): { text: string; pos: number } {
    this.ws();
    const pos = this.i;
    let depth = 0;
    while (this.i < this.src.length) {
      const c = this.src[this.i];
      if (c === '(') depth++;
      else if (c === ')') { if (depth === 0) break; depth--; }
      else if ((c === ',' || c === ']' || c === ';') && depth === 0) break;
      this.i++;
    }
    const text = this.src.slice(pos, this.i).trimEnd();
    if (text === '') this.fail(`expected a value, found ${this.describe()}`, pos);
    return { text, pos };
  }

  number(): { v: number; pos: number } {
    const { text, pos } = this.rawUntilDelimiter();
    let v: number;
    try {
      v = evaluate(parse(text, { symbols: [] }), {});
    } catch (err) {
      if (err instanceof ParseError) this.fail(`not a number: ${err.reason}`, pos + err.position);
      this.fail(`not a number: '${text}'`, pos);
    }
    if (!Number.isFinite(v)) this.fail(`'${text}' is not a finite number`, pos);
    return { v, pos };
  }

  value(): Value {
    const c = this.peek();
    const pos = this.i;
    if (c === '"' || c === "'") {
      const end = this.src.indexOf(c, this.i + 1);
      if (end < 0) this.fail('unterminated string', pos);
      const v = this.src.slice(this.i + 1, end);
      this.i = end + 1;
      return { t: 'str', v, pos };
    }
    if (c === '[') {
      this.i++;
      const v: number[] = [];
      if (this.peek() !== ']') {
        for (;;) {
          v.push(this.number().v);
          if (this.peek() === ',') { this.i++; continue; }
          break;
        }
      }
      this.expect(']', 'to close the list');
      return { t: 'list', v, pos };
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.src.slice(this.i));
    if (m && m[0].toLowerCase() === 'none') { this.i += m[0].length; return { t: 'none', pos }; }
    if (m && /^(ntk|standard)$/.test(m[0])) { this.i += m[0].length; return { t: 'word', v: m[0], pos }; }
    const { v } = this.number();
    return { t: 'num', v, pos };
  }

  call(): Call {
    const { text, pos } = this.name();
    const args: Arg[] = [];
    let hasParens = false;
    if (this.peek() === '(') {
      hasParens = true;
      this.i++;
      if (this.peek() !== ')') {
        for (;;) {
          this.ws();
          const argPos = this.i;
          let name: string | undefined;
          const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)/.exec(this.src.slice(this.i));
          if (m) { name = m[1]; this.i += m[0].length; }
          args.push({ name, value: this.value(), pos: argPos });
          if (this.peek() === ',') { this.i++; continue; }
          break;
        }
      }
      this.expect(')', `to close ${text}(`);
    }
    return { name: text, args, pos, hasParens };
  }
}

function numberArg(r: Reader, call: Call, arg: Arg, what: string): number {
  if (arg.value.t === 'num') return arg.value.v;
  return r.fail(`${call.name}: ${what} must be a number`, arg.value.pos);
}

function denseLayer(r: Reader, call: Call): Layer {
  const slots: Array<Arg | undefined> = [undefined, undefined];
  const names = ['W_std', 'b_std'];
  let positional = 0;
  for (const a of call.args) {
    let idx: number;
    if (a.name !== undefined) {
      idx = names.indexOf(a.name);
      if (idx < 0) r.fail(`dense has no argument '${a.name}' (it takes W_std, b_std)`, a.pos);
    } else {
      idx = positional++;
      if (idx >= 2) r.fail(`dense takes at most 2 arguments (W_std, b_std), got ${call.args.length}`, a.pos);
    }
    if (slots[idx]) r.fail(`dense: ${names[idx]} given twice`, a.pos);
    slots[idx] = a;
  }
  if (!slots[0]) r.fail('dense needs W_std: dense(W_std, b_std)', call.pos);
  const W = slots[0];
  if (W.value.t !== 'num') r.fail('dense: W_std must be a number', W.value.pos);
  const Wv = W.value.v;
  if (Wv < 0) r.fail(`dense: W_std must be ≥ 0 (a standard deviation), got ${Wv}`, W.value.pos);
  let b: number | null = 0;
  const B = slots[1];
  if (B) {
    if (B.value.t === 'none') b = null;
    else if (B.value.t === 'num') {
      b = B.value.v;
      if (b < 0) r.fail(`dense: b_std must be ≥ 0 or none, got ${b}`, B.value.pos);
    } else r.fail('dense: b_std must be a number or none', B.value.pos);
  }
  return { kind: 'dense', W_std: Wv, b_std: b };
}

function activationLayer(r: Reader, call: Call): Activation {
  const lower = call.name.toLowerCase();
  if (lower === 'elementwise') {
    if (call.args.length !== 1 || call.args[0].value.t !== 'str') {
      r.fail('elementwise takes one quoted formula in x, e.g. elementwise("x*tanh(x)")', call.pos);
    }
    const arg = call.args[0].value as { v: string; pos: number };
    try {
      return elementwise(arg.v);
    } catch (err) {
      if (err instanceof ParseError) r.fail(`in the elementwise formula: ${err.reason}`, arg.pos + 1 + err.position);
      throw err;
    }
  }
  const name = canonicalActivationName(call.name);
  if (!name) {
    r.fail(`unknown layer '${call.name}' (known: dense, ${CLOSED_FORM_NAMES.join(', ')}, elementwise)`, call.pos);
  }
  const sig = ACTIVATION_SIGNATURES[name];
  let args: number[];
  if (sig.variadic) {
    args = [];
    for (const a of call.args) {
      if (a.name !== undefined && a.name !== 'coef') r.fail(`${name} has no argument '${a.name}' (it takes coefficients c0, c1, ... or coef=[...])`, a.pos);
      if (a.value.t === 'list') args.push(...a.value.v);
      else args.push(numberArg(r, call, a, 'a coefficient'));
    }
    if (args.length === 0) r.fail(`${name} needs at least one coefficient`, call.pos);
  } else {
    const slots: Array<number | undefined> = [...sig.defaults];
    const given = new Set<number>();
    let positional = 0;
    for (const a of call.args) {
      let idx: number;
      if (a.name !== undefined) {
        idx = sig.params.indexOf(a.name);
        if (idx < 0) {
          r.fail(`${name} has no argument '${a.name}'${sig.params.length ? ` (it takes ${sig.params.join(', ')})` : ' (it takes none)'}`, a.pos);
        }
      } else {
        idx = positional++;
        if (idx >= sig.params.length) {
          r.fail(`${name} takes ${sig.params.length === 0 ? 'no arguments' : `at most ${sig.params.length} argument(s) (${sig.params.join(', ')})`}, got ${call.args.length}`, a.pos);
        }
      }
      if (given.has(idx)) r.fail(`${name}: ${sig.params[idx]} given twice`, a.pos);
      given.add(idx);
      slots[idx] = numberArg(r, call, a, sig.params[idx]);
    }
    const missing = sig.params.filter((_, i) => slots[i] === undefined);
    if (missing.length > 0) r.fail(`${name} needs ${missing.join(', ')}: ${name}(${sig.params.join(', ')})`, call.pos);
    args = slots as number[];
  }
  try {
    return closedFormActivation(name, args);
  } catch (err) {
    if (err instanceof ActivationError) r.fail(err.message, call.pos);
    throw err;
  }
}

/**
 * Parses an architecture spec such as
 * `serial(dense(1.5, 0.5), erf(1, 1, 0), dense(1.5, 0.5))` or
 * `serial(dense(1, 1), relu, dense(1, none); parameterization=standard, width=512)`.
 * `opts` supplies or confirms the options (a conflict with the spec is an error).
 * Throws ArchitectureParseError with the position of the problem.
 */
export function parseArchitecture(spec: string, opts: ArchitectureOptions = {}): Architecture {
  if (typeof spec !== 'string') throw new ArchitectureError(`an architecture spec must be a string, got ${typeof spec}`);
  const r = new Reader(spec);
  const head = r.name();
  if (head.text.toLowerCase() !== 'serial') r.fail(`a spec starts with serial(...), found '${head.text}'`, head.pos);
  r.expect('(', 'after serial');
  const layers: Layer[] = [];
  const positions: number[] = [];
  if (r.peek() === ')') r.fail('serial() needs at least one dense layer');
  for (;;) {
    const call = r.call();
    positions.push(call.pos);
    if (call.name.toLowerCase() === 'dense') layers.push(denseLayer(r, call));
    else layers.push({ kind: 'activation', activation: activationLayer(r, call) });
    if (r.peek() === ',') { r.i++; continue; }
    break;
  }
  const specOpts: { parameterization?: Parameterization; width?: number } = {};
  if (r.peek() === ';') {
    r.i++;
    for (;;) {
      const key = r.name();
      r.expect('=', `after ${key.text}`);
      const v = r.value();
      if (key.text === 'parameterization') {
        if (v.t !== 'word') r.fail("parameterization must be 'ntk' or 'standard'", v.pos);
        specOpts.parameterization = (v as { v: string }).v as Parameterization;
      } else if (key.text === 'width') {
        if (v.t !== 'num' || !Number.isSafeInteger(v.v) || v.v < 1) r.fail('width must be a positive integer', v.pos);
        specOpts.width = (v as { v: number }).v;
      } else {
        r.fail(`unknown option '${key.text}' (known: parameterization, width)`, key.pos);
      }
      if (r.peek() === ',') { r.i++; continue; }
      break;
    }
  }
  r.expect(')', 'to close serial(');
  if (r.peek() !== '') r.fail(`unexpected text after the spec: ${r.describe()}`);
  for (const k of ['parameterization', 'width'] as const) {
    if (opts[k] !== undefined && specOpts[k] !== undefined && opts[k] !== specOpts[k]) {
      throw new ArchitectureError(`${k} is ${String(specOpts[k])} in the spec but ${String(opts[k])} in the options`);
    }
  }
  // Alternation errors with the position of the offending layer.
  layers.forEach((layer, i) => {
    const expected = i % 2 === 0 ? 'dense' : 'activation';
    if (layer.kind !== expected) {
      r.fail(expected === 'dense'
        ? 'expected a dense layer here: layers alternate dense, activation, ..., dense (use identity between two dense layers)'
        : 'expected an activation here: layers alternate dense, activation, ..., dense (use identity between two dense layers)', positions[i]);
    }
  });
  if (layers[layers.length - 1].kind !== 'dense') r.fail('the last layer must be a dense readout', positions[layers.length - 1]);
  return architecture(layers, { ...specOpts, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) });
}
