// KernelOptions.out: the results written into caller buffers (reused across calls) are
// the same bits as fresh ones, for kernels and kernelsAsync, Gram and x1×x2; wrong shapes refused.
import { afterAll, describe, expect, it } from 'vitest';
import { stack, relu, kernels, kernelsAsync, shutdownKernelWorkers, KernelInputError } from '../../src/ntk/index.ts';
import { Rng } from '../../src/numeric/index.ts';

const arch = stack(3, relu(), Math.SQRT2, 0.1);
const rows = (n: number, d: number, seed: number) => {
  const data = new Float64Array(n * d);
  new Rng(seed).fillNormal(data);
  return { data, rows: n, cols: d };
};

afterAll(async () => { await shutdownKernelWorkers(); });

describe('kernels into caller buffers (out)', () => {
  it('gives the bits of fresh outputs, reused across calls, sync and async', async () => {
    const X = rows(150, 5, 1), Y = rows(70, 5, 2);
    for (const [x2, n] of [[undefined, 150 * 150], [Y, 150 * 70]] as const) {
      const fresh = kernels(arch, X, x2);
      const out = { nngp: new Float64Array(n).fill(7), ntk: new Float64Array(n).fill(7) };
      for (let k = 0; k < 2; k++) {
        const r = kernels(arch, X, x2, { out });
        expect(r.nngp.data).toBe(out.nngp);
        expect(Array.from(out.nngp)).toEqual(Array.from(fresh.nngp.data));
        expect(Array.from(out.ntk)).toEqual(Array.from(fresh.ntk!.data));
      }
      const sh = { nngp: new Float64Array(new SharedArrayBuffer(n * 8)).fill(7), ntk: new Float64Array(new SharedArrayBuffer(n * 8)).fill(7) };
      const a = await kernelsAsync(arch, X, x2, { threads: 2, out: sh });
      expect(a.nngp.data).toBe(sh.nngp);
      expect(Array.from(sh.nngp)).toEqual(Array.from(fresh.nngp.data));
      expect(Array.from(sh.ntk)).toEqual(Array.from(fresh.ntk!.data));
      // unshared buffers: kernelsAsync allocates shared ones instead (same values)
      const b = await kernelsAsync(arch, X, x2, { threads: 2, out });
      expect(Array.from(b.ntk!.data)).toEqual(Array.from(fresh.ntk!.data));
    }
  });

  it('refuses buffers of the wrong length or a missing NTK buffer', () => {
    const X = rows(20, 3, 3);
    expect(() => kernels(arch, X, null, { out: { nngp: new Float64Array(10), ntk: new Float64Array(400) } })).toThrow(KernelInputError);
    expect(() => kernels(arch, X, null, { out: { nngp: new Float64Array(400) } })).toThrow(/out.ntk/);
    expect(kernels(arch, X, null, { get: ['nngp'], out: { nngp: new Float64Array(400) } }).nngp.data.length).toBe(400);
  });
});
