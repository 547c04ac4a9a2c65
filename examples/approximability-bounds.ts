// The bounds of Bai, Ma & Risteski per generator class (docs/approximability.md E.2) on random
// pairs: runs every approximability theorem check, prints its measured constants, and writes the
// scatter figures out/approximability-{gaussian,expfamily,mixture,invertible}.svg.
//   npx tsx examples/approximability-bounds.ts [--pairs 100] [--seed 1]   (--help lists the flags)
import { approximabilityTheorems, boundFigures } from '../src/models/approximability/index.ts';
import { writeFileAtomic } from '../src/report/index.ts';
import { parseFlags } from './args.ts';

const flags = parseFlags('Theorems 3.1, 3.2, Lemma 4.3 / Theorem 4.2 and the dilemma on random pairs; writes out/approximability-*.svg', [
  { name: 'pairs', kind: 'integer', min: 10, max: 10_000, default: '100', placeholder: 'P', description: 'random pairs per class in the figures' },
  { name: 'seed', kind: 'integer', min: 0, default: '1', placeholder: 'S', description: 'random seed' },
]);
const seed = flags.seed as number;
for (const t of approximabilityTheorems) {
  const v = await t.check({ seed });
  process.stdout.write(`${v.passed ? 'PASS' : 'FAIL'} ${v.id} (${v.seconds.toFixed(1)} s): ${v.summary}\n`);
  for (const f of v.figures) process.stdout.write(`    ${f.name}: ${f.value.toPrecision(4)}${f.tolerance !== undefined ? ` (≤ ${f.tolerance})` : ''}${f.note ? `  [${f.note}]` : ''}\n`);
}
for (const f of boundFigures({ kind: 'figures', pairs: flags.pairs as number, seed })) {
  writeFileAtomic(`out/${f.name}`, f.svg);
  process.stdout.write(`wrote out/${f.name}: ${f.caption}\n`);
}
