// The architecture spec: parsing, printing back, and clear errors with positions.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseArchitecture, ArchitectureParseError } from '../../src/ntk/index.ts';
import { serial, dense, stack, architecture, ArchitectureError, withOptions } from '../../src/ntk/index.ts';
import { relu, erfAct, leakyRelu, polynomial, closedFormActivation, CLOSED_FORM_NAMES, ACTIVATION_SIGNATURES } from '../../src/ntk/index.ts';

describe('parseArchitecture', () => {
  it('reads the documented example and equals the code-built value', () => {
    const a = parseArchitecture('serial(dense(1.5, 0.5), erf(1,1,0), dense(1.5,0.5))');
    const b = serial(dense(1.5, 0.5), erfAct(1, 1, 0), dense(1.5, 0.5));
    expect(a.spec).toBe(b.spec);
    expect(a.depth).toBe(1);
    expect(a.parameterization).toBe('ntk');
    expect(a.spec).toBe('serial(dense(1.5, 0.5), erf(1, 1, 0), dense(1.5, 0.5))');
  });

  it('accepts keywords, defaults, stax names, constant expressions, none, lists and options', () => {
    const a = parseArchitecture("stax.serial(stax.Dense(W_std=sqrt(2), b_std=none), LeakyRelu(alpha=0.1), dense(1/2), Polynomial(coef=[0.1, 1, 0.5]), dense(2); parameterization=standard, width=128)");
    expect(a.dense.map((d) => [d.W_std, d.b_std])).toEqual([[Math.SQRT2, null], [0.5, 0], [2, 0]]);
    expect(a.activations.map((x) => x.spec)).toEqual(['leaky_relu(0.1)', 'polynomial(0.1, 1, 0.5)']);
    expect(a.parameterization).toBe('standard');
    expect(a.width).toBe(128);
    expect(parseArchitecture('serial(dense(1), erf(b=2), dense(1))').activations[0].args).toEqual([1, 2, 0]);
    expect(parseArchitecture('serial(dense(1), sigmoid_like(), dense(1))').activations[0].spec).toBe('sigmoid_like');
    expect(parseArchitecture('serial(dense(1, 0), relu, dense(1, 0))', { parameterization: 'standard', width: 8 }).width).toBe(8);
  });

  it('prints back: parse(spec(arch)) has the same spec, for random architectures (property)', () => {
    const names = CLOSED_FORM_NAMES;
    const actArb = fc.constantFrom(...names).chain((n) => {
      const sig = ACTIVATION_SIGNATURES[n];
      const count = sig.variadic ? fc.integer({ min: 1, max: 4 }) : fc.constant(sig.params.length);
      return count.chain((k) => fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: k, maxLength: k })).map((args) => {
        const fixed = n === 'monomial' || n === 'hermite' ? [Math.round(Math.abs(args[0]) * 2)] : n === 'rbf' ? [Math.abs(args[0])] : args;
        return closedFormActivation(n, fixed);
      });
    });
    const denseArb = fc.record({ W: fc.double({ min: 0, max: 5, noNaN: true }), b: fc.option(fc.double({ min: 0, max: 2, noNaN: true }), { nil: null }) });
    fc.assert(fc.property(fc.array(fc.tuple(denseArb, actArb), { maxLength: 4 }), denseArb, fc.boolean(), (blocks, last, std) => {
      const layers = blocks.flatMap(([d, a]) => [dense(d.W, d.b), { kind: 'activation' as const, activation: a }]);
      layers.push(dense(last.W, last.b));
      const arch = architecture(layers, std ? { parameterization: 'standard', width: 64 } : {});
      const again = parseArchitecture(arch.spec);
      expect(again.spec).toBe(arch.spec);
      expect(again.dense).toEqual(arch.dense);
      expect(again.activations.map((x) => x.args)).toEqual(arch.activations.map((x) => x.args));
    }), { numRuns: 200, seed: 4 });
  });

  const errors: Array<[string, RegExp, number]> = [
    ['serial(dense(-1, 0), relu, dense(1,0))', /W_std must be ≥ 0/, 13],
    ['serial(dense(1, -0.5), relu, dense(1,0))', /b_std must be ≥ 0 or none/, 16],
    ['serial(dense(1,0), foo, dense(1,0))', /unknown layer 'foo' \(known: dense, relu, .*elementwise\)/, 19],
    ['serial(dense(1,0), relu, relu)', /expected a dense layer here/, 25],
    ['serial(dense(1,0), dense(1,0))', /expected an activation here/, 19],
    ['serial(dense(1,0), relu)', /last layer must be a dense readout/, 19],
    ['serial(dense(1,0), leaky_relu, dense(1,0))', /leaky_relu needs alpha/, 19],
    ['serial(dense(1,0), relu(2), dense(1,0))', /relu takes no arguments, got 1/, 24],
    ['serial(dense(1,0), erf(1, 2, 3, 4), dense(1,0))', /erf takes at most 3 argument\(s\) \(a, b, c\), got 4/, 32],
    ['serial(dense(1, none), erf(b=2, z=1), dense(1, 0))', /erf has no argument 'z' \(it takes a, b, c\)/, 32],
    ['serial(dense(1,0), erf(a=1, a=2), dense(1,0))', /a given twice/, 28],
    ['serial(dense(1,0), elementwise("x*y"), dense(1,0))', /in the elementwise formula: unknown symbol 'y'/, 34],
    ['serial(dense(1,0), relu, dense(1,0)', /expected '\)' to close serial\(/, 35],
    ['serial(dense(1,0), relu, dense(1, 0)) extra', /unexpected text after the spec/, 38],
    ['layers(dense(1,0))', /a spec starts with serial/, 0],
    ['serial(dense(1, 0); width=0)', /width must be a positive integer/, 26],
    ['serial(dense(1, 0); depth=3)', /unknown option 'depth'/, 20],
    ['serial(dense(1, 0); parameterization=mean_field)', /not a number|parameterization must be/, 37],
    ['serial(dense(1, 2x), relu, dense(1,0))', /not a number/, 17],
    ['serial(dense(1, inf), relu, dense(1,0))', /not a number/, 16],
    ['serial(dense(1,0), monomial(2.5), dense(1,0))', /monomial: degree must be an integer/, 19],
    ['serial(dense(1,0), hermite(-1), dense(1,0))', /hermite: degree must be an integer/, 19],
    ['serial(dense(1,0), rbf(-1), dense(1,0))', /rbf: gamma must be ≥ 0/, 19],
    ['serial()', /needs at least one dense layer/, 7],
    ['other.serial(dense(1,0))', /unknown prefix 'other\.'/, 0],
  ];

  it.each(errors)('%s → %s at %i', (spec, message, position) => {
    let err: unknown;
    try { parseArchitecture(spec); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ArchitectureParseError);
    const e = err as ArchitectureParseError;
    expect(e.message).toMatch(message);
    expect(e.position).toBe(position);
    expect(e.message).toContain(`\n  ${spec}\n  ${' '.repeat(position)}^`);
  });

  it('rejects conflicting options and non-strings', () => {
    expect(() => parseArchitecture('serial(dense(1,0); width=8)', { width: 16 })).toThrow(/width is 8 in the spec but 16 in the options/);
    expect(() => parseArchitecture(42 as unknown as string)).toThrow(ArchitectureError);
  });
});

describe('architecture values', () => {
  it('serial with options, stack, withOptions, and code-side validation', () => {
    const a = serial(dense(1, 0), relu(), dense(1, null), { parameterization: 'standard', width: 64 });
    expect(a.spec).toBe('serial(dense(1, 0), relu, dense(1, none); parameterization=standard, width=64)');
    expect(stack(2, leakyRelu(0.2), 1, 0.1).spec).toBe('serial(dense(1, 0.1), leaky_relu(0.2), dense(1, 0.1), leaky_relu(0.2), dense(1, 0.1))');
    expect(withOptions(stack(1, relu(), 1, 0), { width: 10 }).width).toBe(10);
    expect(() => dense(-1)).toThrow(/W_std must be ≥ 0/);
    expect(() => dense(1, NaN)).toThrow(/b_std must be a finite number/);
    expect(() => serial(relu(), dense(1))).toThrow(/layer 1 is the activation relu but a dense layer was expected/);
    expect(() => serial(dense(1), relu())).toThrow(/last layer must be a dense readout/);
    expect(() => serial(dense(1), { width: 0 })).toThrow(/width must be a positive integer/);
    expect(() => polynomial()).toThrow(/at least one coefficient/);
    expect(() => closedFormActivation('erf', [1, 2])).toThrow(/erf takes 3 argument/);
  });
});
