// The linearisation at the fixed line (docs/solvable-gan.md A.6), derived from the ODE's
// symbolic Jacobian, against the paper's closed forms; and the batched phase diagram.
import { describe, expect, it } from 'vitest';
import { linearise, classifyPhase } from '../../../src/models/solvable-gan/index.ts';
import { deriveOverlapOde } from '../../../src/models/solvable-gan/index.ts';
import { phaseDiagram } from '../../../src/models/solvable-gan/index.ts';
import { defaultSpec } from '../../../src/models/solvable-gan/index.ts';
import { parse } from '../../../src/symbolic/index.ts';
import { print } from '../../../src/symbolic/index.ts';
import { expand } from '../../../src/symbolic/index.ts';
import { sub, mul } from '../../../src/symbolic/index.ts';

const KAPPA = '(tau^2/2*(eta_T^2 + eta_G^2))';

describe('solvable GAN: linear stability of the fixed line', () => {
  it('d = 1: trace, determinant and P_c² equal docs/solvable-gan.md A.6', () => {
    const [lin] = linearise(deriveOverlapOde(1), 1);
    const trace = parse(`tau*lambda + (tau_g - tau)*lambda_g - 2*${KAPPA}`);
    const det = parse(`(tau*lambda - ${KAPPA})*((tau_g - tau)*lambda_g - ${KAPPA}) + tau^2*lambda*lambda_g*P^2`);
    const pc2 = parse(`(tau*lambda - ${KAPPA})*(tau*lambda_g - tau_g*lambda_g + ${KAPPA})`);
    expect(print(expand(sub(lin.trace, trace)))).toBe('0');
    expect(print(expand(sub(lin.det, det)))).toBe('0');
    // P_c² · τ²λλ̃ = (τλ − κ)(τλ̃ − τ̃λ̃ + κ)
    expect(print(expand(sub(mul(lin.criticalOverlapSquared, parse('tau^2*lambda*lambda_g')), pc2)))).toBe('0');
  });

  it('d = 2: each feature has the d = 1 linearisation with its own lambda', () => {
    const lins = linearise(deriveOverlapOde(2), 2);
    lins.forEach((lin, i) => {
      const k = i + 1;
      const trace = parse(`tau*lambda${k} + (tau_g - tau)*lambda_g${k} - 2*${KAPPA}`);
      expect(print(expand(sub(lin.trace, trace))), `feature ${k}`).toBe('0');
      expect(lin.overlap).toBe(`P${k}${k}`);
    });
  });

  it('reproduces the numbers of docs/solvable-gan.md A.6: P_c = 0.884 (lambda 3, eta 2) and 0.72 (lambda 5, eta 4)', () => {
    expect(classifyPhase({ ...defaultSpec(1), eta_T: 2, eta_G: 2 }).features[0].criticalOverlap).toBeCloseTo(0.8844, 4);
    const two = classifyPhase({ ...defaultSpec(2), eta_T: 4, eta_G: 4 });
    expect(two.features[1].criticalOverlap).toBeCloseTo(0.7200, 3);
    expect(two.phase).toBe('collapse');
    expect(two.recovered).toEqual([false, true]);
  });

  it('oscillation exactly when the trace is positive (lambda = lambda_g: tau_g*lambda > tau²(eta_T² + eta_G²))', () => {
    for (const eta of [0.5, 1, 1.2, 1.3, 2]) {
      const spec = { ...defaultSpec(1), eta_T: eta, eta_G: eta };
      const oscillates = spec.tau_g * 3 > spec.tau ** 2 * 2 * eta * eta;
      expect(classifyPhase(spec).phase === 'oscillation', `eta ${eta}`).toBe(oscillates);
    }
  });
});

describe('solvable GAN: phase diagram', () => {
  it('one batched integration gives the same phases as looping over the points, and mostly agrees with the linearisation', () => {
    const etas = Array.from({ length: 10 }, (_, i) => 0.5 + i * 0.5);
    const taus = Array.from({ length: 10 }, (_, i) => 0.05 + i * 0.1);
    const opts = { base: defaultSpec(1), etas, taus, T: 1000 };
    const batched = phaseDiagram({ ...opts, batched: true });
    const looped = phaseDiagram({ ...opts, batched: false });
    expect(batched.ode).toEqual(looped.ode);
    const flat = batched.ode.flat(), predicted = batched.predicted.flat();
    const agree = flat.filter((p, i) => p === predicted[i]).length;
    // disagreements sit where the dynamics slows down near a boundary (critical slowing down)
    console.log(`phase diagram 10×10: ODE at T = 1000 agrees with the linearisation on ${agree}/100 points`);
    expect(agree).toBeGreaterThanOrEqual(95);
  });
});
