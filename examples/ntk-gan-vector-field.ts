// GAN(TK)²'s Figs. 6–7: the generator's vector field −∇c(f(x)) for a LONE fake
// point x against a single target y = (1, 0): at each grid position x the
// infinite-width discriminator is trained on S = {x, y} (t = 1) and the arrow is
// the velocity of the fake point itself, −c'(f(x)) ∇f(x) (η_G = N = 1). Rows:
// IPM and LSGAN; columns: ReLU NTK with bias (σ_b = 1), without bias, RBF.
// Arrow length ∝ √(|v| / max|v|) per panel (directions are the point).
// Bottom row: the component v₂ across the line through the target, on the
// vertical lines x₁ = 2 (beyond the target, x = λy with λ = 2) and x₁ = −1
// (λ = −1): without bias the kernel has a cusp along the whole line x = λy
// (docs/ntk-gan.md B.5), so v₂ jumps there; with bias it is smooth (the only cusp is
// x = y itself).
// Writes out/ntk-gan-vector-field.svg.
//   npx tsx examples/ntk-gan-vector-field.ts   (no flags; --help says so)
import { parseGanKernel } from '../src/models/ntk-gan/index.ts';
import { infiniteDiscriminator, trainingSet } from '../src/models/ntk-gan/index.ts';
import { particleVelocities } from '../src/models/ntk-gan/index.ts';
import { type Panel, PALETTE, plotPanels } from '../src/core/index.ts';
import { writeFileAtomic } from '../src/report/index.ts';
import { parseFlags } from './args.ts';

parseFlags("GAN(TK)² Figs. 6–7: the field −∇c(f(x)) for one fake point against one target; writes out/ntk-gan-vector-field.svg", []);

const target = [1, 0];
const kernels: Array<[string, string]> = [['relu', 'ReLU NTK, σ_b = 1'], ['relu_nobias', 'ReLU NTK, σ_b = 0'], ['rbf', 'RBF exp(−|x−y|²/4)']];
const compiled = new Map(kernels.map(([name]) => [name, parseGanKernel(name, 2)]));

/** Velocity of a lone fake point at x. */
function velocity(kernel: string, loss: 'ipm' | 'lsgan', x: number[]): number[] {
  if (x[0] === target[0] && x[1] === target[1]) return [0, 0];
  const disc = infiniteDiscriminator(compiled.get(kernel)!, trainingSet([x], [target]), { loss, t: 1 });
  return Array.from(particleVelocities(disc, [x], 1).velocity.data);
}

const panels: Panel[] = [];
const xs: number[] = [], ys: number[] = [];
for (let i = 0; i <= 20; i++) for (let j = 0; j <= 15; j++) { xs.push(-2 + i / 5); ys.push(-1 + j / 5); }
for (const loss of ['ipm', 'lsgan'] as const) {
  kernels.forEach(([name, label], k) => {
    const v = xs.map((x, i) => velocity(name, loss, [x, ys[i]]));
    const vmax = Math.max(...v.map((w) => Math.hypot(w[0], w[1])));
    const scale = v.map((w) => {
      const n = Math.hypot(w[0], w[1]);
      return n === 0 ? 0 : (0.17 * Math.sqrt(n / vmax)) / n;
    });
    panels.push({
      title: `${loss.toUpperCase()}, ${label}`, xLabel: 'x₁ (fake point)', yLabel: 'x₂', xRange: [-2.2, 2.2], yRange: [-1.2, 2.2],
      series: [
        { label: 'line x = λy', x: [-2.2, 2.2], y: [0, 0], color: '#bbbbbb', dash: '5 4' },
        { label: 'target y', x: [target[0]], y: [target[1]], color: PALETTE[1], style: 'dots', radius: 5, opacity: 1 },
      ],
      arrows: { x: xs, y: ys, u: v.map((w, i) => w[0] * scale[i]), v: v.map((w, i) => w[1] * scale[i]), color: PALETTE[[0, 3, 4][k]], label: '−∇c(f(x))' },
    });
  });
}
const cut = Array.from({ length: 201 }, (_, i) => -0.5 + i / 200);
for (const [x1, loss] of [[2, 'ipm'], [-1, 'ipm'], [2, 'lsgan']] as const) {
  panels.push({
    title: `${loss.toUpperCase()}: v₂ across the line, x₁ = ${x1}`, xLabel: 'x₂ (fake point at (x₁, x₂))', yLabel: 'v₂ / max |v|',
    series: kernels.map(([name, label], k) => {
      const v = cut.map((y) => velocity(name, loss, [x1, y]));
      const vmax = Math.max(...v.map((w) => Math.hypot(w[0], w[1])));
      // one-sided values at x₂ = ±1e-4 (closer, the correlation rounds to 1 and the flagged symmetric subgradient is returned)
      const jump = Math.abs(velocity(name, loss, [x1, 1e-4])[1] - velocity(name, loss, [x1, -1e-4])[1]) / vmax;
      process.stderr.write(`${loss}, ${label}, x₁ = ${x1}: change of v₂/max|v| from x₂ = −1e-4 to +1e-4: ${jump.toExponential(2)}\n`);
      return { label: ['relu σ_b=1', 'relu σ_b=0', 'rbf'][k], x: cut, y: v.map((w) => w[1] / vmax), color: PALETTE[[0, 3, 4][k]] };
    }),
  });
}
const svg = plotPanels(panels, {
  columns: 3, width: 470, height: 360,
  title: 'Generator field −∇c(f(x)) of a lone fake point x against one target y = (1, 0), infinite-width discriminator, t = 1 (GAN(TK)² Figs. 6–7)',
});
writeFileAtomic('out/ntk-gan-vector-field.svg', svg);
console.log('wrote out/ntk-gan-vector-field.svg');
