// The overhead of sharding a sweep (issue 13): 10^3 cheap points of quadratic-critic
// SGD run as 8 shards against one shard, total CPU time (user + system).
//   in process:  8 × (read spec, validate, run shard i/8, checkpoint, write) against
//                1 × the same for 0/1, interleaved, medians: the sweep machinery's own cost.
//   processes:   8 `gandyn sweep run --shard i/8` processes against one `--shard 0/1`
//                process (the CLI bundled with esbuild, as a built install starts), CPU
//                from each process (cpu-hook.cjs): what a cluster pays, start-up included.
// Goal: ratio ≤ 1.1. Measured while the file is collected (vitest runs no afterAll in
// bench mode) and printed before vitest's table. GANDYN_BENCH_REPEATS (default 5 / 2);
// GANDYN_BENCH_BATCH sets the cost of a point in the process run (default 2400: ~40 ms).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { bench, describe } from 'vitest';
import { theories } from '../../src/models/index.ts';
import { parseSweep, runShard } from '../../src/report/index.ts';

const REPO = resolve(dirname(new URL(import.meta.url).pathname), '../..');
const root = mkdtempSync(join(tmpdir(), 'gandyn-sweep-bench-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
const repeats = Number(process.env.GANDYN_BENCH_REPEATS ?? 0);

const spec = (batch: number, dt: number) => ({
  theory: 'quadratic-critic', command: 'simulate',
  options: { T: 1, dt, every: 0.5, batch },
  grid: [{ axis: 'set.eta', linspace: { from: 0.5, to: 2, count: 25 } }, { axis: 'set.gamma', logspace: { from: 0.1, to: 1, count: 40 } }],
  seed: 1, metrics: { final: ['theta', 's'] },
});

const median = (v: number[]) => { const s = [...v].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

let dirCount = 0;
async function inProcess(json: unknown, shards: number): Promise<number> {
  const dir = join(root, `d${dirCount++}`);
  const t0 = cpuMs();
  for (let i = 0; i < shards; i++) await runShard(parseSweep(json, theories), { shard: i, of: shards, dir });
  return cpuMs() - t0;
}

async function measureInProcess(runs: number): Promise<string> {
  const json = spec(16, 0.001);
  await inProcess(json, 1); // warm-up (JIT)
  const one: number[] = [], eight: number[] = [];
  for (let r = 0; r < runs; r++) { one.push(await inProcess(json, 1)); eight.push(await inProcess(json, 8)); }
  const ratio = median(eight) / median(one);
  return `sweep sharding, in process, 1000 points: 1 shard ${median(one).toFixed(0)} ms CPU, 8 shards ${median(eight).toFixed(0)} ms CPU (medians of ${runs}): ratio ${ratio.toFixed(3)} ${ratio <= 1.1 ? '(≤ 1.1: ok)' : '(ABOVE 1.1)'}`;
}

const bundle = join(REPO, 'out', 'bench', 'gandyn-sweep.mjs');

async function bundleCli(): Promise<void> {
  await build({
    stdin: { contents: "import { main } from './src/cli/main.ts'; process.exitCode = await main(process.argv.slice(2));", resolveDir: REPO, loader: 'ts', sourcefile: 'gandyn-sweep-entry.ts' },
    bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: bundle, logLevel: 'warning',
  });
}

function processCpu(args: string[]): number {
  const r = spawnSync(process.execPath, ['--require', join(REPO, 'test/bench/cpu-hook.cjs'), bundle, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gandyn ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return Number(/@@cpu ([\d.]+)/.exec(r.stderr)![1]);
}

function processes(specPath: string, shards: number): number {
  const dir = join(root, `p${dirCount++}`);
  let total = 0;
  for (let i = 0; i < shards; i++) total += processCpu(['sweep', 'run', specPath, '--shard', `${i}/${shards}`, '--out', dir]);
  return total;
}

function measureProcesses(runs: number): string {
  const specPath = join(root, 'spec-processes.json');
  writeFileSync(specPath, JSON.stringify(spec(Number(process.env.GANDYN_BENCH_BATCH ?? 2400), 0.001)));
  const startup = median([0, 1, 2].map(() => processCpu(['sweep', 'plan', specPath])));
  const one: number[] = [], eight: number[] = [];
  for (let r = 0; r < runs; r++) { one.push(processes(specPath, 1)); eight.push(processes(specPath, 8)); }
  const ratio = median(eight) / median(one);
  return `sweep sharding, processes, 1000 points of ~${(median(one) / 1000).toFixed(0)} ms: 1 process ${(median(one) / 1000).toFixed(1)} s CPU, 8 processes ${(median(eight) / 1000).toFixed(1)} s CPU (medians of ${runs}): ratio ${ratio.toFixed(3)} ${ratio <= 1.1 ? '(≤ 1.1: ok)' : '(ABOVE 1.1)'}; start-up + spec check of one process ${startup.toFixed(0)} ms CPU`;
}

await bundleCli();
console.log(await measureInProcess(repeats || 5));
console.log(measureProcesses(repeats || 2));

describe('sweep sharding (1000 cheap points, in process)', () => {
  const json = spec(16, 0.001);
  bench('1 shard', async () => { await inProcess(json, 1); }, { iterations: 3, time: 0 });
  bench('8 shards', async () => { await inProcess(json, 8); }, { iterations: 3, time: 0 });
});
