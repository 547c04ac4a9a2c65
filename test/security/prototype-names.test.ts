// Names that mean something to Object.prototype ('constructor', '__proto__', ...)
// fed to every entry point that looks a user-supplied name up in a table (issue 15,
// "Hostile and careless input"). Each must give a clean error of the toolkit's
// InputError family, or the correct answer, never a TypeError from reaching into
// Object.prototype ('Cannot read properties of undefined (reading 'variadic')').
import { describe, expect, it } from 'vitest';
import { InputError, ArgumentError } from '../../src/core/index.ts';
import {
  type Expr, type FnName, F64_FUNCTIONS, FUNCTIONS, CONSTANTS, ParseError, UnknownSymbolError,
  call, checkSymbolName, diff, diffN, evaluate, exportExpr, gaussianExpectation, gradient, isConstName, isFnName,
  isReservedIn, jacobian, latex, num, parse, print, renameSymbols, simplify, substitute, sym,
} from '../../src/symbolic/index.ts';
import { singleMoment, pairMoment, pairMomentBase, type ActKind } from '../../src/symbolic/gaussian-table.ts';
import { polyAtom } from '../../src/symbolic/index.ts';
import {
  ACTIVATION_SIGNATURES, ActivationError, canonicalActivationName, closedFormActivation, parseArchitecture, type ClosedFormName,
} from '../../src/ntk/index.ts';
import { LOSSES, PRESET_KERNELS, dataset, lossByName, parseGanKernel } from '../../src/models/ntk-gan/index.ts';

const NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', 'isPrototypeOf', '__defineGetter__'];

/** Runs f: a clean InputError-family error (of class `cls` when given) or a value, never a TypeError or other Error. */
function clean<T>(f: () => T, cls: new (...a: never[]) => Error = InputError): { value?: T; error?: Error } {
  try {
    return { value: f() };
  } catch (err) {
    expect(err, `${String(err)}`).toBeInstanceOf(cls);
    expect(err).not.toBeInstanceOf(TypeError);
    return { error: err as Error };
  }
}

/** f must throw an InputError-family error (of class `cls`). */
function refuses(f: () => unknown, cls: new (...a: never[]) => Error = InputError): Error {
  const r = clean(f, cls);
  expect(r.error, 'expected a refusal, got a value').toBeDefined();
  return r.error!;
}

describe('exported name tables have no prototype', () => {
  it.each(NAMES)('%s is not an entry of any table', (n) => {
    const tables: Array<[string, object]> = [
      ['FUNCTIONS', FUNCTIONS], ['CONSTANTS', CONSTANTS], ['F64_FUNCTIONS', F64_FUNCTIONS],
      ['ACTIVATION_SIGNATURES', ACTIVATION_SIGNATURES], ['PRESET_KERNELS', PRESET_KERNELS], ['LOSSES', LOSSES],
    ];
    for (const [name, table] of tables) {
      expect((table as Record<string, unknown>)[n], `${name}['${n}']`).toBeUndefined();
      expect(n in table, `'${n}' in ${name}`).toBe(false);
      expect(Object.isFrozen(table), `${name} is frozen`).toBe(true);
    }
    expect(isFnName(n)).toBe(false);
    expect(isConstName(n)).toBe(false);
  });

  it('and keep their entries', () => {
    expect(Object.keys(FUNCTIONS)).toContain('relu');
    expect(FUNCTIONS.min).toBe(2);
    expect(F64_FUNCTIONS.relu(2)).toBe(2);
    expect(ACTIVATION_SIGNATURES.erf.params).toEqual(['a', 'b', 'c']);
    expect(Object.keys(PRESET_KERNELS)).toEqual(['relu', 'relu_nobias', 'relu_highbias']);
    expect(LOSSES.lsgan.c(3)).toBe(9);
  });
});

describe('ntk: activation names', () => {
  it.each(NAMES)('parseArchitecture refuses the layer %s', (n) => {
    const err = refuses(() => parseArchitecture(`serial(dense(1, 1), ${n}, dense(1, 1))`));
    if (/^[A-Za-z]/.test(n)) expect(err.message).toMatch(/unknown layer/);
  });

  it.each(NAMES)('canonicalActivationName(%s) is undefined; closedFormActivation refuses it', (n) => {
    expect(canonicalActivationName(n)).toBeUndefined();
    expect(canonicalActivationName(n.toUpperCase())).toBeUndefined();
    refuses(() => closedFormActivation(n as ClosedFormName, []), ActivationError);
  });

  it('real names still work', () => {
    expect(canonicalActivationName('Leaky_Relu')).toBe('leaky_relu');
    expect(parseArchitecture('serial(dense(1, 1), leaky_relu(0.1), dense(1, 1))').activations[0].name).toBe('leaky_relu');
  });
});

describe('ntk-gan: kernels, datasets, losses', () => {
  it.each(NAMES)('parseGanKernel refuses %s (plain, ntk: and nngp:)', (n) => {
    for (const text of [n, `ntk:${n}`, `nngp:${n}`, ` ${n} `]) refuses(() => parseGanKernel(text, 2));
  });

  it.each(NAMES)('dataset and lossByName refuse %s', (n) => {
    expect(refuses(() => dataset(n, { seed: 1 })).message).toMatch(/unknown dataset/);
    expect(refuses(() => lossByName(n), ArgumentError).message).toMatch(/unknown loss/);
  });

  it('presets, datasets and losses by their real names', () => {
    expect(parseGanKernel('relu_nobias', 2).kind).toBe('ntk');
    expect(dataset('modes_1d', { seed: 1, particles: 4, targets: 4 }).d).toBe(1);
    expect(lossByName('hinge').name).toBe('hinge');
  });
});

describe('symbolic: function, constant and symbol names', () => {
  it.each(NAMES)('parse refuses %s as a function and as a symbol', (n) => {
    refuses(() => parse(`${n}(x)`), ParseError);
    refuses(() => parse(`x + ${n}`), ParseError);
    refuses(() => parse(n, { symbols: [n] }), ParseError);
    refuses(() => checkSymbolName(n), ParseError);
  });

  it.each(NAMES)('call, evaluate, simplify, latex, diff and export refuse a hand-built call of %s', (n) => {
    refuses(() => call(n as FnName, sym('x')), ArgumentError);
    const bad = { kind: 'call', fn: n, args: [sym('x')] } as unknown as Expr;
    refuses(() => evaluate(bad, { x: 1 }));
    refuses(() => simplify(bad), ArgumentError);
    refuses(() => latex(bad), ArgumentError);
    refuses(() => diff(bad, 'x'), ArgumentError);
    refuses(() => exportExpr(bad, 'sympy'), ArgumentError);
    refuses(() => evaluate({ kind: 'const', name: n } as unknown as Expr, {}));
  });

  it.each(NAMES)('evaluate looks %s up as an own key only', (n) => {
    const e = sym(n);
    refuses(() => evaluate(e, {}), UnknownSymbolError);
    refuses(() => evaluate(e, { x: 1 }), UnknownSymbolError);
    refuses(() => evaluate(e, new Map([['x', 1]])), UnknownSymbolError);
    // given as an own key (JSON.parse makes '__proto__' one), it is that value
    expect(evaluate(e, JSON.parse(`{"${n}": 2.5}`) as Record<string, number>)).toBe(2.5);
    expect(evaluate(e, new Map([[n, 2.5]]))).toBe(2.5);
  });

  it.each([...NAMES, 'x y', '', '1x', 'pi', 'exp', 'x-1'])('diff, diffN, gradient, jacobian, substitute and gaussianExpectation refuse the name %j', (n) => {
    const x = parse('x^2');
    refuses(() => diff(x, n), ParseError);
    refuses(() => diffN(x, n, 2), ParseError);
    refuses(() => gradient(x, ['x', n]), ParseError);
    refuses(() => jacobian([x], [n]), ParseError);
    refuses(() => substitute(x, JSON.parse(`{${JSON.stringify(n)}: 1}`) as Record<string, number>), ParseError);
    refuses(() => substitute(x, new Map([[n, num(1)]])), ParseError);
    refuses(() => gaussianExpectation(x, [n], [[num(1)]]), ParseError);
  });

  it('valid names keep working', () => {
    expect(print(diff(parse('x^2*y'), 'x'))).toBe('2*x*y');
    expect(print(substitute(parse('x*y'), { x: 3 }))).toBe('3*y');
    expect(print(gaussianExpectation(parse('u^2'), ['u'], [[num(2)]]).expr)).toBe('2');
  });

  it.each(NAMES)('export targets: %s is not one', (n) => {
    refuses(() => exportExpr(parse('x'), n as 'sympy'), ArgumentError);
    refuses(() => isReservedIn(n as 'sympy', 'x'), ArgumentError);
    refuses(() => renameSymbols(['x'], n as 'sympy'), ArgumentError);
  });
});

describe('symbolic: the Gaussian tables', () => {
  const cov = { q1: polyAtom('q1'), q2: polyAtom('q2'), c: polyAtom('c') };
  it.each(NAMES)('kind %s has no closed form (null or a clean error)', (n) => {
    const k = n as ActKind;
    for (const f of [
      () => singleMoment(k, 0, sym('s'), num(0)),
      () => singleMoment(k, 1, sym('s'), sym('b')),
      () => singleMoment(k, 0, num(0), sym('b')),
      () => pairMomentBase(k, 'relu', cov),
      () => pairMomentBase('relu', k, cov),
      () => pairMoment(k, 1, 'erf', 0, cov),
    ]) {
      const r = clean(f);
      if (r.error === undefined) expect(r.value).toBeNull();
    }
  });

  it.each(NAMES)('a Gaussian expectation of a hand-built call of %s is refused', (n) => {
    const bad = { kind: 'call', fn: n, args: [sym('u')] } as unknown as Expr;
    expect(refuses(() => gaussianExpectation(bad, ['u'], [[num(1)]])).message).toMatch(/unknown function/);
  });
});
