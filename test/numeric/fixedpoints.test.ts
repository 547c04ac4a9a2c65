import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  classifyFixedPoint, findFixedPoints, finiteDifferenceJacobian, newton, type VectorFn,
} from '../../src/numeric/index.ts';

/** Damped pendulum θ' = ω, ω' = −sin θ − γω: fixed points (kπ, 0). */
const pendulum = (gamma: number) => ({
  F: ((x, out) => { out[0] = x[1]; out[1] = -Math.sin(x[0]) - gamma * x[1]; }) as VectorFn,
  J: ((x, out) => { out[0] = 0; out[1] = 1; out[2] = -Math.cos(x[0]); out[3] = -gamma; }) as VectorFn,
});

/** Lotka–Volterra x' = x(α − βy), y' = y(δx − γ). */
const lotkaVolterra = (a: number, b: number, d: number, g: number) => ({
  F: ((x, out) => { out[0] = x[0] * (a - b * x[1]); out[1] = x[1] * (d * x[0] - g); }) as VectorFn,
  J: ((x, out) => { out[0] = a - b * x[1]; out[1] = -b * x[0]; out[2] = d * x[1]; out[3] = d * x[0] - g; }) as VectorFn,
});

/** Lorenz system. */
const lorenz = (sigma: number, rho: number, beta: number) => ({
  F: ((x, out) => { out[0] = sigma * (x[1] - x[0]); out[1] = x[0] * (rho - x[2]) - x[1]; out[2] = x[0] * x[1] - beta * x[2]; }) as VectorFn,
  J: ((x, out) => { out.set([-sigma, sigma, 0, rho - x[2], -1, -x[0], x[1], x[0], -beta]); }) as VectorFn,
});

describe('newton', () => {
  it('converges quadratically to a simple root', () => {
    const F: VectorFn = (x, out) => { out[0] = x[0] * x[0] - 2; };
    const J: VectorFn = (x, out) => { out[0] = 2 * x[0]; };
    const r = newton(F, J, [1]);
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(Math.SQRT2, 15);
    expect(r.iterations).toBeLessThanOrEqual(6);
  });

  it('the line search rescues arctan from x0 = 3, where the full Newton step diverges', () => {
    const F: VectorFn = (x, out) => { out[0] = Math.atan(x[0]); };
    const J: VectorFn = (x, out) => { out[0] = 1 / (1 + x[0] * x[0]); };
    // Undamped: x − (1 + x²) atan x maps 3 to −9.5, then further out.
    expect(Math.abs(3 - 10 * Math.atan(3))).toBeGreaterThan(3);
    const r = newton(F, J, [3]);
    expect(r.converged).toBe(true);
    expect(Math.abs(r.x[0])).toBeLessThan(1e-10);
  });

  it('reports failure instead of throwing when no root is reachable or J is singular', () => {
    const noRoot: VectorFn = (x, out) => { out[0] = x[0] * x[0] + 1; };
    const r = newton(noRoot, (x, out) => { out[0] = 2 * x[0]; }, [0.5]);
    expect(r.converged).toBe(false);
    expect(r.reason).toBeDefined();
    const flatStart = newton((x, out) => { out[0] = x[0] * x[0] - 1; }, (x, out) => { out[0] = 2 * x[0]; }, [0]);
    expect(flatStart.converged).toBe(false);
    // Singular J away from the root: Levenberg–Marquardt step, still converges.
    const F: VectorFn = (x, out) => { out[0] = x[0] + x[1] - 2; out[1] = x[0] * x[0] + x[1] * x[1] - 2; };
    const J: VectorFn = (x, out) => { out.set([1, 1, 2 * x[0], 2 * x[1]]); };
    const lm = newton(F, J, [0.5, 0.5]); // J singular on the line x0 = x1
    expect(lm.x.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('finite-difference Jacobian agrees with the analytic one to O(√ε)', () => {
    const { F, J } = lorenz(10, 28, 8 / 3);
    fc.assert(
      fc.property(fc.array(fc.double({ min: -20, max: 20, noNaN: true }), { minLength: 3, maxLength: 3 }), (xs) => {
        const x = Float64Array.from(xs);
        const fd = finiteDifferenceJacobian(F, x), an = new Float64Array(9);
        J(x, an);
        // error ≈ h·|F''|/2 + ε|F|/h with h = √ε·max(|x|, 1): a few √ε times the problem's scale (≈ 50 here).
        for (let k = 0; k < 9; k++) expect(Math.abs(fd[k] - an[k])).toBeLessThan(1e-6 * 50);
      }),
      { numRuns: 100 },
    );
    const r = newton(F, undefined, [8, 8, 27]);
    expect(r.converged).toBe(true);
    expect(r.x[2]).toBeCloseTo(27, 8);
  });
});

describe('findFixedPoints + classifyFixedPoint', () => {
  it('damped pendulum: (2kπ, 0) stable focus (γ = 0.5) or node (γ = 3); ((2k+1)π, 0) saddle; γ = 0 centre-like', () => {
    const { F, J } = pendulum(0.5);
    const roots = findFixedPoints(F, J, { lower: [-7, -2], upper: [7, 2], count: 60, seed: 1 });
    const angles = roots.map((r) => r.x[0] / Math.PI);
    // every root is (kπ, 0), all distinct
    roots.forEach((r) => { expect(Math.abs(r.x[1])).toBeLessThan(1e-10); expect(r.residual).toBeLessThanOrEqual(1e-10); });
    expect(new Set(angles.map(Math.round)).size).toBe(roots.length);
    for (const k of [-2, -1, 0, 1, 2]) expect(angles.some((a) => Math.abs(a - k) < 1e-9), `root at ${k}π found`).toBe(true);
    roots.forEach((r) => {
      const k = Math.round(r.x[0] / Math.PI);
      expect(r.kind).toBe(k % 2 === 0 ? 'stable focus' : 'saddle');
    });
    const strong = findFixedPoints(pendulum(3).F, pendulum(3).J, [[0.3, 0.1]]);
    expect(strong[0].kind).toBe('stable node');
    const undamped = findFixedPoints(pendulum(0).F, pendulum(0).J, [[0.2, -0.1]]);
    expect(undamped[0].kind).toBe('center-like');
    expect(undamped[0].eigenvalues.map((z) => Math.abs(z.im))).toEqual([1, 1]);
  });

  it('Lotka–Volterra: (0, 0) saddle, (γ/δ, α/β) centre-like with eigenvalues ±i√(αγ)', () => {
    const [a, b, d, g] = [1.2, 0.6, 0.5, 0.9];
    const { F, J } = lotkaVolterra(a, b, d, g);
    const roots = findFixedPoints(F, J, [[0.1, -0.1], [1, 1], [2, 3], [-0.2, 0.1], [1.5, 2.5]]);
    expect(roots).toHaveLength(2);
    expect(roots[0].kind).toBe('saddle');
    expect(roots[1].x[0]).toBeCloseTo(g / d, 12);
    expect(roots[1].x[1]).toBeCloseTo(a / b, 12);
    expect(roots[1].kind).toBe('center-like');
    expect(Math.abs(roots[1].eigenvalues[0].im)).toBeCloseTo(Math.sqrt(a * g), 12);
  });

  it('Lorenz (3-D): origin saddle; C± saddle-foci at ρ = 28 and stable foci at ρ = 10', () => {
    for (const [rho, kind] of [[28, 'saddle'], [10, 'stable focus']] as const) {
      const { F, J } = lorenz(10, rho, 8 / 3);
      const roots = findFixedPoints(F, J, { lower: [-15, -15, 0], upper: [15, 15, 40], count: 40, seed: 7 });
      expect(roots).toHaveLength(3);
      const c = Math.sqrt((8 / 3) * (rho - 1));
      expect(roots[0].x[0]).toBeCloseTo(-c, 10);
      expect(roots[2].x[0]).toBeCloseTo(c, 10);
      expect(roots[1].kind).toBe('saddle');
      expect(roots[0].kind).toBe(kind);
      expect(roots[2].kind).toBe(kind);
    }
  });

  it('classifies eigenvalue patterns, including the tolerance edge cases', () => {
    const c = (re: number, im = 0) => ({ re, im });
    expect(classifyFixedPoint([c(-1), c(-2)])).toBe('stable node');
    expect(classifyFixedPoint([c(1), c(2)])).toBe('unstable node');
    expect(classifyFixedPoint([c(-1, 2), c(-1, -2)])).toBe('stable focus');
    expect(classifyFixedPoint([c(0.5, 2), c(0.5, -2)])).toBe('unstable focus');
    expect(classifyFixedPoint([c(-1), c(3)])).toBe('saddle');
    expect(classifyFixedPoint([c(1e-12, 1), c(1e-12, -1)])).toBe('center-like');
    expect(classifyFixedPoint([c(1e-6, 1), c(1e-6, -1)])).toBe('unstable focus');
    expect(classifyFixedPoint([c(0), c(-1)])).toBe('degenerate');
    expect(classifyFixedPoint([c(0, 1), c(0, -1), c(-2)])).toBe('center-like');
    expect(classifyFixedPoint([c(0, 1), c(0, -1), c(2)])).toBe('degenerate');
    expect(classifyFixedPoint([c(0), c(-1), c(1)])).toBe('saddle');
    expect(classifyFixedPoint([c(-1), c(-1, 1), c(-1, -1)])).toBe('stable focus');
    // scale-relative: with |λ| ~ 1e6, Re = 1e-3 is "zero"
    expect(classifyFixedPoint([c(1e-3, 1e6), c(1e-3, -1e6)])).toBe('center-like');
  });
});
