// The examples' flags (examples/args.ts): --help lists every flag with its range and
// default (exit 0); a bad flag or value is one line on stderr and exit 2, before any work
// and without a stack trace. Each case runs `node --import tsx examples/X.ts ...`.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { helpText } from '../../examples/args.ts';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '../..');
const EXAMPLES = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.ts') && f !== 'args.ts').sort();

function example(file: string, ...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join('examples', file), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr, signal: r.signal };
}

/** exit 2, stdout empty, exactly one stderr line naming the example, no stack trace. */
function expectOneLine(r: ReturnType<typeof example>, file: string, message: RegExp): void {
  expect(r.signal).toBeNull();
  expect(r.code, r.err).toBe(2);
  expect(r.out).toBe('');
  const lines = r.err.split('\n');
  expect(lines, r.err).toHaveLength(2);
  expect(lines[1]).toBe('');
  expect(lines[0].startsWith(`examples/${file}: `), r.err).toBe(true);
  expect(lines[0]).toMatch(message);
  expect(r.err).not.toMatch(/^\s+at /m);
}

describe('examples: bad flags are one line and exit 2', () => {
  it('ntk-gan-eight-gaussians.ts --steps abc', () => {
    expectOneLine(example('ntk-gan-eight-gaussians.ts', '--steps', 'abc'), 'ntk-gan-eight-gaussians.ts', /--steps must be a decimal integer in 0\.\.100000, got "abc"/);
  }, 60_000);

  it('solvable-gan-figure1.ts --n -5', () => {
    expectOneLine(example('solvable-gan-figure1.ts', '--n', '-5'), 'solvable-gan-figure1.ts', /--n must be a decimal integer in 5\.\.1000000, got "-5"/);
  }, 60_000);

  it('a run that diverges (eight Gaussians at --lr-g 1e308) is one line too, exit 2', () => {
    const r = example('ntk-gan-eight-gaussians.ts', '--particles', '2', '--steps', '1', '--lr-g', '1e308');
    expectOneLine(r, 'ntk-gan-eight-gaussians.ts', /particle flow diverged/);
  }, 60_000);

  it('ntk-gan-figure1.ts --t 1 --lr 0.3 (not a whole number of steps)', () => {
    expectOneLine(example('ntk-gan-figure1.ts', '--t', '1', '--lr', '0.3'), 'ntk-gan-figure1.ts', /--t \/ --lr must be a whole number of steps/);
  }, 60_000);

  for (const file of EXAMPLES) {
    it(`${file}: an unknown flag`, () => {
      expectOneLine(example(file, '--no-such-flag', '1'), file, /unknown flag --no-such-flag/);
    }, 60_000);
  }
});

describe('examples: --help', () => {
  it('finds the fourteen examples', () => {
    expect(EXAMPLES).toHaveLength(14);
  });

  for (const file of EXAMPLES) {
    it(`${file} --help lists its flags with ranges and defaults, exit 0`, () => {
      const r = example(file, '--help');
      expect(r.code, r.err).toBe(0);
      expect(r.err).toBe('');
      expect(r.out).toMatch(new RegExp(`^examples/${file.replace('.', '\\.')}: \\S`));
      expect(r.out).toMatch(new RegExp(`usage: npx tsx examples/${file.replace('.', '\\.')}`));
      expect(r.out).toMatch(/--help\s+print this and exit/);
      // every flag the example's header comment shows is documented, with a default
      const header = /\/\/\s+npx tsx examples\/\S+ (.*)/.exec(readFileSync(join(ROOT, 'examples', file), 'utf8'))?.[1] ?? '';
      for (const [, name] of header.matchAll(/\[--([\w-]+)/g)) expect(r.out).toMatch(new RegExp(`--${name} <[^>]+>\\s+.*; default \\S`));
    }, 60_000);
  }

  it('helpText: ranges of integer, number and choice flags; computed defaults', () => {
    const text = helpText('a summary', [
      { name: 'steps', kind: 'integer', min: 0, max: 10, default: '5', placeholder: 'K', description: 'steps' },
      { name: 'lr', kind: 'number', min: 0, exclusiveMin: true, placeholder: 'eta', defaultText: '2 × N', description: 'rate' },
      { name: 'loss', kind: 'choice', choices: ['a', 'b'], default: 'a', description: 'loss' },
    ]);
    expect(text).toMatch(/--steps <K>\s+steps; integer in 0\.\.10; default 5/);
    expect(text).toMatch(/--lr <eta>\s+rate; number in \(0, inf\]; default 2 × N/);
    expect(text).toMatch(/--loss <value>\s+loss; a \| b; default a/);
  });
});
