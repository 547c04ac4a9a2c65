// (b) Hostile text never becomes code. Strings go through parse and compile;
// hand-built Exprs (as if read from JSON) go through compile; hostile names
// are offered as declared inputs and params. Each is refused with a clear
// error (ParseError with a position, or CompileError naming the token), or —
// when harmless (a number, a valid fresh identifier) — compiles to the very
// same source as an innocent stand-in. Nothing runs: a global canary stays
// untouched, no process method is called, and every source handed to the
// Function constructor passes the emitters' own token check.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { parse, ParseError } from '../../src/symbolic/index.ts';
import { type Expr, freeSymbols, sym, add, mul, call } from '../../src/symbolic/index.ts';
import { compile, compileRhs } from '../../src/compile/index.ts';
import { compilePairwise } from '../../src/compile/index.ts';
import { CompileError, quote } from '../../src/compile/lower.ts';
import { assertSafeSource } from '../../src/compile/index.ts';

const CANARY = '__gdCanary';
const g = globalThis as Record<string, unknown>;

const PAYLOADS = [
  'constructor', '__proto__', 'prototype', 'process', 'require', 'globalThis', 'global', 'eval', 'Function',
  'import', 'this', 'module', 'exports', 'toString', 'valueOf', 'hasOwnProperty', 'caller', 'arguments',
  '`x`', '`${process.exit(1)}`', 'x;y', 'x; process.exit(2)', 'x//y', 'x/*y*/', '*/', '${x}', '"x"', "'x'",
  '\\u0061', '\\x61', 'a\\u0062', '\uFF58', '\uFF41\uFF42', '\u0430', '\u0435\u0445', 'x\u200By', '\u00A0x',
  `this.constructor.constructor("globalThis.${CANARY}='pwned'")()`,
  `globalThis.${CANARY}='pwned'`, 'process.exit(3)', "require('child_process').execSync('true')",
  'x.constructor', 'x[0]', 'x=1', 'x=>x', '(()=>1)()', 'new Function', 'x?.y', 'x??y', 'a,b', '{}', '[]', '#x', '@x',
  '1e999', 'NaN', 'Infinity', '-Infinity', 'undefined', 'null', 'true', 'Math', 'Math.exp', 'thread', 'output',
  'x'.repeat(100_000), '+'.repeat(500), `${'x+'.repeat(2000)}x`, `${'sin('.repeat(200)}x${')'.repeat(200)}`, '1'.repeat(400),
  '('.repeat(300), ')'.repeat(300), '^'.repeat(1000),
];
const TEMPLATES = ['@', 'x + @', 'sin(@)', '@ * y', '(@)^2', 'max(x, @)', 'x^@', '@(x)', 'exp(x)@'];

const compiledSources: string[] = [];
const RealFunction = globalThis.Function;
const spies: ReturnType<typeof vi.spyOn>[] = [];

beforeAll(() => {
  g[CANARY] = 'intact';
  // record every source compiled through the Function constructor
  globalThis.Function = new Proxy(RealFunction, {
    construct(target, args) {
      compiledSources.push(String(args[args.length - 1]));
      return Reflect.construct(target, args);
    },
    apply(target, self, args) {
      compiledSources.push(String(args[args.length - 1]));
      return Reflect.apply(target, self, args);
    },
  });
  for (const m of ['exit', 'kill', 'abort', 'chdir', 'dlopen', 'reallyExit'] as const) {
    if (typeof (process as unknown as Record<string, unknown>)[m] === 'function') {
      spies.push(vi.spyOn(process as unknown as Record<string, () => void>, m).mockImplementation(() => {
        throw new Error(`process.${m} was called`);
      }));
    }
  }
});

afterAll(() => {
  globalThis.Function = RealFunction;
  for (const s of spies) s.mockRestore();
});

/** A clear refusal: ParseError with a position in range, or CompileError naming its token. */
function expectClearRefusal(err: unknown, input: string, token?: string): void {
  if (err instanceof ParseError) {
    expect(err.position).toBeGreaterThanOrEqual(0);
    expect(err.position).toBeLessThanOrEqual(input.length);
    expect(err.message).toMatch(/ at position \d+/);
    return;
  }
  if (err instanceof CompileError) {
    expect(err.message.length).toBeGreaterThan(0);
    if (token !== undefined) expect(err.token).toBe(token);
    return;
  }
  throw new Error(`not a clear refusal of ${JSON.stringify(input.slice(0, 80))}: ${String(err)}`);
}

const hostileText = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PAYLOADS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'`;/*${}"\'\\.[]=x(),\u0430\uFF58'), maxLength: 16 }) },
);
const embedded = fc.tuple(fc.constantFrom(...TEMPLATES), hostileText).map(([t, h]) => t.replace('@', h));

describe('hostile strings through parse and compile', () => {
  it('each payload alone and in every template is refused or harmless', () => {
    for (const p of PAYLOADS) for (const t of TEMPLATES) throughParseAndCompile(t.replace('@', p), 'f64');
  });

  it('fast-check: random hostile text embedded in valid expressions (f64 twin)', () => {
    fc.assert(fc.property(embedded, (s) => throughParseAndCompile(s, 'f64')), { numRuns: 1500, seed: 11 });
  });

  it('fast-check: the same through the GPU.js kernel path', () => {
    fc.assert(fc.property(embedded, (s) => throughParseAndCompile(s, 'webasm')), { numRuns: 60, seed: 12 });
  });
});

/** parse → compile with inputs x, y: refused clearly, or only x and y were read. */
function throughParseAndCompile(s: string, backend: 'f64' | 'webasm'): void {
  let e: Expr;
  try {
    e = parse(s);
  } catch (err) {
    expectClearRefusal(err, s);
    return;
  }
  const unknown = [...freeSymbols(e)].find((n) => n !== 'x' && n !== 'y');
  try {
    const k = compile([e], { inputs: ['x', 'y'], backend });
    expect(unknown, `compiled although ${unknown} is not declared`).toBeUndefined();
    const y = k.run(new Float64Array([0.5, 0.25]));
    expect(y).toHaveLength(1);
    k.dispose();
  } catch (err) {
    expectClearRefusal(err, s, unknown);
    // the only refusals a parsed expression over x and y may get: a float32 constant
    // overflow, or an exact constant beyond the f64 range (literals are exact: 1e999)
    if (unknown === undefined) expect(String(err)).toMatch(/overflows float32|is beyond the f64 range/);
  }
}

describe('hostile declared names', () => {
  const base = parse('x + 1');
  const reference = compile([base], { inputs: ['x', 'stand_in'], params: ['p_in'], backend: 'f64' });
  const names = fc.oneof(fc.constantFrom(...PAYLOADS), fc.string({ unit: 'binary', maxLength: 24 }));

  /** Refused naming the token, or a valid fresh identifier that leaves no trace in the source. */
  function checkName(h: string): void {
    const attempts: [string, () => string][] = [
      ['input', () => compile([base], { inputs: ['x', h], params: ['p_in'], backend: 'f64' }).source.js],
      ['param', () => compile([base], { inputs: ['x', 'stand_in'], params: [h], backend: 'f64' }).source.js],
      ['state', () => compileRhs({ state: ['x', h], params: [], drift: [base, base] }).source],
      ['pairwise param', () => compilePairwise(parse('dot'), { d: 2, params: [h], backend: 'f64' }).source.js],
    ];
    for (const [role, attempt] of attempts) {
      let source: string;
      try {
        source = attempt();
      } catch (err) {
        expect(err, role).toBeInstanceOf(CompileError);
        expect((err as CompileError).token, role).toBe(h);
        expect((err as CompileError).message, role).toContain(quote(h));
        continue;
      }
      expect(h, `accepted as ${role}`).toMatch(/^[A-Za-z][A-Za-z0-9_]*$/);
      if (role === 'input' || role === 'param') expect(source).toBe(reference.source.js);
    }
  }

  it('every payload as input, param, System state and pairwise param', () => {
    for (const h of PAYLOADS) checkName(h);
  });

  it('fast-check: random names', () => {
    fc.assert(fc.property(names, checkName), { numRuns: 300, seed: 13 });
  });
});

describe('hand-built Exprs with hostile fields (as if from JSON)', () => {
  const x = sym('x');
  const bad = (v: unknown) => v as Expr;
  const cases: [string, Expr, string | undefined][] = [];
  for (const p of PAYLOADS.slice(0, 40)) {
    cases.push([`sym ${p}`, add(x, sym(p)), p]);
    cases.push([`call ${p}`, bad({ kind: 'call', fn: p, args: [x] }), p]);
    cases.push([`const ${p}`, bad({ kind: 'const', name: p }), p]);
    cases.push([`kind ${p}`, bad({ kind: p, name: 'x' }), undefined]);
    cases.push([`num p=${p}`, bad({ kind: 'num', p, q: 1 }), undefined]);
  }
  cases.push(['num q=0', bad({ kind: 'num', p: 1, q: 0 }), undefined]);
  cases.push(['num NaN', bad({ kind: 'num', p: NaN, q: 1 }), undefined]);
  cases.push(['num object', bad({ kind: 'num', p: { valueOf: () => { g[CANARY] = 'pwned'; return 1; } }, q: 1 }), undefined]);
  cases.push(['null node', bad(null), undefined]);
  cases.push(['args not an array', bad({ kind: 'call', fn: 'sin', args: 'x' }), undefined]);
  cases.push(['wrong arity', bad({ kind: 'call', fn: 'min', args: [x] }), undefined]);
  cases.push(['empty sum', bad({ kind: 'add', terms: [] }), undefined]);
  cases.push(['proto sym in product', mul(x, bad({ kind: 'sym', name: '__proto__' })), '__proto__']);
  cases.push(['inherited fn name', call('sin', bad({ kind: 'call', fn: 'toString', args: [x] })), 'toString']);

  for (const backend of ['f64', 'webasm'] as const) {
    it(`${backend}: every case is a CompileError naming the token`, () => {
      for (const [label, e, token] of cases) {
        let err: unknown;
        try { compile([e], { inputs: ['x'], backend }); } catch (x2) { err = x2; }
        expect(err, label).toBeInstanceOf(CompileError);
        if (token !== undefined) expect((err as CompileError).token, label).toBe(token);
      }
    });
  }
});

describe('nothing ran', () => {
  it('deeply nested input is refused without running anything', () => {
    // the parser caps nesting (MAX_DEPTH) and length (MAX_LENGTH) with a ParseError naming the position
    for (const deep of [`${'('.repeat(5000)}x${')'.repeat(5000)}`, `${'+'.repeat(20_000)}x`, `${'-'.repeat(20_000)}x`, 'x'.repeat(200_000)]) {
      expect(() => compile([parse(deep)], { inputs: ['x'] })).toThrow(ParseError);
    }
  });

  it('the canary is intact, no process method was called, every compiled source passed the token check', () => {
    expect(g[CANARY]).toBe('intact');
    for (const s of spies) expect(s).not.toHaveBeenCalled();
    // the twin cache (compile/runtime.ts) compiles each distinct source once: the
    // innocent stand-ins above share one text, so far fewer sources than compile calls
    expect(compiledSources.length).toBeGreaterThan(10);
    const twinSources = compiledSources.filter((src) => src.includes('return function'));
    expect(new Set(twinSources).size, 'a twin source compiled twice').toBe(twinSources.length);
    for (const src of compiledSources) {
      expect(() => assertSafeSource(src), src.slice(0, 200)).not.toThrow();
      expect(src).not.toContain(CANARY);
    }
  });
});
