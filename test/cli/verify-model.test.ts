// `gandyn verify --model FILE`: the rate theorem of a model file (max_t |sim − ODE| ~ n^{-1/2},
// fitted slope in [−0.75, −0.25]) passes on a shipped example, fails (exit 1) where the rate
// does not hold at these n, fails through the factory when the ODE is wrong, and every bad
// input is refused (exit 2, one line naming the file and key) before any theorem runs.
import { afterAll, describe, expect, it } from 'vitest';
import katex from 'katex';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/index.ts';
import { theorems } from '../../proofs/index.ts';
import { modelFileRateTheorem, exampleRateTheorems } from '../../proofs/user-model-rate.ts';
import { deriveModelOde, defaultInitial, modelRateTheorem, perceptronModel, RATE_DEFAULTS } from '../../src/models/user-model/index.ts';
import { diff, mul, substitute, sym, type System } from '../../src/symbolic/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'gandyn-verify-model-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run { code: number; out: string; err: string }

async function run(...argv: string[]): Promise<Run> {
  let out = '', err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } }, { theorems });
  return { code, out, err };
}

/** Exit 2, one `gandyn: ` line, nothing on stdout, no report written. */
function expectRefusal(r: Run, out: string, message: RegExp): void {
  expect(r.code, r.err).toBe(2);
  expect(r.out).toBe('');
  const lines = r.err.split('\n');
  expect(lines, r.err).toHaveLength(2);
  expect(lines[0]).toMatch(/^gandyn: /);
  expect(lines[0]).toMatch(message);
  expect(r.err).not.toMatch(/internal error|checking /);
  expect(existsSync(out)).toBe(false);
}

describe('gandyn verify --model', () => {
  it('passes on the shipped perceptron: a PASS row, exit 0, the report written after the table', async () => {
    const out = join(dir, 'pass.json');
    const r = await run('verify', '--model', 'examples/models/perceptron.json', '--out', out);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/^user-model-rate:perceptron\s+PASS/m);
    expect(r.out).toMatch(/mean max_t \|sim - ODE\| at n = 800/);
    expect(r.out).toMatch(/1 of 1 theorem checks passed/);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { verdicts: { id: string; passed: boolean; figures: { value: number }[] }[] };
    expect(report.verdicts.map((v) => [v.id, v.passed])).toEqual([['user-model-rate:perceptron', true]]);
    const [slope, ...errors] = report.verdicts[0].figures.map((f) => f.value);
    expect(slope).toBeGreaterThanOrEqual(-0.75);
    expect(slope).toBeLessThanOrEqual(-0.25);
    expect(errors).toHaveLength(RATE_DEFAULTS.ns.length);
    expect(errors[0]).toBeGreaterThan(errors[2]); // the error shrinks with n
  }, 60_000);

  it('fails (exit 1) where the rate cannot hold at these n: Oja started on its unstable fixed point m = 0', async () => {
    // The ODE stays at m = 0; each simulation escapes at rate eta(1 + theta_1 - Q) ≈ 6, so
    // the error is O(1) at every n ≤ 800 (n^{-1/2} e^{6T} saturates) and the slope is near 0.
    const out = join(dir, 'fail.json');
    const r = await run('verify', '--model', 'examples/models/oja-pca.json', '--set', 'eta=2', '--init', 'm1=0,m2=0', '--json', '--out', out);
    expect(r.code, r.err).toBe(1);
    const report = JSON.parse(r.out) as { verdicts: { id: string; passed: boolean; figures: { value: number }[] }[] };
    expect(report.verdicts[0].id).toBe('user-model-rate:oja-pca');
    expect(report.verdicts[0].passed).toBe(false);
    expect(report.verdicts[0].figures[0].value).toBeGreaterThan(-0.25);
  }, 60_000);

  it('runs the ids given with it, and the same file twice under two ids', async () => {
    const r = await run('verify', 'isserlis', '--model', 'examples/models/perceptron-relu.json', '--model', 'examples/models/perceptron-relu.json', '--effort', '0.4', '--json', '--out', join(dir, 'two.json'));
    expect(r.code, r.err).toBe(0);
    const ids = (JSON.parse(r.out) as { verdicts: { id: string }[] }).verdicts.map((v) => v.id);
    expect(ids).toEqual(['isserlis', 'user-model-rate:perceptron-relu', 'user-model-rate:perceptron-relu#2']);
  }, 60_000);

  it('refuses a missing file, a folder, a hostile file, a bad --set/--init, --set without --model, too much work: exit 2 before any theorem runs', async () => {
    const proto = join(dir, 'proto.json');
    writeFileSync(proto, '{"__proto__": {"polluted": 1}, "vectors": {"w": {"learned": true}}}');
    const ctor = join(dir, 'ctor.json');
    const perceptron = JSON.parse(readFileSync('examples/models/perceptron.json', 'utf8')) as Record<string, Record<string, unknown>>;
    writeFileSync(ctor, JSON.stringify({ ...perceptron, vectors: { constructor: { learned: true }, v: {} } }));
    const out = join(dir, 'refused.json');
    const cases: Array<[string[], RegExp]> = [
      [['--model', join(dir, 'missing.json')], /--model .*missing\.json: cannot read \(ENOENT\)/],
      [['--model', dir], /not a regular file/],
      [['--model', '/proc/self/mem'], /--model \/proc\/self\/mem: cannot read \(EIO\)/],
      [['--model', proto], /--model .*proto\.json: .*__proto__/],
      [['--model', ctor], /--model .*ctor\.json: .*constructor/],
      [['--model', 'examples/models/perceptron.json', '--set', 'zeta=1'], /perceptron\.json: --set: unknown parameter "zeta" \(known: eta, T\)/],
      [['--model', 'examples/models/perceptron.json', '--set', 'constructor=1'], /--set: unknown parameter "constructor"/],
      [['--model', 'examples/models/perceptron.json', '--set', '__proto__=1'], /--set: "__proto__" is not a parameter name/],
      [['--model', 'examples/models/perceptron.json', '--init', 'Q=1,R=2'], /--init: the overlaps .* are not a Gram matrix/],
      [['--model', 'examples/models/perceptron.json', '--init', 'T=1'], /--init: unknown parameter "T"/],
      [['--set', 'eta=1'], /--set applies to a --model file/],
      // 15 × (3 n × 1600 seeds) of the perceptron is estimated at 2.1e11 operations (about ten minutes): refused
      [['--effort', '100', ...Array.from({ length: 15 }, () => ['--model', 'examples/models/perceptron.json']).flat()], /estimated at 2\.1e\+11 operations, above the limit 2e\+11/],
      [['--model', 'examples/models/perceptron.json', '--effort', '0'], /--effort must be/],
      [['no-such-id', '--model', 'examples/models/perceptron.json'], /unknown theorem id/],
    ];
    for (const [argv, message] of cases) expectRefusal(await run('verify', ...argv, '--out', out), out, message);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 60_000);
});

describe('the rate theorem factory', () => {
  it('fails when the ODE is wrong (the perceptron without its eta^2 term) and passes with the derived one, same seeds', async () => {
    const model = perceptronModel();
    const params = Object.fromEntries(model.params.map((p) => [p.name, p.default]));
    const derived = deriveModelOde(model);
    // a hand derivation that forgot the second-order term: only eta · d(drift)/d(eta) at eta = 0
    const firstOrder: System = { ...derived, drift: derived.drift.map((f) => mul(sym('eta'), substitute(diff(f, 'eta'), { eta: 0 }))) };
    const make = (ode: System) => modelRateTheorem({ id: 'x', title: 'x', model, params, initial: defaultInitial(model), ode });
    const right = await make(derived).check({ seed: 3 });
    const wrong = await make(firstOrder).check({ seed: 3 });
    expect(right.passed, right.summary).toBe(true);
    expect(wrong.passed, wrong.summary).toBe(false);
    expect(wrong.figures[0].value).toBeGreaterThan(-0.25); // the O(1) bias does not shrink with n
  }, 60_000);

  it('an ODE whose state is not the model\'s is refused by prepare', () => {
    const model = perceptronModel();
    const t = modelRateTheorem({ id: 'x', title: 'x', model, params: { eta: 1, T: 1 }, initial: defaultInitial(model), ode: { state: ['Q'], params: [], drift: [sym('Q')] } });
    expect(() => t.prepare()).toThrow(/not the model's overlaps/);
  });

  it('the theorem from a file names the model, renders in KaTeX, costs what its seeds say, and is deterministic in its seed', async () => {
    const t = modelFileRateTheorem('examples/models/committee-relu.json');
    expect(t.id).toBe('user-model-rate:committee-relu');
    expect(t.statement).toContain('Soft committee machine with ReLU units');
    expect(() => katex.renderToString(t.statement, { throwOnError: true, displayMode: true })).not.toThrow();
    expect(t.cost({ effort: 2 }) / t.cost()).toBeCloseTo(2, 10);
    expect(t.seedsAt(0.01)).toBe(6);
    const a = await t.check({ seed: 5, effort: 0.5 }), b = await t.check({ seed: 5, effort: 0.5 });
    expect(a.figures.map((f) => f.value)).toEqual(b.figures.map((f) => f.value));
  }, 60_000);

  it('hostile titles stay text: KaTeX specials escaped, control characters dropped', () => {
    const model = { ...perceptronModel(), title: 'a}\\b$c%d&e#f_g^h~i{j\u001b[2J\u2028' };
    const t = modelRateTheorem({ id: 'x', title: 't\u001b[2Jx', model, params: { eta: 1, T: 1 }, initial: defaultInitial(model) });
    expect(t.title).not.toMatch(/\u001b/);
    expect(() => katex.renderToString(t.statement, { throwOnError: true, displayMode: true, strict: 'error' })).not.toThrow();
    expect(katex.renderToString(t.statement, { displayMode: true })).not.toMatch(/katex-error/);
  });

  it('every shipped example has its theorem in the registry `npm run proofs` runs', () => {
    const ids = exampleRateTheorems().map((t) => t.id);
    expect(ids.length).toBeGreaterThanOrEqual(7);
    for (const id of ids) expect(theorems.map((t) => t.id)).toContain(id);
  });
});
