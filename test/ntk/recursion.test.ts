// The recursion as Exprs: evaluated in order it reproduces the fused f64 kernel;
// its LaTeX renders with KaTeX (display mode) for every activation, including
// elementwise ones without a closed form.

import katex from 'katex';
import { describe, expect, it } from 'vitest';
import { parseArchitecture } from '../../src/ntk/index.ts';
import { kernels } from '../../src/ntk/index.ts';
import { kernelRecursion, evaluateRecursion, ntkRecursionLatex, kernelExprs } from '../../src/ntk/index.ts';
import { CLOSED_FORM_NAMES, ACTIVATION_SIGNATURES } from '../../src/ntk/index.ts';
import { evaluate } from '../../src/symbolic/index.ts';
import { Rng } from '../../src/numeric/index.ts';

const ARGS: Record<string, string> = { leaky_relu: '(0.1)', abrelu: '(-0.4, 1.3)', monomial: '(3)', polynomial: '(0.1, 1, 0.5)', hermite: '(4)' };
const actSpec = (n: string) => `${n}${ARGS[n] ?? ''}`;

function dots(x: number[], y: number[]) {
  let xy = 0, xx = 0, yy = 0;
  x.forEach((v, k) => { xy += v * y[k]; xx += v * v; yy += y[k] * y[k]; });
  return { xy, xx, yy };
}

describe('kernel recursion as Exprs', () => {
  it('evaluating the equations in order equals kernels() for every closed form, both parameterizations, with and without bias', () => {
    const rng = new Rng(12);
    const x = [0.4, -1.1, 0.7], y = [1.2, 0.1, -0.5];
    const { xy, xx, yy } = dots(x, y);
    for (const name of CLOSED_FORM_NAMES) {
      for (const tail of ['', '; parameterization=standard, width=37']) {
        const b = rng.uniform() < 0.3 ? 'none' : '0.2';
        const spec = `serial(dense(1.3, ${b}), ${actSpec(name)}, dense(0.9, 0.1), ${actSpec(name)}, dense(1.1, ${b})${tail})`;
        const arch = parseArchitecture(spec);
        const rec = kernelRecursion(arch);
        expect(rec.closedForm).toBe(true);
        const viaExpr = evaluateRecursion(rec, xy, xx, yy, 3);
        const fused = kernels(arch, [x], [y]);
        const close = (a: number, ref: number, what: string) => expect(Math.abs(a - ref), `${spec} ${what}: ${a} vs ${ref}`)
          .toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(ref)));
        close(viaExpr.nngp, fused.nngp.data[0], 'nngp');
        close(viaExpr.ntk, fused.ntk!.data[0], 'ntk');
        const e = kernelExprs(arch, 3);
        close(evaluate(e.nngp, { dot: xy, nx2: xx, ny2: yy }), fused.nngp.data[0], 'nngp (single Expr)');
        close(evaluate(e.ntk, { dot: xy, nx2: xx, ny2: yy }), fused.ntk!.data[0], 'ntk (single Expr)');
      }
    }
    expect(Object.keys(ACTIVATION_SIGNATURES).length).toBe(18);
  });

  it('has 4 input-layer equations, 8 per hidden block, and names the outputs', () => {
    const arch = parseArchitecture('serial(dense(1, 0), relu, dense(1, 0), erf, dense(1, 0), gelu, dense(1, 0))');
    const rec = kernelRecursion(arch);
    expect(rec.equations.length).toBe(4 + 8 * 3);
    expect(rec.nngp).toBe('Sigma4_xy');
    expect(rec.ntk).toBe('Theta4_xy');
    expect(rec.equations.map((e) => e.lhs).slice(0, 6)).toEqual(['Sigma1_xy', 'Sigma1_xx', 'Sigma1_yy', 'Theta1_xy', 'K2_xy', 'Kdot2_xy']);
  });
});

describe('ntkRecursionLatex', () => {
  it('renders with KaTeX in display mode for every activation and an elementwise one', () => {
    for (const name of [...CLOSED_FORM_NAMES, 'elementwise("x*tanh(x)")']) {
      const n = name.startsWith('elementwise') ? name : actSpec(name);
      const arch = parseArchitecture(`serial(dense(1.5, 0.5), ${n}, dense(1.5, 0.5), relu, dense(1.5, none); parameterization=standard, width=512)`);
      const tex = ntkRecursionLatex(arch);
      expect(tex.startsWith('\\begin{align}')).toBe(true);
      expect(tex.trimEnd().endsWith('\\end{align}')).toBe(true);
      const html = katex.renderToString(tex, { displayMode: true, throwOnError: true });
      expect(html).toContain('katex-display');
      expect(tex).toContain('\\Theta_{3,xy}');
    }
  });

  it('shows the ReLU arc-cosine kernel, x^T y / d and the NTK line, and nests as aligned', () => {
    const arch = parseArchitecture('serial(dense(1, 1), relu, dense(1, 1))');
    const tex = ntkRecursionLatex(arch, { d: 2 });
    expect(tex).toContain('\\arccos');
    expect(tex).toContain('x^{\\top} y');
    expect(tex).toContain('\\mathrm{NTK}(x, y) &= \\Theta_{2,xy}');
    const nested = `\\left\\{${ntkRecursionLatex(arch, { env: 'aligned' })}\\right.`;
    expect(() => katex.renderToString(nested, { displayMode: false, throwOnError: true })).not.toThrow();
  });
});
