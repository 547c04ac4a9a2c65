// The effective dynamics of GANs (Durr, Mroueh, Tu, Wang 2023; docs/effective-dynamics.md)
// on the model contract: kernel-coupled particles against a finite or kernel critic, the
// mode-collapse diagram, critical damping by the gradient penalty.

import type { ActionResult, FigureFile, PhaseReport, RunContext, Series, Theory, TheoryAction, Derivation } from '../theory.ts';
import { InputError, IntegrationError } from '../../core/index.ts';
import { print } from '../../symbolic/index.ts';
import { type EffectiveGanSpec, OPTIONS, makeSpec, describeSpec, runCost, phaseCost, targetDim } from './spec.ts';
import type { ParticleDivergence, ParticleMetrics } from './particles.ts';
import { runSpec, targetsOf } from './run.ts';
import { phaseDiagram, phaseLines, type PhaseDiagram } from './phase.ts';
import { phaseHeatMap, dampingFigure, trajectoriesFigure, concentrationFigure, particlesFigure } from './plots.ts';
import { type DampingSetting, dampingScan, dampingScanCost, dampedRun, modeEigenvalue, criticalLambda } from './damping.ts';
import { deriveDamping, checkEigenmodes, dampingLatex, dampingLines, modeSystem } from './derive.ts';
import { concentration } from './latent-kernel.ts';
import { theorem as concentrationTheorem } from './theorems/concentration.ts';
import { theorem as criticalDampingTheorem } from './theorems/critical-damping.ts';
import { theorem as eigenmodeTheorem } from './theorems/eigenmodes.ts';

/** The order parameters over particle steps as named series. */
export function metricsSeries(m: ParticleMetrics): Series {
  return {
    t: m.step.slice(),
    series: {
      diversity: m.diversity.slice(), collapse: m.collapse.slice(), quality: m.quality.slice(), covered: m.covered.slice(),
      centre_motion: m.centreMotion.slice(), relative_motion: m.relativeMotion.slice(),
    },
  };
}

function simulate(spec: EffectiveGanSpec, ctx: RunContext): Series {
  try {
    const r = runSpec(spec, { onProgress: ctx.onProgress ? (k, K) => ctx.onProgress!(k / K, `step ${k} of ${K}`) : undefined });
    return {
      ...metricsSeries(r.metrics),
      extra: { config: describeSpec(spec), occupancy: Array.from(r.order.occupancy), covered: r.order.covered, seconds: r.seconds },
    };
  } catch (err) {
    if (err instanceof IntegrationError && (err.partial as ParticleDivergence | undefined)?.metrics) {
      throw new IntegrationError(err.message, metricsSeries((err.partial as ParticleDivergence).metrics));
    }
    throw err;
  }
}

function diagramTitle(spec: EffectiveGanSpec): string {
  const critic = spec.critic === 'kernel' ? `kernel critic ${spec.criticKernelText}` : `${spec.critic} critic`;
  return `Mode collapse: ${spec.target}, N = ${spec.N}, ${critic}, coupling ${spec.coupling}, T = ${spec.steps}`;
}

function phaseWord(p: PhaseDiagram): string {
  const v = p.collapse.flat().filter((x) => !Number.isNaN(x));
  if (v.length === 0) return 'diverged';
  const hi = v.some((x) => x > 0.5), lo = v.some((x) => x < 0.2);
  return hi && lo ? 'transition' : hi ? 'collapse' : 'coverage';
}

function phase(spec: EffectiveGanSpec): PhaseReport {
  const p = phaseDiagram(spec);
  return {
    phase: phaseWord(p),
    details: { phase: phaseWord(p), config: describeSpec(spec), ...p },
    lines: [...phaseLines(p, diagramTitle(spec)), `phase: ${phaseWord(p)} (${p.seconds.toFixed(1)} s)`],
  };
}

function figures(spec: EffectiveGanSpec, ctx: RunContext): FigureFile[] {
  const out: FigureFile[] = [];
  const p = phaseDiagram(spec, ctx.onProgress);
  out.push({ name: 'collapse-diagram.svg', svg: phaseHeatMap(p, diagramTitle(spec)), caption: 'Order parameter diversity/log M over (g2/g1, η_D); dashed: the linear-theory boundary g2/g1 = 1/(N+1).' });
  if (spec.target !== 'mnist') {
    const snaps = [0, Math.round(spec.steps / 4), Math.round(spec.steps / 2), spec.steps];
    try {
      const r = runSpec(spec, { snapshots: snaps });
      out.push({ name: 'particles.svg', svg: particlesFigure(r.snapshots, targetsOf(spec).points, `g2/g1 = ${spec.ratio}, η_D = ${spec.lrD}: diversity ${r.order.diversity.toFixed(3)}`), caption: 'Particles (red) over the targets (grey) at four steps.' });
    } catch (err) {
      if (!(err instanceof IntegrationError)) throw err;
    }
  }
  const c = concentration(spec.generator, { dzs: [16, 64, 256, 1024], n: 40, seed: spec.seed });
  out.push({ name: 'kernel-concentration.svg', svg: concentrationFigure(c, spec.generator.spec), caption: `Spread of the off-diagonal latent NTK entries against d_z, fitted slope ${c.offFit.slope.toFixed(3)} (theory −1/2).` });
  return out;
}

function dampingSetting(spec: EffectiveGanSpec): DampingSetting {
  if (spec.penalty === 'none') throw new InputError('damping: --penalty none has no strength λ to scan (use full or half)');
  return { lrG: spec.lrG, lrD: spec.lrD, g1: spec.g1, g2: spec.ratio * spec.g1, N: spec.N, coupling: spec.coupling, mode: spec.mode, penalty: spec.penalty };
}

const damping: TheoryAction<EffectiveGanSpec> = {
  verb: 'damping',
  description: 'derive the damped oscillator and λ_c symbolically, then measure the convergence time against the penalty strength λ',
  latex: true,
  cost: (spec) => dampingScanCost(dampingSetting(spec), { eps: spec.eps, points: spec.points }),
  run(spec): ActionResult {
    const s = dampingSetting(spec);
    const eig = [2, 3, 4, 5].map(checkEigenmodes);
    const d = deriveDamping(s.penalty);
    const scan = dampingScan(s, { eps: spec.eps, points: spec.points, seed: spec.seed });
    const omega = Math.sqrt(s.lrG * s.lrD * scan.g);
    const horizon = Math.ceil((4 * Math.log(1 / spec.eps)) / omega);
    const every = Math.max(1, Math.round(horizon / 400));
    const regimes = [['under-damped λ_c/3', scan.lambdaC / 3], ['critical λ_c', scan.lambdaC], ['over-damped 3λ_c', 3 * scan.lambdaC]] as const;
    const runs = regimes.map(([label, l]) => ({ label: `${label} = ${l.toPrecision(3)}`, run: dampedRun(s, l, { eps: spec.eps, maxSteps: horizon, seed: spec.seed, every }) }));
    const lines = [
      ...dampingLines(d, eig),
      `mode ${s.mode}: kernel eigenvalue g = ${scan.g.toPrecision(6)} (g1 = ${s.g1}, g2 = ${s.g2}, N = ${s.N}, coupling ${s.coupling}); eta_G = ${s.lrG}, eta_D = ${s.lrD}`,
      `derived lambda_c = ${scan.lambdaC.toPrecision(6)}; measured optimum ${scan.lambdaOpt.toPrecision(6)} (${(100 * scan.relativeError).toFixed(1)} %), ${scan.timeOpt} steps to eps = ${spec.eps}`,
      ...runs.map((r) => `  ${r.label}: ${Number.isFinite(r.run.time) ? `${r.run.time} steps` : `not converged in ${horizon} steps`}`),
    ];
    return {
      details: {
        derivation: { gamma: print(d.gamma), omega2: print(d.omega2), lambdaC: print(d.lambdaC), lambdaCMatchesDocs: d.matchesExpected, eigenmodesHold: eig.every((e) => e.holds) },
        setting: s, g: scan.g, lambdaC: scan.lambdaC, lambdaOpt: scan.lambdaOpt, relativeError: scan.relativeError, timeOpt: scan.timeOpt,
        eps: spec.eps, lambdas: scan.lambdas, times: scan.times.map((t) => (Number.isFinite(t) ? t : null)),
        regimes: runs.map((r) => ({ label: r.label, time: Number.isFinite(r.run.time) ? r.run.time : null })),
      },
      lines,
      latex: dampingLatex(d, eig),
      figures: [
        { name: 'damping-scan.svg', svg: dampingFigure([scan]), caption: 'Convergence time against λ; dashed: the derived λ_c.' },
        { name: 'damping-trajectories.svg', svg: trajectoriesFigure(runs, `Distance to the mode, ${s.mode} mode, g = ${scan.g.toPrecision(3)}`), caption: 'Under-, critically and over-damped convergence.' },
      ],
    };
  },
};

function derive(spec: EffectiveGanSpec): Derivation {
  const penalty = spec.penalty === 'half' ? 'half' : 'full';
  const s = { ...dampingSetting({ ...spec, penalty }), penalty } as DampingSetting;
  return {
    ode: modeSystem(penalty),
    odeLabel: `one ${spec.mode} eigenmode (kernel eigenvalue g) against a locally linear critic psi*x with the ${penalty} penalty; lambda_c = ${criticalLambda(s).toPrecision(6)}`,
    params: { eta_G: spec.lrG, eta_D: spec.lrD, g: modeEigenvalue(s), lambda: spec.lambda, y: 0 },
    initial: [1, 0],
  };
}

export const effectiveGan: Theory<EffectiveGanSpec> = {
  id: 'effective-gan',
  title: 'Effective dynamics of GANs (kernel-coupled particles)',
  source: 'S. Durr, Y. Mroueh, Y. Tu, S. Wang, "Effective Dynamics of Generative Adversarial Networks", Phys. Rev. X 13, 041004 (2023)',
  summary: 'N particles moved by a kernel Θ = g1 δ_ij + g2 (1 − δ_ij) along the gradient of a finite or kernel critic; the mode-collapse transition in g2/g1 and η_D, and critical damping by a gradient penalty.',
  options: OPTIONS,
  parameters: () => [],
  makeSpec,
  describe: describeSpec,
  derive,
  integrateDefaults: { T: 2000, every: 20 },
  simulate,
  simulateCost: (spec) => runCost(spec, targetDim(spec.target)),
  phase,
  figures,
  actions: [damping],
  theorems: [concentrationTheorem, eigenmodeTheorem, criticalDampingTheorem],
};


