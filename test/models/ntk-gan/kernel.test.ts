// Discriminator kernels: exact input gradients (symbolic diff, compiled twin)
// against finite differences, values against src/ntk's kernels(), and the
// non-smooth points of B.5 with the symmetric-subgradient convention.
import { describe, expect, it } from 'vitest';
import { type GanKernel, parseGanKernel } from '../../../src/models/ntk-gan/index.ts';
import { infiniteDiscriminator, trainingSet } from '../../../src/models/ntk-gan/index.ts';
import { mmd2 } from '../../../src/models/ntk-gan/index.ts';
import { Rng } from '../../../src/numeric/index.ts';

const EPS = 2.220446049250313e-16;
const KERNELS = ['relu', 'relu_nobias', 'rbf', 'serial(dense(1.5, 0.5), erf, dense(1.5, 0.5), erf, dense(1.5, none))', 'nngp:relu'];

const kval = (k: GanKernel, x: number[], s: number[]) => k.matrix([x], [s]).data[0];

/** Five-point central difference of g at x along coordinate c. */
function fd5(g: (x: number[]) => number, x: number[], c: number, h: number): number {
  const at = (t: number) => { const y = x.slice(); y[c] += t; return g(y); };
  return (at(-2 * h) - 8 * at(-h) + 8 * at(h) - at(2 * h)) / (12 * h);
}

function randomPoints(n: number, d: number, rng: Rng, scale = 2): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: d }, () => scale * (2 * rng.uniform() - 1)));
}

describe('GanKernel.field: value and exact input gradient', () => {
  it.each(KERNELS)('%s: ∇f matches a 5-point difference of f away from the centres; f matches kernels()', (spec) => {
    const d = 2;
    const k = parseGanKernel(spec, d);
    const rng = new Rng(11);
    const S = randomPoints(12, d, rng);
    const a = Array.from({ length: 12 }, () => rng.normal());
    // test points at distance ≥ 0.3 from every centre (and from the origin, for no-bias kernels)
    const X = randomPoints(40, d, rng, 2.5).filter((x) => Math.hypot(...x) > 0.3 && S.every((s) => Math.hypot(x[0] - s[0], x[1] - s[1]) > 0.3)).slice(0, 12);
    const f = k.field(X, S, a);
    expect(f.nonSmooth).toEqual({ diagonal: 0, ray: 0, origin: 0 });
    const M = k.matrix(X, S);
    const h = 1e-3;
    let worst = 0;
    X.forEach((x, i) => {
      let v = 0;
      a.forEach((aj, j) => { v += aj * M.data[i * S.length + j]; });
      expect(Math.abs(f.value[i] - v)).toBeLessThan(1e-12 * (1 + Math.abs(v)));
      const g = (y: number[]) => k.field([y], S, a).value[0];
      for (let c = 0; c < d; c++) {
        const num = fd5(g, x, c, h);
        // stencil error h⁴/30·|f⁽⁵⁾| (≲ 1e-12·C/0.3⁵ at distance ≥ 0.3 from a cusp) + rounding 1.5ε|f|/h
        const tol = 1e-8 * (1 + Math.abs(f.value[i])) + 1.5 * EPS * (1 + Math.abs(f.value[i])) / h;
        const err = Math.abs(f.grad.data[i * d + c] - num);
        worst = Math.max(worst, err / tol);
        expect(err, `x = ${x}, component ${c}: analytic ${f.grad.data[i * d + c]}, difference ${num}`).toBeLessThan(tol);
      }
    });
    console.log(`${spec}: worst |∇f − difference| / tolerance = ${worst.toExponential(2)}`);
  });

  it('rejects a dimension mismatch and a wrong number of coefficients', () => {
    const k = parseGanKernel('relu', 2);
    expect(() => k.field([[1, 2, 3]], [[1, 2]], [1])).toThrow(/d = 2/);
    expect(() => k.field([[1, 2]], [[1, 2]], [1, 2])).toThrow(/coefficients/);
    expect(() => parseGanKernel('rbf(-1)', 2)).toThrow(/gamma/);
    expect(() => parseGanKernel('serial(dense(1,1), nosuch, dense(1,1))', 2)).toThrow();
  });
});

/** One-sided difference quotients along u: (k(x + hu) − k(x))/h and (k(x) − k(x − hu))/h; their gap. */
function gap(k: GanKernel, x: number[], s: number[], u: number[], h: number): number {
  const f0 = kval(k, x, s);
  const fp = kval(k, x.map((v, i) => v + h * u[i]), s), fm = kval(k, x.map((v, i) => v - h * u[i]), s);
  return (fp - f0) / h - (f0 - fm) / h;
}

describe('non-smooth points of the ReLU NTK (docs/ntk-gan.md B.5)', () => {
  const s = [0.8, -0.6];
  const perp = [0.6, 0.8];
  const oblique = [Math.SQRT1_2, Math.SQRT1_2];
  const points: Record<string, number[]> = {
    'x = s': s, 'x = 2s': [1.6, -1.2], 'x = −s/2': [-0.4, 0.3], 'x = 0': [0, 0], generic: [0.3, 0.9], 'near s (|x − s| = 0.1)': [0.86, -0.52],
  };
  // A cusp: the gap between the one-sided quotients is O(1) and does not shrink with h.
  // Smooth: the gap is h·∂²_u k + O(ε|k|/h), so it shrinks 100× from h = 1e-4 to 1e-6.
  const cusp = (k: GanKernel, x: number[], u: number[]) => {
    const g4 = gap(k, x, s, u, 1e-4), g6 = gap(k, x, s, u, 1e-6);
    return { g4, g6, cusp: Math.abs(g6) > 1e-3 && Math.abs(g6 / g4) > 0.5, smooth: Math.abs(g6) < 0.02 * Math.abs(g4) + 1e-9 };
  };

  it('with bias: one-sided differences disagree only at x = s', () => {
    const k = parseGanKernel('relu', 2);
    for (const [name, x] of Object.entries(points)) {
      for (const u of [perp, oblique]) {
        const r = cusp(k, x, u);
        console.log(`relu (bias), ${name}, u = [${u.map((v) => v.toFixed(2))}]: gap ${r.g4.toExponential(2)} (h = 1e-4), ${r.g6.toExponential(2)} (h = 1e-6)`);
        if (name === 'x = s') expect(r.cusp, name).toBe(true);
        else expect(r.smooth, name).toBe(true);
      }
    }
  });

  it('without bias: they also disagree along the whole line x = λs (both signs of λ) and at 0', () => {
    const k = parseGanKernel('relu_nobias', 2);
    for (const [name, x] of Object.entries(points)) {
      const r = cusp(k, x, perp);
      console.log(`relu (no bias), ${name}: gap ${r.g4.toExponential(2)} (h = 1e-4), ${r.g6.toExponential(2)} (h = 1e-6)`);
      if (['x = s', 'x = 2s', 'x = −s/2', 'x = 0'].includes(name)) expect(r.cusp, name).toBe(true);
      else expect(r.smooth, name).toBe(true);
    }
  });

  it('the gradient is defined away from the training points; at one the code flags it and returns the symmetric subgradient', () => {
    const k = parseGanKernel('relu', 2);
    expect(k.pairGradient([0.3, 0.9], s).nonSmooth).toBeNull();
    expect(k.pairGradient([0.8 + 1e-6, -0.6], s).nonSmooth).toBeNull();
    const at = k.pairGradient(s, s);
    expect(at.nonSmooth).toBe('diagonal');
    expect(Array.from(at.grad).every(Number.isFinite)).toBe(true);
    // the symmetric subgradient is the limit of the mean of the gradients at s ± εu, for any u
    for (const u of [perp, oblique, [1, 0]]) {
      const errs = [1e-2, 1e-3, 1e-4].map((eps) => {
        const gp = k.pairGradient(s.map((v, i) => v + eps * u[i]), s).grad;
        const gm = k.pairGradient(s.map((v, i) => v - eps * u[i]), s).grad;
        return Math.hypot((gp[0] + gm[0]) / 2 - at.grad[0], (gp[1] + gm[1]) / 2 - at.grad[1]);
      });
      console.log(`mean of one-sided gradients at s ± εu, u = [${u.map((v) => v.toFixed(2))}]: distance to the subgradient ${errs.map((e) => e.toExponential(2)).join(', ')} for ε = 1e-2, 1e-3, 1e-4`);
      expect(errs[2]).toBeLessThan(1e-3 * Math.hypot(...at.grad));
      expect(errs[2]).toBeLessThan(0.2 * errs[1] + 1e-10); // O(ε)
    }
    // the one-sided gradients themselves differ there by O(1): no gradient exists
    const gp = k.pairGradient(s.map((v, i) => v + 1e-4 * perp[i]), s).grad;
    const gm = k.pairGradient(s.map((v, i) => v - 1e-4 * perp[i]), s).grad;
    expect(Math.hypot(gp[0] - gm[0], gp[1] - gm[1])).toBeGreaterThan(0.1);
  });

  it('no bias: flagged ray and origin pairs, the ray subgradient radial and the mean of the two sides', () => {
    const k = parseGanKernel('relu_nobias', 2);
    const x = [1.6, -1.2];
    const r = k.pairGradient(x, s);
    expect(r.nonSmooth).toBe('ray');
    expect(Math.abs(r.grad[0] * x[1] - r.grad[1] * x[0])).toBeLessThan(1e-12); // parallel to x
    const eps = 1e-5;
    const gp = k.pairGradient(x.map((v, i) => v + eps * perp[i]), s).grad, gm = k.pairGradient(x.map((v, i) => v - eps * perp[i]), s).grad;
    expect(Math.hypot((gp[0] + gm[0]) / 2 - r.grad[0], (gp[1] + gm[1]) / 2 - r.grad[1])).toBeLessThan(1e-4);
    // ReLU without bias is positively 1-homogeneous: the radial derivative is k(x, s)/|x|
    expect(Math.abs(Math.hypot(...r.grad) - r.value / Math.hypot(...x))).toBeLessThan(1e-11);
    expect(k.pairGradient([0, 0], s).nonSmooth).toBe('origin');
    expect(k.pairGradient(s, s).nonSmooth).toBe('diagonal');
  });

  it('smooth kernels (erf NTK, RBF) need no convention at x = s', () => {
    for (const spec of ['rbf', 'serial(dense(1.5, 0.5), erf, dense(1.5, 0.5))']) {
      const k = parseGanKernel(spec, 2);
      const at = k.pairGradient(s, s);
      expect(at.nonSmooth).toBeNull();
      const num = [0, 1].map((c) => fd5((x) => kval(k, x, s), s, c, 1e-3));
      at.grad.forEach((g, c) => expect(Math.abs(g - num[c])).toBeLessThan(1e-9));
    }
  });

  it('the convention makes the IPM velocity exactly −(N ηt/2) ∂MMD²/∂x_i (MMD² smooth in each particle)', () => {
    const k = parseGanKernel('relu', 2);
    const rng = new Rng(5);
    const fake = randomPoints(6, 2, rng), real = randomPoints(5, 2, rng);
    const disc = infiniteDiscriminator(k, trainingSet(fake, real), { loss: 'ipm', t: 0.7 });
    const f = disc.field(fake);
    expect(f.nonSmooth.diagonal).toBe(fake.length); // each particle meets itself once
    const N = fake.length;
    fake.forEach((x, i) => {
      for (let c = 0; c < 2; c++) {
        const num = fd5((y) => mmd2(k, fake.map((p, q) => (q === i ? y : p)), real), x, c, 1e-4);
        const predicted = (-2 / (N * 0.7)) * f.grad.data[i * 2 + c];
        expect(Math.abs(num - predicted), `particle ${i}, component ${c}`).toBeLessThan(1e-9);
      }
    });
  });
});
