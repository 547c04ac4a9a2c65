import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng, empiricalMomentTensor, multilinearProduct, frobenius, tensorPolynomial, sortedIndices } from '../../../src/numeric/index.ts';

describe('symmetric tensors (src/numeric/tensor.ts)', () => {
  it('empirical moment tensors equal the naive sums, and are symmetric', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 999 }), (d, order, seed) => {
      const n = 7;
      const x = new Rng(seed).fillNormal(new Float64Array(n * d));
      const t = empiricalMomentTensor(x, n, d, order);
      const idx = new Array<number>(order).fill(0);
      for (let flat = 0; flat < d ** order; flat++) {
        let r = flat;
        for (let j = order - 1; j >= 0; j--) { idx[j] = r % d; r = Math.floor(r / d); }
        let s = 0;
        for (let a = 0; a < n; a++) s += idx.reduce((p, i) => p * x[a * d + i], 1);
        expect(t[flat]).toBeCloseTo(s / n, 12);
      }
    }), { numRuns: 30 });
  });

  it('multilinear product equals Σ core a⊗...⊗a; ⟨T, x^⊗p⟩ by contraction', () => {
    const rng = new Rng(3);
    const m = 3, d = 2, p = 3;
    const core = rng.fillNormal(new Float64Array(m ** p)), A = rng.fillNormal(new Float64Array(d * m));
    const T = multilinearProduct(core, m, A, d, p);
    let worst = 0;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) {
      let s = 0;
      for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) for (let c = 0; c < m; c++) s += core[(a * m + b) * m + c] * A[i * m + a] * A[j * m + b] * A[k * m + c];
      worst = Math.max(worst, Math.abs(s - T[(i * d + j) * d + k]));
    }
    expect(worst).toBeLessThan(1e-12);
    const x = [0.3, -1.1];
    let direct = 0;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) direct += T[(i * d + j) * d + k] * x[i] * x[j] * x[k];
    expect(tensorPolynomial(T, x, d, 3)).toBeCloseTo(direct, 12);
    expect(frobenius(T, T)).toBe(0);
    expect(sortedIndices(4, 3).length).toBe(20);
    expect(() => empiricalMomentTensor(new Float64Array(10), 1, 100, 4)).toThrow(/above the limit/);
  });
});

describe('univariateClosure (src/symbolic/closure.ts)', () => {
  it('agrees with evaluate on formulas of the grammar; other symbols are refused', async () => {
    const { parse, evaluate, univariateClosure } = await import('../../../src/symbolic/index.ts');
    for (const text of ['t^3 - 2*t', 'relu(t) + 0.5*abs(t)', 'tanh(2*t)*exp(-t^2)', 'max(t, 0.3) - min(t, -1)', 'sqrt(abs(t))^3', 't^(1/3)', 'pi*erf(t)']) {
      const e = parse(text, { symbols: ['t'] });
      const f = univariateClosure(e, 't');
      for (const t of [-2.5, -1, -0.3, 0, 0.7, 1.9]) {
        const a = f(t), b = evaluate(e, { t });
        if (Number.isNaN(b)) expect(a).toBeNaN(); else expect(a).toBeCloseTo(b, 12);
      }
    }
    expect(() => univariateClosure(parse('t*y'), 't')).toThrow(/unknown symbol 'y'/);
  });
});
