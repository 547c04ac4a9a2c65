// Start-up time of the built CLI: `node bin/gandyn.js latex x` against `node -e 0`,
// interleaved in one run (so machine load hits both alike), median wall times and
// their ratio. Goal (issue 8): gandyn latex x under 900 ms median.
// With --imports, also the median time to import() each layer of dist/ in a fresh
// process, to see which modules dominate start-up.
//
//   npm run build && node test/bench/startup.mjs [--runs 15] [--imports]
//
// test/bench/startup.bench.ts runs the same through `npm run bench`.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/gandyn.js', import.meta.url));
export const GOAL_MS = 900;

/** What is timed: a name, the node arguments, and the exact stdout it must print. */
export const CASES = [
  { name: 'node -e 0', args: ['-e', '0'], stdout: '' },
  { name: 'gandyn latex x', args: [BIN, 'latex', 'x'], stdout: 'x\n' },
];

/** Modules whose import() is timed with --imports (dist/ paths are relative to the root). */
export const IMPORTS = [
  'commander', 'gpu.js',
  'dist/src/core/errors.js', 'dist/src/symbolic/index.js', 'dist/src/numeric/index.js', 'dist/src/compile/index.js',
  'dist/src/ntk/index.js', 'dist/src/models/ntk-gan/index.js', 'dist/src/models/index.js',
  'dist/src/index.js', 'dist/src/cli/main.js',
];

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function distMissing() {
  return !existsSync(new URL('../../dist/src/cli/main.js', import.meta.url));
}

// Wall time depends on machine load; CPU time (reported by cpu-hook.cjs, preloaded
// into every timed process alike, CommonJS so that `node -e 0` stays CommonJS-only) much less.
const CPU_HOOK = ['--require', fileURLToPath(new URL('./cpu-hook.cjs', import.meta.url))];

function timeOnce(args, expectStdout) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...CPU_HOOK, ...args], { cwd: ROOT, encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0 || (expectStdout !== undefined && r.stdout !== expectStdout)) {
    throw new Error(`node ${args.join(' ')} exited ${r.status} with stdout ${JSON.stringify(r.stdout)}: ${r.stderr.trim()}`);
  }
  const cpu = /@@cpu ([\d.]+)/.exec(r.stderr);
  return { ms, cpuMs: cpu ? Number(cpu[1]) : NaN };
}

/** Interleaved runs of every case; returns the samples and medians (ms). */
export function measureStartup({ runs = 15, warmup = 2, cases = CASES } = {}) {
  if (distMissing()) throw new Error('dist/ is missing: run npm run build');
  const samples = cases.map(() => []);
  const cpu = cases.map(() => []);
  for (let r = 0; r < warmup + runs; r++) {
    cases.forEach((c, i) => {
      const t = timeOnce(c.args, c.stdout);
      if (r >= warmup) { samples[i].push(t.ms); cpu[i].push(t.cpuMs); }
    });
  }
  return {
    runs,
    cases: cases.map((c, i) => ({
      name: c.name, medianMs: median(samples[i]), minMs: Math.min(...samples[i]), cpuMedianMs: median(cpu[i]), samples: samples[i],
    })),
  };
}

/** Median ms to import() each module in a fresh node process (includes what it imports in turn). */
export function measureImports({ runs = 5, modules = IMPORTS } = {}) {
  return modules.map((m) => {
    const spec = m.startsWith('dist/src/') ? pathToFileURL(ROOT + m).href : m;
    const code = `const t = performance.now(); await import(${JSON.stringify(spec)}); process.stdout.write(String(performance.now() - t));`;
    const times = [];
    for (let r = 0; r < runs; r++) {
      const p = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8' });
      if (p.status !== 0) return { module: m, medianMs: NaN, error: p.stderr.trim().split('\n')[0] };
      times.push(Number(p.stdout));
    }
    return { module: m, medianMs: median(times) };
  });
}

export function report(result) {
  const [base, cli] = result.cases;
  const lines = [`start-up, ${result.runs} interleaved runs: wall median / min ms, CPU (user+system) median ms:`];
  for (const c of result.cases) {
    lines.push(`  ${c.name.padEnd(16)} ${c.medianMs.toFixed(0).padStart(6)} / ${c.minMs.toFixed(0).padStart(4)}   cpu ${c.cpuMedianMs.toFixed(0).padStart(5)}`);
  }
  lines.push(`  ratio ${(cli.medianMs / base.medianMs).toFixed(2)}x, gandyn's own cost ${(cli.medianMs - base.medianMs).toFixed(0)} ms; `
    + `goal gandyn latex x < ${GOAL_MS} ms: ${cli.medianMs < GOAL_MS ? 'met' : 'NOT met'}`);
  return lines.join('\n');
}

export function reportImports(rows) {
  return ['import() in a fresh process (median ms, includes dependencies):',
    ...rows.map((r) => `  ${r.module.padEnd(30)} ${Number.isNaN(r.medianMs) ? `failed: ${r.error}` : r.medianMs.toFixed(0).padStart(6)}`)].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  const runsAt = argv.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 15;
  if (!(Number.isInteger(runs) && runs > 0)) {
    process.stderr.write('startup.mjs: --runs must be a positive integer\n');
    process.exit(2);
  }
  if (distMissing()) {
    process.stderr.write('startup.mjs: dist/ is missing: run npm run build\n');
    process.exit(2);
  }
  console.log(report(measureStartup({ runs })));
  if (argv.includes('--imports')) console.log(reportImports(measureImports()));
}
