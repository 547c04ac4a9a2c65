// GAN(TK)²'s Figure 1 (left): the generator's loss landscape c(f*(x)) on
// x ∈ [−3, 3] for the trained discriminator f*, at finite widths 64, 128, 256,
// 512 (mean ± one standard deviation over seeds of the antisymmetric network
// trained by gradient descent) against the infinite-width (NTK) limit, for the
// IPM and LSGAN losses. Data: GAN(TK)²'s modes_1d (5 fake, 5 real points);
// discriminator: its ReLU MLP (3 × [ReLU → Dense], σ_w = 1, σ_b = 1, no readout
// bias); training time t = 1 in steps of lr = 0.05 (the infinite-width curve is
// the exact counterpart of the same 20 discrete steps).
// Writes out/ntk-gan-figure1.svg.
//   npx tsx examples/ntk-gan-figure1.ts [--seeds 8] [--t 1] [--lr 0.05]   (--help lists the flags)
import { gantk2Modes1d } from '../src/models/ntk-gan/index.ts';
import { PRESET_KERNELS, parseGanKernel } from '../src/models/ntk-gan/index.ts';
import { finiteDiscriminator, infiniteDiscriminator, trainingSet } from '../src/models/ntk-gan/index.ts';
import { LOSSES } from '../src/models/ntk-gan/index.ts';
import { parseArchitecture } from '../src/ntk/index.ts';
import { type Panel, PALETTE, plotPanels } from '../src/core/index.ts';
import { writeFileAtomic } from '../src/report/index.ts';
import { flagError, parseFlags } from './args.ts';

const flags = parseFlags("GAN(TK)² Fig. 1: c(f*(x)) at widths 64…512 against the infinite-width limit, IPM and LSGAN; writes out/ntk-gan-figure1.svg", [
  { name: 'seeds', kind: 'integer', min: 1, max: 1000, default: '8', placeholder: 'K', description: 'finite networks per width' },
  { name: 't', kind: 'number', min: 0, exclusiveMin: true, max: 1000, default: '1', placeholder: 't', description: 'discriminator training time' },
  { name: 'lr', kind: 'number', min: 0, exclusiveMin: true, max: 1, default: '0.05', placeholder: 'eta', description: 'discriminator gradient-descent step (t / lr whole steps, at most 100000)' },
]);
const seeds = flags.seeds as number;
const t = flags.t as number;
const lr = flags.lr as number;
if (Math.abs(Math.round(t / lr) * lr - t) > 1e-9 * t || t / lr > 100_000) flagError(`--t / --lr must be a whole number of steps, at most 100000, got ${t} / ${lr}`);
const widths = [64, 128, 256, 512];
const { fake, real } = gantk2Modes1d();
const train = trainingSet(fake, real);
const spec = PRESET_KERNELS.relu;
const arch = parseArchitecture(spec);
const kernel = parseGanKernel(spec, 1);
const xs = Array.from({ length: 121 }, (_, i) => -3 + 0.05 * i);
const grid = xs.map((x) => [x]);

const WIDTH_COLORS = [PALETTE[0], PALETTE[3], PALETTE[4], PALETTE[7]];
const panels: Panel[] = [];
const start = performance.now();
for (const loss of ['ipm', 'lsgan'] as const) {
  const c = LOSSES[loss].c;
  const inf = infiniteDiscriminator(kernel, train, { loss, t, lr });
  const cInf = Array.from(inf.value(grid), c);
  const all = [...cInf];
  const perWidth = widths.map((width) => {
    const runs = Array.from({ length: seeds }, (_, s) => Array.from(finiteDiscriminator(train, { loss, arch, width, seed: s + 1, t, lr }).value(grid), c));
    const mean = xs.map((_, i) => runs.reduce((a, r) => a + r[i], 0) / seeds);
    const sd = xs.map((_, i) => Math.sqrt(runs.reduce((a, r) => a + (r[i] - mean[i]) ** 2, 0) / Math.max(1, seeds - 1)));
    let err = 0, nrm = 0;
    runs.forEach((r) => r.forEach((v, i) => { err += (v - cInf[i]) ** 2; nrm += cInf[i] ** 2; }));
    process.stderr.write(`${loss} width ${width}: relative L2 error of c(f) to the NTK limit ${Math.sqrt(err / nrm).toExponential(2)} (RMS over ${seeds} seeds)\n`);
    all.push(...mean.map((m, i) => m + sd[i]), ...mean.map((m, i) => m - sd[i]));
    return { width, mean, sd };
  });
  const lo = Math.min(...all), hi = Math.max(...all);
  const pad = 0.08 * (hi - lo);
  const yRange: [number, number] = [lo - 2 * pad, hi + pad];
  const markY = lo - 1.2 * pad;
  perWidth.forEach(({ width, mean, sd }, k) => {
    panels.push({
      title: `${loss.toUpperCase()}, width ${width} (${seeds} seeds)`,
      xLabel: 'x', yLabel: loss === 'ipm' ? 'c(f*(x)) = −f*(x)' : 'c(f*(x)) = f*(x)²',
      yRange, xRange: [-3, 3],
      series: [
        { label: 'NTK limit', x: xs, y: cInf, color: '#000000' },
        { label: 'mean', x: xs, y: mean, color: WIDTH_COLORS[k] },
        { label: '± 1 sd', x: xs, y: mean.map((m, i) => m + sd[i]), color: WIDTH_COLORS[k], dash: '4 3' },
        { label: '', x: xs, y: mean.map((m, i) => m - sd[i]), color: WIDTH_COLORS[k], dash: '4 3' },
        { label: 'fake', x: Array.from(fake.data), y: Array.from(fake.data, () => markY), color: PALETTE[1], style: 'dots', radius: 4 },
        { label: 'real', x: Array.from(real.data), y: Array.from(real.data, () => markY), color: PALETTE[2], style: 'dots', radius: 4 },
      ],
    });
  });
}
const svg = plotPanels(panels, {
  columns: 4, width: 400, height: 300,
  title: `GAN(TK)² Fig. 1: c(f*(x)) after t = ${t} (lr ${lr}), finite-width ReLU MLP (3 hidden layers) vs its NTK limit, modes_1d`,
});
writeFileAtomic('out/ntk-gan-figure1.svg', svg);
console.log(`wrote out/ntk-gan-figure1.svg (${((performance.now() - start) / 1000).toFixed(1)} s)`);
