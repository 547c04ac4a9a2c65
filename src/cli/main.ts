// The `gandyn` command line. Exit codes: 0 success; 2 bad input or an integration that
// stopped (one line on stderr, partial data kept); 1 a failed theorem check or a bug.

import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { InputError, IntegrationError } from '../core/index.ts';
import type { Theorem } from '../core/index.ts';
import { ParseError } from '../symbolic/index.ts';
import { type Theory, theories as builtinTheories, theoremsOf } from '../models/index.ts';
import { registerSymbolicCommands } from './symbolic-commands.ts';
import { registerVerifyCommand } from './verify-command.ts';
import { registerTourCommand } from './tour.ts';
import { registerTheoryCommands, checkTheoryArgument } from './theory-commands.ts';
import { registerNtkGanCommands } from './ntk-gan-command.ts';
import { registerActionCommands, checkActionArgument } from './action-commands.ts';
import { registerReportCommand } from './report-command.ts';
import { registerSweepCommand } from './sweep-command.ts';
import { type Io, processIo } from './io.ts';

export type { Io } from './io.ts';

/** What the CLI works on: the registered theories and the theorems `verify` runs. */
export interface Registry {
  readonly theories: readonly Theory[];
  readonly theorems: readonly Theorem[];
}

const QUOTE_LIMIT = 80;

/** At most ~80 characters of a long input, around `position` when known. */
function excerpt(source: string, position?: number): string {
  if (source.length <= QUOTE_LIMIT) return source;
  const at = Math.max(0, Math.min(source.length - QUOTE_LIMIT, (position ?? 0) - QUOTE_LIMIT / 2));
  return `${at > 0 ? '…' : ''}${source.slice(at, at + QUOTE_LIMIT)}${at + QUOTE_LIMIT < source.length ? '…' : ''}`;
}

/** Characters that would break the one-line message or drive the terminal (CR, ESC, U+2028, ...). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

function escapeControl(s: string): string {
  return s.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The error as one line: line breaks collapse to a space, other control characters are shown escaped. */
function oneLine(err: unknown): string {
  if (err instanceof ParseError) {
    return escapeControl(`cannot parse "${excerpt(err.source, err.position)}": ${err.reason} at position ${err.position}`);
  }
  const msg = err instanceof Error ? err.message : String(err);
  const line = escapeControl(msg.replace(/\s*\n\s*/g, ' ').trim());
  return line.length > 400 ? `${line.slice(0, 399)}…` : line;
}

export function packageVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'gan-dynamics' && pkg.version) return pkg.version;
    } catch { /* try the next layout (sources or dist/) */ }
  }
  return 'unknown';
}

export function buildProgram(io: Io, registry: Registry): Command {
  const program = new Command('gandyn')
    .description('gan-dynamics: derive, verify and print the dynamics of GAN training')
    .version(packageVersion(), '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({
      writeOut: io.out,
      writeErr: () => {},
      outputError: () => {},
    })
    .addHelpText('after', '\nExpressions that start with "-" go after "--": gandyn latex -- "-x^2".\n'
      + 'Every command prints JSON with --json. Bad input exits 2; a failed theorem check exits 1.');
  registerSymbolicCommands(program, io);
  registerTheoryCommands(program, io, registry.theories);
  registerNtkGanCommands(program, io);
  registerVerifyCommand(program, io, registry.theorems);
  registerTourCommand(program, io);
  registerSweepCommand(program, io, registry.theories);
  registerReportCommand(program, io, registry.theories);
  registerActionCommands(program, io, registry.theories); // last: its verbs must not clash with the commands above
  return program;
}

/** Runs the CLI on argv (without node and script) and returns the exit code. */
export async function main(argv: string[], io: Io = processIo(), registry?: Partial<Registry>): Promise<number> {
  const theories = registry?.theories ?? builtinTheories;
  const full: Registry = { theories, theorems: registry?.theorems ?? theoremsOf(theories) };
  const program = buildProgram(io, full);
  try {
    if (argv.length === 0) {
      io.out(program.helpInformation());
      return 0;
    }
    checkTheoryArgument(argv, theories);
    checkActionArgument(argv, theories);
    await program.parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0;
      if (err.code === 'commander.help' || err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
      io.err(`gandyn: ${oneLine(err.message.replace(/^error: /, ''))}\n`);
      return 2;
    }
    if (err instanceof InputError || err instanceof IntegrationError) {
      io.err(`gandyn: ${oneLine(err)}\n`);
      return 2;
    }
    io.err(`gandyn: internal error: ${oneLine(err)}\n`);
    if (process.env.GANDYN_DEBUG && err instanceof Error) io.err(`${err.stack}\n`);
    return 1;
  } finally {
    process.exitCode = undefined;
  }
}
