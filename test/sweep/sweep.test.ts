// Sweeps on one machine: spec errors (exit 2 naming the key), deterministic shards whose
// merge is byte-identical for any N, resume after a partial shard, the missing points
// named, figures, --log-json, and the sbatch script `sweep slurm` writes.
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { main } from '../../src/cli/index.ts';
import { IntegrationError } from '../../src/core/index.ts';
import { Rng } from '../../src/numeric/index.ts';
import { type Theory, optionNumber, single, checkKnownNames, theories } from '../../src/models/index.ts';
import {
  canonicalJson, parseSweep, pointSeed, linspace, logspace, shardPoints, readShardFile, shardPath, MAX_POINTS, arrayList,
  checkSlurmTime, shellQuote,
} from '../../src/report/index.ts';

interface NoisySpec { k: number; x0: number; steps: number; seed: number }

/** x_{t+1} = x_t + 0.1 (k x_t) + 0.01 ξ_t; stops (IntegrationError) when |x| > 1e3. */
const noisy: Theory<NoisySpec> = {
  id: 'toy-noisy-growth',
  title: 'Toy: noisy growth',
  source: 'this test',
  summary: 'A seeded random walk with drift k x.',
  options: [
    { name: 'steps', kind: 'integer', min: 1, max: 10_000, default: '50', description: 'steps' },
    { name: 'seed', kind: 'integer', min: 0, default: '1', description: 'seed' },
    { name: 'mode', kind: 'choice', choices: ['a', 'b'], default: 'a', description: 'unused choice' },
  ],
  parameters: () => [{ name: 'k', description: 'rate', default: -1 }],
  initialValues: () => [{ name: 'x', description: 'start', default: 1 }],
  makeSpec(values) {
    checkKnownNames(values.set, ['k'], '--set');
    checkKnownNames(values.init, ['x'], '--init');
    return { k: single(values.set, 'k', '--set') ?? -1, x0: single(values.init, 'x', '--init') ?? 1, steps: optionNumber(values, 'steps'), seed: optionNumber(values, 'seed') };
  },
  simulate(spec) {
    const rng = new Rng(spec.seed);
    const t = [0], x = [spec.x0];
    for (let i = 1; i <= spec.steps; i++) {
      const next = x[i - 1] + 0.1 * spec.k * x[i - 1] + 0.01 * rng.normal();
      if (Math.abs(next) > 1e3) throw new IntegrationError(`diverged at step ${i}`, { t, series: { x } });
      t.push(i); x.push(next);
    }
    return { t, series: { x } };
  },
  simulateCost: (spec) => spec.steps * 10,
  theorems: [],
};

const registry = { theories: [...theories, noisy as Theory], theorems: [] };
const root = mkdtempSync(join(tmpdir(), 'gandyn-sweep-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function run(argv: string[]) {
  let out = '', err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } }, registry);
  return { code, out, err };
}

let specCount = 0;
function specFile(spec: unknown): string {
  const path = join(root, `spec-${specCount++}.json`);
  writeFileSync(path, JSON.stringify(spec));
  return path;
}

const NOISY = {
  theory: 'toy-noisy-growth', command: 'simulate', options: { steps: 40 },
  grid: [
    { axis: 'set.k', values: [-2, -0.5, 0, 0.5, 2.5] },
    { zip: [{ axis: 'init.x', linspace: { from: 0.5, to: 1.5, count: 3 } }, { axis: 'mode', values: ['a', 'b', 'a'] }] },
  ],
  seed: 11, replicates: 2, metrics: { final: ['x'], min: ['x'], max: ['x'] },
};

async function shardedRun(spec: string, n: number, name: string): Promise<string> {
  const dir = join(root, name);
  for (let i = 0; i < n; i++) {
    const r = await run(['sweep', 'run', spec, '--shard', `${i}/${n}`, '--out', dir]);
    expect(r.code, r.err).toBe(0);
  }
  const m = await run(['sweep', 'merge', dir]);
  expect(m.code, m.err).toBe(0);
  return dir;
}

const bytes = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8');

describe('sweep specs', () => {
  it('refuse bad specs with exit 2 and one line naming the key', async () => {
    const cases: [unknown, RegExp][] = [
      [{ ...NOISY, theory: 'no-such-theory' }, /theory: unknown theory "no-such-theory"/],
      [{ ...NOISY, grid: [{ axis: 'set.nope', values: [1] }] }, /grid\[0\]\.axis: unknown axis "set.nope".*known: k/],
      [{ ...NOISY, grid: [{ axis: 'nope', values: [1] }] }, /grid\[0\]\.axis: unknown axis "nope"/],
      [{ ...NOISY, grid: [{ axis: 'constructor', values: [1] }] }, /unknown axis "constructor"/],
      [{ ...NOISY, grid: [] }, /grid: empty grid/],
      [{ ...NOISY, grid: [{ axis: 'set.k', values: [] }] }, /grid\[0\]\.values: empty grid axis "set.k"/],
      [{ ...NOISY, grid: [{ axis: 'set.k', linspace: { from: 0, to: 1, count: 0 } }] }, /count: empty grid axis/],
      [{ ...NOISY, grid: [{ axis: 'set.k', linspace: { from: 0, to: 1, count: 1000 } }, { axis: 'init.x', linspace: { from: 1, to: 100, count: 1001 } }] }, new RegExp(`grid: too many points \\(1000 × 1001 × 2 replicates is above the limit ${MAX_POINTS.toLocaleString('en-US')}\\)`)],
      [{ ...NOISY, grid: [{ axis: 'set.k', logspace: { from: -1, to: 1, count: 3 } }] }, /logspace: "from" and "to" must be positive/],
      [{ ...NOISY, grid: [{ zip: [{ axis: 'set.k', values: [1, 2] }, { axis: 'init.x', values: [1] }] }] }, /zip\[1\]: axis "init.x" has 1 values, the zipped axes 2/],
      [{ ...NOISY, options: { steps: 40, seed: 3 } }, /replicates: 2 replicates would be identical/],
      [{ ...NOISY, options: { steps: 0 } }, /--steps must be a decimal integer in 1\.\.10000/],
      [{ ...NOISY, command: 'phase' }, /command: toy-noisy-growth has no phase/],
      [{ ...NOISY, colour: 'red' }, /sweep spec: unknown key "colour"/],
      [{ ...NOISY, options: {}, grid: [{ axis: 'steps', values: [10, 20000] }] }, /point \d+ \(steps=20000.*--steps must be a decimal integer in 1\.\.10000/],
      [{ theory: 'quadratic-critic', command: 'check', theorem: 'nope', grid: [{ axis: 'effort', values: [1] }] }, /theorem: quadratic-critic has no theorem "nope"/],
      [{ theory: 'quadratic-critic', command: 'check', theorem: 'quadratic-critic-fixed-point', grid: [{ axis: 'set.mu', values: [1] }] }, /a check sweep varies only "effort"/],
    ];
    for (const [spec, re] of cases) {
      const r = await run(['sweep', 'plan', specFile(spec)]);
      expect(r.code, JSON.stringify(spec)).toBe(2);
      expect(r.err).toMatch(re);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
    expect((await run(['sweep', 'run', specFile(NOISY), '--out', join(root, 'x'), '--shard', '3/3'])).err).toMatch(/--shard must be i\/N with 0 <= i < N/);
  });

  it('grids: linspace and logspace hit both ends exactly; the first axis varies slowest, replicates fastest', () => {
    expect(linspace(0.1, 0.7, 4)).toEqual([0.1, 0.1 + 0.6 / 3, 0.1 + 1.2 / 3, 0.7]);
    const g = logspace(0.01, 1, 5);
    expect(g[0]).toBe(0.01);
    expect(g[4]).toBe(1);
    g.slice(1).forEach((v, i) => expect(v / g[i]).toBeCloseTo(Math.sqrt(10), 12));
    const s = parseSweep(NOISY, registry.theories);
    expect(s.points).toBe(5 * 3 * 2);
    expect(shardPoints(s, 1, 7)).toEqual([1, 8, 15, 22, 29]);
  });

  it('derives each point seed from (sweep seed, index) with the splittable RNG: the index-th split', () => {
    const parent = new Rng(11);
    const children = parent.splitMany(4);
    for (let i = 0; i < 4; i++) {
      const hi = children[i].nextUint32() >>> 11, lo = children[i].nextUint32();
      expect(pointSeed(11, i)).toBe(hi * 2 ** 32 + lo);
    }
    expect(new Set(Array.from({ length: 1000 }, (_, i) => pointSeed(11, i))).size).toBe(1000);
  });
});

describe('examples/sweeps', () => {
  it('every example spec plans (each point spec valid)', async () => {
    const folder = join(dirname(new URL(import.meta.url).pathname), '../../examples/sweeps');
    const files = readdirSync(folder).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) {
      const r = await run(['sweep', 'plan', join(folder, f)]);
      expect(r.code, `${f}: ${r.err}`).toBe(0);
    }
  });
});

describe('sharded runs', () => {
  it('merge(shards) is byte-identical for N = 1, 3, 7 (JSON, CSV and SVG); divergent points are kept as errors', async () => {
    const spec = specFile(NOISY);
    const dirs = [await shardedRun(spec, 1, 'n1'), await shardedRun(spec, 3, 'n3'), await shardedRun(spec, 7, 'n7')];
    for (const f of ['sweep.json', 'sweep.csv', 'sweep.svg']) {
      expect(bytes(dirs[1], f)).toBe(bytes(dirs[0], f));
      expect(bytes(dirs[2], f)).toBe(bytes(dirs[0], f));
    }
    expect(bytes(dirs[0], 'sweep.svg')).toContain('no value (error)'); // the k = 2.5 column diverged
    const merged = JSON.parse(bytes(dirs[0], 'sweep.json'));
    expect(merged.rows).toHaveLength(30);
    // k = 2.5: x grows by 1.25 a step, past 1e3 within 40 steps
    const diverged = merged.rows.filter((r: { error?: string }) => r.error);
    expect(diverged.length).toBe(6);
    expect(diverged.every((r: { values: Record<string, number> }) => r.values['set.k'] === 2.5)).toBe(true);
    // replicates differ (own seeds), and each row matches a direct run of the theory with its seed
    const row = merged.rows[13];
    const direct = noisy.simulate!({ k: row.values['set.k'], x0: row.values['init.x'], steps: 40, seed: row.seed }, {});
    expect(row.metrics['final.x']).toBe(direct.series.x[40]);
    expect(row.metrics['min.x']).toBe(Math.min(...direct.series.x));
    expect(merged.rows[12].metrics['final.x']).not.toBe(merged.rows[13].metrics['final.x']);
    // canonical: the text is the canonical JSON of its own parse, row by row
    const lines = bytes(dirs[0], 'sweep.json').split('\n');
    expect(lines[1]).toBe(`${canonicalJson(merged.rows[0])},`);
    expect(bytes(dirs[0], 'sweep.csv').split('\n')[0]).toBe('index,set.k,init.x,mode,replicate,seed,final.x,max.x,min.x,error');
  });

  it('property: any number of shards merges to the same bytes', async () => {
    const spec = specFile({ ...NOISY, grid: [{ axis: 'set.k', linspace: { from: -1, to: 0.5, count: 4 } }], seed: 5, replicates: 3 });
    const reference = bytes(await shardedRun(spec, 1, 'p-ref'), 'sweep.json');
    let k = 0;
    await fc.assert(fc.asyncProperty(fc.integer({ min: 2, max: 12 }), async (n) => {
      expect(bytes(await shardedRun(spec, n, `p-${k++}`), 'sweep.json')).toBe(reference);
    }), { numRuns: 6, seed: 42 });
  });

  it('resumes: a rerun skips the points of the last checkpoint and ends with the same bytes', async () => {
    const spec = specFile(NOISY);
    const full = await shardedRun(spec, 2, 'resume-full');
    const dir = join(root, 'resume');
    expect((await run(['sweep', 'run', spec, '--shard', '0/2', '--out', dir])).code).toBe(0);
    // shard 1 "killed" after its 4th point: its checkpoint holds those 4 points, not complete
    const sweep = parseSweep(NOISY, registry.theories);
    const fromFull = readShardFile(sweep, shardPath(full, 1, 2));
    writeFileSync(shardPath(dir, 1, 2), `${canonicalJson({ ...fromFull, complete: false, points: fromFull.points.slice(0, 4) })}\n`);
    const m0 = await run(['sweep', 'merge', dir]);
    expect(m0.code).toBe(2);
    expect(m0.err).toMatch(/incomplete: 11 of 30 points missing: #9 \(set\.k=-0\.5, init\.x=1, mode=b\), #11 .*; in shard 1 of 2/);
    const r = await run(['sweep', 'run', spec, '--shard', '1/2', '--out', dir, '--log-json']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/15 points \(4 resumed, 11 run, 3 stopped with an error\)/);
    const events = r.err.trim().split('\n').map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ event: 'start', resumed: 4, points: 15 });
    expect(events.slice(1).map((e) => e.index)).toEqual(shardPoints(sweep, 1, 2).slice(4));
    expect(events.at(-1)).toMatchObject({ event: 'point', done: 15, total: 15 });
    expect((await run(['sweep', 'merge', dir])).code).toBe(0);
    expect(bytes(dir, 'sweep.json')).toBe(bytes(full, 'sweep.json'));
    // no temporary files left behind
    expect(readdirSync(join(dir, 'shards')).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('a rerun with another number of shards reuses the points already done', async () => {
    const spec = specFile(NOISY);
    const dir = join(root, 'reshard');
    expect((await run(['sweep', 'run', spec, '--shard', '0/2', '--out', dir])).code).toBe(0);
    const r = await run(['sweep', 'run', spec, '--shard', '1/3', '--out', dir]);
    expect(r.out).toMatch(/10 points \(5 resumed, 5 run/); // 1/3 holds 1, 4, 7, ...: the even ones ran under 0/2
    for (const s of ['0/3', '2/3']) expect((await run(['sweep', 'run', spec, '--shard', s, '--out', dir])).code).toBe(0);
    expect((await run(['sweep', 'merge', dir])).code).toBe(0);
    expect(bytes(dir, 'sweep.json')).toBe(bytes(join(root, 'n1'), 'sweep.json'));
  });

  it('refuses a folder that holds another sweep', async () => {
    const dir = join(root, 'n1');
    const r = await run(['sweep', 'run', specFile({ ...NOISY, seed: 12 }), '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--out .*n1: holds another sweep \([0-9a-f]{16}\), not this one/);
  });

  it('phase, integrate and check sweeps keep the phase, the series and the verdict; figures are heat maps or curves', async () => {
    const phase = await shardedRun(specFile({
      theory: 'solvable-gan', command: 'phase',
      grid: [{ axis: 'set.tau', linspace: { from: 0.1, to: 2, count: 4 } }, { axis: 'set.tau_g', values: [0.1, 3] }],
    }), 3, 'phase');
    const rows = JSON.parse(bytes(phase, 'sweep.json')).rows;
    expect(rows).toHaveLength(8);
    expect(typeof rows[0].metrics.phase).toBe('string');
    expect(typeof rows[0].metrics['phase.kappa']).toBe('number');
    expect(rows[0].seed).toBeNull();
    expect(bytes(phase, 'sweep.svg')).toMatch(/^<svg[\s\S]*set\.tau[\s\S]*<\/svg>\n$/);
    expect(bytes(phase, 'sweep.svg')).not.toContain('no value');

    const integ = await shardedRun(specFile({
      theory: 'quadratic-critic', command: 'integrate', T: 5, every: 1,
      grid: [{ axis: 'set.eta', logspace: { from: 0.5, to: 2, count: 3 } }], metrics: { final: ['theta'] },
    }), 2, 'integrate');
    const irows = JSON.parse(bytes(integ, 'sweep.json')).rows;
    expect(irows.map((r: { metrics: object }) => Object.keys(r.metrics))).toEqual([['final.theta'], ['final.theta'], ['final.theta']]);
    expect(bytes(integ, 'sweep.svg')).toMatch(/log10 set\.eta/);

    const check = await shardedRun(specFile({
      theory: 'quadratic-critic', command: 'check', theorem: 'quadratic-critic-fixed-point', seed: 3, grid: [{ axis: 'effort', values: [0.5, 1] }],
    }), 2, 'check');
    const crows = JSON.parse(bytes(check, 'sweep.json')).rows;
    expect(crows.map((r: { metrics: { passed: boolean } }) => r.metrics.passed)).toEqual([true, true]);
    expect(crows[0].seed).toBe(pointSeed(3, 0));
  });

  it('plan prints the size and the work estimate; --probe times points', async () => {
    const r = await run(['sweep', 'plan', specFile(NOISY), '--probe', '2', '--shards', '3']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/toy-noisy-growth simulate, 30 points/);
    expect(r.out).toMatch(/grid: set\.k \(list, 5\) × init\.x\+mode \(linear\+list, 3\) × 2 replicates/);
    expect(r.out).toMatch(/work estimate: 1\.20e\+4 operations in all, at most 4\.00e\+2 per point/);
    expect(r.out).toMatch(/probe \(after a warm-up point\): 2 point\(s\) took .* per shard with 3 shards/);
  });
});

describe('sweep commands under random flags', () => {
  it('exit 0 or 2, a refusal is one line, nothing is submitted or written outside --out', async () => {
    const spec = specFile({ ...NOISY, options: { steps: 3 }, replicates: 1 });
    const hostile = ['', ' ', '-1', '0', '1', '2/3', '3/2', '0/0', '1e9', 'NaN', '0x10', '__proto__', 'constructor', '10 min', '1 GB', 'a;b', 'x'.repeat(500), '\u0000', '\r\n', '/dev/null', '/', '.'];
    const FLAGS: Record<string, string[]> = {
      plan: ['--probe', '--shards', '--json'],
      run: ['--shard', '--checkpoint', '--log-json', '--no-progress'],
      merge: ['--json'],
      slurm: ['--shards', '--partition', '--time', '--mem', '--cpus', '--gandyn', '--checkpoint', '--log-json', '--poll', '--resubmit-failed'],
    };
    const boolean = new Set(['--json', '--log-json', '--no-progress', '--resubmit-failed']);
    let k = 0;
    await fc.assert(fc.asyncProperty(
      fc.constantFrom('plan', 'run', 'merge', 'slurm'),
      fc.oneof(fc.constant(spec), fc.constantFrom(...hostile)),
      fc.array(fc.tuple(fc.nat(20), fc.constantFrom(...hostile)), { maxLength: 4 }),
      async (verb, arg, picks) => {
        const out = join(root, `fuzz-${k++}`);
        const argv = ['sweep', verb, ...(verb === 'merge' ? [out] : [arg, '--out', out])];
        if (verb === 'slurm') argv.push('--shards', '2');
        for (const [i, v] of picks) {
          const flag = FLAGS[verb][i % FLAGS[verb].length];
          argv.push(...(boolean.has(flag) ? [flag] : [`${flag}=${v}`]));
        }
        const r = await run(argv);
        expect([0, 2], `${JSON.stringify(argv).slice(0, 300)}\n${r.err}`).toContain(r.code);
        if (r.code === 2) expect(r.err.split('\n'), r.err).toHaveLength(2);
        expect(r.err).not.toMatch(/internal error|^\s+at /m);
      },
    ), { numRuns: 120, seed: 13 });
    expect(existsSync('/spec.json')).toBe(false);
  });
});

describe('sweep slurm (script only)', () => {
  it('writes an sbatch job array whose tasks run their shard from SLURM_ARRAY_TASK_ID', async () => {
    const dir = join(root, 'slurm-script');
    const r = await run(['sweep', 'slurm', specFile(NOISY), '--shards', '4', '--out', dir, '--partition', 'short', '--time', '0:10:00', '--mem', '1G', '--cpus', '1', '--gandyn', 'node /opt/gandyn/bin/gandyn.js']);
    expect(r.code, r.err).toBe(0);
    const script = bytes(dir, 'sweep.sbatch');
    expect(r.out).toBe(script);
    expect(script).toMatch(/^#!\/bin\/bash\n/);
    for (const d of ['--array=0-3', `--output=${dir}/logs/shard-%a-job%A.out`, '--partition=short', '--time=0:10:00', '--mem=1G', '--cpus-per-task=1']) {
      expect(script).toContain(`#SBATCH ${d}\n`);
    }
    expect(script).toContain(`exec node /opt/gandyn/bin/gandyn.js sweep run ${dir}/spec.json --shard "\${SLURM_ARRAY_TASK_ID}/4" --out ${dir} --checkpoint 5\n`);
    expect(existsSync(join(dir, 'spec.json'))).toBe(true);
    for (const [flag, value, re] of [['--time', '10 min', /--time must be a Slurm time limit/], ['--mem', '1 GB', /--mem must be a size/], ['--partition', 'a;b', /--partition must be a partition name/], ['--shards', '31', /--shards 31 is more than the 30 points/]] as const) {
      const bad = await run(['sweep', 'slurm', specFile(NOISY), '--shards', '4', '--out', dir, flag, value]);
      expect(bad.code).toBe(2);
      expect(bad.err).toMatch(re);
    }
    expect(arrayList([5, 0, 1, 2, 7, 8])).toBe('0-2,5,7-8');
    for (const t of ['30', '10:00', '2:00:00', '1-0', '1-12:30', '2-00:00:00']) expect(checkSlurmTime(t)).toBe(t);
    expect(shellQuote("it's here")).toBe(`'it'\\''s here'`);
    expect((await run(['sweep', 'slurm', specFile(NOISY), '--shards', '2', '--out', dir, '--wait'])).err).toMatch(/--wait goes with --submit or --resubmit-failed/);
    const spaced = await run(['sweep', 'slurm', specFile(NOISY), '--shards', '2', '--out', join(root, 'with space')]);
    expect(spaced.err).toMatch(/a folder for Slurm must be a path of letters/);
  });
});
