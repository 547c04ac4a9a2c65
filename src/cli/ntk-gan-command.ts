// gandyn ntk      --arch "<spec>" --x1 a.json [--x2 b.json] [--parameterization ntk|standard] [--json] | --latex
// gandyn ntk-gan  --dataset eight_gaussians|modes_1d --loss ipm|lsgan|vanilla|hinge --kernel "<spec>"|relu|relu_nobias|rbf
//                 --steps K --seed S --out DIR [--particles N] [--lr-g η_G] [--disc-time t] [--width n] ...

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { type Architecture, withOptions } from '../ntk/architecture.ts';
import { parseArchitecture as parseSpec } from '../ntk/parse.ts';
import { kernels, type Matrix } from '../ntk/kernels.ts';
import { ntkRecursionLatex } from '../ntk/recursion.ts';
import { dataset, DATASET_NAMES } from '../models/ntk-gan/data.ts';
import { type GanKernel, PRESET_KERNELS, parseGanKernel } from '../models/ntk-gan/kernel.ts';
import { type LossName, LOSS_NAMES } from '../models/ntk-gan/losses.ts';
import { type ParticleFlowResult, FlowDivergenceError, runParticleFlow } from '../models/ntk-gan/flow.ts';
import { snapshotSvg } from '../models/ntk-gan/plots.ts';
import { sinkhornDivergence } from '../models/ntk-gan/sinkhorn.ts';
import { writeFileAtomic } from '../report/files.ts';
import { UsageError, parseInteger, parsePositive } from './errors.ts';
import type { Io } from './main.ts';

function usage(what: string, err: unknown): UsageError {
  const e = err as { reason?: string; position?: number; message?: string };
  const msg = e.reason !== undefined && e.position !== undefined ? `${e.reason} at position ${e.position}` : String(e.message ?? err).split('\n')[0];
  return new UsageError(`${what}: ${msg}`);
}

/** An architecture from the spec text; any parse or validation error becomes a one-line UsageError. */
function architectureOf(spec: string, parameterization?: string, width?: string): Architecture {
  let arch: Architecture;
  try {
    arch = parseSpec(spec);
  } catch (err) {
    throw usage('--arch', err);
  }
  if (parameterization !== undefined && parameterization !== 'ntk' && parameterization !== 'standard') {
    throw new UsageError(`--parameterization must be ntk or standard, got "${parameterization}"`);
  }
  const w = width === undefined ? undefined : parseInteger(width, '--width', 1, 1_000_000);
  try {
    if (parameterization !== undefined || w !== undefined) {
      arch = withOptions(arch, { parameterization: parameterization as 'ntk' | 'standard' | undefined, width: w });
    }
  } catch (err) {
    throw usage('--arch', err);
  }
  return arch;
}

/** Rows of numbers from a JSON file: [[...], [...]] (all rows the same length, finite numbers). */
function readRows(path: string, flag: string): number[][] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${flag} ${path}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${flag} ${path}: not JSON (${(err as Error).message.split('\n')[0]})`);
  }
  if (!Array.isArray(value) || value.length === 0) throw new UsageError(`${flag} ${path}: expected a non-empty array of input rows`);
  const width = Array.isArray(value[0]) ? value[0].length : -1;
  value.forEach((row, i) => {
    if (!Array.isArray(row)) throw new UsageError(`${flag} ${path}: row ${i} is not an array of numbers`);
    if (row.length === 0) throw new UsageError(`${flag} ${path}: row ${i} is empty`);
    if (row.length !== width) throw new UsageError(`${flag} ${path}: ragged rows: row ${i} has ${row.length} entries but row 0 has ${width}`);
    row.forEach((v, k) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new UsageError(`${flag} ${path}: row ${i} entry ${k} is not a finite number (${JSON.stringify(v)})`);
    });
  });
  return value as number[][];
}

function rowsOf(m: Matrix): number[][] {
  return Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
}

function registerNtk(program: Command, io: Io): void {
  program
    .command('ntk')
    .description('closed-form NNGP and NTK of a fully connected architecture between two sets of inputs (neural-tangents conventions)')
    .requiredOption('--arch <spec>', 'architecture, e.g. "serial(dense(1.5, 0.05), relu, dense(1.5, 0.05))"')
    .option('--x1 <file>', 'JSON array of input rows')
    .option('--x2 <file>', 'JSON array of input rows (default: x1)')
    .option('--parameterization <p>', 'ntk or standard (default: the spec\'s, else ntk)')
    .option('--width <n>', 'hidden width (needed by the standard-parameterization NTK)')
    .option('--d <d>', 'input dimension for --latex (default: the symbol d)')
    .option('--json', 'print {"nngp": [[...]], "ntk": [[...]]}')
    .option('--latex', 'print the kernel recursion as LaTeX')
    .action((flags: { arch: string; x1?: string; x2?: string; parameterization?: string; width?: string; d?: string; json?: boolean; latex?: boolean }) => {
      const arch = architectureOf(flags.arch, flags.parameterization, flags.width);
      if (flags.latex) {
        if (flags.x1 || flags.x2 || flags.json) throw new UsageError('--latex prints the recursion only: drop --x1, --x2 and --json');
        const d = flags.d === undefined ? undefined : parseInteger(flags.d, '--d', 1, 1_000_000);
        try {
          io.out(`${ntkRecursionLatex(arch, d === undefined ? {} : { d })}\n`);
        } catch (err) {
          throw usage('--arch', err);
        }
        return;
      }
      if (!flags.x1) throw new UsageError('give --x1 a.json (and optionally --x2 b.json), or --latex');
      const x1 = readRows(flags.x1, '--x1');
      const x2 = flags.x2 ? readRows(flags.x2, '--x2') : undefined;
      if (x2 && x2[0].length !== x1[0].length) {
        throw new UsageError(`dimension mismatch: --x1 rows have ${x1[0].length} entries but --x2 rows have ${x2[0].length}`);
      }
      let r;
      try {
        r = kernels(arch, x1, x2);
      } catch (err) {
        if (err instanceof RangeError) throw err;
        throw usage('--arch', err);
      }
      const out = { nngp: rowsOf(r.nngp), ntk: rowsOf(r.ntk!) };
      if (flags.json) {
        io.out(`${JSON.stringify(out)}\n`);
        return;
      }
      for (const name of ['nngp', 'ntk'] as const) {
        io.out(`${name} (${r.nngp.rows}×${r.nngp.cols}):\n`);
        for (const row of out[name]) io.out(`  ${row.map((v) => v.toPrecision(10).padStart(17)).join(' ')}\n`);
      }
    });
}

interface FlowFlags {
  dataset: string; loss: string; kernel: string; steps: string; seed: string; out?: string;
  particles: string; targets?: string; lrG?: string; discTime: string; width?: string; discLr: string;
  every?: string; snapshots?: string; vanilla: string; rbfSigma: string; json?: boolean; sinkhorn?: string;
}

/** Default snapshot steps: 0, K/20, K/10, K/4, K/2, K (deduplicated). */
function defaultSnapshots(K: number): number[] {
  return [...new Set([0, Math.ceil(K / 20), Math.ceil(K / 10), Math.ceil(K / 4), Math.ceil(K / 2), K])].sort((a, b) => a - b);
}

const shorten = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

function csv(result: ParticleFlowResult): string {
  const lines = ['step,mmd2,mmd2_rbf,energy_distance,seconds'];
  for (const m of result.metrics) lines.push([m.step, m.mmd2, m.mmd2Rbf, m.energy, m.seconds.toFixed(4)].join(','));
  return `${lines.join('\n')}\n`;
}

function registerNtkGan(program: Command, io: Io): void {
  program
    .command('ntk-gan')
    .description('generator particles against a kernel (infinite-width) or finite-width discriminator re-trained at every step (GAN(TK)^2)')
    .option('--dataset <name>', `dataset: ${DATASET_NAMES.join(', ')}`, 'eight_gaussians')
    .option('--loss <loss>', `loss: ${LOSS_NAMES.join(', ')} (hinge needs --width)`, 'ipm')
    .option('--kernel <spec>', `discriminator kernel: ${Object.keys(PRESET_KERNELS).join(', ')}, rbf, rbf(gamma), an architecture spec (its NTK), ntk:<spec> or nngp:<spec>`, 'relu')
    .option('--steps <K>', 'generator steps', '100')
    .option('--seed <S>', 'seed of the particles and targets (and of the finite discriminator)', '1')
    .option('--out <dir>', 'write metrics.json, metrics.csv, particles.json and particles.svg here (atomically)')
    .option('--particles <N>', 'number of generated particles', '200')
    .option('--targets <M>', 'number of target points (default: --particles)')
    .option('--lr-g <eta>', 'generator learning rate η_G; per-particle step η_G/N (default 2N, GAN(TK)^2\'s 1000 at N = 500)')
    .option('--disc-time <t>', 'discriminator training time t', '1')
    .option('--width <n>', 'finite-width discriminator of this hidden width instead of the kernel limit')
    .option('--disc-lr <eta>', 'finite-width discriminator gradient-descent step (t/η_D steps)', '0.01')
    .option('--every <k>', 'metrics every k steps (default K/20)')
    .option('--snapshots <list>', 'steps whose particles are pictured, e.g. 0,10,50,100 (default 0, K/20, K/10, K/4, K/2, K)')
    .option('--vanilla <method>', 'vanilla infinite-width discriminator: ode or lambertw', 'ode')
    .option('--rbf-sigma <s>', 'bandwidth of the Gaussian-kernel MMD metric', '1')
    .option('--sinkhorn <eps>', 'also the debiased Sinkhorn divergence (cost |x−y|², entropic ε) at the pictured steps (slow above a few hundred points)')
    .option('--json', 'print the metrics as JSON')
    .action((flags: FlowFlags) => {
      if (!(DATASET_NAMES as readonly string[]).includes(flags.dataset)) throw new UsageError(`--dataset must be one of ${DATASET_NAMES.join(', ')}, got "${flags.dataset}"`);
      if (!(LOSS_NAMES as readonly string[]).includes(flags.loss)) throw new UsageError(`--loss must be one of ${LOSS_NAMES.join(', ')}, got "${flags.loss}"`);
      const loss = flags.loss as LossName;
      const steps = parseInteger(flags.steps, '--steps', 0, 1_000_000);
      const seed = parseInteger(flags.seed, '--seed', 0);
      const N = parseInteger(flags.particles, '--particles', 2, 20_000);
      const M = flags.targets === undefined ? N : parseInteger(flags.targets, '--targets', 2, 20_000);
      const lrG = flags.lrG === undefined ? 2 * N : parsePositive(flags.lrG, '--lr-g');
      const t = parsePositive(flags.discTime, '--disc-time');
      const every = flags.every === undefined ? Math.max(1, Math.round(steps / 20)) : parseInteger(flags.every, '--every', 1);
      const rbfSigma = parsePositive(flags.rbfSigma, '--rbf-sigma');
      const sinkEps = flags.sinkhorn === undefined ? undefined : parsePositive(flags.sinkhorn, '--sinkhorn');
      if (flags.vanilla !== 'ode' && flags.vanilla !== 'lambertw') throw new UsageError(`--vanilla must be ode or lambertw, got "${flags.vanilla}"`);
      const snapshots = flags.snapshots === undefined ? defaultSnapshots(steps)
        : flags.snapshots.split(',').map((s) => parseInteger(s.trim(), '--snapshots', 0, steps));
      if (loss === 'hinge' && flags.width === undefined) throw new UsageError('--loss hinge has no infinite-width discriminator: give --width');
      const ds = dataset(flags.dataset, { particles: N, targets: M, seed });
      let kernel: GanKernel | undefined;
      let finite: { arch: Architecture; width: number; seed: number; lr: number } | undefined;
      if (flags.width !== undefined) {
        const width = parseInteger(flags.width, '--width', 1, 100_000);
        const lr = parsePositive(flags.discLr, '--disc-lr');
        const stepsD = Math.round(t / lr);
        if (Math.abs(stepsD * lr - t) > 1e-9 * t) throw new UsageError(`--disc-time / --disc-lr must be a whole number of steps, got ${t} / ${lr}`);
        const spec = PRESET_KERNELS[flags.kernel.trim()] ?? flags.kernel.trim().replace(/^ntk\s*:\s*/i, '');
        if (/^(rbf|nngp\s*:)/i.test(spec)) throw new UsageError(`--width trains a network: --kernel must be an architecture (its NTK), got "${flags.kernel}"`);
        finite = { arch: architectureOf(spec), width, seed, lr };
      } else {
        try {
          kernel = parseGanKernel(flags.kernel, ds.d);
        } catch (err) {
          if (err instanceof RangeError) throw err;
          throw usage('--kernel', err);
        }
      }
      const long = N * (N + M) * steps >= 4e7;
      let shown = -1;
      const config = {
        dataset: flags.dataset, loss, kernel: kernel?.label ?? `finite width ${finite!.width}: ${finite!.arch.spec}`,
        steps, seed, particles: N, targets: M, lrG, discTime: t,
        ...(finite ? { width: finite.width, discLr: finite.lr } : {}), ...(loss === 'vanilla' && !finite ? { vanilla: flags.vanilla } : {}),
      };
      let result: ParticleFlowResult;
      const sinkhorn = (r: ParticleFlowResult) => (sinkEps === undefined ? undefined : r.snapshots.map((s) => {
        const v = sinkhornDivergence(s.particles, ds.target, { epsilon: sinkEps });
        return { step: s.step, divergence: v.divergence, epsilon: v.epsilon, boundToW2: v.bound, iterations: v.iterations };
      }));
      const write = (r: ParticleFlowResult, extra: Record<string, unknown> = {}) => {
        if (!flags.out) return;
        const dir = flags.out;
        const sk = extra.diverged ? undefined : sinkhorn(r);
        const summary = { config, mmdKernel: r.mmdKernelLabel, rbfSigma, nonSmooth: r.nonSmooth, seconds: r.seconds, metrics: r.metrics, ...(sk ? { sinkhorn: sk } : {}), ...extra };
        writeFileAtomic(join(dir, 'metrics.json'), `${JSON.stringify(summary, null, 1)}\n`);
        writeFileAtomic(join(dir, 'metrics.csv'), csv(r));
        writeFileAtomic(join(dir, 'particles.json'), `${JSON.stringify({
          target: rowsOf(ds.target), snapshots: r.snapshots.map((s) => ({ step: s.step, particles: rowsOf(s.particles) })),
        })}\n`);
        writeFileAtomic(join(dir, 'particles.svg'), snapshotSvg(r.snapshots, ds.target, {
          title: shorten(`${flags.dataset}, ${loss}, ${finite ? `width ${finite.width}, ` : ''}kernel ${flags.kernel}; N = ${N}, η_G = ${lrG}, t = ${t}`, 100),
          columns: Math.min(r.snapshots.length, 3),
        }));
      };
      try {
        result = runParticleFlow(ds.source, ds.target, {
          loss, ...(kernel ? { kernel } : { finite }), steps, lrG, t, snapshots, metricsEvery: every, rbfSigma,
          vanilla: flags.vanilla as 'ode' | 'lambertw',
          onProgress: long ? (k, K) => {
            const pct = Math.floor((100 * k) / K / 10) * 10;
            if (pct > shown) { shown = pct; io.err(`ntk-gan: step ${k} of ${K} (${pct}%)\n`); }
          } : undefined,
        });
      } catch (err) {
        if (err instanceof FlowDivergenceError && flags.out) {
          write(err.partial, { diverged: err.message });
          err.message += ` (data up to the divergence written to ${flags.out})`;
        }
        throw err;
      }
      write(result);
      if (flags.out) io.err(`written to ${flags.out} (${steps} steps in ${result.seconds.toFixed(1)} s)\n`);
      if (flags.json) {
        const sk = flags.out ? undefined : sinkhorn(result);
        io.out(`${JSON.stringify({ config, nonSmooth: result.nonSmooth, metrics: result.metrics, ...(sk ? { sinkhorn: sk } : {}) })}\n`);
      } else if (!flags.out) {
        io.out(`${['step', 'mmd2', 'mmd2_rbf', 'energy', 'seconds'].map((s) => s.padStart(12)).join(' ')}\n`);
        for (const m of result.metrics) {
          io.out(`${[String(m.step).padStart(12), ...[m.mmd2, m.mmd2Rbf, m.energy].map((v) => v.toExponential(4).padStart(12)), m.seconds.toFixed(2).padStart(12)].join(' ')}\n`);
        }
      }
    });
}

export function registerNtkGanCommands(program: Command, io: Io): void {
  registerNtk(program, io);
  registerNtkGan(program, io);
}
