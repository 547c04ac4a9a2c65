// Start-up of the built CLI (dist/, `npm run build`): `node bin/gandyn.js latex x` against
// `node -e 0` (the floor: a bare Node start), interleaved through the fair harness (wall
// medians, median of per-round ratios; the ratio is below 1 by construction, the goal is an
// absolute one), every run's stdout checked exactly; then the import() time of each layer.
// Goal (issue 8): gandyn latex x under 900 ms median. Standalone: node test/bench/startup.mjs.
import { spawnSync } from 'node:child_process';
import { bench, describe } from 'vitest';
import { CASES, GOAL_MS, distMissing, measureImports, reportImports } from './startup.mjs';
import { compare } from './harness.ts';

function runCase(c: (typeof CASES)[number]): string {
  const r = spawnSync(process.execPath, c.args, { encoding: 'utf8' });
  if (r.status !== 0 || r.stdout !== c.stdout) throw new Error(`${c.name}: exit ${r.status}, stdout ${JSON.stringify(r.stdout)}, ${r.stderr}`);
  return r.stdout;
}

if (distMissing()) {
  console.log('startup bench skipped: dist/ is missing: run npm run build');
} else {
  const [floor, cli] = CASES;
  const res = await compare({
    title: 'CLI start-up: a whole process, spawn to exit',
    ours: { label: cli.name, threads: 1, run: () => runCase(cli) },
    baseline: { label: `${floor.name} (bare Node start)`, threads: 1, run: () => runCase(floor) },
    rounds: 15,
    childProcesses: true,
    goalText: `${cli.name} under ${GOAL_MS} ms median (the ratio is bounded by 1: the baseline is the floor)`,
    check: (a, b) => `stdout exactly ${JSON.stringify(a)} and ${JSON.stringify(b)}`,
  });
  console.log(`  ${cli.name}: warm median ${(res.ours.warm * 1000).toFixed(0)} ms → goal ${res.ours.warm * 1000 < GOAL_MS ? 'met' : 'NOT met'}; gandyn's own cost ${((res.ours.warm - res.baseline.warm) * 1000).toFixed(0)} ms`);
  console.log(reportImports(measureImports({ runs: 3 })));
}

describe.skipIf(distMissing())('start-up (vitest timing; the fair comparison prints above)', () => {
  bench(CASES[1].name, () => { runCase(CASES[1]); }, { iterations: 5, time: 0 });
});
