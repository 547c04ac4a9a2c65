// Start-up of the built CLI (dist/, `npm run build`): `node bin/gandyn.js latex x`
// against `node -e 0`. The interleaved medians, their ratio and the import() time of
// each layer are measured while the file is collected (vitest runs no afterAll hooks
// in bench mode) and print before vitest's table, which times the two commands again.
// Goal (issue 8): gandyn latex x under 900 ms median. Standalone: node test/bench/startup.mjs.
import { spawnSync } from 'node:child_process';
import { bench, describe } from 'vitest';
import { CASES, distMissing, measureImports, measureStartup, report, reportImports } from './startup.mjs';

if (distMissing()) {
  console.log('startup bench skipped: dist/ is missing: run npm run build');
} else {
  console.log(report(measureStartup({ runs: 15 })));
  console.log(reportImports(measureImports({ runs: 3 })));
}

describe.skipIf(distMissing())('start-up', () => {
  for (const c of CASES) {
    bench(c.name, () => {
      const r = spawnSync(process.execPath, c.args, { encoding: 'utf8' });
      if (r.status !== 0 || r.stdout !== c.stdout) throw new Error(`${c.name}: exit ${r.status}, ${r.stderr}`);
    }, { iterations: 10, time: 0 });
  }
});
