// Model-file validation: every bad file is one ModelFileError (an InputError, exit 2)
// whose one-line message names the key and says what is wrong; hostile strings never
// reach anything but the parser. And the CLI verbs on the shipped examples.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import katex from 'katex';
import { mkdtempSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelFileError, parseModel } from '../../../src/models/user-model/model-file.ts';
import { PERCEPTRON_MODEL } from '../../../src/models/user-model/builtin.ts';
import { InputError } from '../../../src/core/index.ts';
import { main } from '../../../src/cli/index.ts';

const base = () => JSON.parse(JSON.stringify(PERCEPTRON_MODEL));
const committee = () => ({
  ...base(),
  sizes: { K: 2, M: 2 }, indices: { k: 'K', l: 'K', m: 'M' },
  vectors: { w: { rows: 'K', learned: true }, v: { rows: 'M' } },
  scalars: { delta: 'sum(m, g(nu_m)) - sum(l, g(lambda_l))' },
  updates: { w: { index: 'k', step: 'eta', terms: [{ vector: 'x', coefficient: "delta*g'(lambda_k)" }] } },
  initial: {},
});

function errorOf(model: unknown): string {
  try { parseModel(model); } catch (err) {
    expect(err).toBeInstanceOf(ModelFileError);
    const msg = (err as Error).message;
    expect(msg.includes('\n'), msg).toBe(false);
    return msg;
  }
  throw new Error('no error');
}

describe('bad model files: one line naming the key', () => {
  const cases: Array<[string, (m: any) => void, RegExp]> = [
    ['unknown name in a coefficient', (m) => { m.updates.w.terms[0].coefficient = 'delta*foo'; }, /model\.updates\.w\.terms\[0\]\.coefficient: unknown symbol 'foo'/],
    ['unknown name in a scalar', (m) => { m.scalars.delta = 'g(nu) - g(mu)'; }, /model\.scalars\.delta: unknown symbol 'mu'/],
    ['unknown top-level key', (m) => { m.updtes = {}; }, /model: unknown key "updtes"/],
    ['a field that is not a projection (vector)', (m) => { m.fields.lambda = { vector: 'x', input: 'x' }; }, /model\.fields\.lambda\.vector: "x" is not a declared vector/],
    ['a field that is not a projection (input)', (m) => { m.fields.lambda = { vector: 'w', input: 'v' }; }, /model\.fields\.lambda\.input: "v" is not a noise or a sample/],
    ['an update of a fixed vector', (m) => { m.updates.v = { step: 'eta', terms: [{ vector: 'x', coefficient: '1' }] }; }, /model\.updates\.v: v is fixed/],
    ['a learned vector without update', (m) => { m.vectors.v.learned = true; }, /model\.updates: the learned vector v has no update/],
    ['a non-Gaussian input (noise times latent)', (m) => { m.latent = { c: {} }; m.samples = { y: [{ vector: 'x', coefficient: 'c' }] }; }, /model\.samples\.y\[0\]\.coefficient: .*non-Gaussian input/],
    ['a non-Gaussian input (vector times c^2)', (m) => { m.latent = { c: {} }; m.samples = { y: [{ vector: 'v', coefficient: 'c^2' }] }; }, /model\.samples\.y\[0\]\.coefficient: .*not linear in the latent Gaussians: a non-Gaussian input/],
    ['a name used twice', (m) => { m.parameters.lambda = 1; }, /model\.fields\.lambda: the name "lambda" is already used by model\.parameters\.lambda/],
    ['a reserved name', (m) => { m.parameters.h = 1; }, /model\.parameters\.h: "h" is reserved/],
    ['constructor as a name', (m) => { m.parameters.constructor = 1; }, /model\.parameters: "constructor" is not an allowed name/],
    ['__proto__ as a key', (m) => { Object.defineProperty(m.parameters, '__proto__', { value: 1, enumerable: true }); }, /model\.parameters: "__proto__" is not an allowed name/],
    ['a prime after a non-function', (m) => { m.scalars.delta = "nu'"; }, /model\.scalars\.delta: a prime ' must follow a declared function name/],
    ['a hostile character', (m) => { m.scalars.delta = 'g(nu); process.exit(1)'; }, /model\.scalars\.delta: character ';' is not allowed/],
    ['code-like text', (m) => { m.scalars.delta = 'require(nu)'; }, /model\.scalars\.delta: /],
  ];
  it.each(cases)('%s', (_, edit, re) => {
    const m = base();
    edit(m);
    expect(errorOf(m)).toMatch(re);
  });

  const committeeCases: Array<[string, (m: any) => void, RegExp]> = [
    ['wrong index (m over K rows)', (m) => { m.updates.w.terms[0].coefficient = 'sum(m, lambda_m)'; }, /model\.updates\.w\.terms\[0\]\.coefficient: lambda_m: index m runs over M but lambda has K rows there/],
    ['unbound index', (m) => { m.scalars.delta = 'g(nu_m)'; }, /model\.scalars\.delta: nu_m: index m is not bound here/],
    ['index on a single name', (m) => { m.scalars.delta = 'sum(k, eta_k)'; }, /model\.scalars\.delta: eta_k: "eta" is not a family/],
    ['too many indices', (m) => { m.scalars.delta = 'sum(k, sum(l, lambda_k_l))'; }, /lambda takes 1 index, got 2/],
    ['sum over an undeclared index', (m) => { m.scalars.delta = 'sum(q, 1)'; }, /sum over "q", which is not a declared index/],
    ['update index over the wrong size', (m) => { m.updates.w.index = 'm'; }, /model\.updates\.w\.index must be a declared index running over K/],
    ['size out of range', (m) => { m.sizes.K = 1000; }, /model\.sizes\.K must be an integer in 1\.\.12/],
    ['unknown initial overlap', (m) => { m.initial = { Q33: 1 }; }, /model\.initial: "Q33" is not a state overlap/],
    ['about that is not text', (m) => { m.about = { x: 1 }; }, /model\.about must be a string/],
  ];
  it.each(committeeCases)('%s', (_, edit, re) => {
    const m = committee();
    edit(m);
    expect(errorOf(m)).toMatch(re);
  });

  it('a model too large for the symbolic derivation is refused before any work', async () => {
    const { deriveModelOde } = await import('../../../src/models/user-model/derive.ts');
    const m = committee();
    m.sizes = { K: 5, M: 5 };
    expect(() => deriveModelOde(parseModel(m))).toThrow(/model\.sizes: 10 vector rows in all; the symbolic derivation takes at most 8/);
  });

  it('fast-check: any string as a coefficient or a name gives a model or a one-line InputError, never a crash', () => {
    fc.assert(fc.property(fc.string({ maxLength: 60 }), fc.string({ maxLength: 12 }), (text, name) => {
      for (const edit of [
        (m: any) => { m.updates.w.terms[0].coefficient = text; },
        (m: any) => { m.scalars.delta = text; },
        (m: any) => { m.functions.g = text; },
        (m: any) => { m.parameters[name] = 1; },
        (m: any) => { m.fields[name] = { vector: 'w', input: 'x' }; },
        (m: any) => { m.updates.w.terms[0].vector = text; },
      ]) {
        const m = base();
        edit(m);
        try { parseModel(m); } catch (err) {
          if (!(err instanceof InputError)) throw err;
          expect((err as Error).message.includes('\n')).toBe(false);
        }
      }
    }), { numRuns: 150, seed: 42 });
  });
});

describe('CLI: gandyn derive|integrate|simulate|check-rate user-model --model FILE', () => {
  const run = async (argv: string[]) => {
    const out: string[] = [], err: string[] = [];
    const code = await main(argv, { out: (s: string) => { out.push(s); }, err: (s: string) => { err.push(s); } } as never);
    return { code, out: out.join(''), err: err.join('') };
  };
  const file = 'examples/models/perceptron.json';

  it('derive --json gives the state, parameters and drift', async () => {
    const r = await run(['derive', 'user-model', '--model', file, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.state).toEqual(['Q', 'R']);
    expect(j.params).toEqual(['eta', 'T']);
  });

  it('derive --latex is an align block that KaTeX renders (Oja with its SDE, the ReLU committee machine)', async () => {
    for (const argv of [['--model', 'examples/models/oja-pca.json', '--coordinates', 'yes'], ['--model', 'examples/models/committee-relu.json']]) {
      const r = await run(['derive', 'user-model', ...argv, '--latex']);
      expect(r.code, r.err).toBe(0);
      const blocks = r.out.split('\n').filter((l) => !l.startsWith('%')).join('\n').trim();
      expect(blocks).toMatch(/\\begin\{align/);
      expect(() => katex.renderToString(blocks, { throwOnError: true, displayMode: true })).not.toThrow();
    }
  });

  it('integrate and simulate agree at t = 1 within the finite-n fluctuation', async () => {
    const ode = JSON.parse((await run(['integrate', 'user-model', '--model', file, '--set', 'eta=0.5', '--T', '1', '--every', '1', '--json'])).out);
    const sim = JSON.parse((await run(['simulate', 'user-model', '--model', file, '--set', 'eta=0.5', '--n', '2000', '--T', '1', '--every', '1', '--seed', '3', '--json'])).out);
    const last = (s: any, k: string) => s.series[k][s.series[k].length - 1];
    for (const k of ['Q', 'R']) expect(Math.abs(last(ode, k) - last(sim, k))).toBeLessThan(0.1);
    const again = JSON.parse((await run(['simulate', 'user-model', '--model', file, '--set', 'eta=0.5', '--n', '2000', '--T', '1', '--every', '1', '--seed', '3', '--json'])).out);
    expect(again).toEqual(sim);
  });

  it('figures --out DIR draws the ODE with simulation dots', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'user-model-fig-'));
    const r = await run(['figures', 'user-model', '--model', 'examples/models/perceptron-relu.json', '--n', '200', '--T', '1', '--out', dir]);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(join(dir, 'overlaps.svg'), 'utf8')).toMatch(/^<svg[\s\S]*Q ODE[\s\S]*n = 200/);
  });

  it('a bad file, a folder, a missing file and a missing --model exit 2 with one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'user-model-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...base(), updates: { v: { step: 'eta', terms: [{ vector: 'x' }] } } }));
    mkdirSync(join(dir, 'folder'));
    for (const [argv, re] of [
      [['derive', 'user-model', '--model', bad], /model\.updates\.v: v is fixed/],
      [['derive', 'user-model', '--model', join(dir, 'folder')], /not a regular file/],
      [['derive', 'user-model', '--model', join(dir, 'nope.json')], /cannot read/],
      [['derive', 'user-model'], /--model FILE is required/],
      [['integrate', 'user-model', '--model', file, '--set', 'zeta=1'], /--set: unknown parameter "zeta"/],
    ] as const) {
      const r = await run([...argv]);
      expect(r.code, r.err).toBe(2);
      expect(r.err.trim().split('\n').length, r.err).toBe(1);
      expect(r.err).toMatch(re);
    }
  });
});
