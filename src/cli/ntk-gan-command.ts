// gandyn ntk      --arch "<spec>" --x1 a.json [--x2 b.json] [--parameterization ntk|standard] [--json] | --latex
// gandyn ntk-gan  --dataset eight_gaussians|modes_1d --loss ipm|lsgan|vanilla|hinge --kernel "<spec>"|relu|relu_nobias|rbf
//                 --steps K --seed S --out DIR [--particles N] [--lr-g η_G] [--disc-time t] [--width n] ...

import { readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { type Command, Option } from 'commander';
import { type Architecture, kernels, KernelInputError, type Matrix, ntkRecursionLatex } from '../ntk/index.ts';
import { ntkGan, flowConfig, flowFigure, runFlow, architectureOf } from '../models/ntk-gan/index.ts';
import { type ParticleFlowResult, FlowDivergenceError, sinkhornDivergence } from '../models/ntk-gan/index.ts';
import { parseOption, specValuesFromFlags } from '../models/index.ts';
import { checkOutputPath, writeFileAtomic } from '../report/index.ts';
import { InputError } from '../core/index.ts';
import { UsageError, parseInteger } from './errors.ts';
import { type Io, progressPrinter } from './io.ts';

/** The files `ntk-gan --out DIR` writes into DIR (each checked before the run). */
const RESULT_FILES = ['metrics.json', 'metrics.csv', 'particles.json', 'particles.svg'];

/** Largest --x1/--x2 file read (bytes). */
export const MAX_INPUT_BYTES = 64 << 20;

/**
 * Most kernel entries `ntk` prints to standard output (NNGP and NTK together; about
 * 18 bytes each as text, so ≈ 4.5 MB). Larger results must go to a file with --out.
 */
export const MAX_PRINTED_ENTRIES = 250_000;

/** Most entries per kernel matrix (N1·N2) `ntk` computes at all (two f64 matrices: 2 × 80 MB). */
export const MAX_KERNEL_ENTRIES = 10_000_000;

/** Output formats of `ntk --out FILE`, by the file's extension. */
const NTK_OUT_FORMATS = new Map<string, 'json' | 'csv' | 'f64'>([['.json', 'json'], ['.csv', 'csv'], ['.f64', 'f64']]);

/** An architecture from --arch with --parameterization and --width; errors name the flag. */
function cliArchitecture(spec: string, parameterization?: string, width?: string): Architecture {
  if (parameterization !== undefined && parameterization !== 'ntk' && parameterization !== 'standard') {
    throw new UsageError(`--parameterization must be ntk or standard, got "${parameterization}"`);
  }
  const w = width === undefined ? undefined : parseInteger(width, '--width', 1, 1_000_000);
  return architectureOf(spec, '--arch', parameterization, w);
}

/** An input error of the architecture is reported against --arch; anything else passes through. */
function archError(err: unknown): unknown {
  if (err instanceof KernelInputError || !(err instanceof InputError)) return err;
  return new UsageError(`--arch: ${err.message.split('\n')[0]}`);
}

/** Rows of numbers from a JSON file: [[...], [...]] (all rows the same length, finite numbers). */
function readRows(path: string, flag: string): number[][] {
  let text: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new UsageError(`${flag} ${path}: not a regular file`);
    if (st.size > MAX_INPUT_BYTES) throw new UsageError(`${flag} ${path}: ${st.size} bytes is above the limit ${MAX_INPUT_BYTES}`);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
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

/** The format of `ntk --out FILE` from its extension; the path is checked before any work. */
function ntkOutFormat(path: string): 'json' | 'csv' | 'f64' {
  const format = NTK_OUT_FORMATS.get(extname(path).toLowerCase());
  if (format === undefined) throw new UsageError(`--out ${path}: the file name must end in .json, .csv or .f64 (the output format)`);
  checkOutputPath(path, '--out');
  return format;
}

/**
 * Refuses, before any work, kernels above MAX_KERNEL_ENTRIES per matrix, and printing more
 * than MAX_PRINTED_ENTRIES numbers to standard output (the message gives the size and --out).
 */
export function checkNtkOutputSize(n1: number, n2: number, toFile: boolean): void {
  const perMatrix = n1 * n2;
  if (perMatrix > MAX_KERNEL_ENTRIES) {
    throw new UsageError(`the kernels would be ${n1}×${n2} = ${perMatrix} entries each, above the limit ${MAX_KERNEL_ENTRIES} per matrix: split --x1/--x2 into blocks`);
  }
  const total = 2 * perMatrix;
  if (!toFile && total > MAX_PRINTED_ENTRIES) {
    const mb = (total * 18 / 1e6).toFixed(total * 18 >= 1e8 ? 0 : 1);
    throw new UsageError(`the output would be 2×${n1}×${n2} = ${total} numbers (about ${mb} MB as text), above the ${MAX_PRINTED_ENTRIES} printed to standard output: write it with --out FILE.csv, FILE.f64 (binary) or FILE.json`);
  }
}

/** Writes both kernel matrices to path in the format (atomically); returns the byte count. */
function writeKernelFile(path: string, format: 'json' | 'csv' | 'f64', nngp: Matrix, ntk: Matrix): number {
  let data: Uint8Array;
  if (format === 'f64') {
    const all = new Float64Array(nngp.data.length + ntk.data.length);
    all.set(nngp.data, 0);
    all.set(ntk.data, nngp.data.length);
    const buf = Buffer.alloc(all.length * 8);
    for (let i = 0; i < all.length; i++) buf.writeDoubleLE(all[i], i * 8);
    data = buf;
  } else if (format === 'csv') {
    // one Buffer per row: no single string of hundreds of MB
    const parts: Buffer[] = [Buffer.from(`kernel,row,${Array.from({ length: nngp.cols }, (_, j) => `c${j}`).join(',')}\n`)];
    for (const [name, m] of [['nngp', nngp], ['ntk', ntk]] as const) {
      for (let i = 0; i < m.rows; i++) {
        let line = `${name},${i}`;
        for (let j = 0; j < m.cols; j++) line += `,${m.data[i * m.cols + j]}`;
        parts.push(Buffer.from(`${line}\n`));
      }
    }
    data = Buffer.concat(parts);
  } else {
    const parts: Buffer[] = [Buffer.from('{"nngp":')];
    for (const [name, m] of [['nngp', nngp], ['ntk', ntk]] as const) {
      if (name === 'ntk') parts.push(Buffer.from(',"ntk":'));
      parts.push(Buffer.from('['));
      for (let i = 0; i < m.rows; i++) parts.push(Buffer.from(`${i ? ',' : ''}${JSON.stringify(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)))}`));
      parts.push(Buffer.from(']'));
    }
    parts.push(Buffer.from('}\n'));
    data = Buffer.concat(parts);
  }
  writeFileAtomic(path, data);
  return data.length;
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
    .option('--json', 'print {"nngp": [[...]], "ntk": [[...]]} (with --out: a JSON summary of what was written)')
    .option('--out <file>', `write the kernels to FILE instead of standard output: .json (as --json), .csv (lines "kernel,row,v0,v1,..."), or .f64 (binary: NNGP then NTK, each N1×N2 float64 little-endian, row-major); needed above ${MAX_PRINTED_ENTRIES} entries`)
    .option('--latex', 'print the kernel recursion as LaTeX')
    .action((flags: { arch: string; x1?: string; x2?: string; parameterization?: string; width?: string; d?: string; json?: boolean; latex?: boolean; out?: string }) => {
      const arch = cliArchitecture(flags.arch, flags.parameterization, flags.width);
      if (flags.latex) {
        if (flags.x1 || flags.x2 || flags.json || flags.out !== undefined) throw new UsageError('--latex prints the recursion only: drop --x1, --x2, --json and --out');
        const d = flags.d === undefined ? undefined : parseInteger(flags.d, '--d', 1, 1_000_000);
        try {
          io.out(`${ntkRecursionLatex(arch, d === undefined ? {} : { d })}\n`);
        } catch (err) {
          throw archError(err);
        }
        return;
      }
      if (!flags.x1) throw new UsageError('give --x1 a.json (and optionally --x2 b.json), or --latex');
      const format = flags.out === undefined ? undefined : ntkOutFormat(flags.out);
      const x1 = readRows(flags.x1, '--x1');
      const x2 = flags.x2 ? readRows(flags.x2, '--x2') : undefined;
      if (x2 && x2[0].length !== x1[0].length) {
        throw new UsageError(`dimension mismatch: --x1 rows have ${x1[0].length} entries but --x2 rows have ${x2[0].length}`);
      }
      const n1 = x1.length, n2 = (x2 ?? x1).length;
      checkNtkOutputSize(n1, n2, flags.out !== undefined);
      let r;
      try {
        r = kernels(arch, x1, x2);
      } catch (err) {
        throw archError(err);
      }
      if (flags.out !== undefined && format !== undefined) {
        const bytes = writeKernelFile(flags.out, format, r.nngp, r.ntk!);
        const summary = { out: flags.out, format, rows: n1, cols: n2, kernels: ['nngp', 'ntk'], bytes };
        io.out(flags.json ? `${JSON.stringify(summary)}\n` : `wrote ${flags.out}: NNGP and NTK, ${n1}×${n2} each, ${format === 'f64' ? 'float64 little-endian, row-major, NNGP first' : format}, ${bytes} bytes\n`);
        return;
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

/** Metrics as CSV: one row per recorded step. */
function csv(result: ParticleFlowResult): string {
  const lines = ['step,mmd2,mmd2_rbf,energy_distance,seconds'];
  for (const m of result.metrics) lines.push([m.step, m.mmd2, m.mmd2Rbf, m.energy, m.seconds.toFixed(4)].join(','));
  return `${lines.join('\n')}\n`;
}

/**
 * `gandyn ntk-gan`: the ntk-gan theory's particle flow with its snapshot files. Flags
 * and validation are the theory's (`gandyn simulate ntk-gan` takes the same ones).
 */
function registerNtkGan(program: Command, io: Io): void {
  const cmd = program
    .command('ntk-gan')
    .description('generator particles against a kernel (infinite-width) or finite-width discriminator re-trained at every step (GAN(TK)^2)');
  for (const f of ntkGan.options) {
    const opt = new Option(`--${f.name} <${f.placeholder ?? 'value'}>`, f.description);
    if (f.default !== undefined) opt.default(f.default);
    cmd.addOption(opt);
  }
  cmd
    .option('--out <dir>', 'write metrics.json, metrics.csv, particles.json and particles.svg here (atomically)')
    .option('--sinkhorn <eps>', 'also the debiased Sinkhorn divergence (cost |x−y|², entropic ε) at the pictured steps (slow above a few hundred points)')
    .option('--json', 'print {"config", "nonSmooth", "metrics", "sinkhorn"?} as JSON')
    .action((flags: { out?: string; sinkhorn?: string; json?: boolean }, self: Command) => {
      if (flags.out !== undefined) {
        checkOutputPath(flags.out, '--out', { directory: true });
        for (const name of RESULT_FILES) checkOutputPath(join(flags.out, name), '--out');
      }
      const texts = new Map<string, string>();
      for (const f of ntkGan.options) {
        const v = self.getOptionValue(new Option(`--${f.name} <v>`).attributeName());
        if (typeof v === 'string') texts.set(f.name, v);
      }
      const spec = ntkGan.makeSpec(specValuesFromFlags(ntkGan, 'simulate', texts));
      const sinkEps = flags.sinkhorn === undefined ? undefined
        : parseOption({ name: 'sinkhorn', kind: 'number', min: 0, exclusiveMin: true, description: '' }, flags.sinkhorn) as number;
      const config = flowConfig(spec);
      const long = spec.particles * (spec.particles + spec.targets) * spec.steps >= 4e7;
      const sinkhorn = (r: ParticleFlowResult) => (sinkEps === undefined ? undefined : r.snapshots.map((s) => {
        const v = sinkhornDivergence(s.particles, spec.data.target, { epsilon: sinkEps });
        return { step: s.step, divergence: v.divergence, epsilon: v.epsilon, boundToW2: v.bound, iterations: v.iterations };
      }));
      const write = (r: ParticleFlowResult, sk: ReturnType<typeof sinkhorn>, extra: Record<string, unknown> = {}) => {
        if (!flags.out) return;
        const dir = flags.out;
        const summary = { config, mmdKernel: r.mmdKernelLabel, rbfSigma: spec.rbfSigma, nonSmooth: r.nonSmooth, seconds: r.seconds, metrics: r.metrics, ...(sk ? { sinkhorn: sk } : {}), ...extra };
        writeFileAtomic(join(dir, 'metrics.json'), `${JSON.stringify(summary, null, 1)}\n`);
        writeFileAtomic(join(dir, 'metrics.csv'), csv(r));
        writeFileAtomic(join(dir, 'particles.json'), `${JSON.stringify({
          target: rowsOf(spec.data.target), snapshots: r.snapshots.map((s) => ({ step: s.step, particles: rowsOf(s.particles) })),
        })}\n`);
        writeFileAtomic(join(dir, 'particles.svg'), flowFigure(spec, r).svg);
      };
      let result: ParticleFlowResult;
      try {
        result = runFlow(spec, { onProgress: long ? progressPrinter(io, 'ntk-gan') : undefined });
      } catch (err) {
        if (err instanceof FlowDivergenceError && flags.out) {
          write(err.partial, undefined, { diverged: err.message });
          err.message += ` (data up to the divergence written to ${flags.out})`;
        }
        throw err;
      }
      const sk = sinkhorn(result);
      if (flags.json) {
        io.out(`${JSON.stringify({ config, nonSmooth: result.nonSmooth, metrics: result.metrics, ...(sk ? { sinkhorn: sk } : {}) })}\n`);
      } else if (!flags.out) {
        io.out(`${['step', 'mmd2', 'mmd2_rbf', 'energy', 'seconds'].map((x) => x.padStart(12)).join(' ')}\n`);
        for (const m of result.metrics) {
          io.out(`${[String(m.step).padStart(12), ...[m.mmd2, m.mmd2Rbf, m.energy].map((v) => v.toExponential(4).padStart(12)), m.seconds.toFixed(2).padStart(12)].join(' ')}\n`);
        }
      }
      write(result, sk);
      if (flags.out) io.err(`written to ${flags.out} (${spec.steps} steps in ${result.seconds.toFixed(1)} s)\n`);
    });
}

export function registerNtkGanCommands(program: Command, io: Io): void {
  registerNtk(program, io);
  registerNtkGan(program, io);
}
