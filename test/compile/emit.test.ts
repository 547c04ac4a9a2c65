// The emitters: source shape, literals, names never pasted, the safety
// check, and (c) the f64 twin against the interpreter `evaluate`.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse } from '../../src/symbolic/index.ts';
import { print } from '../../src/symbolic/index.ts';
import { evaluate } from '../../src/symbolic/index.ts';
import { add, mul, pow, rat, sym, call } from '../../src/symbolic/index.ts';
import { erf } from '../../src/numeric/index.ts';
import { compile, compileRhs } from '../../src/compile/index.ts';
import { CompileError } from '../../src/compile/index.ts';
import { GPU_ERF_SOURCE, assertSafeSource, formatNumber, powerSource } from '../../src/compile/emit.ts';
import { F64_MODEL, boundEvaluator } from '../../src/compile/index.ts';
import { INPUTS, NAMES, PARAMS, exprString, randomPoints } from './arbitraries.ts';

describe('(c) the f64 twin equals the interpreter', () => {
  // |twin − exact| ≤ bound64 (F64_MODEL, the twin's own operations). The
  // interpreter does the same sums, and per product at most one extra
  // rounding per reciprocal factor (it multiplies by Math.pow(b, −k)) and
  // Math.pow (≤ 1 ulp) where the twin multiplies, so its error stays below
  // ~3·bound64: |twin − evaluate| ≤ 4·bound64. Where every operation is exact
  // the bound is 0 and the two must agree bit for bit.
  it('within 4× the twin\'s f64 forward error bound, at random points', () => {
    let tested = 0;
    fc.assert(
      fc.property(exprString, fc.nat(2 ** 30), (src, seed) => {
        const e = parse(src);
        const kernel = compile([e], { inputs: INPUTS, params: PARAMS, backend: 'f64' });
        const B = 16;
        const X = randomPoints(seed, B, INPUTS.length);
        const P = randomPoints(seed + 1, B, PARAMS.length);
        const twin = kernel.f64(X, P);
        const bounds = boundEvaluator([e], { inputs: INPUTS, params: PARAMS }, F64_MODEL);
        for (let b = 0; b < B; b++) {
          const values = [...X.subarray(3 * b, 3 * b + 3), ...P.subarray(2 * b, 2 * b + 2)];
          const env = Object.fromEntries(NAMES.map((n, i) => [n, values[i]]));
          const ref = evaluate(e, env);
          const [{ bound }] = bounds(values);
          if (!Number.isFinite(ref) || !Number.isFinite(bound)) continue;
          tested++;
          const tol = 4 * bound;
          if (!(Math.abs(twin[b] - ref) <= tol)) {
            throw new Error(`twin ≠ evaluate\n  expression: ${print(e)}\n  point: ${JSON.stringify(env)}\n`
              + `  twin: ${twin[b]}\n  evaluate: ${ref}\n  |diff|: ${Math.abs(twin[b] - ref)}\n  bound: 4·${bound} = ${tol}`);
          }
        }
      }),
      { numRuns: 300, seed: 7 },
    );
    expect(tested).toBeGreaterThan(1000);
  });
});

describe('emitted source', () => {
  it('reads declared names by slot and never contains them', () => {
    const names = ['alpha', 'beta_2', 'Gamma'];
    const e = parse('alpha*beta_2 - Gamma^2/alpha');
    const k = compile([e], { inputs: names.slice(0, 2), params: names.slice(2), backend: 'f64' });
    for (const src of [k.source.js, k.source.gpujs]) {
      for (const n of names) expect(src).not.toContain(n);
      expect(src).toMatch(/X\[o\]/);
    }
    expect(k.f64(new Float64Array([2, 3]), new Float64Array([4]))[0]).toBe(2 * 3 - 16 / 2);
  });

  it('prints differences and quotients as - and /, integer powers as products', () => {
    const k = compile([parse('x - 2*y'), parse('3/x'), parse('x^5'), parse('x^(-2)'), parse('x^(1/2)')], { inputs: ['x', 'y'], backend: 'f64' });
    expect(k.source.js).toContain('(a0 - (2 * a1))');
    expect(k.source.js).toContain('(3 / a0)');
    expect(k.source.js).toContain('pw5(a0)');
    expect(k.source.js).toContain('(1 / pw2(a0))');
    expect(k.source.js).toContain('Math.sqrt(a0)');
    expect(k.source.js).not.toContain('Math.pow');
  });

  it('computes a repeated subexpression once', () => {
    const k = compile([parse('sin(x*y) + sin(x*y)^2 + exp(sin(x*y))')], { inputs: ['x', 'y'], backend: 'f64' });
    expect(k.source.js.match(/Math\.sin/g)).toHaveLength(1);
    expect(k.source.gpujs.match(/Math\.sin/g)).toHaveLength(1);
    const s = Math.sin(0.6);
    expect(k.f64(new Float64Array([2, 0.3]))[0]).toBe(s + s * s + Math.exp(s));
  });

  it('moves work on shared parameters, time and constants out of the batch loop', () => {
    const sys = { state: ['u'], params: ['k', 'beta'], drift: [parse('-k^2*exp(-beta)*u + sin(t) + sqrt(2)*u')] };
    const rhs = compileRhs(sys, { params: [3, 0.5] });
    const [before, inside] = rhs.source.split('for (');
    for (const f of ['Math.exp', 'Math.sin', 'Math.sqrt', 'pw2']) {
      expect(before).toContain(f);
      expect(inside).not.toContain(f);
    }
    const d = new Float64Array(2);
    rhs(0.7, new Float64Array([1, 2]), d);
    const c = -(9 * Math.exp(-0.5));
    expect(Array.from(d)).toEqual([c * 1 + Math.sin(0.7) + Math.SQRT2 * 1, c * 2 + Math.sin(0.7) + Math.SQRT2 * 2]);
    // per-member parameters cannot move; the GPU.js dialect keeps constants inside the kernel
    expect(rhs.withParams([3, 0.5, 3, 0.5])(0.7, new Float64Array([1, 2]), d)).toBeUndefined();
    expect(d[1]).toBe(c * 2 + Math.sin(0.7) + Math.SQRT2 * 2);
    const k = compile([parse('exp(1)*x')], { inputs: ['x'], backend: 'webasm' });
    expect(k.run(new Float64Array([2]))[0]).toBe(Math.fround(Math.fround(Math.E) * 2));
    k.dispose();
  });

  it('names an unknown symbol and lists the declared ones', () => {
    const e = add(sym('x'), sym('w'));
    const err = (() => { try { compile([e], { inputs: ['x'], params: ['a'] }); } catch (x) { return x; } })();
    expect(err).toBeInstanceOf(CompileError);
    expect((err as CompileError).message).toBe('unknown symbol "w" (declared input: x; param: a)');
    expect((err as CompileError).token).toBe('w');
  });

  it('numeric literals round-trip exactly; the GPU.js dialect always writes a float', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
      const js = formatNumber(x, 'js');
      expect(Object.is(Number(js.replace(/^\(-(.*)\)$/, '-$1')), x)).toBe(true);
      if (Math.abs(x) <= 3.4028234663852886e38) {
        const g = formatNumber(x, 'gpujs');
        expect(g).toMatch(/[.e]/);
        expect(Object.is(Number(g.replace(/^\(-(.*)\)$/, '-$1')), x)).toBe(true);
      } else {
        expect(() => formatNumber(x, 'gpujs')).toThrow(/overflows float32/);
      }
    }), { numRuns: 2000 });
  });

  it('binary-exponentiation powers are exact to (k−1) roundings', () => {
    for (let k = 2; k <= 64; k++) {
      const f = new Function(`return ${powerSource(k, 'js')}`)() as (x: number) => number;
      for (const x of [-1.37, 0.91, 1.0001, 2.5]) {
        const exact = x ** k; // V8's pow: within an ulp
        expect(Math.abs(f(x) - exact)).toBeLessThanOrEqual((k + 1) * 2 ** -53 * Math.abs(exact));
      }
    }
  });

  it('the f32 erf helper is Cody\'s approximation: in f64 arithmetic it matches erf to 2e-15 on [-4, 4]', () => {
    const codyF64 = new Function(`return ${GPU_ERF_SOURCE}`)() as (x: number) => number;
    let worst = 0;
    for (let x = -4; x <= 4; x += 0.00123) worst = Math.max(worst, Math.abs(codyF64(x) - erf(x)) / Math.abs(erf(x)));
    expect(worst).toBeLessThan(2e-15);
    // beyond 4 it returns ±1: erfc(4) is below half an f32 ulp of 1
    expect(1 - erf(4)).toBeLessThan(2 ** -25);
    expect(codyF64(4.5)).toBe(1);
    expect(codyF64(-7)).toBe(-1);
  });

  it('constant folding beyond float32 is refused for the GPU.js dialect only', () => {
    const e = mul(rat(1e30), rat(1e30), sym('x'));
    expect(() => compile([e], { inputs: ['x'], backend: 'webasm' })).toThrowError(CompileError);
    expect(compile([e], { inputs: ['x'], backend: 'f64' }).f64(new Float64Array([2]))[0]).toBe(1e30 * 1e30 * 2);
  });

  it('general powers and hand-built trees compile', () => {
    const e = add(pow(sym('x'), sym('y')), call('min', sym('x'), sym('y')));
    const k = compile([e], { inputs: ['x', 'y'], backend: 'f64' });
    expect(k.f64(new Float64Array([2, 3]))[0]).toBe(8 + 2);
  });
});

describe('assertSafeSource, the last check before compiling emitted text', () => {
  const ok = 'function (X, P) { const a0 = X[0]; return Math.exp((a0 * 2.5)); }';
  it('accepts emitted-style code', () => expect(() => assertSafeSource(ok)).not.toThrow());
  for (const bad of [
    'return "x";', "return 'x';", 'return `x`;', 'return x // c', 'return x /* c */', 'const $ = 1;',
    'return \\u0061;', 'return constructor;', 'this.constructor.constructor', 'return process;',
    'return globalThis;', 'return require;', 'return eval;', 'return Function;', 'return ｘ;', 'return а;',
    'return a0 # b', 'return X[0]@',
  ]) {
    it(`refuses ${JSON.stringify(bad)}`, () => expect(() => assertSafeSource(bad)).toThrowError(CompileError));
  }
});
