import type { Command } from 'commander';
import { theorems } from '../../proofs/index.ts';
import { runTheorems, formatVerdictTable } from '../report/verify.ts';
import { writeFileAtomic } from '../report/files.ts';
import { UsageError } from './errors.ts';
import type { Io } from './main.ts';

export function registerVerifyCommand(program: Command, io: Io): void {
  program
    .command('verify')
    .description('run the theorem checks in proofs/ (all, or the ids given)')
    .argument('[ids...]', `theorem ids: ${theorems.map((t) => t.id).join(', ')}`)
    .option('--json', 'print the verdicts as JSON')
    .option('--out <file>', 'where to write the JSON report', 'out/verify.json')
    .option('--seed <n>', 'seed for the random cases', '1')
    .option('--effort <x>', 'scale of the random cases and samples (1 = default)', '1')
    .action(async (ids: string[], opts: { json?: boolean; out: string; seed: string; effort: string }) => {
      const known = new Map(theorems.map((t) => [t.id, t]));
      const unknown = ids.filter((id) => !known.has(id));
      if (unknown.length) throw new UsageError(`unknown theorem id(s): ${unknown.join(', ')} (known: ${[...known.keys()].join(', ')})`);
      const seed = Number(opts.seed), effort = Number(opts.effort);
      if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed must be an integer, got "${opts.seed}"`);
      if (!(effort > 0 && effort <= 100)) throw new UsageError(`--effort must be in (0, 100], got "${opts.effort}"`);
      const selected = ids.length ? ids.map((id) => known.get(id)!) : theorems;
      const verdicts = await runTheorems(selected, { seed, effort }, opts.json ? undefined : (line) => io.err(line));
      const report = { seed, effort, verdicts };
      writeFileAtomic(opts.out, `${JSON.stringify(report, null, 2)}\n`);
      if (opts.json) io.out(`${JSON.stringify(report)}\n`);
      else io.out(`${formatVerdictTable(selected, verdicts)}\nreport written to ${opts.out}\n`);
      if (verdicts.some((v) => !v.passed)) process.exitCode = 1;
    });
}
