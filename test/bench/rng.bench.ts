// fillNormal against NumPy's default_rng().standard_normal and a Box–Muller Math.random loop.
// vitest prints its own table; afterAll prints a side-by-side normals/s table measured in
// this same run (NumPy timed by test/bench/numpy_normals.py through python3). The side-by-side
// table is measured while the file is collected (vitest runs no afterAll hooks in bench mode),
// so it prints before vitest's table.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bench, describe } from 'vitest';
import { Rng } from '../../src/numeric/index.ts';

const SIZES = [1_000_000, 10_000_000];
const REPEATS = 3;
const SECONDS_PER_REPEAT = 0.5;
const NUMPY_SCRIPT = fileURLToPath(new URL('./numpy_normals.py', import.meta.url));

function boxMullerMathRandom(out: Float64Array): Float64Array {
  const n = out.length;
  for (let i = 0; i < n; i += 2) {
    const u1 = 1 - Math.random(); // (0, 1]
    const u2 = Math.random();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/** Best and median normals/s over REPEATS timed windows of SECONDS_PER_REPEAT. */
function measureRate(fill: (out: Float64Array) => unknown, n: number): { best: number; median: number } {
  const buf = new Float64Array(n);
  fill(buf);
  const rates: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    let calls = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      fill(buf);
      calls++;
      elapsed = (performance.now() - start) / 1000;
    } while (elapsed < SECONDS_PER_REPEAT);
    rates.push((calls * n) / elapsed);
  }
  rates.sort((a, b) => a - b);
  return { best: rates[rates.length - 1], median: rates[Math.floor(rates.length / 2)] };
}

type NumpyRate = { alloc: { best: number }; out: { best: number }; numpy: string } | { error: string };

function measureNumpy(n: number): NumpyRate {
  try {
    const stdout = execFileSync('python3', [NUMPY_SCRIPT, String(n), String(REPEATS), String(SECONDS_PER_REPEAT)], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    return JSON.parse(stdout.trim().split('\n').pop()!) as NumpyRate;
  } catch (e) {
    return { error: `python3 could not be run: ${(e as Error).message.split('\n')[0]}` };
  }
}

function printSideBySide(): void {
  const rows: Record<string, string>[] = [];
  for (const n of SIZES) {
    const stream = new Rng(8);
    const ours = measureRate((b) => stream.fillNormal(b), n);
    const boxMuller = measureRate(boxMullerMathRandom, n);
    const numpy = measureNumpy(n);
    const row: Record<string, string> = {
      n: String(n),
      'Rng.fillNormal M/s (best)': mps(ours.best),
      'Rng.fillNormal M/s (median)': mps(ours.median),
      'Box–Muller M/s': mps(boxMuller.best),
    };
    if ('error' in numpy) {
      row['NumPy M/s'] = `skipped (${numpy.error})`;
    } else {
      row['NumPy standard_normal(n) M/s'] = mps(numpy.alloc.best);
      row['NumPy (out=) M/s'] = mps(numpy.out.best);
      row['ours / NumPy'] = (ours.best / numpy.alloc.best).toFixed(2);
    }
    rows.push(row);
  }
  console.log(`\nnormals per second, best of ${REPEATS} × ${SECONDS_PER_REPEAT}s windows (same run):`);
  console.table(rows);
}

const mps = (r: number) => (r / 1e6).toFixed(1);

describe('standard normals into a Float64Array', () => {
  for (const n of SIZES) {
    const rng = new Rng(12345);
    const buf = new Float64Array(n);
    bench(`Rng.fillNormal n=${n}`, () => {
      rng.fillNormal(buf);
    }, { time: 1500 });
    bench(`Box–Muller Math.random n=${n}`, () => {
      boxMullerMathRandom(buf);
    }, { time: 1500 });
  }
});

printSideBySide();
