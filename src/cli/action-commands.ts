// The verbs theories declare for themselves (the contract's `actions`):
//   gandyn <verb> <theory> [flags]     e.g. gandyn damping effective-gan --eta-g 0.1
//   gandyn <verb> [flags]              for a standalone action, e.g. gandyn ipm --class gaussian
// Flags: the theory's options for that verb, --set/--init/--spec, --json, --latex (where
// declared), --out FILE (the JSON result) and --figures DIR (its SVGs). Results are printed
// first; files are written after, all paths checked before the work starts.

import { join } from 'node:path';
import { Command } from 'commander';
import { IntegrationError } from '../core/index.ts';
import type { Theory, TheoryAction, ActionResult } from '../models/index.ts';
import { checkOutputPath, writeFileAtomic } from '../report/index.ts';
import { UsageError } from './errors.ts';
import { progressPrinter, type Io } from './io.ts';
import { addTheoryFlags, specOf, MAX_SIMULATE_WORK, VERBS, type CommonFlags } from './theory-commands.ts';

/** Work at or above this many estimated operations shows progress on stderr. */
const PROGRESS_FROM = 2e8;
const ACTION_VERB = /^[a-z][a-z0-9-]*$/;

interface ActionFlags extends CommonFlags { figures?: string }

/** Every (verb → theories offering it), checked for clashes with other commands. */
export function actionVerbs(theories: readonly Theory[], reserved: ReadonlySet<string>): Map<string, { theory: Theory; action: TheoryAction }[]> {
  const byVerb = new Map<string, { theory: Theory; action: TheoryAction }[]>();
  for (const theory of theories) {
    for (const action of theory.actions ?? []) {
      if (!ACTION_VERB.test(action.verb) || (VERBS as readonly string[]).includes(action.verb) || reserved.has(action.verb)) {
        throw new Error(`${theory.id}: action verb "${action.verb}" is not allowed (core verb, existing command or bad name)`);
      }
      const list = byVerb.get(action.verb) ?? [];
      list.push({ theory, action });
      byVerb.set(action.verb, list);
    }
  }
  for (const [verb, list] of byVerb) {
    if (list.length > 1 && list.some((e) => e.action.standalone)) {
      throw new Error(`action verb "${verb}" is standalone in one theory and offered by ${list.length}`);
    }
  }
  return byVerb;
}

function addActionFlags(cmd: Command, theory: Theory, action: TheoryAction): Command {
  addTheoryFlags(cmd, theory, action.verb);
  cmd.option('--json', 'print the result as JSON')
    .option('--out <file>', 'also write the JSON result to this file (atomically, regular files only)')
    .option('--figures <dir>', 'write the figures (SVG) into this folder');
  if (action.latex) cmd.option('--latex', 'print the result as LaTeX');
  return cmd;
}

/** An integration error keeps its data: whatever it computed goes to --out as JSON. */
function keepPartial(flags: ActionFlags, err: unknown): never {
  if (err instanceof IntegrationError && flags.out && err.partial !== undefined) {
    writeFileAtomic(flags.out, `${JSON.stringify({ partial: err.partial, diverged: err.message })}\n`);
    err.message += ` (the part computed before it written to ${flags.out})`;
  }
  throw err;
}

function runAction(io: Io, theory: Theory, action: TheoryAction, cmd: Command, flags: ActionFlags): void {
  if (flags.json && flags.latex) throw new UsageError('--json and --latex cannot be used together');
  if (flags.out !== undefined) checkOutputPath(flags.out, '--out');
  if (flags.figures !== undefined) checkOutputPath(flags.figures, '--figures', { directory: true });
  const spec = specOf(theory, action.verb, cmd, flags);
  const cost = action.cost?.(spec) ?? 0;
  if (cost > MAX_SIMULATE_WORK) {
    throw new UsageError(`this run is estimated at ${cost.toExponential(1)} operations, above the limit ${MAX_SIMULATE_WORK.toExponential(0)} (lower the size or the number of steps)`);
  }
  const label = action.standalone ? action.verb : `${action.verb} ${theory.id}`;
  let result: ActionResult;
  try {
    result = action.run(spec, { onProgress: cost >= PROGRESS_FROM ? progressPrinter(io, label) : undefined });
  } catch (err) {
    keepPartial(flags, err);
  }
  const figures = result.figures ?? [];
  const figureFiles = flags.figures !== undefined ? figures.map((f) => ({ file: join(flags.figures!, f.name), caption: f.caption })) : [];
  for (const f of figureFiles) checkOutputPath(f.file, '--figures');
  const json = `${JSON.stringify({ ...result.details, ...(figureFiles.length ? { figures: figureFiles } : {}) })}\n`;
  if (flags.json) io.out(json);
  else if (flags.latex) {
    if (result.latex === undefined) throw new UsageError(`${label} has no LaTeX for these flags`);
    io.out(`${result.latex}\n`);
  } else {
    io.out(`${result.lines.join('\n')}\n`);
    for (const f of figureFiles) io.out(`${f.file}: ${f.caption}\n`);
  }
  if (flags.out !== undefined) {
    writeFileAtomic(flags.out, json);
    io.err(`written to ${flags.out}\n`);
  }
  for (let i = 0; i < figureFiles.length; i++) writeFileAtomic(figureFiles[i].file, figures[i].svg);
}

/** `gandyn <verb> [<theory>]` for every action the registered theories declare. */
export function registerActionCommands(program: Command, io: Io, theories: readonly Theory[]): void {
  const reserved = new Set(program.commands.map((c) => c.name()));
  for (const [verb, list] of actionVerbs(theories, reserved)) {
    if (list[0].action.standalone) {
      const { theory, action } = list[0];
      const cmd = program.command(verb).description(`${action.description} (${theory.title})`);
      addActionFlags(cmd, theory, action);
      cmd.action((flags: ActionFlags, self: Command) => runAction(io, theory, action, self, flags));
      continue;
    }
    const parent = program.command(verb).description(`${list[0].action.description} (theories: ${list.map((e) => e.theory.id).join(', ')})`);
    for (const { theory, action } of list) {
      const cmd = parent.command(theory.id).description(`${theory.title} — ${action.description}`);
      addActionFlags(cmd, theory, action);
      cmd.action((flags: ActionFlags, self: Command) => runAction(io, theory, action, self, flags));
    }
  }
}

/** For `gandyn <action verb> <name>`: a UsageError when no theory offers that verb under that name. */
export function checkActionArgument(argv: readonly string[], theories: readonly Theory[]): void {
  const verb = argv[0];
  const list = theories.filter((t) => (t.actions ?? []).some((a) => a.verb === verb && !a.standalone));
  if (list.length === 0) return;
  const name = argv[1];
  if (name === undefined || name.startsWith('-')) return;
  if (!list.some((t) => t.id === name)) {
    throw new UsageError(`unknown model "${name.length > 40 ? `${name.slice(0, 39)}…` : name}" for ${verb} (known: ${list.map((t) => t.id).join(', ')})`);
  }
}
