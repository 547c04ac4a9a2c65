// Lambert W₀ (Halley), the vanilla scalar solution, the tred2/tql2 eigensolver
// and Lanczos h(A)v. Tolerances: a few ulps times the condition number of each
// problem (stated per assertion).
import { describe, expect, it } from 'vitest';
import { lambertW0, lambertWExp } from '../../../src/numeric/index.ts';
import { vanillaScalarSolution } from '../../../src/models/ntk-gan/index.ts';
import { applySpectral, lanczosApply, symmetricEigenQL, tridiagonalEigen } from '../../../src/numeric/index.ts';
import { eigenvalues } from '../../../src/numeric/index.ts';
import { dopri5 } from '../../../src/numeric/index.ts';
import { sigmoid } from '../../../src/numeric/index.ts';
import { Rng } from '../../../src/numeric/index.ts';

const EPS = 2.220446049250313e-16;

describe('lambertW0', () => {
  it('known values (Ω, 1, −1, 0, W(10), W(−0.3))', () => {
    expect(lambertW0(1)).toBeCloseTo(0.5671432904097838, 15); // omega constant
    expect(lambertW0(Math.E)).toBe(1);
    expect(lambertW0(-Math.exp(-1))).toBe(-1);
    expect(lambertW0(0)).toBe(0);
    expect(Math.abs(lambertW0(10) - 1.7455280027406994) / 1.7455) .toBeLessThan(4 * EPS);
    expect(Math.abs(lambertW0(-0.3) - -0.4894022271802149) / 0.4894).toBeLessThan(8 * EPS);
  });

  it('w e^w = x to a few ulps of the condition 1/(1 + w), from the branch point to 1e300', () => {
    let worst = 0, at = 0;
    for (let k = 0; k <= 3200; k++) {
      const x = -Math.exp(-1) + 10 ** (-15 + k * 0.01);
      const w = lambertW0(x);
      // relative error of w implied by the residual: dw/w = (d(w e^w)/(w e^w)) / (1 + w)
      const r = Math.abs(w * Math.exp(w) - x) / Math.abs(x);
      const rel = r / (1 + w);
      // evaluating w e^w itself costs ~(2 + |w|) ulps; the branch point loses √ε to the cancellation in x + 1/e
      const budget = (8 + 2 * Math.abs(w)) * EPS / (1 + w) + (x + Math.exp(-1) < 1e-8 ? 1e-7 : 0);
      if (rel / budget > worst) { worst = rel / budget; at = x; }
    }
    expect(worst, `worst residual/budget ${worst} at x = ${at}`).toBeLessThan(1);
  });

  it('rejects x < −1/e', () => {
    expect(() => lambertW0(-0.5)).toThrow(/below −1\/e/);
  });

  it('lambertWExp(z) = W₀(e^z) without overflow: w + ln w = z', () => {
    for (const z of [-50, -5, -1, 0, 0.5, 1.99, 2, 3, 10, 100, 700, 1e4, 1e8]) {
      const w = lambertWExp(z);
      expect(Math.abs(w + Math.log(w) - z), `z = ${z}`).toBeLessThanOrEqual(4 * EPS * Math.max(1, Math.abs(z)));
      if (z < 700) expect(Math.abs(w - lambertW0(Math.exp(z))) / w, `z = ${z}`).toBeLessThan(1e-14);
    }
  });
});

describe('vanillaScalarSolution', () => {
  it('solves u\' = λσ(−u), u(0) = 0 at s = λt (against dopri5 at rtol 1e-12)', () => {
    for (const lambda of [1e-3, 0.3, 2, 25]) {
      const T = 3;
      const sol = dopri5((_t, u, out) => { out[0] = lambda * sigmoid(-u[0]); }, [0], { t0: 0, t1: T, rtol: 1e-12, atol: 1e-15, record: [0.5, 1, 2, 3] });
      sol.t.forEach((t, k) => {
        const u = vanillaScalarSolution(lambda * t);
        expect(Math.abs(u - sol.y[k][0]), `λ = ${lambda}, t = ${t}`).toBeLessThan(1e-10 * Math.max(1, Math.abs(u)));
      });
    }
  });

  it('is continuous across the series/Lambert-W switch at |s| = 1e-2 and matches s/2 − s²/16 + s³/192', () => {
    // across the switch the two branches differ by the true increment 2e-12·u'(0.01) = 2e-12·σ(−u) only
    const a = vanillaScalarSolution(0.01 - 1e-12), b = vanillaScalarSolution(0.01 + 1e-12);
    expect(Math.abs(b - a - 2e-12 * sigmoid(-a))).toBeLessThan(1e-16);
    const s = 1e-6;
    expect(Math.abs(vanillaScalarSolution(s) - (s / 2 - s * s / 16 + s ** 3 / 192))).toBeLessThan(1e-22);
  });
});

function randomPsd(n: number, seed: number): Float64Array {
  const r = new Rng(seed);
  const B = r.fillNormal(new Float64Array(n * n));
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += B[i * n + k] * B[j * n + k];
    a[i * n + j] = a[j * n + i] = s / n;
  }
  return a;
}

describe('symmetricEigenQL (tred2 + tql2)', () => {
  it('A v = λ v to O(nε‖A‖), orthonormal vectors, eigenvalues equal to Jacobi\'s', () => {
    for (const n of [1, 2, 7, 60]) {
      const a = randomPsd(n, n);
      const { values, vectors } = symmetricEigenQL(a, n);
      const norm = Math.max(...Array.from(values, Math.abs));
      for (let k = 0; k < n; k++) {
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let j = 0; j < n; j++) s += a[i * n + j] * vectors[j * n + k];
          expect(Math.abs(s - values[k] * vectors[i * n + k])).toBeLessThan(10 * n * EPS * norm);
        }
        for (let l = 0; l <= k; l++) {
          let s = 0;
          for (let i = 0; i < n; i++) s += vectors[i * n + k] * vectors[i * n + l];
          expect(Math.abs(s - (k === l ? 1 : 0))).toBeLessThan(10 * n * EPS);
        }
      }
      // against an independent solver: Francis double-shift QR on the Hessenberg form
      const qr = eigenvalues(a, n).map((e) => e.re).sort((x, y) => x - y);
      for (let k = 0; k < n; k++) expect(Math.abs(values[k] - qr[k])).toBeLessThan(100 * n * EPS * norm);
      for (let k = 1; k < n; k++) expect(values[k]).toBeGreaterThanOrEqual(values[k - 1]);
    }
  });

  it('tridiagonalEigen: the path graph Laplacian has eigenvalues 2 − 2cos(kπ/(m+1))', () => {
    const m = 9;
    const { values } = tridiagonalEigen(new Array(m).fill(2), new Array(m - 1).fill(-1));
    const want = Array.from({ length: m }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (m + 1))).sort((p, q) => p - q);
    values.forEach((v, k) => expect(Math.abs(v - want[k])).toBeLessThan(20 * EPS));
  });
});

describe('lanczosApply', () => {
  it('h(A)v equals the eigendecomposition\'s V h(Λ) Vᵀ v to 1e-12 (h(λ) = (1 − e^{−τλ})/λ, τλ_max ≈ 160)', () => {
    const n = 150;
    const a = randomPsd(n, 3);
    const v = new Rng(4).fillNormal(new Float64Array(n));
    const tau = 40;
    const h = (l: number) => (Math.abs(tau * l) < 1e-300 ? tau : -Math.expm1(-tau * l) / l);
    const exact = applySpectral(symmetricEigenQL(a, n), h, v);
    const r = lanczosApply(a, n, h, v);
    let dn = 0, en = 0;
    for (let i = 0; i < n; i++) { dn += (r.y[i] - exact[i]) ** 2; en += exact[i] ** 2; }
    const rel = Math.sqrt(dn / en);
    console.log(`Lanczos: ${r.steps} steps for n = ${n}, relative difference to the eigendecomposition ${rel.toExponential(2)}`);
    expect(rel).toBeLessThan(1e-12);
    expect(r.steps).toBeLessThan(n);
  });

  it('is exact on an invariant subspace (rank-2 A) and zero for v = 0', () => {
    const n = 20;
    const u = Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1)), w = Float64Array.from({ length: n }, (_, i) => Math.cos(2 * i));
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = u[i] * u[j] + 0.5 * w[i] * w[j];
    const v = Float64Array.from({ length: n }, (_, i) => (i % 3) - 1);
    const r = lanczosApply(a, n, Math.exp, v);
    expect(r.invariant).toBe(true);
    expect(r.steps).toBeLessThanOrEqual(3);
    const exact = applySpectral(symmetricEigenQL(a, n), Math.exp, v);
    const scale = Math.max(...Array.from(exact, Math.abs));
    r.y.forEach((y, i) => expect(Math.abs(y - exact[i])).toBeLessThan(1e-13 * scale));
    expect(Array.from(lanczosApply(a, n, Math.exp, new Float64Array(n)).y).every((x) => x === 0)).toBe(true);
  });
});
