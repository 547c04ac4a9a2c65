import type { Command } from 'commander';
import { InputError, type Theorem } from '../core/index.ts';
import { runTheorems, formatVerdictTable } from '../report/index.ts';
import { checkOutputPath, writeFileAtomic } from '../report/index.ts';
import { parseAssignments, parseOption, type SpecValues } from '../models/index.ts';
import { readModelFile, specFromModel, specRateTheorem, rateTheoremId, RATE_DEFAULTS, type RateTheorem } from '../models/user-model/index.ts';
import { UsageError } from './errors.ts';
import { progressPrinter, type Io } from './io.ts';
import { MAX_SIMULATE_WORK } from './theory-commands.ts';

/** Estimated work (operations) from which a model's rate theorem reports its progress on stderr: several seconds. */
const PROGRESS_FROM = 2e9;

interface VerifyFlags { json?: boolean; out: string; seed: string; effort: string; model: string[]; set?: string; init?: string }

/** Another copy of an id already taken: `<id>#2`, `<id>#3`, ... */
function freshId(id: string, taken: Set<string>): string {
  let fresh = id;
  for (let k = 2; taken.has(fresh); k++) fresh = `${id}#${k}`;
  taken.add(fresh);
  return fresh;
}

/** An input error about a model file names the file. */
function named(err: unknown, path: string): unknown {
  if (err instanceof InputError && !err.message.startsWith('--model ')) err.message = `--model ${path}: ${err.message}`;
  return err;
}

/**
 * The rate theorem of each --model file, read and validated like --model elsewhere (--set and
 * --init as for `gandyn integrate user-model`), its ODE derived and initial vectors built: a bad
 * file or value is an InputError naming the file and the key, before any theorem runs.
 */
function modelTheorems(io: Io, flags: VerifyFlags, taken: Set<string>, effort: number): RateTheorem[] {
  const values: SpecValues = { options: new Map(), set: parseAssignments(flags.set, '--set'), init: parseAssignments(flags.init, '--init') };
  const list = flags.model.map((path) => {
    try {
      const spec = specFromModel(readModelFile(path), values, path);
      let progress: ((fraction: number, what: string) => void) | undefined;
      const theorem = specRateTheorem(spec, { ...RATE_DEFAULTS, onProgress: (f, what) => progress?.(f, what) }, freshId(rateTheoremId(path), taken));
      if (!flags.json && theorem.cost({ effort }) >= PROGRESS_FROM) progress = progressPrinter(io, theorem.id);
      return { path, theorem };
    } catch (err) {
      throw named(err, path);
    }
  });
  const work = list.reduce((s, { theorem }) => s + theorem.cost({ effort }), 0);
  if (work > MAX_SIMULATE_WORK) {
    throw new UsageError(`--model: the rate theorems are estimated at ${work.toExponential(1)} operations, above the limit ${MAX_SIMULATE_WORK.toExponential(0)} (lower --effort)`);
  }
  for (const { path, theorem } of list) {
    try { theorem.prepare(); } catch (err) { throw named(err, path); }
  }
  return list.map((e) => e.theorem);
}

/** `gandyn verify [ids...] [--model FILE ...]`: runs the given theorems; exit 1 when one fails. */
export function registerVerifyCommand(program: Command, io: Io, theorems: readonly Theorem[]): void {
  program
    .command('verify')
    .description('run theorem checks (all, or the ids given, and the rate theorem of each --model file); exit 1 if any fails')
    .argument('[ids...]', `theorem ids: ${theorems.map((t) => t.id).join(', ')}`)
    .option('--json', 'print {"seed", "effort", "verdicts": [{id, passed, figures, summary, seconds}]}')
    .option('--out <file>', 'where to write the JSON report', 'out/verify.json')
    .option('--seed <n>', 'seed for the random cases', '1')
    .option('--effort <x>', 'scale of the random cases and samples, in (0, 100] (1 = default)', '1')
    .option('--model <file>', `the rate theorem of this model file (docs/user-models.md; repeatable): max_t |sim - ODE| over n = ${RATE_DEFAULTS.ns.join(', ')}, `
      + `T = ${RATE_DEFAULTS.T}, ${RATE_DEFAULTS.seeds} seeds per n (times --effort), fitted log-log slope in [-0.75, -0.25]; with --model only these and the ids given run`,
    (v: string, list: string[]) => [...list, v], [] as string[])
    .option('--set <k=v,...>', 'with --model: the model parameters (as gandyn integrate user-model --set)')
    .option('--init <k=v,...>', 'with --model: the initial overlaps (as gandyn integrate user-model --init)')
    .action(async (ids: string[], opts: VerifyFlags) => {
      const known = new Map(theorems.map((t) => [t.id, t]));
      const unknown = ids.filter((id) => !known.has(id));
      if (unknown.length) throw new UsageError(`unknown theorem id(s): ${unknown.map((u) => JSON.stringify(u.slice(0, 40))).join(', ')} (known: ${[...known.keys()].join(', ')})`);
      const seed = parseOption({ name: 'seed', kind: 'integer', min: 0, description: '' }, opts.seed) as number;
      const effort = parseOption({ name: 'effort', kind: 'number', min: 0, exclusiveMin: true, max: 100, description: '' }, opts.effort) as number;
      if (opts.model.length === 0 && (opts.set !== undefined || opts.init !== undefined)) throw new UsageError(`${opts.set !== undefined ? '--set' : '--init'} applies to a --model file: give --model FILE`);
      checkOutputPath(opts.out, '--out');
      const byId = ids.map((id) => known.get(id)!);
      const models = modelTheorems(io, opts, new Set(ids), effort);
      const selected = ids.length || models.length ? [...byId, ...models] : [...theorems];
      const verdicts = await runTheorems(selected, { seed, effort }, opts.json ? undefined : (line) => io.err(line));
      const report = { seed, effort, verdicts };
      if (opts.json) io.out(`${JSON.stringify(report)}\n`);
      else io.out(`${formatVerdictTable(selected, verdicts)}\n`);
      if (verdicts.some((v) => !v.passed)) process.exitCode = 1;
      try {
        writeFileAtomic(opts.out, `${JSON.stringify(report, null, 2)}\n`);
        if (!opts.json) io.err(`report written to ${opts.out}\n`);
      } catch (err) {
        io.err(`gandyn: the results above were not saved: ${(err as Error).message}\n`);
        process.exitCode = 2;
      }
    });
}
