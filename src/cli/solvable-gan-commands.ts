// gandyn derive | simulate | integrate | phase  solvable-gan ...

import type { Command } from 'commander';
import { print } from '../symbolic/print.ts';
import { latexSystem } from '../symbolic/latex.ts';
import { integrate } from '../compile/dynamics.ts';
import { deriveCoordinateSde, deriveOverlapOde } from '../models/solvable-gan/derive.ts';
import { classifyPhase } from '../models/solvable-gan/phase.ts';
import { simulateSgd } from '../models/solvable-gan/simulate.ts';
import {
  type Normalization, type Overlaps, type SolvableGanSpec, defaultInit, defaultSpec, entryName, paramValues,
  overlapsRecord, stateNames, validateOverlaps, validateSpec, vectorEntryName,
} from '../models/solvable-gan/spec.ts';
import { writeFileAtomic } from '../report/files.ts';
import { DivergenceError } from '../numeric/errors.ts';
import { UsageError, parseInteger, parsePositive } from './errors.ts';
import type { Io } from './main.ts';

const MODELS = ['solvable-gan'];

function checkModel(model: string): void {
  if (!MODELS.includes(model)) throw new UsageError(`unknown model "${model}" (known: ${MODELS.join(', ')})`);
}

/**
 * `k=v,k=v,...` where a value may itself be a comma list (`lambda=3,5`): items
 * without '=' extend the previous key's list.
 */
export function parseAssignments(text: string | undefined, flag: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  if (text === undefined) return out;
  let current: string | undefined;
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') throw new UsageError(`${flag}: empty item in "${text}"`);
    const eq = item.indexOf('=');
    const valueText = eq >= 0 ? item.slice(eq + 1).trim() : item;
    if (eq >= 0) {
      current = item.slice(0, eq).trim();
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(current)) throw new UsageError(`${flag}: "${current}" is not a parameter name`);
      if (out.has(current)) throw new UsageError(`${flag}: ${current} is set twice`);
      out.set(current, []);
    } else if (current === undefined) {
      throw new UsageError(`${flag}: "${item}" has no name (write name=value)`);
    }
    const v = Number(valueText);
    if (valueText === '' || !Number.isFinite(v)) throw new UsageError(`${flag}: ${current} = "${valueText}" is not a finite number`);
    out.get(current!)!.push(v);
  }
  return out;
}

function buildSpec(d: number, normalization: string, set: Map<string, number[]>): SolvableGanSpec {
  if (normalization !== 'column' && normalization !== 'oja') {
    throw new UsageError(`--normalization must be column or oja, got "${normalization}"`);
  }
  const spec: SolvableGanSpec = { ...defaultSpec(d), normalization: normalization as Normalization };
  const scalars = ['tau', 'tau_g', 'eta_T', 'eta_G'] as const;
  for (const [key, values] of set) {
    if ((scalars as readonly string[]).includes(key)) {
      if (values.length !== 1) throw new UsageError(`--set ${key} takes one value, got ${values.length}`);
      spec[key as (typeof scalars)[number]] = values[0];
    } else if (key === 'eta') {
      if (values.length !== 1) throw new UsageError('--set eta takes one value');
      spec.eta_T = spec.eta_G = values[0];
    } else if (key === 'lambda' || key === 'lambda_g') {
      if (values.length !== d) throw new UsageError(`--set ${key} needs ${d} value(s) for d = ${d}, got ${values.length}`);
      spec[key] = values;
    } else {
      throw new UsageError(`--set: unknown parameter "${key}" (known: tau, tau_g, lambda, lambda_g, eta_T, eta_G, eta)`);
    }
  }
  return validateSpec(spec);
}

function buildInit(d: number, set: Map<string, number[]>): Overlaps {
  const init = defaultInit(d);
  const names = new Set(stateNames(d));
  let rGiven = false;
  for (const [key, values] of set) {
    if (!names.has(key)) throw new UsageError(`--init: unknown overlap "${key}" (known: ${[...names].join(', ')})`);
    if (values.length !== 1) throw new UsageError(`--init ${key} takes one value`);
    const v = values[0];
    let found = false;
    for (let j = 0; j < d && !found; j++) {
      if (vectorEntryName('q', j, d) === key) { init.q[j] = v; found = true; }
      if (vectorEntryName('r', j, d) === key) { init.r[j] = v; found = true; rGiven = true; }
      for (let l = 0; l < d && !found; l++) {
        if (entryName('P', j, l, d) === key) { init.P[j][l] = v; found = true; }
        if (l > j && entryName('S', j, l, d) === key) { init.S[j][l] = init.S[l][j] = v; found = true; }
      }
    }
  }
  // default r = Pᵀq, as in the follow-up code's initial condition
  if (!rGiven) for (let l = 0; l < d; l++) init.r[l] = init.P.reduce((s, row, j) => s + row[l] * init.q[j], 0);
  return validateOverlaps(init, d);
}

interface RunFlags {
  d: string; n: string; T: string; seed: string; set?: string; init?: string; json?: boolean;
  normalization: string; out?: string; every: string;
}

/**
 * Runs a simulation; if it diverges, writes what it computed so far to --out (with
 * the error) before the error reaches the user, who sees one line naming the
 * variable, time, step and parameters.
 */
function keepPartialOnDivergence<R>(io: Io, flags: { out?: string }, run: () => R): R {
  try {
    return run();
  } catch (err) {
    if (err instanceof DivergenceError) {
      (err as DivergenceError & { inputError?: boolean }).inputError = true;
      if (flags.out && err.partial) {
        const p = err.partial as { t: ArrayLike<number>; series?: Record<string, number[]>; y?: Float64Array[]; names?: string[] };
        const series = p.series ?? Object.fromEntries((p.names ?? []).map((name, i) => [name, (p.y ?? []).map((y) => y[i])]));
        writeFileAtomic(flags.out, `${JSON.stringify({ t: Array.from(p.t), series, diverged: err.message })}\n`);
        err.message += ` (data up to the divergence written to ${flags.out})`;
      }
    }
    throw err;
  }
}

function emit(io: Io, flags: { json?: boolean; out?: string }, result: { t: number[]; series: Record<string, number[]> }): void {
  const json = `${JSON.stringify(result)}\n`;
  if (flags.out) {
    writeFileAtomic(flags.out, json);
    io.err(`written to ${flags.out}\n`);
  }
  if (flags.json) { io.out(json); return; }
  if (flags.out) return;
  const names = Object.keys(result.series);
  io.out(`${['t', ...names].map((s) => s.padStart(9)).join(' ')}\n`);
  result.t.forEach((t, i) => {
    io.out(`${[t, ...names.map((k) => result.series[k][i])].map((v) => v.toFixed(5).padStart(9)).join(' ')}\n`);
  });
}

function addRunFlags(cmd: Command): Command {
  return cmd
    .argument('<model>', `model: ${MODELS.join(', ')}`)
    .option('--d <D>', 'number of features', '1')
    .option('--T <T>', 'end time (t = steps / n)', '100')
    .option('--set <k=v,...>', 'parameters: tau, tau_g, lambda (comma list), lambda_g, eta_T, eta_G, eta (both)')
    .option('--init <k=v,...>', 'initial overlaps: P, q, r (d = 1) or P11, P12, ..., q1, ..., r1, ..., S12, ...')
    .option('--normalization <kind>', 'generator-step normalisation: column or oja', 'column')
    .option('--every <dt>', 'recording interval in units of t', '1')
    .option('--json', 'print {"t": [...], "series": {...}}')
    .option('--out <file>', 'also write the JSON to this file (atomically)');
}

export function registerSolvableGanCommands(program: Command, io: Io): void {
  program
    .command('derive')
    .description('derive a model\'s macroscopic ODE and per-coordinate SDE from its microscopic update')
    .argument('<model>', `model: ${MODELS.join(', ')}`)
    .option('--d <D>', 'number of features', '1')
    .option('--normalization <kind>', 'generator-step normalisation: column or oja', 'column')
    .option('--json', 'print {"state", "params", "drift", "diffusion", "sde"} with expressions in the input grammar')
    .option('--latex', 'print the ODE and the SDE as LaTeX')
    .action((model: string, flags: { d: string; normalization: string; json?: boolean; latex?: boolean }) => {
      checkModel(model);
      const d = parseInteger(flags.d, '--d', 1, 8);
      if (flags.normalization !== 'column' && flags.normalization !== 'oja') {
        throw new UsageError(`--normalization must be column or oja, got "${flags.normalization}"`);
      }
      const norm = flags.normalization as Normalization;
      const ode = deriveOverlapOde(d, norm);
      const sde = deriveCoordinateSde(d, norm);
      const named = (names: readonly string[], exprs: readonly import('../symbolic/expr.ts').Expr[]) => Object.fromEntries(names.map((n, i) => [n, print(exprs[i])]));
      if (flags.json) {
        io.out(`${JSON.stringify({
          state: ode.state, params: ode.params, drift: named(ode.state, ode.drift),
          diffusion: named(sde.state, sde.diffusion!),
          sde: { state: sde.state, params: sde.params, drift: named(sde.state, sde.drift), diffusion: named(sde.state, sde.diffusion!) },
        })}\n`);
      } else if (flags.latex) {
        io.out(`% macroscopic ODE (n -> infinity), d = ${d}, ${norm} normalisation\n${latexSystem(ode)}\n`);
        io.out(`% per-coordinate SDE (McKean-Vlasov): P, q, r are moments of the coordinates' law\n${latexSystem(sde)}\n`);
      } else {
        io.out(`macroscopic ODE (d = ${d}, ${norm} normalisation):\n`);
        ode.state.forEach((s, i) => io.out(`  d${s}/dt = ${print(ode.drift[i])}\n`));
        io.out('per-coordinate SDE (rescaled coordinates of U, V, w; dB a Brownian motion):\n');
        sde.state.forEach((s, i) => io.out(`  d${s} = (${print(sde.drift[i])}) dt + (${print(sde.diffusion![i])}) dB\n`));
      }
    });

  addRunFlags(program.command('simulate').description('seeded finite-n simulation of the actual online SGD'))
    .option('--n <N>', 'dimension', '1000')
    .option('--seed <S>', 'seed', '1')
    .action((model: string, flags: RunFlags) => {
      checkModel(model);
      const d = parseInteger(flags.d, '--d', 1, 64);
      const n = parseInteger(flags.n, '--n', 2 * d + 1, 1_000_000);
      const T = parsePositive(flags.T, '--T');
      const seed = parseInteger(flags.seed, '--seed', 0);
      const spec = buildSpec(d, flags.normalization, parseAssignments(flags.set, '--set'));
      const init = buildInit(d, parseAssignments(flags.init, '--init'));
      const every = parsePositive(flags.every, '--every');
      const long = n * T * d >= 2e7;
      let lastShown = -1;
      const run = keepPartialOnDivergence(io, flags, () => simulateSgd(spec, init, {
        n, T, seed, recordEvery: every,
        onProgress: long ? (t) => {
          const pct = Math.floor((100 * t) / T / 10) * 10;
          if (pct > lastShown) { lastShown = pct; io.err(`simulate: t = ${t.toFixed(1)} of ${T} (${pct}%)\n`); }
        } : undefined,
      }));
      emit(io, flags, { t: run.t, series: run.series });
    });

  addRunFlags(program.command('integrate').description('integrate the derived ODE through its compiled kernel'))
    .option('--n <N>', 'ignored (the ODE is the n -> infinity limit)')
    .option('--seed <S>', 'ignored (the ODE is deterministic)')
    .action((model: string, flags: RunFlags) => {
      checkModel(model);
      const d = parseInteger(flags.d, '--d', 1, 8);
      const T = parsePositive(flags.T, '--T');
      const spec = buildSpec(d, flags.normalization, parseAssignments(flags.set, '--set'));
      const init = buildInit(d, parseAssignments(flags.init, '--init'));
      const every = parsePositive(flags.every, '--every');
      const system = deriveOverlapOde(d, spec.normalization);
      const x0 = overlapsRecord(init, d);
      const times = Array.from({ length: Math.floor(T / every + 1e-9) + 1 }, (_, i) => i * every);
      const traj = keepPartialOnDivergence(io, flags, () => integrate(system, {
        params: paramValues(spec), initial: [x0], t1: T, method: 'dopri5', rtol: 1e-10, atol: 1e-12, record: times,
      }));
      const series = Object.fromEntries(system.state.map((s, i) => [s, traj.y.map((y) => y[i])]));
      emit(io, flags, { t: Array.from(traj.t), series });
    });

  program
    .command('phase')
    .description('the phase predicted by the linearisation at the fixed line q = r = 0')
    .argument('<model>', `model: ${MODELS.join(', ')}`)
    .option('--d <D>', 'number of features', '1')
    .option('--set <k=v,...>', 'parameters: tau, tau_g, lambda (comma list), lambda_g, eta_T, eta_G, eta (both)')
    .option('--init <k=v,...>', 'initial overlaps (the phase depends on the initial P_ii)')
    .option('--normalization <kind>', 'generator-step normalisation: column or oja', 'column')
    .option('--json', 'print {"phase", "recovered", "features", "kappa"}')
    .action((model: string, flags: { d: string; set?: string; init?: string; normalization: string; json?: boolean }) => {
      checkModel(model);
      const d = parseInteger(flags.d, '--d', 1, 8);
      const spec = buildSpec(d, flags.normalization, parseAssignments(flags.set, '--set'));
      const init = buildInit(d, parseAssignments(flags.init, '--init'));
      const v = classifyPhase(spec, init);
      if (flags.json) {
        io.out(`${JSON.stringify({
          phase: v.phase, recovered: v.recovered, kappa: v.kappa,
          features: v.features.map((f) => ({
            trace: f.trace, criticalOverlap: f.criticalOverlap, criticalOverlapSquared: f.criticalOverlapSquared,
            recovered: f.recovered, oscillates: f.oscillates,
          })),
        })}\n`);
        return;
      }
      io.out(`phase: ${v.phase}   (kappa = tau^2 (eta_T^2 + eta_G^2)/2 = ${v.kappa.toPrecision(4)})\n`);
      v.features.forEach((f, i) => {
        io.out(`  feature ${i + 1} (lambda = ${spec.lambda[i]}): ${f.recovered ? 'recovered' : 'lost'}; `
          + `trace ${f.trace.toPrecision(3)}, P_c ${f.criticalOverlapSquared > 0 ? f.criticalOverlap.toPrecision(3) : `none (P_c^2 = ${f.criticalOverlapSquared.toPrecision(3)})`}${f.oscillates ? ', oscillates' : ''}\n`);
      });
    });
}
