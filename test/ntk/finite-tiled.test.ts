// The finite network's forward and backward passes and the empirical NTK, now on the tiled
// products of numeric/linalg (matmulTransB, matmul, gramRows), and its parameter gradient,
// on dense-rows.ts's blocked kernel, against the row kernels and plain Gram loop they replaced, bit for bit (Object.is per entry), on seeded networks and
// inputs whose sizes straddle the 4×4 tiles. The replaced backward pass skipped a block of
// four rows only when all four signals were 0, the new one skips each zero signal: the
// same numbers whenever the weights are finite (x + 0·w = x for finite w and x ≠ −0, and
// sums from +0 never reach −0), which they are here.

import { describe, expect, it } from 'vitest';
import { parseArchitecture, finiteNetwork, empiricalNtk, type FiniteNetwork } from '../../src/ntk/index.ts';
import { accumulateWeightGrad, affineRows, backRows } from './dense-rows-reference.ts';
import { Rng } from '../../src/numeric/index.ts';

function oldGram(A: Float64Array, B: Float64Array, N1: number, N2: number, n: number): Float64Array {
  const G = new Float64Array(N1 * N2);
  for (let i = 0; i < N1; i++) {
    for (let j = 0; j < N2; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += A[i * n + k] * B[j * n + k];
      G[i * N2 + j] = s;
    }
  }
  return G;
}

function oldForward(net: FiniteNetwork, X: Float64Array, N: number): { post: Float64Array[]; pre: Float64Array[] } {
  const post = [X], pre: Float64Array[] = [];
  net.layers.forEach((p, l) => {
    const H = new Float64Array(N * p.nOut);
    affineRows(net.params, p, post[l], N, H, true);
    pre.push(H);
    if (l < net.arch.depth) post.push(H.map(net.arch.activations[l].phi));
  });
  return { post, pre };
}

function oldBackward(net: FiniteNetwork, pre: Float64Array[], N: number): Float64Array[] {
  const L = net.arch.depth;
  const deltas: Float64Array[] = new Array(L + 1);
  deltas[L] = new Float64Array(N).fill(1);
  for (let l = L; l >= 1; l--) {
    const p = net.layers[l];
    const D = new Float64Array(N * p.nIn);
    backRows(net.params, p, deltas[l], N, D);
    const dphi = net.arch.activations[l - 1].dphi;
    for (let t = 0; t < D.length; t++) D[t] *= dphi(pre[l - 1][t]);
    deltas[l - 1] = D;
  }
  return deltas;
}

function oldNtk(net: FiniteNetwork, X1: Float64Array, N1: number, X2: Float64Array, N2: number): Float64Array {
  const f1 = oldForward(net, X1, N1), f2 = oldForward(net, X2, N2);
  const d1 = oldBackward(net, f1.pre, N1), d2 = oldBackward(net, f2.pre, N2);
  const out = new Float64Array(N1 * N2);
  net.layers.forEach((p, l) => {
    const G = oldGram(d1[l], d2[l], N1, N2, p.nOut), Ag = oldGram(f1.post[l], f2.post[l], N1, N2, p.nIn);
    const a2 = p.alpha * p.alpha, b2 = p.b >= 0 ? p.beta * p.beta : 0;
    for (let t = 0; t < out.length; t++) out[t] += G[t] * (a2 * Ag[t] + b2);
  });
  return out;
}

function expectSameBits(got: Float64Array, want: Float64Array): void {
  expect(got.length).toBe(want.length);
  const bad: number[] = [];
  for (let t = 0; t < want.length; t++) if (!Object.is(got[t], want[t])) bad.push(t);
  expect(bad).toEqual([]);
}

const rowsOf = (rng: Rng, N: number, d: number): number[][] => {
  const x = rng.fillNormal(new Float64Array(N * d));
  return Array.from({ length: N }, (_, i) => Array.from(x.subarray(i * d, (i + 1) * d)));
};

describe('finite network on the tiled products', () => {
  const cases: [string, number, number, number, number][] = [
    ['serial(dense(1.5, 0.3), relu, dense(1.2, 0.1), relu, dense(0.9, 0.2))', 3, 9, 7, 5],
    ['serial(dense(1.4142135623730951, 0.1), relu, dense(1.4142135623730951, 0.1), relu, dense(1.4142135623730951, 0.1), relu, dense(1.4142135623730951, 0.1))', 16, 64, 13, 8],
    ['serial(dense(1.5, 0.3), erf(1.7, 0.6, 0.2), dense(1.2, none), gelu, dense(0.9, 0.2))', 5, 17, 1, 6],
    ['serial(dense(1.4, 0.2), elementwise("x*tanh(x)"), dense(1.3, 0.1); parameterization=standard)', 2, 6, 4, 1],
    ['serial(dense(1.4, none), relu, dense(2, none); parameterization=standard)', 1, 1, 2, 3],
  ];

  it.each(cases)('forward, backward, ∂f/∂x, ∂f/∂θ and the empirical NTK are bit-identical to the row kernels: %s (d=%i, width=%i, N1=%i, N2=%i)', (spec, d, width, N1, N2) => {
    const net = finiteNetwork(parseArchitecture(spec), { d, width, seed: 31 });
    const rng = new Rng(d * 100 + width);
    const x1 = rowsOf(rng, N1, d), x2 = rowsOf(rng, N2, d);
    const X1 = Float64Array.from(x1.flat()), X2 = Float64Array.from(x2.flat());

    const cache = net.forwardCache(x1);
    const old = oldForward(net, X1, N1);
    cache.pre.forEach((H, l) => expectSameBits(H, old.pre[l]));
    cache.post.forEach((A, l) => expectSameBits(A, old.post[l]));
    const deltas = net.backward(cache), oldDeltas = oldBackward(net, old.pre, N1);
    deltas.forEach((D, l) => expectSameBits(D, oldDeltas[l]));

    const gx = net.gradInput(x1).data, oldGx = new Float64Array(N1 * d);
    backRows(net.params, net.layers[0], oldDeltas[0], N1, oldGx);
    expectSameBits(gx, oldGx);

    const grad = net.paramGradient(cache, deltas, new Float64Array(net.params.length));
    const oldGrad = new Float64Array(net.params.length);
    net.layers.forEach((p, l) => accumulateWeightGrad(oldGrad, p, oldDeltas[l], old.post[l], N1));
    expectSameBits(grad, oldGrad);

    expectSameBits(empiricalNtk(net, x1).data, oldNtk(net, X1, N1, X1, N1));
    expectSameBits(empiricalNtk(net, x1, x2).data, oldNtk(net, X1, N1, X2, N2));
  });
});
