// The microscopic picture: the rescaled coordinates √n·w_i of the discriminator
// after SGD (and the particles of the McKean–Vlasov SDE) against the SDE's
// stationary law, derived symbolically: at the fixed line q = r = 0 the derived
// SDE is an Ornstein–Uhlenbeck process dŵ = −a ŵ dt + g dB, with law N(0, g²/(2a)).
// Writes out/solvable-gan-histogram.svg.
//   npx tsx examples/solvable-gan-histogram.ts [--n 4000] [--T 150] [--eta 2]   (--help lists the flags)
import { deriveCoordinateSde, squareOfDiffusion } from '../src/models/solvable-gan/index.ts';
import { simulateSgd } from '../src/models/solvable-gan/index.ts';
import { simulateParticles } from '../src/models/solvable-gan/index.ts';
import { defaultInit, defaultSpec, paramValues } from '../src/models/solvable-gan/index.ts';
import { substitute } from '../src/symbolic/index.ts';
import { diff } from '../src/symbolic/index.ts';
import { simplify } from '../src/symbolic/index.ts';
import { evaluate } from '../src/symbolic/index.ts';
import { print } from '../src/symbolic/index.ts';
import { div, mul, rat } from '../src/symbolic/index.ts';
import { ksTest } from '../src/numeric/index.ts';
import { normalCdf } from '../src/numeric/index.ts';
import { PALETTE, histogram, plotPanels } from '../src/core/index.ts';
import { writeFileAtomic } from '../src/report/index.ts';
import { parseFlags } from './args.ts';

const flags = parseFlags("the rescaled coordinates √n·w_i (SGD and the SDE's particles) against the derived SDE's stationary law; writes out/solvable-gan-histogram.svg", [
  { name: 'n', kind: 'integer', min: 3, max: 1_000_000, default: '4000', placeholder: 'N', description: 'dimension of the SGD run and number of SDE particles' },
  { name: 'T', kind: 'number', min: 0, exclusiveMin: true, max: 100_000, default: '150', placeholder: 'T', description: 'end time' },
  { name: 'eta', kind: 'number', min: 0, exclusiveMin: true, max: 1000, default: '2', placeholder: 'eta', description: 'noise level η = η_T = η_G' },
]);
const n = flags.n as number;
const T = flags.T as number;
const eta = flags.eta as number;
const spec = { ...defaultSpec(1), eta_T: eta, eta_G: eta };
const init = defaultInit(1);

const sde = deriveCoordinateSde(1);
const w = sde.state.indexOf('w_i');
const atLine = { q: 0, r: 0 };
const a = simplify(mul(rat(-1), diff(substitute(sde.drift[w], atLine), 'w_i')));
const g2 = simplify(substitute(squareOfDiffusion(sde.diffusion![w]), atLine));
const variance = simplify(div(g2, mul(rat(2), a)));
const env = { ...paramValues(spec), P: 0 };
const v = evaluate(variance, env);
console.log(`stationary law of w_i at q = r = 0: N(0, ${print(variance)}) = N(0, ${v})`);

const sim = simulateSgd(spec, init, { n, T, seed: 1, returnVectors: true });
const coords = Array.from(sim.vectors!.w, (x) => x * Math.sqrt(n));
const particles = simulateParticles(spec, init, { M: n, T, seed: 2, dt: 0.02 });
const parts = Array.from(particles.particles.w);
const sd = Math.sqrt(v);
const ksSgd = ksTest(coords, (x) => normalCdf(x / sd));
const ksSde = ksTest(parts, (x) => normalCdf(x / sd));
console.log(`SGD n = ${n}, t = ${T}: q = ${sim.series.q.at(-1)!.toFixed(4)}, KS distance to N(0, ${v}) = ${ksSgd.statistic.toFixed(4)} (p = ${ksSgd.pValue.toFixed(3)})`);
console.log(`SDE particles M = ${n}, t = ${T}: KS distance = ${ksSde.statistic.toFixed(4)} (p = ${ksSde.pValue.toFixed(3)})`);

const xs = Array.from({ length: 201 }, (_, i) => -4 * sd + (8 * sd * i) / 200);
const density = xs.map((x) => Math.exp(-(x * x) / (2 * v)) / Math.sqrt(2 * Math.PI * v));
const panel = (title: string, values: number[], color: string, ks: { statistic: number; pValue: number }) => ({
  title: `${title} (KS ${ks.statistic.toFixed(3)}, p ${ks.pValue.toFixed(2)})`,
  xLabel: 'rescaled coordinate √n·w_i', yLabel: 'density',
  xRange: [xs[0], xs[xs.length - 1]] as [number, number],
  bars: { ...histogram(values, 40, [xs[0], xs[xs.length - 1]]), color, label: 'histogram' },
  series: [{ label: `N(0, ${Number(v.toPrecision(4))})`, x: xs, y: density, color: '#000' }],
});
const svg = plotPanels([
  panel(`online SGD, n = ${n}, t = ${T}`, coords, PALETTE[0], ksSgd),
  panel(`McKean–Vlasov particles, M = ${n}`, parts, PALETTE[2], ksSde),
], { columns: 2, width: 470, height: 340, title: `Solvable GAN, η = ${eta}: one coordinate's law against the derived SDE's stationary law` });
writeFileAtomic('out/solvable-gan-histogram.svg', svg);
console.log('wrote out/solvable-gan-histogram.svg');
