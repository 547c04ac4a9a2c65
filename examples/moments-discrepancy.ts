// Li & Dou's empirical claim, measured: the moment discrepancies ‖m_k(G_t) − m_k(target)‖_F,
// k = 1..4, along WGAN training of a two-layer generator (ReLU target, d = 3, m = 2, k = 2),
// for a ReLU-MLP critic and polynomial critics of degree 2, 3, 4 (one seed, all critics), and
// over --seeds seeds for the MLP critic the step t_k at which each moment is matched
// relative to the target (‖Δ_k‖ ≤ 0.2 ‖m_k‖) with Kendall's τ(k, t_k).
// Writes out/moments-discrepancy.svg and out/moments-discrepancy.json.
//   npx tsx examples/moments-discrepancy.ts [--seeds 10] [--steps 300]   (--help lists the flags)
import { moments, specValuesFromFlags } from '../src/models/index.ts';
import type { MomentsSpec } from '../src/models/moments/index.ts';
import { runExperiment, trainMoments, crossingSteps } from '../src/models/moments/index.ts';
import { experimentFigures } from '../src/models/moments/index.ts';
import { lowDegreeConfig, kendallTauWithDegree, signTestPValue } from '../src/models/moments/index.ts';
import { writeFileAtomic } from '../src/report/index.ts';
import { parseFlags } from './args.ts';

const flags = parseFlags('moment discrepancies by degree along WGAN training (MLP and polynomial critics); writes out/moments-discrepancy.{svg,json}', [
  { name: 'seeds', kind: 'integer', min: 1, max: 200, default: '10', placeholder: 'N', description: 'seeds for the rank statistic (MLP critic)' },
  { name: 'steps', kind: 'integer', min: 10, max: 100_000, default: '300', placeholder: 'T', description: 'generator steps' },
  { name: 'seed', kind: 'integer', min: 0, max: 1_000_000, default: '1', placeholder: 'S', description: 'first seed' },
]);
const steps = flags.steps as number, seeds = flags.seeds as number, seed0 = flags.seed as number;
const start = performance.now();
const spec = moments.makeSpec(specValuesFromFlags(moments, 'simulate', new Map([
  ['critic', 'all'], ['steps', String(steps)], ['every', '10'], ['seed', String(seed0)], ['init-distance', '1'], ['hidden', '16'],
]))) as MomentsSpec;
const experiment = runExperiment(spec.experiment);
const rows = [];
for (let s = 0; s < seeds; s++) {
  const run = trainMoments({ ...lowDegreeConfig(seed0 + s), steps });
  const relative = crossingSteps(run, 0.2, 'relative-to-target'), ofStart = crossingSteps(run, 0.5, 'fraction-of-start');
  rows.push({ seed: seed0 + s, relative, ofStart, tauRelative: kendallTauWithDegree(relative), tauOfStart: kendallTauWithDegree(ofStart) });
}
const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
const taus = rows.map((r) => r.tauRelative);
const wins = taus.filter((t) => t > 0).length, losses = taus.filter((t) => t < 0).length;
const summary = {
  meanTauRelative: mean(taus), signTestP: signTestPValue(wins, wins + losses), meanTauOfStart: mean(rows.map((r) => r.tauOfStart)),
  seconds: (performance.now() - start) / 1000,
};
const [figure] = experimentFigures(experiment);
writeFileAtomic('out/moments-discrepancy.svg', figure.svg);
writeFileAtomic('out/moments-discrepancy.json', `${JSON.stringify({ series: experiment.series, seeds: rows, summary }, null, 1)}\n`);
for (const r of rows) console.log(`seed ${r.seed}: t_k (relative to target, ε = 0.2) ${r.relative.join(', ')}  τ = ${r.tauRelative.toFixed(2)};  t_k (0.5 of start) ${r.ofStart.join(', ')}  τ = ${r.tauOfStart.toFixed(2)}`);
console.log(`mean τ (relative to target) ${summary.meanTauRelative.toFixed(3)}, sign test p = ${summary.signTestP.toPrecision(2)}; mean τ (fraction of start) ${summary.meanTauOfStart.toFixed(3)}; ${summary.seconds.toFixed(1)} s`);
console.log('wrote out/moments-discrepancy.svg, out/moments-discrepancy.json');
