// The network critic of the particle model is an MLP critic with one hidden ReLU layer,
// which src/ntk/critic.ts computes with fused passes (shallowForward, shallowReverse).
// They must give the numbers of the generic layer-by-layer passes exactly. The generic
// passes are reached through a two-hidden-layer ReLU critic whose middle layer is the
// identity (W₁ = I/α₁ with α₁ a power of two, b₁ = 0): relu(relu(h)) = relu(h), so it is
// the same function, and each of its sums adds the same nonzero terms, so f, ∇_x f, the
// loss and ∂L/∂θ of the shared layers agree to the last bit.
import { describe, expect, it } from 'vitest';
import { type CriticObjective, MlpCritic, criticObjective, generatorLossGradient } from '../../src/ntk/index.ts';
import { Rng } from '../../src/numeric/index.ts';

const OBJECTIVES: CriticObjective[] = [
  { loss: 'wgan' },
  { loss: 'wgan', penalty: { kind: 'fake-unit', lambda: 1.25 } },
  { loss: 'wgan', penalty: { kind: 'fake-half', lambda: 0.7 } },
  { loss: 'wgan', penalty: { kind: 'interpolate-gp', lambda: 10 } },
  { loss: 'bce' },
  { loss: 'bce', penalty: { kind: 'fake-unit', lambda: 0.5 } },
];

/** The one-hidden-layer critic and its two-hidden-layer twin with an identity middle layer. */
function twins(d: number, H: number, parameterization: 'ntk' | 'standard', bStd: number | null, seed: number) {
  const wStd = 2; // ntk: α₁ = 2/√16 = 1/2, a power of two, so W₁ = 2I is exact
  const shallow = new MlpCritic({ d, hidden: [H], activation: 'relu', parameterization, wStd, bStd, seed });
  const deep = new MlpCritic({ d, hidden: [H, H], activation: 'relu', parameterization, wStd, bStd, seed });
  const [s0, s1] = shallow.layers, [d0, d1, d2] = deep.layers;
  const scale = 1 / d1.alpha;
  expect(Math.log2(scale) % 1).toBe(0);
  const p = deep.params, q = shallow.params;
  p.fill(0);
  p.set(q.subarray(s0.w, s0.w + H * d), d0.w);
  if (s0.b >= 0) p.set(q.subarray(s0.b, s0.b + H), d0.b);
  for (let o = 0; o < H; o++) p[d1.w + o * H + o] = scale;
  p.set(q.subarray(s1.w, s1.w + H), d2.w);
  if (s1.b >= 0) p[d2.b] = q[s1.b];
  return { shallow, deep, shared: [[s0, d0], [s1, d2]] as const };
}

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let bad = 0;
  for (let i = 0; i < a.length; i++) if (!(a[i] === b[i])) bad++;
  return bad + Math.abs(a.length - b.length);
}

describe('one hidden ReLU layer: fused passes = generic passes, bit for bit', () => {
  const H = 16;
  for (const parameterization of ['standard', 'ntk'] as const) {
    for (const bStd of [0.3, null]) {
      it(`${parameterization}, ${bStd === null ? 'no biases' : 'biases'}: f, ∇f, every objective's loss and ∂L/∂θ, batches of 1 to 9 rows`, () => {
        for (const d of [1, 2, 3]) {
          const { shallow, deep, shared } = twins(d, H, parameterization, bStd, 17 + d);
          for (let n = 1; n <= 9; n++) {
            const r = new Rng(100 * d + n);
            const P = r.fillNormal(new Float64Array(n * d), 0.5, 1), Q = r.fillNormal(new Float64Array(n * d), -0.5, 1);
            expect(sameBits(shallow.forward(Q, n), deep.forward(Q, n))).toBe(0);
            expect(sameBits(shallow.inputGradient(P, n), deep.inputGradient(P, n))).toBe(0);
            expect(sameBits(generatorLossGradient(shallow, 'bce', Q, n).grad, generatorLossGradient(deep, 'bce', Q, n).grad)).toBe(0);
            const wts = r.fillNormal(new Float64Array(n));
            const gs = shallow.paramGradient(P, n, wts), gd = deep.paramGradient(P, n, wts);
            for (const [a, b] of shared) expect(sameBits(gs.subarray(a.w, a.w + a.nIn * a.nOut), gd.subarray(b.w, b.w + b.nIn * b.nOut))).toBe(0);
            for (const obj of OBJECTIVES) {
              const vs = criticObjective(shallow, obj, P, n, Q, n, { rng: new Rng(n) });
              const vd = criticObjective(deep, obj, P, n, Q, n, { rng: new Rng(n) });
              expect([vs.loss, vs.gap, vs.penalty]).toEqual([vd.loss, vd.gap, vd.penalty]);
              for (const [a, b] of shared) {
                expect(sameBits(vs.grad.subarray(a.w, a.w + a.nIn * a.nOut), vd.grad.subarray(b.w, b.w + b.nIn * b.nOut))).toBe(0);
                if (a.b >= 0) expect(sameBits(vs.grad.subarray(a.b, a.b + a.nOut), vd.grad.subarray(b.b, b.b + b.nOut))).toBe(0);
              }
            }
          }
        }
      });
    }
  }
});
