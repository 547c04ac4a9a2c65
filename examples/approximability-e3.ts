// The E.3 synthetic experiment of Bai, Ma & Risteski (docs/approximability.md E.3): invertible
// generators in several dimensions; test IPM of (a) the restricted-approximability class and
// (b) a vanilla MLP critic against the exact KL(p‖q) + KL(q‖p), across perturbed pairs and
// along WGAN-GP training. Prints the correlation coefficients; writes out/approximability-e3.svg
// and out/approximability-e3.json.
//   npx tsx examples/approximability-e3.ts [--dims 2,4,8] [--iterations 300] [--perturbed 12]   (--help lists the flags)
import { approximability, runExperiment, experimentFigure, type DimensionResult } from '../src/models/approximability/index.ts';
import { specValuesFromFlags } from '../src/models/index.ts';
import { writeFileAtomic } from '../src/report/index.ts';
import { parseFlags } from './args.ts';

const flags = parseFlags('E.3: test IPM vs exact KL for invertible generators, restricted class vs MLP critic; writes out/approximability-e3.svg and .json', [
  { name: 'dims', kind: 'text', default: '2,4,8', placeholder: 'D1,D2', description: 'dimensions (2..10)' },
  { name: 'iterations', kind: 'integer', min: 1, max: 100_000, default: '300', placeholder: 'K', description: 'WGAN-GP generator iterations' },
  { name: 'perturbed', kind: 'integer', min: 3, max: 1000, default: '12', placeholder: 'P', description: 'perturbed pairs per dimension' },
  { name: 'layers', kind: 'integer', min: 1, max: 8, default: '3', placeholder: 'L', description: 'layers of the generators' },
  { name: 'seed', kind: 'integer', min: 0, default: '1', placeholder: 'S', description: 'random seed' },
]);
const values = specValuesFromFlags(approximability, 'simulate', new Map(Object.entries(flags).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)])));
const spec = approximability.makeSpec(values);
const started = performance.now();
const series = runExperiment(spec as never, { onProgress: (f, label) => process.stderr.write(`\r${(100 * f).toFixed(0)}% ${label}   `) });
process.stderr.write('\n');
const results = (series.extra as { results: DimensionResult[] }).results;
const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
process.stdout.write(`E.3 (${((performance.now() - started) / 1000).toFixed(0)} s): correlation of test IPM with KL(p‖q) + KL(q‖p)\n`);
process.stdout.write('   d   pairs: restricted   pairs: MLP   training: restricted   training: MLP   (Pearson r / Spearman ρs)\n');
const both = (a: number, b: number) => `${fmt(a)} / ${fmt(b)}`;
for (const r of results) {
  const c = r.correlation, s = r.rankCorrelation;
  process.stdout.write(`  ${String(r.d).padStart(2)}   ${both(c.pairsRestricted, s.pairsRestricted).padStart(17)}   ${both(c.pairsMlp, s.pairsMlp).padStart(13)}   ${both(c.trainingRestricted, s.trainingRestricted).padStart(20)}   ${both(c.trainingMlp, s.trainingMlp).padStart(13)}\n`);
}
const fig = experimentFigure(series);
writeFileAtomic('out/approximability-e3.svg', fig.svg);
writeFileAtomic('out/approximability-e3.json', `${JSON.stringify({ spec: { ...spec }, results }, null, 1)}\n`);
process.stdout.write('wrote out/approximability-e3.svg, out/approximability-e3.json\n');
