// The `gandyn` command line. Bad input exits with code 2 and one line on stderr.

import { Command, CommanderError } from 'commander';
import { ParseError } from '../symbolic/parse.ts';
import { UsageError } from './errors.ts';
import { GaussianExpectationError } from '../symbolic/gaussian.ts';
import { NotPolynomialError } from '../symbolic/poly.ts';
import { UnknownSymbolError } from '../symbolic/evaluate.ts';
import { CompileError } from '../compile/lower.ts';
import { registerSymbolicCommands } from './symbolic-commands.ts';
import { registerVerifyCommand } from './verify-command.ts';
import { registerTourCommand } from './tour.ts';
import { registerSolvableGanCommands } from './solvable-gan-commands.ts';
import { registerNtkGanCommands } from './ntk-gan-command.ts';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const defaultIo: Io = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
};

function oneLine(err: unknown): string {
  if (err instanceof ParseError) {
    return `cannot parse "${err.source}": ${err.reason} at position ${err.position}`;
  }
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\s*\n\s*/g, ' ').trim();
}

/** Errors caused by what the user typed (as opposed to bugs). */
function isInputError(err: unknown): boolean {
  return err instanceof ParseError || err instanceof UsageError || err instanceof RangeError
    || err instanceof GaussianExpectationError || err instanceof NotPolynomialError
    || err instanceof UnknownSymbolError || err instanceof CompileError
    || (err instanceof Error && (err as { inputError?: boolean }).inputError === true);
}

export function buildProgram(io: Io): Command {
  const program = new Command('gandyn')
    .description('gan-dynamics: derive, verify and print the dynamics of GAN training')
    .exitOverride()
    .configureOutput({
      writeOut: io.out,
      writeErr: () => {},
      outputError: () => {},
    });
  registerSymbolicCommands(program, io);
  registerSolvableGanCommands(program, io);
  registerNtkGanCommands(program, io);
  registerVerifyCommand(program, io);
  registerTourCommand(program, io);
  return program;
}

/** Runs the CLI on argv (without node and script) and returns the exit code. */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0;
      io.err(`gandyn: ${err.message.replace(/^error: /, '')}\n`);
      return 2;
    }
    if (isInputError(err)) {
      io.err(`gandyn: ${oneLine(err)}\n`);
      return 2;
    }
    io.err(`gandyn: internal error: ${oneLine(err)}\n`);
    if (process.env.GANDYN_DEBUG && err instanceof Error) io.err(`${err.stack}\n`);
    return 1;
  }
}
