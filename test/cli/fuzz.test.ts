// Fuzzing the command line (issue 15): random byte strings, grammar-shaped expressions and
// random flag combinations fed to main() in-process. Every run exits 0 or 2, never prints a
// stack trace or "internal error", a refusal is one line, and each run takes under 5 s.
// Commands and flags are read from the program itself. `verify`, `tour` and `report` are left
// out (they run theorem checks: slow, and a failed check is exit 1), except `verify --model` with
// paths that are never a valid model file (refused before any check). Heavy commands get small
// sizes first (--T, --n, --steps, --particles, ...); a random flag may override a size only
// with a value that is refused or small, so no run is legally long. Outputs go to a temporary
// folder, which is also the working directory (a relative --out lands there too).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { buildProgram, main } from '../../src/cli/index.ts';
import { theories, theoremsOf } from '../../src/models/index.ts';
import { print } from '../../src/symbolic/index.ts';
import { exprArb } from '../symbolic/helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'gandyn-fuzz-'));
const home = process.cwd();
beforeAll(() => {
  process.chdir(dir);
  writeFileSync('x.json', JSON.stringify([[1, 0], [0.5, -0.5]]));
  writeFileSync('y.json', JSON.stringify([[1, 2, 3]]));
  writeFileSync('spec.json', JSON.stringify({ d: 1, set: { eta: 2 } }));
});
afterAll(() => {
  process.chdir(home);
  rmSync(dir, { recursive: true, force: true });
});

interface Run { argv: string[]; code: number; out: string; err: string; seconds: number }

async function run(argv: string[]): Promise<Run> {
  let out = '', err = '';
  const start = performance.now();
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { argv, code, out, err, seconds: (performance.now() - start) / 1000 };
}

function check(r: Run): void {
  const what = `${JSON.stringify(r.argv).slice(0, 400)}\n${r.err.slice(0, 400)}`;
  expect([0, 2], what).toContain(r.code);
  expect(r.err, what).not.toMatch(/^\s+at /m);
  expect(r.err, what).not.toMatch(/internal error/);
  if (r.code === 2) {
    expect(r.err.split('\n'), what).toHaveLength(2); // one line and its newline
    expect(r.err, what).toMatch(/^gandyn: /);
    expect(r.err, what).not.toMatch(/[\r\u001b\u2028\u2029]/);
  }
  const help = r.argv.some((a) => ['--help', '-h', '--version', '-V'].includes(a));
  if (r.code === 0 && !help && (r.argv[0] === 'integrate' || r.argv[0] === 'simulate') && r.argv.includes('--json')) {
    // a finished run has finite numbers only (a NaN would print as null)
    const series = (JSON.parse(r.out) as { series: Record<string, unknown[]> }).series;
    for (const [name, values] of Object.entries(series)) expect(values.every((v) => typeof v === 'number'), `${what}\n${name}`).toBe(true);
  }
  expect(r.seconds, what).toBeLessThan(5);
}

// ---- the commands and their flags, from the program ----

interface Shape { path: string[]; args: number; flags: Array<{ name: string; value: boolean }> }

function shapes(): Shape[] {
  const program = buildProgram({ out: () => {}, err: () => {} }, { theories, theorems: theoremsOf(theories) });
  const out: Shape[] = [];
  const walk = (c: Command, path: string[]) => {
    if (c.commands.length === 0 && path.length) {
      out.push({
        path,
        args: c.registeredArguments.filter((a) => a.required).length,
        flags: c.options.filter((o) => o.long && o.long !== '--out').map((o) => ({ name: o.long!, value: o.required || o.optional })),
      });
    }
    for (const s of c.commands) walk(s, [...path, s.name()]);
  };
  walk(program, []);
  return out.filter((s) => s.path[0] !== 'verify' && s.path[0] !== 'tour' && s.path[0] !== 'report');
}

const SHAPES = shapes();
const COMMAND_NAMES = [...new Set(SHAPES.map((s) => s.path[0]))];

/** Small sizes given first to the commands whose defaults take seconds. */
const SMALL: Record<string, string[]> = {
  'integrate solvable-gan': ['--T', '2'],
  'integrate quadratic-critic': ['--T', '2'],
  'simulate solvable-gan': ['--n', '50', '--T', '1'],
  'simulate quadratic-critic': ['--T', '1', '--dt', '0.01', '--batch', '4'],
  'simulate ntk-gan': ['--steps', '2', '--particles', '10'],
  'figures solvable-gan': ['--n', '50', '--T', '1'],
  'figures ntk-gan': ['--steps', '2', '--particles', '10'],
  'ntk-gan': ['--steps', '2', '--particles', '10'],
  'simulate effective-gan': ['--steps', '3', '--particles', '4', '--critic-steps', '1', '--width', '4'],
  'phase effective-gan': ['--steps', '3', '--particles', '4', '--critic-steps', '1', '--width', '4', '--ratios', '0,0.9'],
  'figures effective-gan': ['--steps', '3', '--particles', '4', '--critic-steps', '1', '--width', '4', '--ratios', '0,0.9'],
  'damping effective-gan': ['--particles', '4'],
  'simulate approximability': ['--dims', '2', '--iterations', '1', '--perturbed', '3', '--critic-steps', '1', '--kl-samples', '100', '--checkpoints', '1', '--layers', '2'],
  'figures approximability': ['--pairs', '2'],
  'simulate moments': ['--steps', '4', '--every', '2', '--batch', '8'],
  'figures moments': ['--steps', '4', '--every', '2', '--batch', '8'],
  'recover moments': ['--sizes', '200,400', '--trials', '1'],
};

/** Flags that set how much work a run is: random values for them are refused or small. */
const SIZE_FLAGS = new Set([
  '--d', '--n', '--T', '--every', '--steps', '--particles', '--targets', '--width', '--disc-lr', '--disc-time', '--dt', '--batch', '--order', '--sinkhorn',
  '--critic-steps', '--ratios', '--latent-dim', '--depth', '--pairs', '--perturbed', '--iterations', '--samples', '--kl-samples', '--checkpoints', '--dims',
  '--layers', '--sizes', '--trials', '--hidden', '--hermite-order', '--seeds', '--lr-d', '--lr-g', '--lr-critic', '--lr-generator',
]);
const SIZE_VALUES = [
  '', ' ', '-1', '0', '-0', '1', '2', '+2', '2 ', '0.5', 'NaN', 'Infinity', '-Infinity', '0x10', '0b11', '1e308', '1e400', '1e-300',
  '9007199254740993', '1_0', '٣', '２', 'abc', '💥', '\u0000',
];
const HOSTILE_VALUES = [
  '', ' ', '-', '--', '-1', '0', '1e308', '-1e308', '1e-320', 'NaN', 'Infinity', '-Infinity', '0x10', 'constructor', '__proto__',
  'toString', 'eta=1e308', 'tau=0', 'tau=-1', 'lambda=3,5', 'eta=NaN', '__proto__=1', 'constructor=1', 'eta=1,eta=2', '=', ',', 'x=',
  '/dev/zero', '/dev/null', '/proc/self/mem', '.', '/', '..', 'package.json', 'relu', 'rbf', 'rbf(0)', 'rbf(-1)', 'ntk:relu',
  'serial(dense(1,1), relu, dense(1,1))', 'serial(dense(1e308, 1), relu)', 'sympy', 'numpy', 'julia', 'mathematica', 'latex', 'json',
  'ipm', 'lsgan', 'vanilla', 'hinge', 'eight_gaussians', 'modes_1d', 'oja', 'column', 'ode', 'lambertw', 'standard', 'ntk',
  '0,1,2', '2,1', '[[1]]', '[[1,2],[2,1]]', '[[-1]]', '[1]', 'x', 'u,v', 'é', '\u202e', '\u0000', '\r\n', '\u001b[2J', 'x'.repeat(10_000),
];

const valueArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_VALUES) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  {
    weight: 2,
    arbitrary: fc.array(fc.tuple(
      fc.constantFrom('tau', 'tau_g', 'eta', 'eta_T', 'eta_G', 'lambda', 'lambda_g', 'mu', 'sigma', 'gamma', 'P', 'q', 'r', 'P11', 'S12', 'theta', 's', 'a', 'b', 'constructor'),
      fc.constantFrom('0', '1', '-1', '0.5', '3', '1e308', '-1e308', '1e-300', 'NaN', '2,3', '1,2,3', '', '0x1'),
    ), { minLength: 1, maxLength: 3 }).map((kv) => kv.map(([k, v]) => `${k}=${v}`).join(',')),
  },
);

const RELU = 'serial(dense(1,1), relu, dense(1,1))';
/** Values a flag legally takes (mixed with the hostile ones, so that some runs get far). */
const PLAUSIBLE: Record<string, string[]> = {
  '--set': ['eta=2', 'tau=0.1', 'lambda=3', 'eta_T=1,eta_G=3', 'lambda=3,5', 'mu=1', 'sigma=2', 'gamma=0.1', 'eta=0.5'],
  '--init': ['P=0.5', 'q=0.1,r=0.2', 'theta=1', 'a=0.5,b=1', 'P11=0.2'],
  '--spec': ['spec.json', 'x.json', 'missing.json'],
  '--format': ['text', 'sympy', 'numpy', 'julia', 'mathematica', 'latex', 'json'],
  '--kernel': ['relu', 'relu_nobias', 'rbf', 'rbf(0.5)', `nngp:${RELU}`, RELU],
  '--arch': [RELU, 'serial(dense(1,0.1), erf, dense(1,0.1))'],
  '--x1': ['x.json', 'y.json'], '--x2': ['x.json', 'y.json'],
  '--parameterization': ['ntk', 'standard'],
  '--vars': ['u', 'u,v'], '--cov': ['[[1]]', '[[1,0.5],[0.5,1]]'], '--mean': ['[0]', '[1,2]'],
  '--snapshots': ['0,1,2', '1', '0'], '--lr-g': ['1', '100'], '--seed': ['0', '7'], '--rbf-sigma': ['0.5', '2'],
};
for (const t of theories) {
  for (const f of t.options) {
    if (SIZE_FLAGS.has(`--${f.name}`)) continue;
    const values = [...(f.choices ?? []), ...(f.default !== undefined ? [f.default] : [])];
    if (values.length === 0) continue;
    PLAUSIBLE[`--${f.name}`] = [...new Set([...(PLAUSIBLE[`--${f.name}`] ?? []), ...values])];
  }
}

/** The flags a command needs before anything else happens. */
const REQUIRED: Record<string, string[]> = {
  expect: ['--vars', 'u', '--cov', '[[1]]'],
  ntk: ['--arch', RELU, '--x1', 'x.json'],
};

function valueFor(flag: string): fc.Arbitrary<string> {
  if (SIZE_FLAGS.has(flag)) return fc.constantFrom(...SIZE_VALUES);
  const p = PLAUSIBLE[flag];
  return p ? fc.oneof(valueArb, fc.constantFrom(...p)) : valueArb;
}

/** FUZZ_RUNS and FUZZ_SEED run a longer or different search (the default is what CI runs). */
const FC = { numRuns: Number(process.env.FUZZ_RUNS ?? 150), seed: Number(process.env.FUZZ_SEED ?? 15) };
const BUDGET = Math.max(120_000, FC.numRuns * 2_000);

let outputs = 0;
const flagRun = fc.constantFrom(...SHAPES).chain((shape) => fc.record({
  shape: fc.constant(shape),
  args: fc.array(fc.oneof(valueArb, fc.constantFrom('x^2*u', 'u*v', 'x')), { minLength: shape.args, maxLength: shape.args }),
  flags: shape.flags.length === 0 ? fc.constant([] as Array<[{ name: string; value: boolean }, string]>) : fc.array(fc.constantFrom(...shape.flags).chain((flag) => fc.tuple(fc.constant(flag), valueFor(flag.name))), { maxLength: 5 }),
  out: fc.boolean(),
}));

function flagArgv(x: { shape: Shape; args: string[]; flags: Array<[{ name: string; value: boolean }, string]>; out: boolean }): string[] {
  const key = x.shape.path.join(' ');
  const argv = [...x.shape.path, ...(REQUIRED[key] ?? []), ...(SMALL[key] ?? [])];
  for (const [flag, v] of x.flags) argv.push(flag.value ? `${flag.name}=${v}` : flag.name);
  const takesOut = x.shape.path[0] === 'figures' || x.shape.path[0] === 'ntk-gan' || ['integrate', 'simulate'].includes(x.shape.path[0]);
  if (takesOut && (x.out || x.shape.path[0] === 'figures')) argv.push('--out', join(dir, `out-${outputs++}`));
  // positional arguments last, after "--" so that a value starting with "-" stays an argument
  if (x.args.length) argv.push('--', ...x.args);
  return argv;
}

/** Small sizes after the command path when argv names a heavy command (random tokens may follow). */
function bounded(argv: string[]): string[] {
  for (const [key, small] of Object.entries(SMALL)) {
    const path = key.split(' ');
    if (path.every((p, i) => argv[i] === p)) return [...path, ...small, ...argv.slice(path.length)];
  }
  return argv;
}

describe('fuzzing main()', () => {
  it('random byte strings as arguments', async () => {
    const token = fc.oneof(
      { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }).map((s) => `--${s}`) },
      { weight: 1, arbitrary: fc.constantFrom('--', '-', '--json', '--help', '-h', '--version', '--out', '--set', '=') },
    );
    const argvArb = fc.tuple(
      fc.oneof(fc.constantFrom(...COMMAND_NAMES), fc.string({ unit: 'binary', maxLength: 12 })),
      fc.constantFrom(...theories.map((t) => t.id), ''),
      fc.array(token, { minLength: 1, maxLength: 5 }),
    ).map(([c, theory, rest]) => bounded(theory ? [c, theory, ...rest] : [c, ...rest]))
      // a lone "--out" would take the next random token as a path: keep it in the temporary folder
      .map((argv) => argv.map((a, i) => (argv[i - 1] === '--out' ? join(dir, `bytes-${i}`) : a)));
    await fc.assert(fc.asyncProperty(argvArb, async (argv) => { check(await run(argv)); }), FC);
  }, BUDGET);

  it('grammar-shaped expressions in latex, diff and expect', async () => {
    const tokens = fc.array(fc.constantFrom(
      'x', 'y', 'u', 'v', '1', '0', '2.5', '1e308', '1e-320', 'pi', 'e', '(', ')', '(', ')', '+', '-', '*', '/', '^', ',', ' ',
      'sin', 'cos', 'exp', 'log', 'sqrt', 'erf', 'max', 'min', 'abs', 'tanh', 'sign', 'relu', 'sigmoid', 'NaN', 'Infinity', 'constructor', '__proto__',
    ), { maxLength: 25 }).map((t) => t.join(''));
    const valid = exprArb({ vars: ['x', 'y', 'u', 'v'], depth: 3 }).map(print);
    const text = fc.oneof(valid, tokens, fc.string({ maxLength: 40 }));
    const argvArb = fc.tuple(text, fc.constantFrom('latex', 'latex-json', 'diff', 'expect1', 'expect2', 'expect-mean'), fc.constantFrom('x', 'u', 'y', 'constructor', ''))
      .map(([e, how, v]) => {
        switch (how) {
          case 'latex': return ['latex', '--', e];
          case 'latex-json': return ['latex', '--json', '--', e];
          case 'diff': return ['diff', '--', e, v];
          case 'expect1': return ['expect', '--vars', 'u', '--cov', '[[1]]', '--', e];
          case 'expect2': return ['expect', '--vars', 'u,v', '--cov', '[[1,0.5],[0.5,2]]', '--order', '8', '--', e];
          default: return ['expect', '--vars', 'u,v', '--cov', '[[1,rho],[rho,1]]', '--mean', '[m,0]', '--', e];
        }
      });
    await fc.assert(fc.asyncProperty(argvArb, async (argv) => { check(await run(argv)); }), FC);
  }, BUDGET);

  it('verify --model with paths that are no model file, and random --set/--init/--seed/--effort/ids: refused before any check', async () => {
    writeFileSync('proto-model.json', '{"__proto__": {"x": 1}, "vectors": {"constructor": {"learned": true}}}');
    const paths = fc.oneof(valueArb, fc.constantFrom('proto-model.json', 'spec.json', 'x.json', 'missing.json', dir, '/dev/zero'));
    const flag = fc.oneof(
      fc.tuple(fc.constantFrom('--set', '--init', '--seed', '--effort'), valueArb).map(([f, v]) => [`${f}=${v}`]),
      fc.constant(['--json']),
      paths.map((p) => [`--model=${p}`]),
    );
    const argvArb = fc.tuple(paths, fc.array(flag, { maxLength: 4 }), fc.array(valueArb, { maxLength: 1 }))
      .map(([p, flags, ids]) => ['verify', `--model=${p}`, ...flags.flat(), '--out', join(dir, `out-${outputs++}`), ...(ids.length ? ['--', ...ids] : [])]);
    await fc.assert(fc.asyncProperty(argvArb, async (argv) => {
      const r = await run(argv);
      check(r);
      expect(r.code, JSON.stringify(argv).slice(0, 400)).toBe(2);
    }), FC);
    rmSync('proto-model.json');
  }, BUDGET);

  it('random flag combinations for every command', async () => {
    await fc.assert(fc.asyncProperty(flagRun, async (x) => { check(await run(flagArgv(x))); }), FC);
    // nothing but the requested outputs (out-*, bytes-*) and the inputs; no temporary file left anywhere
    const stray = readdirSync(dir).filter((n) => !/^(out|bytes)-\d+$/.test(n) && !['x.json', 'y.json', 'spec.json'].includes(n));
    expect(stray).toEqual([]);
    expect(readdirSync(dir, { recursive: true }).map(String).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  }, BUDGET);
});
