// A model file whose expectations have no closed form through the CLI: derive prints the
// numeric expectations E_i beside the ODE (text, --json, --latex) and refuses the code
// exports that cannot define them; integrate reports each E_i's largest error estimate.
import { describe, expect, it } from 'vitest';
import katex from 'katex';
import { main } from '../../src/cli/index.ts';

interface Run { code: number; out: string; err: string }

async function run(...argv: string[]): Promise<Run> {
  let out = '', err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

const MODEL = ['--model', 'examples/models/perceptron-sigmoid.json'];

describe('numeric expectations through the CLI (sigmoid perceptron)', () => {
  it('derive: text lists every E_i used by the drift; --json carries their definitions; --latex renders', async () => {
    const text = await run('derive', 'user-model', ...MODEL);
    expect(text.code, text.err).toBe(0);
    const used = new Set(text.out.match(/E_\d+/g));
    const defined = [...text.out.matchAll(/^ {2}(E_\d+) = E\[/gm)].map((m) => m[1]);
    expect(defined.length).toBeGreaterThan(0);
    expect(new Set(defined)).toEqual(used);
    const json = await run('derive', 'user-model', ...MODEL, '--json');
    const parsed = JSON.parse(json.out) as { expectations: Array<{ name: string; vars: string[]; cov: string[][]; integrand: string }> };
    expect(parsed.expectations.map((e) => e.name)).toEqual(defined);
    for (const e of parsed.expectations) expect(e.cov).toHaveLength(e.vars.length);
    const latex = await run('derive', 'user-model', ...MODEL, '--latex');
    const blocks = latex.out.split(/^%.*$/m).map((b) => b.trim()).filter(Boolean);
    expect(blocks).toHaveLength(2);
    for (const b of blocks) expect(() => katex.renderToString(b, { throwOnError: true, displayMode: true })).not.toThrow();
  });

  it('derive --format numpy is refused (exit 2, one line): the exporters cannot define E_i', async () => {
    const r = await run('derive', 'user-model', ...MODEL, '--format', 'numpy');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^gandyn: --format numpy: the ODE has numeric expectations E_1\.\.E_\d+/);
  });

  it('integrate: the table, then the largest error estimate; --json lists one per E_i, all below 1e-8', async () => {
    const text = await run('integrate', 'user-model', ...MODEL, '--T', '1', '--every', '0.5');
    expect(text.code, text.err).toBe(0);
    expect(text.out).toMatch(/numeric expectations E_1\.\.E_\d+: largest error estimate \d\.\de-\d+ over \d+ evaluations \(not exact/);
    const json = JSON.parse((await run('integrate', 'user-model', ...MODEL, '--T', '1', '--every', '0.5', '--json')).out) as {
      t: number[]; expectations: { names: string[]; maxErrorEstimate: number[]; evaluations: number };
    };
    expect(json.t).toEqual([0, 0.5, 1]);
    expect(json.expectations.maxErrorEstimate).toHaveLength(json.expectations.names.length);
    for (const e of json.expectations.maxErrorEstimate) expect(e).toBeLessThan(1e-8);
    expect(json.expectations.evaluations).toBeGreaterThan(0);
  });
});
