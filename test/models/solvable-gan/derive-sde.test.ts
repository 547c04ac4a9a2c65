// The per-coordinate SDE (docs/solvable-gan.md A.5), derived from the microscopic update: its
// coefficients equal A.5 for d = 1, and Itô's rule on it gives back the derived
// macroscopic ODE, with E[ŵ²] = E[v̂²] = 1 conserved, for d = 1, 2, 3.
import { describe, expect, it } from 'vitest';
import { deriveCoordinateSde, deriveOverlapOde, sdeSecondMoments } from '../../../src/models/solvable-gan/index.ts';
import { parse } from '../../../src/symbolic/index.ts';
import { print } from '../../../src/symbolic/index.ts';
import { expand } from '../../../src/symbolic/index.ts';
import { sub } from '../../../src/symbolic/index.ts';
import { evaluate } from '../../../src/symbolic/index.ts';
import { Rng } from '../../../src/numeric/index.ts';

const zero = (e: Parameters<typeof expand>[0]) => print(expand(e));

describe('solvable GAN: the per-coordinate SDE', () => {
  it('d = 1: drift and diffusion are those of docs/solvable-gan.md A.5', () => {
    const sde = deriveCoordinateSde(1);
    expect(sde.state).toEqual(['u_i', 'v_i', 'w_i']);
    const G = '(eta_T*(lambda*q^2 + eta_T) + eta_G*(lambda_g*r^2 + eta_G))';
    const drift = [
      '0',
      'tau_g*lambda_g*r*(w_i - r*v_i)',
      `tau*(lambda*q*u_i - lambda_g*r*v_i - (lambda*q^2 - lambda_g*r^2)*w_i) - tau^2/2*${G}*w_i`,
    ];
    drift.forEach((f, i) => expect(zero(sub(sde.drift[i], parse(f))), `drift of ${sde.state[i]}`).toBe('0'));
    expect(print(sde.diffusion![0])).toBe('0');
    expect(print(sde.diffusion![1])).toBe('0');
    // diffusion τ√Γ: g² − τ²Γ at random points (f64 evaluation of O(10)-term sums: 1e-12 relative)
    const g = sde.diffusion![2];
    const target = parse(`tau^2*${G}`);
    const rng = new Rng(5);
    for (let k = 0; k < 50; k++) {
      const env = { tau: rng.uniform(), eta_T: 3 * rng.uniform(), eta_G: 3 * rng.uniform(), lambda: 5 * rng.uniform(), lambda_g: 5 * rng.uniform(), q: 2 * rng.uniform() - 1, r: 2 * rng.uniform() - 1 };
      const want = evaluate(target, env);
      expect(Math.abs(evaluate(g, env) ** 2 - want)).toBeLessThanOrEqual(1e-12 * (1 + want));
    }
  });

  for (const [d, normalization] of [[1, 'column'], [2, 'column'], [2, 'oja'], [3, 'column']] as const) {
    it(`d = ${d} (${normalization}): Itô's rule on the SDE gives back the ODE and keeps E[w²] = 1`, () => {
      const sde = deriveCoordinateSde(d, normalization);
      const ode = deriveOverlapOde(d, normalization);
      const moments = sdeSecondMoments(sde, d);
      ode.state.forEach((name, i) => {
        expect(moments.has(name), `moment for ${name}`).toBe(true);
        expect(zero(sub(moments.get(name)!, ode.drift[i])), `d${name}/dt from the SDE minus the ODE`).toBe('0');
      });
      const selfMoments = sde.state.map((x) => `E[${x}*${x}]`);
      for (const m of selfMoments) {
        expect(moments.has(m), m).toBe(true);
        expect(print(moments.get(m)!), `d${m}/dt`).toBe('0');
      }
    });
  }
});
