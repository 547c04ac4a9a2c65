import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InputError } from '../../../src/core/index.ts';
import {
  SpecError, defaultInit, defaultSpec, gramCholesky, gramMatrix, overlapsToState, paramNames, paramValues,
  stateNames, stateToOverlaps, validateOverlaps, validateSpec, type Overlaps, type SolvableGanSpec,
} from '../../../src/models/solvable-gan/index.ts';

function expectSpecError(f: () => unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a SpecError').toBeInstanceOf(SpecError);
  expect(caught).toBeInstanceOf(InputError);
  expect((caught as SpecError).message).toMatch(pattern);
}

describe('defaults', () => {
  it('defaultSpec follows docs/solvable-gan.md A.1 / issue 3', () => {
    expect(defaultSpec(1)).toEqual({
      d: 1, lambda: [3], lambda_g: [3], eta_T: 2, eta_G: 2, tau: 0.2, tau_g: 0.04, normalization: 'column',
    });
    expect(defaultSpec(2).lambda).toEqual([3, 5]);
    expect(defaultSpec(2).lambda_g).toEqual([3, 5]);
    expect(defaultSpec(4).lambda).toEqual([3, 5, 7, 9]);
    for (const d of [1, 2, 3, 5]) expect(() => validateSpec(defaultSpec(d))).not.toThrow();
  });

  it('defaultInit: P = 0.1·I, q = 0.1, r = Pᵀq, S = I, and it is consistent', () => {
    expect(defaultInit(1)).toEqual({ P: [[0.1]], q: [0.1], r: [0.1 * 0.1], S: [[1]] });
    const o = defaultInit(3);
    expect(o.P).toEqual([[0.1, 0, 0], [0, 0.1, 0], [0, 0, 0.1]]);
    expect(o.r.every((x) => Math.abs(x - 0.01) < 1e-15)).toBe(true);
    for (const d of [1, 2, 3, 6]) expect(() => validateOverlaps(defaultInit(d), d)).not.toThrow();
  });
});

describe('names', () => {
  it('stateNames and paramNames', () => {
    expect(stateNames(1)).toEqual(['P', 'q', 'r']);
    expect(stateNames(2)).toEqual(['P11', 'P12', 'P21', 'P22', 'q1', 'q2', 'r1', 'r2', 'S12']);
    expect(stateNames(3).slice(-3)).toEqual(['S12', 'S13', 'S23']);
    expect(stateNames(10)).toContain('P1_10');
    expect(new Set(stateNames(12)).size).toBe(stateNames(12).length);
    expect(paramNames(1)).toEqual(['tau', 'tau_g', 'lambda', 'lambda_g', 'eta_T', 'eta_G']);
    expect(paramNames(2)).toEqual(['tau', 'tau_g', 'lambda1', 'lambda2', 'lambda_g1', 'lambda_g2', 'eta_T', 'eta_G']);
    expect(Object.keys(paramValues(defaultSpec(2)))).toEqual(paramNames(2));
    expect(paramValues(defaultSpec(2)).lambda2).toBe(5);
  });

  it('overlapsToState and stateToOverlaps are inverse', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 1000 }), (d, salt) => {
      const n = stateNames(d).length;
      const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i + salt));
      const back = overlapsToState(stateToOverlaps(x, d), d);
      expect(Array.from(back)).toEqual(Array.from(x));
    }));
  });
});

describe('validateSpec refuses bad input with a clear message', () => {
  const base = defaultSpec(2);
  const bad: [string, Partial<SolvableGanSpec>, RegExp][] = [
    ['d = 0', { d: 0 }, /d \(the number of features\) must be an integer ≥ 1, got 0/],
    ['non-integer d', { d: 1.5 }, /integer ≥ 1, got 1.5/],
    ['wrong lambda length', { lambda: [3] }, /lambda must have d = 2 entries, got 1/],
    ['wrong lambda_g length', { lambda_g: [3, 5, 7] }, /lambda_g must have d = 2 entries, got 3/],
    ['negative variance', { lambda: [3, -1] }, /lambda2 must be ≥ 0, got -1/],
    ['NaN variance', { lambda_g: [NaN, 1] }, /lambda_g1 must be a finite number, got NaN/],
    ['infinite noise', { eta_T: Infinity }, /eta_T must be a finite number, got Infinity/],
    ['negative noise', { eta_G: -0.1 }, /eta_G must be ≥ 0, got -0.1/],
    ['negative learning rate', { tau: -1 }, /tau must be ≥ 0, got -1/],
    ['non-finite learning rate', { tau_g: NaN }, /tau_g must be a finite number/],
    ['unknown normalization', { normalization: 'qr' as never }, /normalization must be 'column' or 'oja', got 'qr'/],
  ];
  for (const [label, patch, msg] of bad) {
    it(label, () => expectSpecError(() => validateSpec({ ...base, ...patch }), msg));
  }
  it('names d = 1 entries without an index', () => {
    expectSpecError(() => validateSpec({ ...defaultSpec(1), lambda: [-3] }), /^lambda must be ≥ 0/);
  });
});

describe('validateOverlaps', () => {
  const good = (): Overlaps => defaultInit(2);
  it('refuses cosines outside [-1, 1], naming the entry', () => {
    const o = good();
    o.P[0][1] = 1.2;
    expectSpecError(() => validateOverlaps(o, 2), /P12 = 1.2 is a cosine .* \[-1, 1\]/);
    const o1 = defaultInit(1);
    o1.q[0] = -1.5;
    expectSpecError(() => validateOverlaps(o1, 1), /initial q = -1.5/);
  });
  it('refuses S without unit diagonal or not symmetric', () => {
    const o = good();
    o.S[1][1] = 0.9;
    expectSpecError(() => validateOverlaps(o, 2), /S must have unit diagonal.*S22 = 0.9/);
    const o2 = good();
    o2.S[0][1] = 0.2;
    expectSpecError(() => validateOverlaps(o2, 2), /S must be symmetric, got S12 = 0.2 but S21 = 0/);
  });
  it('refuses wrong shapes and non-finite entries', () => {
    expectSpecError(() => validateOverlaps({ ...good(), q: [0.1] }, 2), /q must be a list of 2 numbers/);
    expectSpecError(() => validateOverlaps({ ...good(), P: [[0.1, 0]] }, 2), /P must be a 2×2 matrix/);
    const o = good();
    o.r[1] = NaN;
    expectSpecError(() => validateOverlaps(o, 2), /initial r2 must be a finite number, got NaN/);
  });
  it('refuses impossible combinations (Gram matrix of [U, V, w] not PSD), naming the entries', () => {
    // d = 1: P = 0.9 forces V ≈ U, so q = 0.9 and r = -0.9 cannot both hold.
    const o: Overlaps = { P: [[0.9]], q: [0.9], r: [-0.9], S: [[1]] };
    expectSpecError(() => validateOverlaps(o, 1), /impossible initial overlaps.*not positive semidefinite.*Check q = 0.9, r = -0.9/);
    // d = 2: V columns both aligned with U1 yet orthogonal to each other.
    const o2 = good();
    o2.P = [[0.9, 0.9], [0, 0]];
    expectSpecError(() => validateOverlaps(o2, 2), /impossible initial overlaps.*Check P12 = 0.9/);
  });
  it('accepts singular but consistent overlaps (V = U, w = U)', () => {
    const o: Overlaps = { P: [[1]], q: [1], r: [1], S: [[1]] };
    expect(() => validateOverlaps(o, 1)).not.toThrow();
    const L = gramCholesky(gramMatrix(o, 1), 1);
    expect(L[1][1]).toBe(0);
    expect(L[2][2]).toBe(0);
  });
  it('the Cholesky factor reproduces the Gram matrix (random consistent overlaps)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 100, maxLength: 100 }), (d, raw) => {
      // Random vectors in R^(2d+1) → a consistent Gram matrix with U orthonormal.
      const m = 2 * d + 1;
      const X = Array.from({ length: m }, (_, j) => Array.from({ length: m }, (_, i) => raw[(j * m + i) % raw.length] + (i === j ? 3 : 0)));
      // Gram–Schmidt the first d (U), normalise the rest.
      const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
      for (let j = 0; j < m; j++) {
        if (j < d) for (let k = 0; k < j; k++) { const c = dot(X[k], X[j]); X[j] = X[j].map((x, i) => x - c * X[k][i]); }
        const nrm = Math.sqrt(dot(X[j], X[j]));
        X[j] = X[j].map((x) => x / nrm);
      }
      const o: Overlaps = {
        P: Array.from({ length: d }, (_, j) => Array.from({ length: d }, (_, l) => dot(X[j], X[d + l]))),
        q: Array.from({ length: d }, (_, j) => dot(X[j], X[2 * d])),
        r: Array.from({ length: d }, (_, l) => dot(X[d + l], X[2 * d])),
        S: Array.from({ length: d }, (_, l) => Array.from({ length: d }, (_, k) => (l === k ? 1 : dot(X[d + l], X[d + k])))),
      };
      for (let l = 0; l < d; l++) for (let k = l + 1; k < d; k++) o.S[k][l] = o.S[l][k];
      validateOverlaps(o, d);
      const G = gramMatrix(o, d);
      const L = gramCholesky(G, d);
      for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) {
        expect(Math.abs(dot(L[a], L[b]) - G[a][b])).toBeLessThan(1e-12);
      }
    }), { numRuns: 50 });
  });
});
