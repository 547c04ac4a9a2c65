// The rate theorem on each shipped example: max_t |sim − ODE| (seed-averaged) against
// n = 100..800 has a fitted log-log slope in [−0.75, −0.25]; and Oja's drift against
// its hand derivation; and the simulation is deterministic in its seed.

import { describe, it, expect } from 'vitest';
import katex from 'katex';
import { readFileSync } from 'node:fs';
import { parseModelText } from '../../../src/models/user-model/model-file.ts';
import { deriveModelOde } from '../../../src/models/user-model/derive.ts';
import { defaultInitial } from '../../../src/models/user-model/theory.ts';
import { checkRate } from '../../../src/models/user-model/rate.ts';
import { simulateModel } from '../../../src/models/user-model/simulate.ts';
import { userModel } from '../../../src/models/user-model/theory.ts';
import { parse, expand, sub, isZero } from '../../../src/symbolic/index.ts';

const load = (f: string) => parseModelText(readFileSync(`examples/models/${f}`, 'utf8'));
const defaults = (m: ReturnType<typeof load>) => Object.fromEntries(m.params.map((p) => [p.name, p.default]));

describe('rate theorem on the shipped examples', () => {
  it.each(['oja-pca.json', 'solvable-gan.json', 'committee-erf.json', 'committee-relu.json'])('%s: fitted slope in [-0.75, -0.25]', (file) => {
    const m = load(file);
    const r = checkRate(m, defaults(m), defaultInitial(m), { ns: [50, 200, 800], T: 0.5, every: 0.125, seeds: 8, seed: 3 });
    console.log(file, r.slope.toFixed(3));
    expect(r.passed, `slope ${r.slope}, errors ${r.errors.join(', ')}`).toBe(true);
  });

  it('the built-in perceptron theorem passes at low effort, the same seed gives the same figures, its statement renders', async () => {
    const t = userModel.theorems[0];
    const v = await t.check({ effort: 0.5, seed: 7 });
    const again = await t.check({ effort: 0.5, seed: 7 });
    expect(v.passed, v.summary).toBe(true);
    expect(v.figures.map((f) => f.value)).toEqual(again.figures.map((f) => f.value));
    expect(() => katex.renderToString(t.statement, { throwOnError: true, displayMode: true })).not.toThrow();
  });
});

describe('Oja on a spiked covariance: the derived drift is the hand derivation', () => {
  it('dm_l/dt = η m_l (1 + θ_l − Q − Σ θ_j m_j²), dQ/dt = 2η(Q + Σθ m² − Q(Q + Σθ m²)) + η²(Q + Σθ m²)', () => {
    const sys = deriveModelOde(load('oja-pca.json'));
    const s = 'theta1*m1^2 + theta2*m2^2';
    const hand: Record<string, string> = {
      m1: `eta*m1*(1 + theta1 - Q - (${s}))`,
      m2: `eta*m2*(1 + theta2 - Q - (${s}))`,
      Q: `2*eta*(Q + ${s} - Q*(Q + ${s})) + eta^2*(Q + ${s})`,
    };
    sys.state.forEach((name, i) => expect(isZero(expand(sub(sys.drift[i], parse(hand[name])))), name).toBe(true));
  });
});

describe('simulation is deterministic', () => {
  it('same seeds, same bytes; another seed, another run', () => {
    const m = load('perceptron.json');
    const run = (seed: number) => simulateModel(m, defaults(m), defaultInitial(m), { n: 200, T: 0.5, every: 0.25, seeds: [seed, seed + 1] });
    const a = run(4), b = run(4), c = run(5);
    expect(a.runs.map((r) => r.map((x) => [...x]))).toEqual(b.runs.map((r) => r.map((x) => [...x])));
    expect(a.runs[0][2][0]).not.toBe(c.runs[0][2][0]);
    expect(a.runs[1][2][0]).toBe(c.runs[0][2][0]);
  });
});
