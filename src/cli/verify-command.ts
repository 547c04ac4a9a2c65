import type { Command } from 'commander';
import type { Theorem } from '../core/index.ts';
import { runTheorems, formatVerdictTable } from '../report/index.ts';
import { checkOutputPath, writeFileAtomic } from '../report/index.ts';
import { parseOption } from '../models/index.ts';
import { UsageError } from './errors.ts';
import type { Io } from './io.ts';

/** `gandyn verify [ids...]`: runs the given theorems; exit 1 when one fails. */
export function registerVerifyCommand(program: Command, io: Io, theorems: readonly Theorem[]): void {
  program
    .command('verify')
    .description('run theorem checks (all, or the ids given); exit 1 if any fails')
    .argument('[ids...]', `theorem ids: ${theorems.map((t) => t.id).join(', ')}`)
    .option('--json', 'print {"seed", "effort", "verdicts": [{id, passed, figures, summary, seconds}]}')
    .option('--out <file>', 'where to write the JSON report', 'out/verify.json')
    .option('--seed <n>', 'seed for the random cases', '1')
    .option('--effort <x>', 'scale of the random cases and samples, in (0, 100] (1 = default)', '1')
    .action(async (ids: string[], opts: { json?: boolean; out: string; seed: string; effort: string }) => {
      const known = new Map(theorems.map((t) => [t.id, t]));
      const unknown = ids.filter((id) => !known.has(id));
      if (unknown.length) throw new UsageError(`unknown theorem id(s): ${unknown.map((u) => JSON.stringify(u.slice(0, 40))).join(', ')} (known: ${[...known.keys()].join(', ')})`);
      const seed = parseOption({ name: 'seed', kind: 'integer', min: 0, description: '' }, opts.seed) as number;
      const effort = parseOption({ name: 'effort', kind: 'number', min: 0, exclusiveMin: true, max: 100, description: '' }, opts.effort) as number;
      checkOutputPath(opts.out, '--out');
      const selected = ids.length ? ids.map((id) => known.get(id)!) : [...theorems];
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
