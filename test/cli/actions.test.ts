// Theory actions (the contract's `actions`): a theory declares a verb of its own and the
// CLI offers it, with its flags, --json/--latex/--out/--figures, limits and one-line errors,
// without any edit in src/cli/.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/index.ts';
import { type Theory, optionNumber, optionText, SpecError, theories } from '../../src/models/index.ts';
import { IntegrationError } from '../../src/core/index.ts';

interface DecaySpec { k: number; steps: number; unit: string }

const decay: Theory<DecaySpec> = {
  id: 'toy-decay-actions',
  title: 'Toy: decay with actions',
  source: 'this test',
  summary: 'x(t) = e^{-kt}.',
  options: [
    { name: 'k', kind: 'number', min: 0, exclusiveMin: true, default: '0.5', description: 'rate' },
    { name: 'steps', kind: 'integer', min: 1, max: 1e12, default: '10', description: 'steps', verbs: ['blow-up'] },
    { name: 'unit', kind: 'choice', choices: ['s', 'ms'], default: 's', description: 'unit', verbs: ['half-life'] },
  ],
  parameters: () => [],
  makeSpec(values) {
    if (values.set.size) throw new SpecError('--set: this theory has no parameters');
    return {
      k: optionNumber(values, 'k'),
      steps: values.options.has('steps') ? optionNumber(values, 'steps') : 10,
      unit: values.options.has('unit') ? optionText(values, 'unit') : 's',
    };
  },
  actions: [
    {
      verb: 'half-life', description: 'the half-life ln 2 / k', latex: true,
      run: (s) => {
        const h = Math.log(2) / s.k * (s.unit === 'ms' ? 1000 : 1);
        return {
          details: { halfLife: h, unit: s.unit }, lines: [`half-life: ${h} ${s.unit}`], latex: String.raw`t_{1/2} = \frac{\ln 2}{k}`,
          figures: [{ name: 'decay.svg', svg: '<svg xmlns="http://www.w3.org/2000/svg"/>', caption: 'the decay' }],
        };
      },
    },
    {
      verb: 'blow-up', description: 'a run that diverges at step 3', cost: (s) => s.steps * 1e3,
      run: (s) => { throw new IntegrationError(`diverged at step 3 of ${s.steps}`, { steps: [1, 2], value: [0.5, 9e99] }); },
    },
  ],
  theorems: [],
};

const standalone: Theory<{ x: number }> = {
  id: 'toy-standalone',
  title: 'Toy: a standalone command',
  source: 'this test',
  summary: 'twice x.',
  options: [{ name: 'x', kind: 'number', default: '1', description: 'x', verbs: ['twice'] }],
  parameters: () => [],
  makeSpec: (values) => ({ x: optionNumber(values, 'x') }),
  actions: [{ verb: 'twice', description: 'print 2x', standalone: true, run: (s) => ({ details: { y: 2 * s.x }, lines: [`${2 * s.x}`] }) }],
  theorems: [],
};

const dir = mkdtempSync(join(tmpdir(), 'gandyn-actions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[]) {
  let out = '', err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } }, { theories: [...theories, decay as Theory, standalone as Theory], theorems: [] });
  return { code, out, err };
}

describe('theory actions through the CLI', () => {
  it('runs an action with its own flags, as text, JSON and LaTeX', async () => {
    const text = await run(['half-life', 'toy-decay-actions', '--k', '0.25', '--unit', 'ms']);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toContain(`half-life: ${Math.log(2) / 0.25 * 1000} ms`);
    const json = await run(['half-life', 'toy-decay-actions', '--json']);
    expect(JSON.parse(json.out)).toEqual({ halfLife: Math.log(2) / 0.5, unit: 's' });
    const latex = await run(['half-life', 'toy-decay-actions', '--latex']);
    expect(latex.out.trim()).toBe(String.raw`t_{1/2} = \frac{\ln 2}{k}`);
  });

  it('prints first, then writes --out and --figures', async () => {
    const out = join(dir, 'r.json'), figs = join(dir, 'figs');
    const r = await run(['half-life', 'toy-decay-actions', '--out', out, '--figures', figs]);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).halfLife).toBeCloseTo(Math.log(2) / 0.5, 15);
    expect(readdirSync(figs)).toEqual(['decay.svg']);
    expect(r.out).toContain(join(figs, 'decay.svg'));
  });

  it('a standalone action is `gandyn <verb>` with no theory argument', async () => {
    const r = await run(['twice', '--x', '21', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ y: 42 });
  });

  it('bad input exits 2 with one line naming the flag, before any file is written', async () => {
    const out = join(dir, 'bad.json');
    for (const argv of [
      ['half-life', 'toy-decay-actions', '--k', '-1', '--out', out],
      ['half-life', 'toy-decay-actions', '--unit', 'constructor', '--out', out],
      ['half-life', 'toy-decay-actions', '--steps', '3'],
      ['half-life', 'no-such-model'],
      ['half-life', '__proto__'],
      ['half-life', 'toy-decay-actions', '--json', '--latex'],
      ['twice', '--x', 'abc'],
      ['blow-up', 'toy-decay-actions', '--steps', '1000000000000'],
    ]) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err.trim().split('\n'), argv.join(' ')).toHaveLength(1);
      expect(r.err, argv.join(' ')).not.toContain('internal error');
    }
    expect(existsSync(out)).toBe(false);
    expect((await run(['half-life', 'toy-decay-actions', '--k', '-1'])).err).toContain('--k');
    expect((await run(['blow-up', 'toy-decay-actions', '--steps', '1000000000000'])).err).toContain('above the limit');
  });

  it('a divergence exits 2 naming the step and keeps the partial result in --out', async () => {
    const out = join(dir, 'partial.json');
    const r = await run(['blow-up', 'toy-decay-actions', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('diverged at step 3');
    expect(JSON.parse(readFileSync(out, 'utf8')).partial).toEqual({ steps: [1, 2], value: [0.5, 9e99] });
  });

  it('models lists the actions', async () => {
    const r = await run(['models', '--json']);
    const row = (JSON.parse(r.out) as { id: string; actions: { verb: string }[] }[]).find((m) => m.id === 'toy-decay-actions')!;
    expect(row.actions.map((a) => a.verb)).toEqual(['half-life', 'blow-up']);
  });

  it('a verb that clashes with an existing command is refused at registration', async () => {
    const clash: Theory = { ...(standalone as Theory), id: 'clash', actions: [{ verb: 'verify', description: 'x', run: () => ({ details: {}, lines: [] }) }] };
    let err = '';
    const code = await main(['models'], { out: () => {}, err: (s) => { err += s; } }, { theories: [clash], theorems: [] }).catch((e: Error) => { err = e.message; return -1; });
    expect(code === -1 || code === 1).toBe(true);
    expect(err).toContain('verify');
  });
});
