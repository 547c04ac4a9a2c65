// The fused kernel's loops (src/ntk/codegen.ts rowsSource: 64×64 tiles, each tile row
// taken layer by layer, correlations from per-row reciprocal roots) against the
// recursion interpreter (recursion.ts evaluateRecursion over the activations' Exprs, an
// independent evaluation of every entry), on sizes that cross and straddle tile edges;
// and the correlation at extreme variances, where s1·s2 under- or overflows f64.
import { describe, expect, it } from 'vitest';
import { kernels, kernelRecursion, evaluateRecursion, parseArchitecture, stack, relu, sign } from '../../src/ntk/index.ts';
import type { Architecture } from '../../src/ntk/index.ts';

function randomRows(n: number, d: number, seed: number): number[][] {
  let s = seed >>> 0;
  const u = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
  return Array.from({ length: n }, () => Array.from({ length: d }, () => 2 * u() - 1));
}

const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, x, k) => s + x * b[k], 0);

/** Largest relative difference of the kernel's off-diagonal entries from the interpreter. */
function worstVsInterpreter(arch: Architecture, x1: number[][], x2: number[][] | undefined): number {
  const d = x1[0].length;
  const r = kernels(arch, x1, x2);
  const y = x2 ?? x1;
  const rec = kernelRecursion(arch, { d });
  let worst = 0;
  for (let i = 0; i < x1.length; i++) {
    for (let j = 0; j < y.length; j++) {
      if (!x2 && i === j) continue; // the Gram diagonal takes S = s_i exactly; the interpreter's ρ = 1 only to rounding
      const want = evaluateRecursion(rec, dot(x1[i], y[j]), dot(x1[i], x1[i]), dot(y[j], y[j]), d);
      const got = { nngp: r.nngp.data[i * y.length + j], ntk: r.ntk!.data[i * y.length + j] };
      worst = Math.max(worst, Math.abs(got.nngp - want.nngp) / Math.abs(want.nngp), Math.abs(got.ntk - want.ntk) / Math.abs(want.ntk));
    }
  }
  return worst;
}

describe('tiles and layers: every entry against the recursion interpreter', () => {
  const archs = [
    'serial(dense(1.4, 0.2), relu, dense(1.4, 0.2), relu, dense(1.4, 0.2), relu, dense(1.4, 0.2))',
    'serial(dense(1.3, 0.1), erf, dense(1.1, 0.4), relu, dense(0.9, 0.3), gelu, dense(1, 0.2))',
    'serial(dense(1.2, 0.5), abs, dense(1.2, 0.5), leaky_relu(0.2), dense(1.2, 0.5); parameterization=standard, width=64)',
  ];
  for (const spec of archs) {
    it(`${spec}: Gram N = 150 (tiles 64 + 64 + 22) and 150×67 to 1e-12`, () => {
      const arch = parseArchitecture(spec);
      const X = randomRows(150, 5, 21), Y = randomRows(67, 5, 22);
      expect(worstVsInterpreter(arch, X, undefined)).toBeLessThan(1e-12);
      expect(worstVsInterpreter(arch, X, Y)).toBeLessThan(1e-12);
    });
  }

  it('the Gram matrix over several tiles equals the x1×x2 computation off the diagonal and is symmetric bit for bit', () => {
    const arch = stack(3, relu(), Math.SQRT2, 0.1);
    const X = randomRows(200, 7, 5);
    const g = kernels(arch, X), full = kernels(arch, X, X.map((r) => [...r]));
    const n = X.length;
    let worst = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        expect(g.ntk!.data[i * n + j]).toBe(g.ntk!.data[j * n + i]);
        expect(g.nngp.data[i * n + j]).toBe(g.nngp.data[j * n + i]);
        if (i !== j) worst = Math.max(worst, Math.abs(g.ntk!.data[i * n + j] - full.ntk!.data[i * n + j]) / full.ntk!.data[i * n + j]);
      }
      // duplicate rows of x2: the same S, s1, s2 as the diagonal, so the same bits
      expect(full.nngp.data[i * n + i]).toBe(g.nngp.data[i * n + i]);
      expect(full.ntk!.data[i * n + i]).toBe(g.ntk!.data[i * n + i]);
    }
    expect(worst).toBeLessThan(1e-14);
  });
});

describe('correlations at extreme variances (s1·s2 outside the f64 range)', () => {
  // With b = 0 the ReLU NNGP and NTK are positively homogeneous of degree 1 in each input,
  // and the sign kernel of degree 0: scaling rows by powers of two must scale the kernels
  // exactly so, also where the product of two variances under- or overflows (2^±1000 each).
  const X = randomRows(70, 4, 9);
  const scale = (rows: number[][], e: (i: number) => number) => rows.map((r, i) => r.map((v) => v * 2 ** e(i)));
  const ex = (i: number) => (i % 3 === 0 ? -500 : i % 3 === 1 ? 500 : 0);
  for (const [name, arch, degree] of [['relu', stack(3, relu(), Math.SQRT2, 0), 1], ['sign', stack(2, sign(), 1.3, 0), 0]] as const) {
    it(`${name}: kernels of rows scaled by 2^−500, 2^500 are the unscaled ones times the scale^${degree}`, () => {
      const base = kernels(arch, X), big = kernels(arch, scale(X, ex));
      const n = X.length;
      let worst = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const f = 2 ** (degree * (ex(i) + ex(j)));
          for (const [a, b] of [[big.nngp.data, base.nngp.data], [big.ntk!.data, base.ntk!.data]] as const) {
            const want = b[i * n + j] * f;
            expect(Number.isFinite(a[i * n + j])).toBe(true);
            worst = Math.max(worst, Math.abs(a[i * n + j] - want) / Math.abs(want));
          }
        }
      }
      expect(worst).toBeLessThan(1e-13);
    });
  }
});
