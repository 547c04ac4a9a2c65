// The mode-collapse diagram of the effective particle model (docs/effective-dynamics.md
// C.1, C.4) over (g2/g1, η_D) for a 2-D mixture, and the frequency principle: the collapse
// boundary of a ReLU, a tanh and an erf MLP critic and of the kernel critic on one figure.
// Writes out/effective-gan/collapse-<critic>.svg, frequency-principle.svg and a JSON record.
//   npx tsx examples/effective-gan-phase-diagram.ts [--critics relu,tanh,erf,kernel] [--steps 300]   (--help lists the flags)
import { join } from 'node:path';
import { effectiveGan, specValuesFromFlags } from '../src/models/index.ts';
import { boundaryFigure, collapseBoundary, makeEffectiveGanSpec, phaseDiagram, phaseHeatMap, phaseLines, type PhaseDiagram } from '../src/models/effective-gan/index.ts';
import { writeFileAtomic } from '../src/report/index.ts';
import { flagError, parseFlags } from './args.ts';

const flags = parseFlags('collapse diagram over (g2/g1, η_D) per critic, and their boundaries on one figure (frequency principle); writes out/effective-gan/', [
  { name: 'target', kind: 'choice', choices: ['ring8', 'grid25'], default: 'ring8', description: '2-D mixture' },
  { name: 'critics', kind: 'text', default: 'relu,tanh,kernel', description: 'comma list of relu, tanh, erf, kernel' },
  { name: 'critic-kernel', kind: 'text', default: 'serial(dense(1, 1), relu, dense(1, none))', description: 'kernel of the kernel critic (its NTK), or rbf(γ)' },
  { name: 'particles', kind: 'integer', min: 2, max: 1000, default: '50', placeholder: 'N', description: 'particles (and targets)' },
  { name: 'steps', kind: 'integer', min: 1, max: 10_000, default: '200', placeholder: 'T', description: 'particle steps per cell' },
  { name: 'ratios', kind: 'text', default: '0,0.01,0.03,0.1,0.3,0.6,0.9', description: 'g2/g1 columns' },
  { name: 'lr-ds', kind: 'text', default: '0.0001,0.0003,0.001,0.003,0.01', description: 'η_D rows (two decades)' },
  { name: 'kernel-scale', kind: 'number', min: 0, exclusiveMin: true, default: '300', description: 'the kernel critic runs at η_D × this (its training time per step is η_D·critic-steps, restarted from f = 0 each step, so it needs a larger η_D than a persistent MLP critic); drawn on the MLP η_D axis' },
  { name: 'seeds', kind: 'integer', min: 1, max: 10, default: '1', description: 'seeds per cell' },
  { name: 'out', kind: 'text', default: 'out/effective-gan', description: 'output folder' },
]);
const critics = String(flags.critics).split(',').map((s) => s.trim());
for (const c of critics) if (!['relu', 'tanh', 'erf', 'kernel'].includes(c)) flagError(`--critics: unknown critic "${c}"`);
const results: Array<{ label: string; diagram: PhaseDiagram }> = [];
const scale = flags['kernel-scale'] as number;
for (const critic of critics) {
  const lrDs = critic === 'kernel' ? String(flags['lr-ds']).split(',').map((v) => String(Number(v) * scale)).join(',') : String(flags['lr-ds']);
  const values = specValuesFromFlags(effectiveGan, 'phase', new Map([
    ['target', String(flags.target)], ['critic', critic], ['particles', String(flags.particles)], ['steps', String(flags.steps)],
    ['ratios', String(flags.ratios)], ['lr-ds', lrDs], ['seeds', String(flags.seeds)], ['critic-kernel', String(flags['critic-kernel'])],
  ]));
  const spec = makeEffectiveGanSpec(values);
  const d = phaseDiagram(spec);
  const title = `Mode collapse, ${spec.target}, N = ${spec.N}, ${critic === 'kernel' ? `kernel critic ${String(flags['critic-kernel'])}` : `${critic} MLP critic`}, T = ${spec.steps}`;
  console.log(phaseLines(d, title).join('\n'));
  console.log(`  collapse boundary (first g2/g1 with collapse > 0.5) per η_D: ${collapseBoundary(d).map((b) => (Number.isNaN(b) ? '-' : b)).join(', ')}; ${d.seconds.toFixed(1)} s\n`);
  writeFileAtomic(join(String(flags.out), `collapse-${critic}.svg`), phaseHeatMap(d, title));
  const drawn = critic === 'kernel' ? { ...d, lrDs: d.lrDs.map((v) => v / scale) } : d;
  results.push({ label: critic === 'kernel' ? `kernel critic (η_D × ${scale})` : `${critic} critic`, diagram: drawn });
}
writeFileAtomic(join(String(flags.out), 'frequency-principle.svg'), boundaryFigure(results, `Collapse boundary by critic (${flags.target}, N = ${flags.particles})`));
writeFileAtomic(join(String(flags.out), 'phase-diagrams.json'), `${JSON.stringify(results.map((r) => ({ critic: r.label, ...r.diagram })))}\n`);
console.log(`wrote ${String(flags.out)}/collapse-*.svg, frequency-principle.svg, phase-diagrams.json`);
