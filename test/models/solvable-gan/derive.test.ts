// The derived ODE (from the microscopic update, via the Gaussian-expectation engine)
// against the formulas of docs/solvable-gan.md A.3/A.4: symbolically (the difference simplifies
// to zero) and numerically (at random points, against the hand-written drifts).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { deriveOverlapOde } from '../../../src/models/solvable-gan/index.ts';
import { referenceDrift } from './reference-ode.ts';
import { defaultSpec, paramValues, type SolvableGanSpec } from '../../../src/models/solvable-gan/index.ts';
import { parse } from '../../../src/symbolic/index.ts';
import { print } from '../../../src/symbolic/index.ts';
import { expand } from '../../../src/symbolic/index.ts';
import { sub } from '../../../src/symbolic/index.ts';
import { compile } from '../../../src/compile/index.ts';

/** docs/solvable-gan.md A.3 written as strings in the input grammar. */
const A3: Record<string, string> = {
  P: 'tau_g*lambda_g*r*(q - P*r)',
  q: 'tau*(lambda*q*(1 - q^2) - lambda_g*r*(P - q*r)) - tau^2/2*q*G',
  r: 'tau_g*lambda_g*r*(1 - r^2) + tau*(lambda*q*(P - q*r) - lambda_g*r*(1 - r^2)) - tau^2/2*r*G',
};
const GAMMA1 = '(eta_T*(lambda*q^2 + eta_T) + eta_G*(lambda_g*r^2 + eta_G))';

/** docs/solvable-gan.md A.4 for d = 2, entry by entry, as strings. */
function a4(d: 2): Record<string, string> {
  const idx = [1, 2];
  const qLq = idx.map((j) => `lambda${j}*q${j}^2`).join('+');
  const rLr = idx.map((l) => `lambda_g${l}*r${l}^2`).join('+');
  const G = `(eta_T*(${qLq} + eta_T) + eta_G*(${rLr} + eta_G))`;
  const A = `(${qLq} - (${rLr}))`;
  const out: Record<string, string> = {};
  for (const j of idx) for (const l of idx) out[`P${j}${l}`] = `tau_g*lambda_g${l}*r${l}*(q${j} - P${j}${l}*r${l})`;
  for (const j of idx) {
    out[`q${j}`] = `tau*(lambda${j}*q${j} - (${idx.map((l) => `P${j}${l}*lambda_g${l}*r${l}`).join('+')}) - q${j}*${A}) - tau^2/2*${G}*q${j}`;
  }
  const S = (l: number, m: number) => (l === m ? '1' : `S${Math.min(l, m)}${Math.max(l, m)}`);
  for (const l of idx) {
    out[`r${l}`] = `tau_g*lambda_g${l}*r${l}*(1 - r${l}^2) + tau*((${idx.map((j) => `P${j}${l}*lambda${j}*q${j}`).join('+')})`
      + ` - (${idx.map((m) => `${S(l, m)}*lambda_g${m}*r${m}`).join('+')}) - r${l}*${A}) - tau^2/2*${G}*r${l}`;
  }
  out.S12 = 'tau_g*((lambda_g1 + lambda_g2)*r1*r2 - S12*(lambda_g1*r1^2 + lambda_g2*r2^2))';
  void d;
  return out;
}

describe('solvable GAN: the derived ODE', () => {
  it('d = 1 equals docs/solvable-gan.md A.3 exactly (the difference expands to 0)', () => {
    const sys = deriveOverlapOde(1);
    expect(sys.state).toEqual(['P', 'q', 'r']);
    sys.state.forEach((name, i) => {
      const paper = parse(A3[name].replace(/\bG\b/g, GAMMA1));
      const diff = expand(sub(sys.drift[i], paper));
      expect(print(diff), `d${name}/dt: derived minus A.3`).toBe('0');
    });
  });

  it('d = 2 (column normalisation) equals docs/solvable-gan.md A.4 exactly', () => {
    const sys = deriveOverlapOde(2, 'column');
    const paper = a4(2);
    expect([...sys.state].sort()).toEqual(Object.keys(paper).sort());
    const derived = deriveOverlapOde(2, 'column');
    derived.state.forEach((name, i) => {
      const diff = expand(sub(derived.drift[i], parse(paper[name])));
      expect(print(diff), `d${name}/dt: derived minus A.4`).toBe('0');
    });
  });

  const randomSpec = (d: number, normalization: 'column' | 'oja') => fc.record({
    lambda: fc.array(fc.double({ min: 0.1, max: 6, noNaN: true }), { minLength: d, maxLength: d }),
    lambda_g: fc.array(fc.double({ min: 0.1, max: 6, noNaN: true }), { minLength: d, maxLength: d }),
    eta_T: fc.double({ min: 0, max: 5, noNaN: true }),
    eta_G: fc.double({ min: 0, max: 5, noNaN: true }),
    tau: fc.double({ min: 0, max: 1, noNaN: true }),
    tau_g: fc.double({ min: 0, max: 1, noNaN: true }),
    state: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: d * d + 2 * d + (d * (d - 1)) / 2, maxLength: d * d + 2 * d + (d * (d - 1)) / 2 }),
  }).map((r) => ({ spec: { ...defaultSpec(d), ...r, d, normalization } as SolvableGanSpec, state: r.state }));

  for (const [d, normalization] of [[1, 'column'], [2, 'column'], [2, 'oja'], [3, 'column'], [3, 'oja']] as const) {
    it(`d = ${d} (${normalization}): compiled derived drift = hand-written reference drift at random points`, () => {
      const sys = deriveOverlapOde(d, normalization);
      const kernel = compile(sys, { backend: 'f64' });
      fc.assert(fc.property(randomSpec(d, normalization), ({ spec, state }) => {
        const ref = referenceDrift(spec);
        const x = Float64Array.from(state);
        const expected = new Float64Array(x.length);
        ref(0, x, expected);
        const pv = paramValues(spec);
        const got = kernel.f64(x, Float64Array.from(sys.params, (p) => pv[p]));
        const scale = 1 + Math.max(...Array.from(expected, Math.abs));
        for (let i = 0; i < x.length; i++) {
          // both sides are polynomials of modest degree evaluated in f64: agreement to ~1e-12 relative
          expect(Math.abs(got[i] - expected[i]), `${sys.state[i]} at ${JSON.stringify({ spec, state })}`).toBeLessThan(1e-12 * scale);
        }
      }), { numRuns: 200, seed: 42 });
    });
  }
});
