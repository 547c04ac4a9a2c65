// The examples' flags: each example declares its flags once (name, kind, default, range,
// description, as a theory's OptionField) and parses them strictly with the toolkit's own
// validator. `--help` prints them and exits 0; an unknown flag, a missing or bad value, or
// an input error or a diverged run while the example runs is one line on stderr and exit 2
// (no stack trace), as in `gandyn`.
import { basename } from 'node:path';
import { InputError, IntegrationError } from '../src/core/index.ts';
import { type OptionField, parseOption } from '../src/models/index.ts';

/** A flag of an example: an OptionField, with the default's wording when it is computed. */
export interface ExampleFlag extends OptionField {
  /** shown as the default when `default` is absent (e.g. "2 × particles") */
  readonly defaultText?: string;
}

/** The parsed flags: numbers for 'integer' and 'number' flags, text otherwise; undefined when absent without default. */
export type FlagValues = Record<string, number | string | undefined>;

function script(): string {
  return `examples/${basename(process.argv[1] ?? 'example.ts')}`;
}

/** Ends the example with one line on stderr and exit 2 (a bad combination of flags found after parsing). */
export function flagError(message: string): never {
  return fail(message);
}

function fail(message: string, hint = true): never {
  process.stderr.write(`${script()}: ${message.replace(/\s*\n\s*/g, ' ')}${hint ? ' (see --help)' : ''}\n`);
  process.exit(2);
}

function range(f: ExampleFlag): string {
  if (f.kind === 'choice') return f.choices!.join(' | ');
  if (f.kind === 'text') return 'text';
  const lo = f.min === undefined ? '-inf' : String(f.min), hi = f.max === undefined ? 'inf' : String(f.max);
  return f.kind === 'integer' ? `integer in ${lo}..${hi}` : `number in ${f.exclusiveMin ? '(' : '['}${lo}, ${hi}]`;
}

/** The help text: the summary, then one line per flag with its range and default. */
export function helpText(summary: string, flags: readonly ExampleFlag[]): string {
  const rows = flags.map((f) => [`  --${f.name} <${f.placeholder ?? 'value'}>`, `${f.description}; ${range(f)}; default ${f.default ?? f.defaultText ?? 'none'}`]);
  const w = Math.max(0, ...rows.map((r) => r[0].length));
  return [
    `${script()}: ${summary}`,
    `usage: npx tsx ${script()}${flags.length ? ' [flags]' : ''}`,
    '',
    ...(rows.length ? rows.map(([a, b]) => `${a.padEnd(w)}  ${b}`) : ['  (no flags)']),
    `  ${'--help'.padEnd(Math.max(0, w - 2))}  print this and exit`,
    '',
  ].join('\n');
}

/**
 * Parses `--name value` and `--name=value` (the last of a repeated flag wins) against
 * `flags`; `--help`/`-h` prints the help and exits 0; anything wrong exits 2 with one line.
 * Also makes an InputError or IntegrationError thrown later by the example one line and exit 2.
 */
export function parseFlags(summary: string, flags: readonly ExampleFlag[], argv: readonly string[] = process.argv.slice(2)): FlagValues {
  process.on('uncaughtException', (err) => {
    if (err instanceof InputError || err instanceof IntegrationError) fail(err.message, false);
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(helpText(summary, flags));
    process.exit(0);
  }
  const byName = new Map(flags.map((f) => [f.name, f]));
  const texts = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) fail(`unexpected argument ${JSON.stringify(arg.slice(0, 40))}`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq >= 0 ? eq : undefined);
    if (!byName.has(name)) fail(`unknown flag --${name.slice(0, 40)}${flags.length ? ` (known: ${flags.map((f) => `--${f.name}`).join(', ')})` : ' (this example takes no flags)'}`);
    if (eq >= 0) texts.set(name, arg.slice(eq + 1));
    else if (i + 1 < argv.length) texts.set(name, argv[++i]);
    else fail(`--${name} needs a value`);
  }
  const values: FlagValues = {};
  for (const f of flags) {
    const text = texts.get(f.name) ?? f.default;
    try {
      values[f.name] = text === undefined ? undefined : parseOption(f, text);
    } catch (err) {
      fail((err as Error).message);
    }
  }
  return values;
}
