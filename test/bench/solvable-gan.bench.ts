// SGD steps per second of the solvable-GAN simulator (src/models/solvable-gan/simulate.ts) at
// n = 10^4, d = 1 and d = 2, against the same loop in NumPy (test/bench/solvable_gan_numpy.py,
// vectorised per step, preallocated buffers), run through python3 in this same benchmark.
// Both noise modes are measured in both implementations: 'full' (the literal loop, 2n normals
// per step) and 'projected' (the same Markov chain in law, n + 2 normals per step).
// The side-by-side table is measured while the file is collected (vitest runs no afterAll hooks
// in bench mode), so it prints before vitest's own table.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bench, describe } from 'vitest';
import { simulateSgd } from '../../src/models/solvable-gan/index.ts';
import { defaultInit, defaultSpec } from '../../src/models/solvable-gan/index.ts';

const N = 10_000;
const DIMS = [1, 2];
const MODES = ['full', 'projected'] as const;
const STEPS = 8000;
const REPEATS = 3;
/** Ours and NumPy are measured alternately this many times (REPEATS runs each), best kept: the machine is shared. */
const ROUNDS = 2;
const NUMPY_SCRIPT = fileURLToPath(new URL('./solvable_gan_numpy.py', import.meta.url));

type Mode = (typeof MODES)[number];

/** Best and median steps/s of simulateSgd over REPEATS runs of STEPS steps (construction included, < 1 %). */
function measureOurs(d: number, noise: Mode): { best: number; median: number } {
  const spec = defaultSpec(d), init = defaultInit(d);
  simulateSgd(spec, init, { n: N, T: 2000 / N, seed: 1, noise }); // warm-up (JIT)
  const rates: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const start = performance.now();
    simulateSgd(spec, init, { n: N, T: STEPS / N, seed: 2 + r, noise });
    rates.push(STEPS / ((performance.now() - start) / 1000));
  }
  rates.sort((a, b) => a - b);
  return { best: rates[rates.length - 1], median: rates[Math.floor(rates.length / 2)] };
}

type NumpyRate = { steps_per_s_best: number; steps_per_s_median: number; numpy: string } | { error: string };

function measureNumpy(d: number, noise: Mode): NumpyRate {
  try {
    const stdout = execFileSync('python3', [NUMPY_SCRIPT, String(N), String(d), String(STEPS), String(REPEATS), noise], {
      encoding: 'utf8',
      timeout: 300_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return JSON.parse(stdout.trim().split('\n').pop()!) as NumpyRate;
  } catch (e) {
    const msg = (e as { stderr?: string }).stderr?.trim().split('\n').pop() ?? (e as Error).message.split('\n')[0];
    return { error: `python3/numpy could not be run: ${msg}` };
  }
}

function printSideBySide(): void {
  const rows: Record<string, string>[] = [];
  for (const d of DIMS) {
    for (const noise of MODES) {
      // Alternate ours and NumPy so both see the same machine load; keep the best round of each.
      let ours = { best: 0, median: 0 };
      let numpy: NumpyRate = { error: 'not run' };
      for (let round = 0; round < ROUNDS; round++) {
        const o = measureOurs(d, noise);
        if (o.best > ours.best) ours = o;
        const p = measureNumpy(d, noise);
        if ('error' in p) numpy = p;
        else if ('error' in numpy || p.steps_per_s_best > numpy.steps_per_s_best) numpy = p;
      }
      const row: Record<string, string> = {
        d: String(d),
        noise,
        'ours steps/s (best)': ours.best.toFixed(0),
        'ours (median)': ours.median.toFixed(0),
      };
      if ('error' in numpy) {
        row['NumPy steps/s'] = `skipped (${numpy.error})`;
      } else {
        row['NumPy steps/s (best)'] = numpy.steps_per_s_best.toFixed(0);
        row['NumPy (median)'] = numpy.steps_per_s_median.toFixed(0);
        row['ours / NumPy (best)'] = (ours.best / numpy.steps_per_s_best).toFixed(2);
      }
      rows.push(row);
    }
  }
  console.log(`\nsolvable-GAN online SGD, n = ${N}: steps per second, best and median of ${REPEATS} runs of ${STEPS} steps, best of ${ROUNDS} alternating rounds (same run):`);
  console.table(rows);
}

describe(`solvable-GAN SGD, n = ${N}, 500 steps per iteration`, () => {
  for (const d of DIMS) {
    for (const noise of MODES) {
      const spec = defaultSpec(d), init = defaultInit(d);
      let seed = 0;
      bench(`simulateSgd d=${d} noise=${noise}`, () => {
        simulateSgd(spec, init, { n: N, T: 500 / N, seed: seed++, noise });
      }, { time: 1500 });
    }
  }
});

printSideBySide();
