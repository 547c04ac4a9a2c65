// Property (a): the antisymmetric finite-width discriminator trained by gradient
// descent, and the particle velocities it gives, converge to the infinite-width
// ones as the width n grows. Widths 64…1024, 16 seeds each, one hidden layer
// (cheap, so many seeds); the infinite-width reference is the exact discrete-time
// counterpart of the same t/lr gradient steps (discriminator.ts), so the only
// gap is finite width.
//
// Rates. The discriminator's value: f_n − f_∞ comes from the fluctuation of the
// empirical NTK at init and its drift during training, both O(n^{-1/2}): slope
// −1/2. The input gradient of a smooth (erf) network: the same, −1/2. The input
// gradient of a ReLU network has an extra term: the O(√n) neurons whose kink
// crosses x during training each change ∇f by O(n^{-1/2}); their mean is the
// smooth limit (the kernel's cone term) but their Poisson count fluctuates by
// O(n^{1/4}), so the error is a·n^{-1/2} + b·n^{-1/4}: the fitted slope lies
// between −1/2 (small n) and −1/4 (asymptotically). Measured at 256…16384 (not
// run here): −0.30 to −0.36.
//
// Bands. Each point is the root-mean-square over S = 16 seeds of the relative
// L2 error, whose log has a standard error ≈ 1/√(2S) = 0.18; with 5 widths a
// factor 2 apart the fitted slope then has SE ≈ 0.18/(ln 2·√10) = 0.081. Bands
// are the predicted slope ± 3 SE.
import { describe, expect, it } from 'vitest';
import { parseGanKernel } from '../../../src/models/ntk-gan/index.ts';
import { finiteDiscriminator, infiniteDiscriminator, trainingSet } from '../../../src/models/ntk-gan/index.ts';
import { LOSSES, type LossName } from '../../../src/models/ntk-gan/index.ts';
import { gantk2Modes1d } from '../../../src/models/ntk-gan/index.ts';
import { particleVelocities } from '../../../src/models/ntk-gan/index.ts';
import { parseArchitecture } from '../../../src/ntk/index.ts';
import { logLogFit } from '../../../src/numeric/index.ts';

const WIDTHS = [64, 128, 256, 512, 1024];
const SEEDS = 16;
const SLOPE_SE = 1 / Math.sqrt(2 * SEEDS) / (Math.LN2 * Math.sqrt(10));
const t = 1, lr = 0.05;

const { fake, real } = gantk2Modes1d();
const train = trainingSet(fake, real);
const grid = Array.from({ length: 25 }, (_, i) => [-3 + 0.25 * i]);

function relErr(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  let e = 0, n = 0;
  for (let i = 0; i < ref.length; i++) { e += (a[i] - ref[i]) ** 2; n += ref[i] ** 2; }
  return Math.sqrt(e / n);
}

function study(spec: string, loss: LossName) {
  const arch = parseArchitecture(spec);
  const inf = infiniteDiscriminator(parseGanKernel(spec, 1), train, { loss, t, lr });
  const fRef = inf.value(grid);
  const vRef = particleVelocities(inf, fake, 2 * fake.rows).velocity.data;
  const eF: number[] = [], eV: number[] = [];
  for (const width of WIDTHS) {
    let sf = 0, sv = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const fin = finiteDiscriminator(train, { loss, arch, width, seed, t, lr });
      sf += relErr(fin.value(grid), fRef) ** 2;
      sv += relErr(particleVelocities(fin, fake, 2 * fake.rows).velocity.data, vRef) ** 2;
    }
    eF.push(Math.sqrt(sf / SEEDS));
    eV.push(Math.sqrt(sv / SEEDS));
  }
  return { eF, eV, fF: logLogFit(WIDTHS, eF), fV: logLogFit(WIDTHS, eV) };
}

const fmt = (e: number[]) => e.map((v) => v.toExponential(2)).join(', ');

describe('finite width → infinite width (GAN(TK)² modes_1d, t = 1, lr = 0.05, widths 64…1024, 16 seeds)', () => {
  it('f_0 ≡ 0 for the antisymmetric network (f_a − f_b)/√2', () => {
    const fin = finiteDiscriminator(train, { loss: 'ipm', arch: parseArchitecture('serial(dense(1, 1), relu, dense(1, none))'), width: 32, seed: 3, t: 0, lr: 0.1 });
    expect(Array.from(fin.value(grid)).every((v) => v === 0)).toBe(true);
  });

  for (const loss of ['ipm', 'lsgan'] as const) {
    it(`${loss}, ReLU with bias: discriminator error ~ width^-1/2; velocities between width^-1/2 and width^-1/4`, () => {
      const r = study('serial(dense(1, 1), relu, dense(1, none))', loss);
      console.log(`${loss} ReLU: f error ${fmt(r.eF)}: slope ${r.fF.slope.toFixed(3)} (band −0.5 ± ${(3 * SLOPE_SE).toFixed(2)})`);
      console.log(`${loss} ReLU: velocity error ${fmt(r.eV)}: slope ${r.fV.slope.toFixed(3)} (band [${(-0.5 - 3 * SLOPE_SE).toFixed(2)}, ${(-0.25 + 3 * SLOPE_SE).toFixed(2)}])`);
      expect(Math.abs(r.fF.slope + 0.5)).toBeLessThan(3 * SLOPE_SE);
      expect(r.fV.slope).toBeGreaterThan(-0.5 - 3 * SLOPE_SE);
      expect(r.fV.slope).toBeLessThan(-0.25 + 3 * SLOPE_SE);
      expect(r.eV[4]).toBeLessThan(r.eV[0] / 1.5);
    });
  }

  it('vanilla (ReLU): discriminator error ~ width^-1/2', () => {
    const r = study('serial(dense(1, 1), relu, dense(1, none))', 'vanilla');
    console.log(`vanilla ReLU: f error ${fmt(r.eF)}: slope ${r.fF.slope.toFixed(3)}`);
    expect(Math.abs(r.fF.slope + 0.5)).toBeLessThan(3 * SLOPE_SE);
  });

  it('smooth activation (erf): particle velocities ~ width^-1/2 too', () => {
    const r = study('serial(dense(1, 1), erf, dense(1, none))', 'ipm');
    console.log(`ipm erf: f error ${fmt(r.eF)}: slope ${r.fF.slope.toFixed(3)}; velocity error ${fmt(r.eV)}: slope ${r.fV.slope.toFixed(3)} (band −0.5 ± ${(3 * SLOPE_SE).toFixed(2)})`);
    expect(Math.abs(r.fF.slope + 0.5)).toBeLessThan(3 * SLOPE_SE);
    expect(Math.abs(r.fV.slope + 0.5)).toBeLessThan(3 * SLOPE_SE);
  });

  it('hinge trains at finite width (no infinite-width counterpart)', () => {
    const fin = finiteDiscriminator(train, { loss: 'hinge', arch: parseArchitecture('serial(dense(1, 1), relu, dense(1, none))'), width: 256, seed: 1, t: 1, lr: 0.05 });
    const onReal = Array.from(fin.onS.subarray(fake.rows)), onFake = Array.from(fin.onS.subarray(0, fake.rows));
    expect(Math.min(...onReal)).toBeGreaterThan(Math.max(...onFake));
    expect(LOSSES.hinge.c(1)).toBe(-1);
  });
});
