// Exact big rationals in the symbolic layer (issue 15): literals of any length are the
// exact rational they denote, arithmetic on exact numbers stays exact beyond 2^53 (the
// big form of Num), printers print every digit, and only evaluation and compilation
// round to the nearest double. Sizes are bounded (MAX_LITERAL_DIGITS, MAX_EXACT_DIGITS).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  type Num, parse, print, latex, diff, simplify, equal, evaluate, exportExpr, gaussianExpectation, parseMatrix,
  bigNum, numAdd, numMul, numValue, numPowInt, numCompare, rat, num, isOne, isLiteralZero, isExact, isRational,
  MAX_EXACT_DIGITS, MAX_LITERAL_DIGITS, ParseError,
} from '../../src/symbolic/index.ts';
import { compile } from '../../src/compile/index.ts';
import { main } from '../../src/cli/index.ts';
import { ArgumentError, InputError } from '../../src/core/index.ts';

async function run(...argv: string[]) {
  let out = '', err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b) [a, b] = [b, a % b];
  return a;
}

/** The exact text "p" or "p/q" of n/d in lowest terms (the reference printer). */
function ratText(n: bigint, d: bigint): string {
  if (d < 0n) { n = -n; d = -d; }
  const g = gcd(n, d) || 1n;
  n /= g; d /= g;
  return d === 1n ? `${n}` : `${n}/${d}`;
}

/** A decimal literal "digits[.digits]" as an exact fraction. */
function decimalValue(text: string): { n: bigint; d: bigint } {
  const [i, f = ''] = text.split('.');
  return { n: BigInt(i + f), d: 10n ** BigInt(f.length) };
}

/** A finite double as an exact ratio n/d (d a power of two). */
function doubleAsRatio(x: number): { n: bigint; d: bigint } {
  if (x === 0) return { n: 0n, d: 1n };
  let e = 0;
  while (!Number.isInteger(x)) { x *= 2; e++; }
  return { n: BigInt(x), d: 2n ** BigInt(e) };
}

/** The neighbouring double of x (dir = ±1). */
function nextDouble(x: number, dir: number): number {
  const f = new Float64Array([x]);
  const b = new BigInt64Array(f.buffer);
  if (x === 0) return dir * Number.MIN_VALUE;
  b[0] += (x > 0) === (dir > 0) ? 1n : -1n;
  return f[0];
}

describe('the cases of issue 15', () => {
  it("latex '12345678901234567890*x' keeps every digit", async () => {
    expect(latex(parse('12345678901234567890*x'))).toBe('12345678901234567890 x');
    expect((await run('latex', '12345678901234567890*x')).out.trim()).toBe('12345678901234567890 x');
  });

  it("diff '0.1111111111111111111111*x' x is the exact rational", async () => {
    expect(print(diff(parse('0.1111111111111111111111*x'), 'x'))).toBe('1111111111111111111111/10000000000000000000000');
    const r = await run('diff', '0.1111111111111111111111*x', 'x');
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe('1111111111111111111111/10000000000000000000000');
  });

  it("expect 'u^100' is 99!! as an exact integer (exact: true)", async () => {
    let dfact = 1n;
    for (let k = 3n; k <= 99n; k += 2n) dfact *= k;
    const r = await run('expect', 'u^100', '--vars', 'u', '--cov', '[[1]]', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.expr).toBe(dfact.toString());
    expect(j.exact).toBe(true);
    expect(j.latex).toBe(dfact.toString());
  });

  it("expect 'u^200*v^200' --cov '[[1,0.5],[0.5,1]]' works and equals the closed form", async () => {
    // E[u^m v^n] with correlation 1/2 through v = u/2 + (√3/2) w
    const binom = (n: number, k: number) => { let r = 1n; for (let i = 1; i <= k; i++) r = (r * BigInt(n - i + 1)) / BigInt(i); return r; };
    const df = (n: number) => { let r = 1n; for (let k = n; k > 1; k -= 2) r *= BigInt(k); return r; };
    let n = 0n, d = 1n;
    for (let j = 0; j <= 200; j += 2) {
      const p = binom(200, j) * 3n ** BigInt(j / 2) * df(j - 1) * df(400 - j - 1);
      const q = 2n ** BigInt(200 - j) * 4n ** BigInt(j / 2);
      n = n * q + p * d; d *= q;
    }
    const want = ratText(n, d);
    const r = await run('expect', 'u^200*v^200', '--vars', 'u,v', '--cov', '[[1,0.5],[0.5,1]]', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.expr).toBe(want);
    expect(j.exact).toBe(true);
    const g = gaussianExpectation(parse('u^200*v^200'), ['u', 'v'], parseMatrix('[[1,0.5],[0.5,1]]'));
    expect(print(g.expr)).toBe(want);
  });
});

describe('big exact numbers: form, equality, no masquerading', () => {
  it('the small form when it fits, the big form only beyond safe integers', () => {
    expect(bigNum(2n ** 53n - 1n)).toEqual({ kind: 'num', p: 2 ** 53 - 1, q: 1 });
    expect(bigNum(6n, -4n)).toEqual({ kind: 'num', p: -3, q: 2 });
    const big = bigNum(2n ** 53n);
    expect(isExact(big)).toBe(false);
    expect(isRational(big)).toBe(true);
    expect(print(big)).toBe('9007199254740992');
    // big - big is the small 0, big / big the small 1
    expect(numAdd(big, bigNum(-(2n ** 53n)))).toEqual(rat(0));
    expect(numMul(big, bigNum(1n, 2n ** 53n))).toEqual(rat(1));
    expect(equal(parse('2^60/2^60'), parse('1'))).toBe(true);
    expect(isOne(parse('2^60/2^60'))).toBe(true);
  });

  it('a big value is never 0, 1 or a safe integer in p, and q = 1', () => {
    // in [2^52, 2^53) every double is an integer: p is moved off the safe integers
    const band = bigNum(2n ** 52n * 10n ** 24n + 1n, 10n ** 24n);
    expect(numValue(band)).toBe(2 ** 52);
    expect(Number.isSafeInteger(band.p)).toBe(false);
    expect(isExact(band)).toBe(false);
    expect(print(band)).toBe(`${2n ** 52n * 10n ** 24n + 1n}/${10n ** 24n}`);
    const nearOne = bigNum(2n ** 60n + 1n, 2n ** 60n); // nearest double is 1
    expect(numValue(nearOne)).toBe(1);
    expect(nearOne.p).not.toBe(1);
    expect(isOne(nearOne)).toBe(false);
    const tiny = parse('1e-400') as Num; // nearest double is 0
    expect(numValue(tiny)).toBe(0);
    expect(tiny.p).toBeGreaterThan(0);
    expect(isLiteralZero(tiny)).toBe(false);
    expect(print(tiny)).toBe(`1/1${'0'.repeat(400)}`);
    const negHuge = parse('-1e400') as Num;
    expect(numValue(negHuge)).toBe(-Infinity);
    expect(Number.isFinite(negHuge.p) && negHuge.p < 0).toBe(true);
    for (const x of [nearOne, tiny, negHuge, bigNum(3n, 2n ** 70n), bigNum(10n ** 30n + 1n, 10n ** 29n)]) {
      expect(Number.isSafeInteger(x.p), print(x)).toBe(false);
      expect(x.q).toBe(1);
    }
    // {...n, p: -n.p} negates (the sign lives in p)
    const n = bigNum(-(10n ** 30n) - 7n, 3n);
    expect(print({ ...n, p: -n.p })).toBe('1000000000000000000000000000007/3');
  });

  it('two forms of one value are one expression: equal() and the polynomial form agree', () => {
    expect(equal(parse('2^64 - 2^64 + 5'), parse('5'))).toBe(true);
    expect(print(simplify(parse('x*2^64 - 2^64*x + 2^64/2^63')))).toBe('2');
    expect(print(simplify(parse('(2^70*x + 2^70*x)/2^71')))).toBe('x');
    expect(numCompare(bigNum(10n ** 30n), bigNum(10n ** 30n + 1n))).toBe(-1);
    expect(print(simplify(parse('min(10^30, 10^30+1) + max(10^30, 10^30+1)')))).toBe('2000000000000000000000000000001');
  });
});

describe('powers stay exact up to MAX_EXACT_DIGITS', () => {
  it('2^200 and (1/3)^300 exactly', () => {
    expect(print(parse('2^200'))).toBe((2n ** 200n).toString());
    expect(print(parse('(1/3)^300'))).toBe(`1/${3n ** 300n}`);
    expect(print(parse('(-2/3)^3*x'))).toBe('-8*x/27');
    expect(print(parse('(2^70/3)^-1'))).toBe(`3/${2n ** 70n}`);
    expect(print(simplify(parse('sqrt(10^40)')))).toBe(`${10n ** 20n}`);
    expect(print(simplify(parse('sqrt(4/10^40)*x')))).toBe(`x/${5n * 10n ** 19n}`);
    expect(print(simplify(parse('sqrt(2*10^40)')))).toBe(`sqrt(${2n * 10n ** 40n})`);
  });

  it(`up to ${MAX_EXACT_DIGITS} digits exact; beyond, refused (out of f64) or the nearest float`, () => {
    // 2^33000 has 9934 digits: exact
    expect(print(parse('2^33000'))).toBe((2n ** 33000n).toString());
    expect(() => parse('2^34000')).toThrow(ArgumentError);
    expect(() => parse('2^34000')).toThrow(/beyond the limit of 10000 digits/);
    expect(() => parse('(1/3)^30000')).toThrow(ArgumentError);
    expect(() => parse('2^(10^15)')).toThrow(/beyond the limit/);
    // parts of about 12 000 digits but a value in the f64 range: a float within an ulp,
    // off the integers (100.000…04 must not read as the exact 100)
    const r = parse('((10^6001+1)/10^6000)^2') as Num;
    const s = numMul(parse('(10^6001+1)/10^6000') as Num, parse('(10^6001+3)/10^6000') as Num);
    for (const x of [r, s]) {
      expect(isRational(x)).toBe(false);
      expect(Number.isInteger(numValue(x))).toBe(false);
      expect(Math.abs(numValue(x) - 100)).toBeLessThanOrEqual(100 * 2 ** -52);
    }
    // ±1 to any power is cheap
    expect(print(parse('(-1)^(10^15+1)'))).toBe('-1');
  });
});

describe('literals: exact, bounded', () => {
  it('decimal and integer literals of any length up to the limit are the exact rational', () => {
    expect(print(parse('0.1111111111111111111111'))).toBe('1111111111111111111111/10000000000000000000000');
    expect(print(parse('1.2345678901234567'))).toBe('12345678901234567/10000000000000000');
    expect(print(parse('123456789012345678901234567890e-10'))).toBe('12345678901234567890123456789/1000000000');
    expect(print(parse('1e30'))).toBe(`1${'0'.repeat(30)}`);
    expect(print(parse('0000000000000000000000000012'))).toBe('12');
    const longest = '7'.repeat(MAX_LITERAL_DIGITS);
    expect(print(parse(longest))).toBe(longest);
  });

  it('hostile literals are refused with one line, quickly', () => {
    const t0 = performance.now();
    expect(() => parse('7'.repeat(MAX_LITERAL_DIGITS + 1))).toThrow(ParseError);
    expect(() => parse('7'.repeat(MAX_LITERAL_DIGITS + 1))).toThrow(`number literal with ${MAX_LITERAL_DIGITS + 1} digits, above the limit of ${MAX_LITERAL_DIGITS}`);
    expect(() => parse('9'.repeat(99_999))).toThrow(ParseError);
    expect(() => parse('1e999999')).toThrow(/number 1e999999 is out of range/);
    expect(() => parse('1e-999999')).toThrow(/number 1e-999999 is out of range/);
    expect(() => parse('1e99999999999999999999999')).toThrow(ParseError);
    expect(performance.now() - t0).toBeLessThan(2000);
    // leading zeros do not count: this is 10^49 exactly
    expect(print(parse(`0.${'0'.repeat(11_000)}1e11050`))).toBe(`1${'0'.repeat(49)}`);
    expect(() => parse('1e10001')).toThrow(/out of range/);
    expect(print(parse('3e-10000'))).toBe(`3/1${'0'.repeat(10000)}`);
  });

  it('the CLI refuses them with exit 2 and one line', async () => {
    for (const bad of ['1e999999*x', `${'3'.repeat(100_000 - 2)}*x`, '2^100000*x']) {
      const r = await run('latex', bad);
      expect(r.code, bad.slice(0, 20)).toBe(2);
      expect(r.out).toBe('');
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err.length).toBeLessThan(300);
    }
  });
});

describe('properties over random big integers and decimals', () => {
  const bigIntText = fc.bigInt({ min: -(10n ** 60n), max: 10n ** 60n }).map((x) => x.toString());
  const decimalText = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 40n }), fc.integer({ min: 1, max: 40 }))
    .map(([m, k]) => {
      const s = m.toString().padStart(k + 1, '0');
      return `${s.slice(0, s.length - k)}.${s.slice(s.length - k)}`;
    });
  const operand = fc.oneof(bigIntText, decimalText, fc.integer({ min: -1000, max: 1000 }).map(String));
  const value = (t: string) => (t.includes('.') ? decimalValue(t) : { n: BigInt(t), d: 1n });

  it('a*b and a+b simplify to the exact BigInt result, printed exactly', () => {
    fc.assert(fc.property(operand, operand, (a, b) => {
      const x = value(a), y = value(b);
      const pa = `(${a})`, pb = `(${b})`;
      expect(print(simplify(parse(`${pa}*${pb}`)))).toBe(ratText(x.n * y.n, x.d * y.d));
      expect(print(simplify(parse(`${pa}+${pb}`)))).toBe(ratText(x.n * y.d + y.n * x.d, x.d * y.d));
      expect(print(simplify(parse(`${pa}-${pb}`)))).toBe(ratText(x.n * y.d - y.n * x.d, x.d * y.d));
      if (y.n !== 0n) expect(print(simplify(parse(`${pa}/${pb}`)))).toBe(ratText(x.n * y.d, x.d * y.n));
    }), { seed: 15, numRuns: 300 });
  });

  it('print → parse is the identity for big numbers, alone and inside expressions', () => {
    fc.assert(fc.property(operand, operand, (a, b) => {
      for (const e of [parse(a), parse(`${a}/(${b === '0' ? '7' : b})`), parse(`(${a})*x^2 + y/(${b === '0' ? '3' : b}) - (${a})^3`)]) {
        const back = parse(print(e));
        expect(equal(back, e), print(e)).toBe(true);
        expect(print(back)).toBe(print(e));
      }
    }), { seed: 16, numRuns: 200 });
  });

  it('evaluation uses the nearest double (as Number() rounds the decimal text)', () => {
    fc.assert(fc.property(decimalText, bigIntText, (dec, int) => {
      expect(evaluate(parse(dec), {})).toBe(Number(dec));
      expect(evaluate(parse(int), {})).toBe(Number(int));
      // n/3 and n/7^30: no double nearer than numValue's (checked against both neighbours, exactly)
      for (const d of [3n, 7n ** 30n]) {
        const v = numValue(bigNum(BigInt(int), d));
        const err = (w: number) => { const r = doubleAsRatio(w); const e = r.n * d - BigInt(int) * r.d; return { n: e < 0n ? -e : e, d: r.d * d }; };
        const here = err(v);
        for (const w of [nextDouble(v, -1), nextDouble(v, 1)]) {
          const there = err(w);
          expect(here.n * there.d <= there.n * here.d, `${int}/${d}`).toBe(true);
        }
      }
    }), { seed: 17, numRuns: 200 });
  });
});

describe('float arithmetic stays float; compile and export round only there', () => {
  it('exact ⊕ float is a float, as before', () => {
    const f = numAdd(bigNum(10n ** 30n), num(0.5));
    expect(isRational(f)).toBe(false);
    expect(numValue(f)).toBe(1e30 + 0.5);
    expect(isRational(numMul(num(0.1), bigNum(3n, 10n ** 20n)))).toBe(false);
    expect(numPowInt(num(1.5), 3)).toEqual(num(3.375));
  });

  it('the compiled f64 twin gets the nearest double of a big constant', () => {
    const e = parse('12345678901234567890*x + 1/3^40');
    const k = compile([e], { inputs: ['x'], backend: 'f64' });
    const y = k.f64(new Float64Array([2]), new Float64Array(0))[0];
    expect(y).toBe(Number(12345678901234567890n) * 2 + 1 / 3 ** 40);
    expect(() => compile([parse('1e400*x')], { inputs: ['x'], backend: 'f64' })).toThrow(/beyond the f64 range/);
  });

  it('exports print exact digits (NumPy: the nearest double)', () => {
    const e = parse('2^70/3*x');
    expect(exportExpr(e, 'sympy').code).toBe('Rational(1180591620717411303424, 3)*x');
    expect(exportExpr(e, 'mathematica').code).toBe('1180591620717411303424*x/3');
    expect(exportExpr(e, 'julia').code).toBe('(big"1180591620717411303424"//3)*x');
    expect(exportExpr(e, 'numpy').code).toBe('393530540239137100000.0*x');
  });
});

describe('errors are input errors', () => {
  it('limits raise InputError/ArgumentError (exit 2), never a RangeError', () => {
    for (const src of ['2^40000', '(2/3)^-40000', '10^9999*10^9999*10^9999']) {
      let err: unknown;
      try { parse(src); } catch (e) { err = e; }
      expect(err instanceof ArgumentError || err instanceof InputError, src).toBe(true);
    }
  });
});
