// The N×N NTK Gram matrix of a depth-3 ReLU network (d = 16, W = √2, b = 0.1, f64)
// for N = 1000, 2000, 4000, against test/bench/ntk_numpy.py (the same recursion in
// NumPy, full N×N arrays, in-place ufuncs) on the same inputs in the same run; and
// the empirical NTK of a width-1024 network on N = 256 inputs (time and memory).
//
// The side-by-side tables are measured while the file is collected (vitest runs no
// afterAll hooks in bench mode), so they print before vitest's own table.
//   ours (1 thread):   kernels(), Gram upper triangle fused per entry, then mirrored
//   ours (threads):    kernelsAsync(), the same rows split over worker threads
//   ours x1×x2:        kernels(arch, X, copy of X): every entry, no symmetry (per-entry speed)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bench, describe } from 'vitest';
import { stack } from '../../src/ntk/index.ts';
import { relu } from '../../src/ntk/index.ts';
import { kernels, kernelsAsync, shutdownKernelWorkers, type Matrix } from '../../src/ntk/index.ts';
import { finiteNetwork, empiricalNtk } from '../../src/ntk/index.ts';
import { Rng } from '../../src/numeric/index.ts';

const SIZES = [1000, 2000, 4000];
const D = 16, DEPTH = 3, W_STD = Math.SQRT2, B_STD = 0.1;
const REPEATS = 3;
const NUMPY_SCRIPT = fileURLToPath(new URL('./ntk_numpy.py', import.meta.url));
const arch = stack(DEPTH, relu(), W_STD, B_STD);

function inputs(n: number): Matrix {
  const data = new Float64Array(n * D);
  new Rng(2024).fillNormal(data);
  return { data, rows: n, cols: D };
}

async function best(run: () => unknown): Promise<number> {
  await run(); // warm-up (compiles the kernel, starts workers)
  let t = Infinity;
  for (let r = 0; r < REPEATS; r++) {
    const start = performance.now();
    await run();
    t = Math.min(t, (performance.now() - start) / 1000);
  }
  return t;
}

type NumpyResult = { best: number; checksum: { nngp_sum: number; ntk_sum: number; ntk_01: number; ntk_00: number }; numpy: string } | { error: string };

function numpy(X: Matrix): NumpyResult {
  const dir = mkdtempSync(join(tmpdir(), 'ntk-bench-'));
  try {
    const file = join(dir, 'x.f64');
    writeFileSync(file, Buffer.from(X.data.buffer, X.data.byteOffset, X.data.byteLength));
    const out = execFileSync('python3', [NUMPY_SCRIPT, file, String(X.rows), String(D), String(DEPTH), String(W_STD), String(B_STD), String(REPEATS)], {
      encoding: 'utf8', timeout: 300_000,
    });
    return JSON.parse(out.trim().split('\n').pop()!) as NumpyResult;
  } catch (e) {
    return { error: `python3 could not be run: ${(e as Error).message.split('\n')[0]}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (s: number) => `${s.toFixed(3)} s`;

async function gramTable(): Promise<void> {
  const rows: Record<string, string>[] = [];
  for (const n of SIZES) {
    const X = inputs(n);
    const Xcopy: Matrix = { data: Float64Array.from(X.data), rows: n, cols: D };
    const one = await best(() => kernels(arch, X));
    const threaded = await best(() => kernelsAsync(arch, X));
    const full = await best(() => kernels(arch, X, Xcopy));
    const np = numpy(X);
    const row: Record<string, string> = {
      N: String(n), 'ours 1 thread': fmt(one), [`ours ${Math.min(availableParallelism(), 8)} threads`]: fmt(threaded), 'ours x1×x2 (no symmetry)': fmt(full),
    };
    if ('error' in np) {
      row.NumPy = `skipped (${np.error})`;
    } else {
      row[`NumPy ${np.numpy}`] = fmt(np.best);
      row['NumPy / ours best'] = (np.best / Math.min(one, threaded)).toFixed(2);
      // the same numbers: checksums of NumPy's matrices against ours
      const r = kernels(arch, X);
      let nngpSum = 0, ntkSum = 0;
      for (let t = 0; t < n * n; t++) { nngpSum += r.nngp.data[t]; ntkSum += r.ntk!.data[t]; }
      const rel = Math.max(Math.abs(nngpSum / np.checksum.nngp_sum - 1), Math.abs(ntkSum / np.checksum.ntk_sum - 1),
        Math.abs(r.ntk!.data[1] / np.checksum.ntk_01 - 1));
      row['max rel. diff (sums, Θ01)'] = rel.toExponential(1);
    }
    rows.push(row);
  }
  console.log(`\nNTK Gram matrix, depth-${DEPTH} ReLU, d = ${D}, f64, best of ${REPEATS} (${availableParallelism()} cores):`);
  console.table(rows);
}

function memoryMiB(): { rss: number; arrayBuffers: number } {
  const m = process.memoryUsage();
  return { rss: m.rss / 2 ** 20, arrayBuffers: m.arrayBuffers / 2 ** 20 };
}

function empiricalTable(): void {
  const N = 256, width = 1024;
  const X = inputs(N);
  const net = finiteNetwork(arch, { d: D, width, seed: 1 });
  empiricalNtk(net, { data: X.data.subarray(0, 8 * D), rows: 8, cols: D }); // warm-up
  const before = memoryMiB();
  const start = performance.now();
  const theta = empiricalNtk(net, X);
  const seconds = (performance.now() - start) / 1000;
  const after = memoryMiB();
  // What empiricalNtk holds at its peak: per dense layer the activations a_{l−1} (N×n_in),
  // pre-activations h_l and signals δ_l (N×n_out), plus two N×N Gram buffers and the result.
  const layerFloats = net.layers.reduce((s, p) => s + N * (p.nIn + 2 * p.nOut), 0);
  const peakMiB = ((layerFloats + 3 * N * N) * 8) / 2 ** 20;
  const jacobianMiB = (N * net.size * 8) / 2 ** 20;
  console.log(`\nEmpirical NTK, depth-${DEPTH} ReLU, width ${width}, d = ${D}, N = ${N}: ${net.size} parameters (${(net.size * 8 / 2 ** 20).toFixed(1)} MiB)`);
  console.table([{
    time: fmt(seconds),
    'working set (estimate)': `${peakMiB.toFixed(1)} MiB`,
    'an explicit N×P Jacobian would be': `${jacobianMiB.toFixed(0)} MiB`,
    'rss after − before': `${(after.rss - before.rss).toFixed(1)} MiB`,
    'arrayBuffers after − before': `${(after.arrayBuffers - before.arrayBuffers).toFixed(1)} MiB`,
    'Θ[0][0]': theta.data[0].toFixed(4),
  }]);
}

await gramTable();
empiricalTable();
await shutdownKernelWorkers();

describe('NTK Gram matrix, depth-3 ReLU, d = 16, f64', () => {
  for (const n of SIZES) {
    const X = inputs(n);
    bench(`kernels() N=${n}`, () => { kernels(arch, X); }, { iterations: 2, time: 0, warmupIterations: 1 });
    bench(`kernelsAsync() N=${n}`, async () => { await kernelsAsync(arch, X); }, { iterations: 2, time: 0, warmupIterations: 1 });
  }
});

describe('empirical NTK, width 1024, N = 256', () => {
  const net = finiteNetwork(arch, { d: D, width: 1024, seed: 1 });
  const X = inputs(256);
  bench('empiricalNtk', () => { empiricalNtk(net, X); }, { iterations: 2, time: 0, warmupIterations: 0 });
});
