import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  det, eigenvalues, expmSymmetric, identity, inverse, matmul, matvec, solve, symmetricEigen, transpose,
  SingularMatrixError, type Complex,
} from '../../src/numeric/index.ts';

const EPS = 2.220446049250313e-16;
const normInf = (a: ArrayLike<number>) => Array.from(a).reduce((m, x) => Math.max(m, Math.abs(x)), 0);
/** Max-row-sum norm of an n×n matrix. */
const opNormInf = (a: ArrayLike<number>, n: number) => {
  let m = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.abs(a[i * n + j]);
    m = Math.max(m, s);
  }
  return m;
};
const sub = (a: ArrayLike<number>, b: ArrayLike<number>) => Float64Array.from(a, (x, i) => x - b[i]);

/**
 * A square matrix of size 1..maxN with entries in [−10, 10]; entries below 1e-6 in magnitude
 * become 0 (fast-check favours subnormals, whose inverses overflow).
 */
const squareMatrix = (maxN = 8) =>
  fc.integer({ min: 1, max: maxN }).chain((n) =>
    fc.array(fc.double({ min: -10, max: 10, noNaN: true }).map((x) => (Math.abs(x) < 1e-6 ? 0 : x)), { minLength: n * n, maxLength: n * n })
      .map((xs) => ({ n, a: Float64Array.from(xs) })));
const symmetricMatrix = (maxN = 8) =>
  squareMatrix(maxN).map(({ n, a }) => ({ n, a: Float64Array.from(a, (_, k) => 0.5 * (a[k] + a[(k % n) * n + Math.floor(k / n)])) }));

/** Sort complex numbers for comparison, by real then imaginary part. */
const sortComplex = (zs: Complex[]) => zs.slice().sort((x, y) => x.re - y.re || x.im - y.im);

describe('LU: solve, det, inverse', () => {
  it('solves with a small backward error: ‖Ax − b‖ ≤ c·n·ε·‖A‖‖x‖', () => {
    fc.assert(
      fc.property(squareMatrix(), fc.array(fc.double({ min: -5, max: 5, noNaN: true }).map((x) => (Math.abs(x) < 1e-6 ? 0 : x)), { minLength: 8, maxLength: 8 }), ({ n, a }, bs) => {
        const b = Float64Array.from(bs.slice(0, n));
        let x: Float64Array;
        try { x = solve(a, b, n); } catch (e) { expect(e).toBeInstanceOf(SingularMatrixError); return; }
        const residual = normInf(sub(matvec(a, x, n, n), b));
        // Partial pivoting with growth factor ≤ 2^{n−1} in theory, modest in practice; 10·n²·ε is generous for n ≤ 8.
        const bound = 10 * n * n * EPS * (opNormInf(a, n) * normInf(x) + normInf(b));
        expect(residual, `residual ${residual} > ${bound} (n = ${n})`).toBeLessThanOrEqual(bound);
      }),
      { numRuns: 300 },
    );
  });

  it('solves several right-hand sides at once and inverts: A·A⁻¹ ≈ I within n·ε·‖A‖‖A⁻¹‖', () => {
    fc.assert(
      fc.property(squareMatrix(), ({ n, a }) => {
        let ainv: Float64Array;
        try { ainv = inverse(a, n); } catch (e) { expect(e).toBeInstanceOf(SingularMatrixError); return; }
        const err = normInf(sub(matmul(a, ainv, n, n, n), identity(n)));
        const bound = 10 * n * n * EPS * opNormInf(a, n) * opNormInf(ainv, n);
        expect(err, `‖AA⁻¹ − I‖ = ${err} > ${bound}`).toBeLessThanOrEqual(bound);
      }),
      { numRuns: 200 },
    );
  });

  it('det: Vandermonde formula, det(2A) = 2ⁿ det(A) exactly, det(Aᵀ) ≈ det(A)', () => {
    const xs = [0.5, -1, 2, 3.5, -2.25];
    const n = xs.length, v = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) v[i * n + j] = xs[i] ** j;
    let expected = 1;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expected *= xs[j] - xs[i];
    expect(det(v, n) / expected).toBeCloseTo(1, 12);
    fc.assert(
      fc.property(squareMatrix(6), ({ n, a }) => {
        const d = det(a, n);
        expect(det(Float64Array.from(a, (x) => 2 * x), n)).toBe(d * 2 ** n);
        const dt = det(transpose(a, n, n), n);
        const scale = n * n * 10 * EPS * Math.max(...Array.from({ length: n }, (_, i) => Math.hypot(...a.subarray(i * n, (i + 1) * n)))) ** n;
        expect(Math.abs(dt - d), `det A = ${d}, det Aᵀ = ${dt}`).toBeLessThanOrEqual(scale + 1e-300);
      }),
      { numRuns: 200 },
    );
  });

  it('throws a clear SingularMatrixError for a singular matrix; det is 0', () => {
    const a = [1, 2, 3, 2, 4, 6, 0, 1, 1];
    expect(() => solve(a, [1, 2, 3], 3)).toThrow(SingularMatrixError);
    expect(() => inverse(a, 3)).toThrow(/singular to working precision: pivot .* in column 2/);
    expect(det(a, 3)).toBe(0);
    expect(() => solve([1, 2, 3], [1], 2)).toThrow(/2×2/);
  });
});

describe('symmetric eigen-decomposition (tred2 + tql2)', () => {
  it('A·v = λ·v, VᵀV = I, V Λ Vᵀ = A, eigenvalues ascending', () => {
    fc.assert(
      fc.property(symmetricMatrix(), ({ n, a }) => {
        const { values, vectors } = symmetricEigen(a, n);
        const tol = 50 * n * EPS * Math.max(opNormInf(a, n), 1e-300);
        const av = matmul(a, vectors, n, n, n);
        for (let j = 0; j < n; j++) {
          for (let i = 0; i < n; i++) {
            expect(Math.abs(av[i * n + j] - values[j] * vectors[i * n + j]), `residual, eigenpair ${j}`).toBeLessThanOrEqual(tol);
          }
          if (j > 0) expect(values[j]).toBeGreaterThanOrEqual(values[j - 1]);
        }
        expect(normInf(sub(matmul(transpose(vectors, n, n), vectors, n, n, n), identity(n)))).toBeLessThan(50 * n * EPS);
        const lambda = new Float64Array(n * n);
        for (let i = 0; i < n; i++) lambda[i * n + i] = values[i];
        const rebuilt = matmul(matmul(vectors, lambda, n, n, n), transpose(vectors, n, n), n, n, n);
        expect(normInf(sub(rebuilt, a))).toBeLessThanOrEqual(tol);
      }),
      { numRuns: 200 },
    );
  });

  it('known spectra: diag, [[2,1],[1,2]] → {1, 3}, the path-graph Laplacian', () => {
    expect(Array.from(symmetricEigen([3, 0, 0, -1], 2).values)).toEqual([-1, 3]);
    const e = symmetricEigen([2, 1, 1, 2], 2);
    expect(e.values[0]).toBeCloseTo(1, 14);
    expect(e.values[1]).toBeCloseTo(3, 14);
    expect(Math.abs(e.vectors[0] * e.vectors[1] + e.vectors[2] * e.vectors[3])).toBeLessThan(1e-15);
    // Tridiagonal (2, −1): eigenvalues 2 − 2cos(kπ/(n+1)).
    const n = 7, t = new Float64Array(n * n);
    for (let i = 0; i < n; i++) { t[i * n + i] = 2; if (i + 1 < n) t[i * n + i + 1] = t[(i + 1) * n + i] = -1; }
    const vals = symmetricEigen(t, n).values;
    for (let k = 1; k <= n; k++) expect(vals[k - 1]).toBeCloseTo(2 - 2 * Math.cos((k * Math.PI) / (n + 1)), 13);
  });
});

describe('general real eigenvalues (Hessenberg + shifted QR)', () => {
  it('known cases: rotation (±i), Jordan block, companion matrix of (x−1)(x−2)(x−3)(x²+1)', () => {
    const rot = eigenvalues([0, -1, 1, 0], 2);
    expect(rot).toEqual([{ re: 0, im: 1 }, { re: 0, im: -1 }]);
    const jordan = eigenvalues([1, 1, 0, 1], 2);
    jordan.forEach((z) => { expect(z.re).toBeCloseTo(1, 7); expect(z.im).toBe(0); });
    // monic x⁵ − 6x⁴ + 12x³ − 12x² + 11x − 6: first row −(coefficients), ones below the diagonal.
    const coeffs = [-6, 12, -12, 11, -6], n = 5, c = new Float64Array(n * n);
    coeffs.forEach((k, j) => { c[j] = -k; });
    for (let i = 1; i < n; i++) c[i * n + i - 1] = 1;
    const roots = sortComplex(eigenvalues(c, n));
    const expected = sortComplex([{ re: 1, im: 0 }, { re: 2, im: 0 }, { re: 3, im: 0 }, { re: 0, im: 1 }, { re: 0, im: -1 }]);
    roots.forEach((z, i) => { expect(z.re).toBeCloseTo(expected[i].re, 10); expect(z.im).toBeCloseTo(expected[i].im, 10); });
  });

  it('recovers the spectrum of P·D·P⁻¹ with real eigenvalues and rotation blocks', () => {
    // D is block diagonal: 1×1 blocks λ and 2×2 blocks [[a, b], [−b, a]] (eigenvalues a ± ib);
    // P = I + 0.3·R with ‖R‖ small keeps the eigenvalues well conditioned.
    const block = fc.oneof(
      fc.double({ min: -5, max: 5, noNaN: true }).map((l) => ({ kind: 'real' as const, l })),
      fc.record({ a: fc.double({ min: -5, max: 5, noNaN: true }), b: fc.double({ min: 0.5, max: 5, noNaN: true }) }).map((r) => ({ kind: 'pair' as const, ...r })),
    );
    fc.assert(
      fc.property(fc.array(block, { minLength: 1, maxLength: 4 }), fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 64, maxLength: 64 }), (blocks, rs) => {
        const expected: Complex[] = [];
        const n = blocks.reduce((s, b) => s + (b.kind === 'real' ? 1 : 2), 0);
        const d = new Float64Array(n * n);
        let k = 0;
        for (const b of blocks) {
          if (b.kind === 'real') { d[k * n + k] = b.l; expected.push({ re: b.l, im: 0 }); k++; }
          else {
            d[k * n + k] = d[(k + 1) * n + k + 1] = b.a;
            d[k * n + k + 1] = b.b; d[(k + 1) * n + k] = -b.b;
            expected.push({ re: b.a, im: b.b }, { re: b.a, im: -b.b });
            k += 2;
          }
        }
        const p = Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0) + (0.3 / n) * rs[i]);
        const a = matmul(matmul(p, d, n, n, n), inverse(p, n), n, n, n);
        const got = eigenvalues(a, n);
        // Each expected eigenvalue has a computed one nearby (distinct-enough spectra are not required: multiset match by nearest).
        const used = new Set<number>();
        for (const z of expected) {
          let best = -1, dist = Infinity;
          got.forEach((w, i) => { const dd = Math.hypot(w.re - z.re, w.im - z.im); if (!used.has(i) && dd < dist) { dist = dd; best = i; } });
          used.add(best);
          // Eigenvalues of a repeated/near-repeated real λ can split like √(ε‖A‖); allow that.
          expect(dist, `eigenvalue ${z.re} + ${z.im}i, nearest ${JSON.stringify(got[best])}`).toBeLessThan(1e-6 * (1 + Math.hypot(z.re, z.im)));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('trace and determinant identities; symmetric input agrees with the symmetric solver (tred2 + tql2)', () => {
    fc.assert(
      fc.property(squareMatrix(), ({ n, a }) => {
        const ev = eigenvalues(a, n);
        let tr = 0;
        for (let i = 0; i < n; i++) tr += a[i * n + i];
        const sumRe = ev.reduce((s, z) => s + z.re, 0), sumIm = ev.reduce((s, z) => s + z.im, 0);
        const scale = opNormInf(a, n);
        expect(Math.abs(sumRe - tr), `Σλ = ${sumRe}, trace = ${tr}`).toBeLessThanOrEqual(1e-10 * n * (scale + 1));
        expect(Math.abs(sumIm)).toBeLessThanOrEqual(1e-10 * n * (scale + 1));
        // conjugate pairs
        ev.filter((z) => z.im > 0).forEach((z) => expect(ev.some((w) => w.im < 0 && Math.abs(w.re - z.re) <= 1e-12 * (1 + Math.abs(z.re)) && Math.abs(w.im + z.im) <= 1e-12 * (1 + z.im))).toBe(true));
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(symmetricMatrix(), ({ n, a }) => {
        const sym = symmetricEigen(a, n).values;
        const qr = eigenvalues(a, n).map((z) => z.re).sort((x, y) => x - y);
        const tol = 1e-7 * (opNormInf(a, n) + 1); // close eigenvalues of a symmetric matrix can pick up ~√ε imaginary parts in QR
        qr.forEach((x, i) => expect(Math.abs(x - sym[i])).toBeLessThanOrEqual(tol));
      }),
      { numRuns: 200 },
    );
  });
});

describe('matrix exponential of a symmetric matrix', () => {
  it('matches cosh/sinh for [[0, x], [x, 0]] and exp on the diagonal', () => {
    const x = 0.7, e = expmSymmetric([0, x, x, 0], 2);
    expect(e[0]).toBeCloseTo(Math.cosh(x), 14);
    expect(e[1]).toBeCloseTo(Math.sinh(x), 14);
    expect(e[3]).toBeCloseTo(Math.cosh(x), 14);
    const d = expmSymmetric([1, 0, 0, -2], 2);
    expect(d[0]).toBeCloseTo(Math.E, 14);
    expect(d[3]).toBeCloseTo(Math.exp(-2), 15);
  });

  it('agrees with the Taylor series for small matrices and e^A·e^{−A} = I', () => {
    fc.assert(
      fc.property(symmetricMatrix(6), ({ n, a }) => {
        const s = Float64Array.from(a, (v) => v / 20 / n); // ‖s‖ ≤ 0.5: 30 Taylor terms converge to rounding
        const e = expmSymmetric(s, n);
        const taylor = identity(n);
        let term = identity(n);
        for (let k = 1; k < 30; k++) {
          term = matmul(term, s, n, n, n).map((v) => v / k) as Float64Array;
          for (let i = 0; i < n * n; i++) taylor[i] += term[i];
        }
        expect(normInf(sub(e, taylor))).toBeLessThan(100 * n * EPS);
        const eMinus = expmSymmetric(Float64Array.from(s, (v) => -v), n);
        expect(normInf(sub(matmul(e, eMinus, n, n, n), identity(n)))).toBeLessThan(100 * n * EPS);
      }),
      { numRuns: 100 },
    );
  });
});

describe('cholesky', () => {
  it('L Lᵀ reconstructs a random positive definite matrix, and an indefinite one is refused with its pivot row', async () => {
    const { cholesky, NotPositiveSemidefiniteError } = await import('../../src/numeric/linalg.ts');
    const { Rng } = await import('../../src/numeric/rng.ts');
    const rng = new Rng(12);
    for (const n of [1, 3, 7, 20]) {
      const B = new Float64Array(n * n);
      rng.fillNormal(B);
      const A = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        let s = i === j ? 0.5 : 0;
        for (let k = 0; k < n; k++) s += B[i * n + k] * B[j * n + k];
        A[i * n + j] = s;
      }
      const L = cholesky(A, n);
      let worst = 0, scale = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += L[i * n + k] * L[j * n + k];
        worst = Math.max(worst, Math.abs(s - A[i * n + j]));
        scale = Math.max(scale, Math.abs(A[i * n + j]));
        if (j > i) expect(L[i * n + j]).toBe(0);
      }
      // backward stable: |L Lᵀ − A| ≲ n·ε·max|A|
      expect(worst, `n = ${n}`).toBeLessThanOrEqual(4 * n * Number.EPSILON * scale);
    }
    let caught: unknown;
    try { cholesky(Float64Array.of(1, 2, 2, 1), 2); } catch (e) { caught = e; }
    expect(caught).toBeInstanceOf(NotPositiveSemidefiniteError);
    expect((caught as InstanceType<typeof NotPositiveSemidefiniteError>).index).toBe(1);
  });
});
