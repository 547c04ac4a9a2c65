// The verbs that work on any registered theory:
//   gandyn derive | integrate | simulate | phase | figures <theory> [flags]
//   gandyn models [--json]
// Each theory's own flags come from its OptionField list; --set/--init/--spec feed
// its one validator (makeSpec). Nothing here names a particular theory.

import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { print, latexSystem, systemExpectations, expectationText, expectationLatex, expectationJson } from '../symbolic/index.ts';
import { integrate, type ExpectationReport } from '../compile/index.ts';
import { IntegrationError } from '../core/index.ts';
import { Trajectory, namedSeries, type NamedSeries } from '../numeric/index.ts';
import {
  type Theory, type Verb, type AnyVerb, type Series, type SpecValues, capabilities, optionsFor, specValuesFromFlags,
  specValuesFromJson, parseOption,
} from '../models/index.ts';
import { checkOutputPath, writeFileAtomic } from '../report/index.ts';
import { exportSystem, EXPORT_FORMATS, type ExportFormat } from '../symbolic/index.ts';
import { UsageError } from './errors.ts';
import { progressPrinter, type Io } from './io.ts';

/** Largest number of recorded times of one `integrate` (each is one row of output). */
export const MAX_RECORDS = 1_000_000;
/**
 * Largest simulation work estimate (theory.simulateCost, elementary operations) accepted:
 * the simulators run about 1e8..6e8 estimated operations a second, so this is minutes, not hours.
 */
export const MAX_SIMULATE_WORK = 2e11;
/** Largest JSON spec file read by --spec. */
export const MAX_SPEC_BYTES = 1 << 20;

const DESCRIPTIONS: Record<Verb, string> = {
  derive: "derive a theory's macroscopic ODE (and per-coordinate SDE where it has one) from its microscopic update",
  integrate: 'integrate the derived ODE through its compiled kernel',
  simulate: 'seeded finite-size simulation of the actual training dynamics',
  phase: 'the phase predicted by the theory (linearisation, fixed points)',
  figures: "draw the theory's figures as SVG files into a folder",
};

export const VERBS: readonly Verb[] = ['derive', 'integrate', 'simulate', 'phase', 'figures'];

function readSpecFile(path: string): unknown {
  let st;
  try { st = statSync(path); } catch (err) { throw new UsageError(`--spec ${path}: cannot read (${(err as NodeJS.ErrnoException).code})`); }
  if (!st.isFile()) throw new UsageError(`--spec ${path}: not a regular file`);
  if (st.size > MAX_SPEC_BYTES) throw new UsageError(`--spec ${path}: ${st.size} bytes is above the limit ${MAX_SPEC_BYTES}`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`--spec ${path}: not JSON (${(err as Error).message.split('\n')[0]})`);
  }
}

export interface CommonFlags {
  set?: string; init?: string; spec?: string; json?: boolean; out?: string;
  latex?: boolean; format?: string; sde?: boolean; T?: string; every?: string;
}

/** The theory's spec from the command's flags (or --spec FILE): the one validation step. */
export function specOf(theory: Theory, verb: AnyVerb, cmd: Command, flags: CommonFlags): unknown {
  let values: SpecValues;
  if (flags.spec !== undefined) {
    const given = optionsFor(theory, verb).filter((f) => cmd.getOptionValueSource(attr(f.name)) === 'cli');
    if (given.length || flags.set !== undefined || flags.init !== undefined) {
      throw new UsageError(`--spec gives the whole spec: drop ${[...given.map((f) => `--${f.name}`), ...(flags.set ? ['--set'] : []), ...(flags.init ? ['--init'] : [])].join(', ')}`);
    }
    values = specValuesFromJson(theory, verb, readSpecFile(flags.spec));
  } else {
    const texts = new Map<string, string>();
    for (const f of optionsFor(theory, verb)) {
      const v = cmd.getOptionValue(attr(f.name));
      if (typeof v === 'string') texts.set(f.name, v);
    }
    values = specValuesFromFlags(theory, verb, texts, flags.set, flags.init);
  }
  return theory.makeSpec(values);
}

/** commander's attribute name of a flag: lr-g → lrG. */
function attr(name: string): string {
  return new Option(`--${name} <v>`).attributeName();
}

export function addTheoryFlags(cmd: Command, theory: Theory, verb: AnyVerb): Command {
  for (const f of optionsFor(theory, verb)) {
    const extra = f.kind === 'choice' ? ` (${f.choices!.join(' | ')})` : '';
    const range = (f.kind === 'integer' || f.kind === 'number') && (f.min !== undefined || f.max !== undefined)
      ? ` [${f.min ?? '-inf'}${f.exclusiveMin ? ' exclusive' : ''}..${f.max ?? 'inf'}]` : '';
    const opt = new Option(`--${f.name} <${f.placeholder ?? 'value'}>`, `${f.description}${extra}${range}`);
    if (f.default !== undefined) opt.default(f.default);
    cmd.addOption(opt);
  }
  const params = (() => { try { return theory.parameters(defaultValues(theory, verb)); } catch { return []; } })();
  if (params.length) cmd.option('--set <k=v,...>', `parameters: ${params.map((p) => p.name).join(', ')} (a list as k=v1,v2)`);
  else cmd.option('--set <k=v,...>', 'parameters (this theory has none: refused)');
  cmd.option('--init <k=v,...>', 'initial state (see `gandyn models --json`)');
  cmd.option('--spec <file.json>', 'the whole spec as JSON: {"<flag>": value, ..., "set": {...}, "init": {...}}');
  return cmd;
}

function defaultValues(theory: Theory, verb: AnyVerb): SpecValues {
  const options = new Map<string, number | string>();
  for (const f of optionsFor(theory, verb)) if (f.default !== undefined) options.set(f.name, parseOption(f, f.default));
  return { options, set: new Map(), init: new Map() };
}

/** Times, then one column per series: a table, JSON on --json, or a file on --out. */
function emitSeries(io: Io, flags: CommonFlags, result: Series): void {
  const json = `${JSON.stringify({ t: result.t, series: result.series, ...(result.extra ?? {}) })}\n`;
  if (flags.json) io.out(json);
  else if (!flags.out) {
    const names = Object.keys(result.series);
    const fixed = (v: number) => Math.abs(v) < 1e-12 || (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5);
    const columns = names.map((k) => result.series[k].every(fixed));
    io.out(`${['t', ...names].map((s) => s.padStart(11)).join(' ')}\n`);
    result.t.forEach((t, i) => {
      const cells = [t.toFixed(5), ...names.map((k, c) => (columns[c] ? result.series[k][i].toFixed(5) : result.series[k][i].toExponential(4)))];
      io.out(`${cells.map((s) => s.padStart(11)).join(' ')}\n`);
    });
  }
  if (flags.out) {
    writeFileAtomic(flags.out, json);
    io.err(`written to ${flags.out}\n`);
  }
}

/** An integration error keeps its data: the recorded part goes to --out, then the one-line error. */
function keepPartial(io: Io, flags: CommonFlags, err: unknown): never {
  if (err instanceof IntegrationError && flags.out) {
    const p = err.partial as Trajectory | NamedSeries | undefined;
    if (p instanceof Trajectory || (p && Array.isArray(p.t) && typeof p.series === 'object')) {
      const { t, series } = namedSeries(p);
      writeFileAtomic(flags.out, `${JSON.stringify({ t, series, diverged: err.message })}\n`);
      err.message += ` (data up to the divergence written to ${flags.out})`;
    }
  }
  throw err;
}

function exclusive(flags: CommonFlags, names: (keyof CommonFlags)[]): void {
  const given = names.filter((n) => flags[n] !== undefined && flags[n] !== false);
  if (given.length > 1) throw new UsageError(`${given.map((n) => `--${n}`).join(' and ')} cannot be used together`);
}

function runDerive(io: Io, theory: Theory, spec: unknown, flags: CommonFlags): void {
  exclusive(flags, ['json', 'latex', 'format']);
  const format = flags.format ?? (flags.json ? 'json' : flags.latex ? 'latex' : 'text');
  if (flags.sde && ['text', 'json', 'latex'].includes(format)) throw new UsageError(`--sde goes with --format ${EXPORT_FORMATS.filter((f) => f !== 'latex' && f !== 'json').join('|')} (text, json and latex show both systems)`);
  if (format !== 'text' && !(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be one of text, ${EXPORT_FORMATS.join(', ')}, got "${format}"`);
  }
  const d = theory.derive!(spec);
  const numeric = systemExpectations(d.ode);
  if (numeric.length && !['text', 'json', 'latex'].includes(format)) {
    throw new UsageError(`--format ${format}: the ODE has numeric expectations ${numeric[0].name}..${numeric[numeric.length - 1].name}, which the exporters cannot write (use text, --json or --latex)`);
  }
  if (format === 'json') {
    const named = (names: readonly string[], exprs: readonly import('../symbolic/index.ts').Expr[]) => Object.fromEntries(names.map((n, i) => [n, print(exprs[i])]));
    io.out(`${JSON.stringify({
      state: d.ode.state, params: d.ode.params, drift: named(d.ode.state, d.ode.drift),
      ...(d.sde ? {
        diffusion: named(d.sde.state, d.sde.diffusion!),
        sde: { state: d.sde.state, params: d.sde.params, drift: named(d.sde.state, d.sde.drift), diffusion: named(d.sde.state, d.sde.diffusion!) },
      } : {}),
      ...(numeric.length ? { expectations: expectationJson(numeric) } : {}),
    })}\n`);
  } else if (format === 'latex') {
    io.out(`% ${d.odeLabel}\n${latexSystem(d.ode)}\n`);
    if (numeric.length) io.out(`% numeric expectations (not closed forms)\n${expectationLatex(numeric)}\n`);
    if (d.sde) io.out(`% ${d.sdeLabel ?? 'per-coordinate SDE'}\n${latexSystem(d.sde)}\n`);
  } else if (format === 'text') {
    io.out(`${d.odeLabel}:\n`);
    d.ode.state.forEach((s, i) => io.out(`  d${s}/dt = ${print(d.ode.drift[i])}\n`));
    if (numeric.length) {
      io.out('numeric expectations (not closed forms):\n');
      expectationText(numeric).forEach((line) => io.out(`  ${line}\n`));
    }
    if (d.sde) {
      io.out(`${d.sdeLabel ?? 'per-coordinate SDE'}:\n`);
      d.sde.state.forEach((s, i) => io.out(`  d${s} = (${print(d.sde!.drift[i])}) dt + (${print(d.sde!.diffusion![i])}) dB\n`));
    }
  } else {
    if (flags.sde && !d.sde) throw new UsageError(`--sde: ${theory.id} has no per-coordinate SDE`);
    io.out(exportSystem(flags.sde ? d.sde! : d.ode, format as ExportFormat).text);
  }
}

function runIntegrate(io: Io, theory: Theory, spec: unknown, flags: CommonFlags): void {
  const defaults = theory.integrateDefaults ?? { T: 100, every: 1 };
  const T = parseOption({ name: 'T', kind: 'number', min: 0, exclusiveMin: true, max: 1e7, description: '' }, flags.T ?? String(defaults.T)) as number;
  const every = parseOption({ name: 'every', kind: 'number', min: 0, exclusiveMin: true, description: '' }, flags.every ?? String(defaults.every)) as number;
  const records = Math.floor(T / every + 1e-9) + 1;
  if (records > MAX_RECORDS) throw new UsageError(`--T ${T} / --every ${every} = ${records} recorded times is above the limit ${MAX_RECORDS}: raise --every`);
  const d = theory.derive!(spec);
  const times = Array.from({ length: records }, (_, i) => i * every);
  let traj;
  try {
    traj = integrate(d.ode, {
      params: d.params, initial: [Object.fromEntries(d.ode.state.map((name, i) => [name, d.initial[i]]))], t1: T, method: 'dopri5', rtol: 1e-10, atol: 1e-12, record: times,
    });
  } catch (err) {
    keepPartial(io, flags, err);
  }
  const report = (traj as { expectations?: ExpectationReport }).expectations;
  const named = traj.named();
  if (!report) { emitSeries(io, flags, named); return; }
  const worst = Math.max(0, ...report.maxErrorEstimate);
  const expectations = { rule: report.rule, names: report.names, maxErrorEstimate: report.maxErrorEstimate, evaluations: report.evaluations };
  emitSeries(io, flags, { t: named.t, series: named.series, extra: { expectations } });
  if (!flags.json) {
    io.out(`numeric expectations ${report.names[0]}..${report.names[report.names.length - 1]}: largest error estimate ${worst.toExponential(1)} over ${report.evaluations} evaluations (not exact; --json lists each)\n`);
  }
}

function runSimulate(io: Io, theory: Theory, spec: unknown, flags: CommonFlags): void {
  const cost = theory.simulateCost?.(spec) ?? 0;
  if (cost > MAX_SIMULATE_WORK) {
    throw new UsageError(`this run is estimated at ${cost.toExponential(1)} operations, above the limit ${MAX_SIMULATE_WORK.toExponential(0)} (lower the size or the time)`);
  }
  let result: Series;
  try {
    result = theory.simulate!(spec, { onProgress: cost >= 2e8 ? progressPrinter(io, `simulate ${theory.id}`) : undefined });
  } catch (err) {
    keepPartial(io, flags, err);
  }
  emitSeries(io, flags, result);
}

function runPhase(io: Io, theory: Theory, spec: unknown, flags: CommonFlags): void {
  const r = theory.phase!(spec);
  io.out(flags.json ? `${JSON.stringify(r.details)}\n` : `${r.lines.join('\n')}\n`);
}

function runFigures(io: Io, theory: Theory, spec: unknown, flags: CommonFlags): void {
  const cost = theory.simulateCost?.(spec) ?? 0;
  if (cost > MAX_SIMULATE_WORK) throw new UsageError(`these figures are estimated at ${cost.toExponential(1)} operations, above the limit ${MAX_SIMULATE_WORK.toExponential(0)}`);
  const figs = theory.figures!(spec, { onProgress: cost >= 2e8 ? progressPrinter(io, `figures ${theory.id}`) : undefined });
  const listing = figs.map((f) => ({ file: join(flags.out!, f.name), caption: f.caption }));
  for (const f of listing) checkOutputPath(f.file, '--out'); // all or none: no partial set of figures
  io.out(flags.json ? `${JSON.stringify({ figures: listing })}\n` : `${listing.map((f) => `${f.file}: ${f.caption}`).join('\n')}\n`);
  for (const f of figs) writeFileAtomic(join(flags.out!, f.name), f.svg);
}

const RUNNERS: Record<Verb, (io: Io, theory: Theory, spec: unknown, flags: CommonFlags) => void> = {
  derive: runDerive, integrate: runIntegrate, simulate: runSimulate, phase: runPhase, figures: runFigures,
};

function supports(theory: Theory, verb: Verb): boolean {
  return capabilities(theory).includes(verb);
}

/** `gandyn <verb> <theory> ...` for every verb and every theory that supports it. */
export function registerTheoryCommands(program: Command, io: Io, theories: readonly Theory[]): void {
  for (const verb of VERBS) {
    const known = theories.filter((t) => supports(t, verb));
    const parent = program.command(verb).description(`${DESCRIPTIONS[verb]} (theories: ${known.map((t) => t.id).join(', ') || 'none'})`);
    for (const theory of known) {
      const cmd = parent.command(theory.id).description(`${theory.title} — ${DESCRIPTIONS[verb]}`);
      addTheoryFlags(cmd, theory, verb);
      if (verb === 'derive') {
        cmd.option('--json', 'print {"state", "params", "drift", "diffusion"?, "sde"?} with expressions in the input grammar')
          .option('--latex', 'print the ODE (and SDE) as LaTeX')
          .option('--format <f>', `text (default), ${EXPORT_FORMATS.join(', ')}: a script/module for that tool`)
          .option('--sde', 'with --format sympy|numpy|julia|mathematica: export the per-coordinate SDE instead of the ODE');
      }
      if (verb === 'integrate') {
        const d = theory.integrateDefaults ?? { T: 100, every: 1 };
        cmd.option('--T <T>', `end time [up to 1e7]`, String(d.T)).option('--every <dt>', `recording interval (at most ${MAX_RECORDS} records)`, String(d.every));
      }
      if (verb === 'integrate' || verb === 'simulate') {
        cmd.option('--json', 'print {"t": [...], "series": {...}}').option('--out <file>', 'write the JSON to this file (atomically, regular files only)');
      }
      if (verb === 'phase') cmd.option('--json', 'print the phase and its details as JSON');
      if (verb === 'figures') cmd.requiredOption('--out <dir>', 'folder for the SVG files').option('--json', 'print {"figures": [{file, caption}]}');
      cmd.action((flags: CommonFlags, self: Command) => {
        if (flags.out !== undefined) checkOutputPath(flags.out, '--out', { directory: verb === 'figures' });
        const spec = specOf(theory, verb, self, flags);
        RUNNERS[verb](io, theory, spec, flags);
      });
    }
  }

  program
    .command('models')
    .description('list the registered theories with their capabilities, flags and parameters')
    .option('--json', 'print [{id, title, source, capabilities, options, parameters, initial, theorems}]')
    .action((flags: { json?: boolean }) => {
      const rows = theories.map((t) => {
        const verb = capabilities(t)[0] ?? 'derive';
        const values = (() => { try { return defaultValues(t, verb); } catch { return undefined; } })();
        return {
          id: t.id, title: t.title, source: t.source, summary: t.summary, capabilities: capabilities(t),
          actions: (t.actions ?? []).map((a) => ({ verb: a.verb, description: a.description, standalone: a.standalone === true })),
          options: t.options.map((o) => ({ name: o.name, kind: o.kind, default: o.default ?? null, description: o.description, ...(o.verbs ? { verbs: o.verbs } : {}), ...(o.choices ? { choices: o.choices } : {}), ...(o.min !== undefined ? { min: o.min } : {}), ...(o.max !== undefined ? { max: o.max } : {}) })),
          parameters: values ? t.parameters(values).map((p) => ({ name: p.name, default: p.default, description: p.description })) : [],
          initial: values && t.initialValues ? t.initialValues(values).map((p) => ({ name: p.name, default: p.default })) : [],
          theorems: t.theorems.map((th) => th.id),
        };
      });
      if (flags.json) { io.out(`${JSON.stringify(rows)}\n`); return; }
      for (const r of rows) {
        io.out(`${r.id}: ${r.title}\n  ${r.source}\n  capabilities: ${r.capabilities.join(', ') || 'none'}\n`);
        if (r.actions.length) io.out(`  actions: ${r.actions.map((a) => (a.standalone ? `gandyn ${a.verb}` : `gandyn ${a.verb} ${r.id}`)).join(', ')}\n`);
        if (r.parameters.length) io.out(`  --set: ${r.parameters.map((p) => `${p.name}=${Array.isArray(p.default) ? p.default.join(',') : p.default}`).join(', ')}\n`);
        if (r.initial.length) io.out(`  --init: ${r.initial.map((p) => `${p.name}=${typeof p.default === "number" ? Number(p.default.toPrecision(12)) : p.default}`).join(', ')}\n`);
        if (r.theorems.length) io.out(`  theorems: ${r.theorems.join(', ')}\n`);
      }
    });
}

/** The theory named at argv[1] for a theory verb at argv[0], or a UsageError listing the known ones. */
export function checkTheoryArgument(argv: readonly string[], theories: readonly Theory[]): void {
  const verb = argv[0] as Verb;
  if (!VERBS.includes(verb)) return;
  const name = argv[1];
  if (name === undefined || name.startsWith('-')) return;
  const known = theories.filter((t) => supports(t, verb)).map((t) => t.id);
  if (!known.includes(name)) {
    const exists = theories.some((t) => t.id === name);
    throw new UsageError(exists ? `${name} has no ${verb} (it supports: ${capabilities(theories.find((t) => t.id === name)!).join(', ') || 'nothing'})`
      : `unknown model "${name.length > 40 ? `${name.slice(0, 39)}…` : name}" (known: ${known.join(', ')})`);
  }
}
