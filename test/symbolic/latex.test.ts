import { ArgumentError } from '../../src/core/index.ts';
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import katex from 'katex';
import { parse } from '../../src/symbolic/index.ts';
import { print } from '../../src/symbolic/index.ts';
import { latex, latexSymbol, latexSystem } from '../../src/symbolic/index.ts';
import { exprArb } from './helpers.ts';

const RUNS = Number(process.env.FC_RUNS ?? 1000);

const render = (s: string, displayMode = false) => katex.renderToString(s, { throwOnError: true, displayMode });

describe('latexSymbol', () => {
  const cases: Array<[string, string]> = [
    ['x', 'x'], ['tau', '\\tau'], ['eta_T', '\\eta_{T}'], ['lambda_g', '\\lambda_{g}'], ['lambda2', '\\lambda_{2}'],
    ['x12', 'x_{12}'], ['w_i_j', 'w_{i,j}'], ['theta_hat', '\\hat{\\theta}'], ['alphahat', '\\hat{\\alpha}'],
    ['lr', '\\mathrm{lr}'], ['Gamma', '\\Gamma'], ['Lambda', '\\Lambda'], ['omega', '\\omega'], ['beta1_t', '\\beta_{1,t}'],
    ['sigma_alpha', '\\sigma_{\\alpha}'], ['Eta', '\\mathrm{H}'], ['x_', 'x'], ['a__b', 'a_{b}'], ['q_12', 'q_{12}'],
  ];
  for (const [name, want] of cases) it(`${name} -> ${want}`, () => expect(latexSymbol(name)).toBe(want));
});

describe('latex: fixed examples', () => {
  const cases: Array<[string, string]> = [
    ['(1+rho)^2', '\\left(1 + \\rho\\right)^{2}'],
    ['x/2', '\\frac{x}{2}'],
    ['3*x/(2*y)', '\\frac{3 x}{2 y}'],
    ['-x', '- x'],
    ['a-b', 'a - b'],
    ['2*3^x', '2 \\cdot 3^{x}'],
    ['exp(-x^2/2)/sqrt(2*pi)', '\\frac{e^{- \\frac{x^{2}}{2}}}{\\sqrt{2 \\pi}}'],
    ['erf(x/sqrt(2))', '\\operatorname{erf}\\left(\\frac{x}{\\sqrt{2}}\\right)'],
    ['sigmoid(x)*(1-sigmoid(x))', '\\sigma\\left(x\\right) \\left(1 - \\sigma\\left(x\\right)\\right)'],
    ['step(x)', '\\Theta\\left(x\\right)'],
    ['max(0,x)', '\\max\\left(0, x\\right)'],
    ['min(a,b)', '\\min\\left(a, b\\right)'],
    ['abs(x-y)', '\\left|x - y\\right|'],
    ['sin(x)^2', '\\sin^{2}\\left(x\\right)'],
    ['cos(x)+tanh(x)', '\\cos\\left(x\\right) + \\tanh\\left(x\\right)'],
    ['x^(1/3)', '\\sqrt[3]{x}'],
    ['x^(3/2)', 'x^{\\frac{3}{2}}'],
    ['x^(-1/2)', '\\frac{1}{\\sqrt{x}}'],
    ['1/x', '\\frac{1}{x}'],
    ['1/(1+x)^2', '\\frac{1}{\\left(1 + x\\right)^{2}}'],
    ['(a+b)/c', '\\frac{a + b}{c}'],
    ['x^-1*y', '\\frac{y}{x}'],
    ['1e-20*x', '\\frac{x}{100000000000000000000}'],
    ['2.5e-20*x', '\\frac{x}{40000000000000000000}'],
    ['12345678901234567890*x', '12345678901234567890 x'],
    ['2^70/3', '\\frac{1180591620717411303424}{3}'],
    ['(2^70/3)^x', '\\left(\\frac{1180591620717411303424}{3}\\right)^{x}'],
    ['-2^70/3*y', '- \\frac{1180591620717411303424 y}{3}'],
    ['(a*b)^n', '\\left(a b\\right)^{n}'],
    ['(-2)^x', '\\left(-2\\right)^{x}'],
    ['relu(w*x+b)*softplus(x)', '\\operatorname{relu}\\left(w x + b\\right) \\operatorname{softplus}\\left(x\\right)'],
    ['log(x)^2', '\\log^{2}\\left(x\\right)'],
    ['arcsin(x)+arccos(x)', '\\arcsin\\left(x\\right) + \\arccos\\left(x\\right)'],
    ['(1/2)^x', '\\left(\\frac{1}{2}\\right)^{x}'],
    ['-(a+b)', '- \\left(a + b\\right)'],
    ['a*(-b)', '- a b'],
    ['sqrt(x)^3', '\\left(\\sqrt{x}\\right)^{3}'],
    ['exp(x)*erf(x)', 'e^{x} \\operatorname{erf}\\left(x\\right)'],
    ['eta_T*lambda2*x12', '\\eta_{T} \\lambda_{2} x_{12}'],
  ];
  for (const [src, want] of cases) {
    it(`${src} -> ${want}`, () => {
      const s = latex(parse(src));
      expect(s).toBe(want);
      expect(() => render(s)).not.toThrow();
    });
  }
});

describe('latexSystem', () => {
  it('ODE in align', () => {
    const s = latexSystem({ state: ['P', 'theta'], drift: [parse('-P+theta'), parse('eta*(1-theta)')] });
    expect(s).toBe('\\begin{align}\n\\frac{dP}{dt} &= - P + \\theta \\\\\n\\frac{d\\theta}{dt} &= \\eta \\left(1 - \\theta\\right)\n\\end{align}');
    expect(() => render(s, true)).not.toThrow();
    const aligned = latexSystem({ state: ['P'], drift: [parse('-P')] }, { env: 'aligned' });
    expect(() => render(aligned, true)).not.toThrow();
  });
  it('SDE with one and several Brownian motions', () => {
    const one = latexSystem({ state: ['X'], drift: [parse('-theta*X')], diffusion: [parse('sigma')] });
    expect(one).toBe('\\begin{align}\ndX &= - \\theta X\\,dt + \\sigma\\,dW_{t}\n\\end{align}');
    const two = latexSystem({ state: ['x', 'y'], drift: [parse('a+b'), parse('0')], diffusion: [parse('-s'), parse('1')] }, { env: 'align*' });
    expect(two).toBe('\\begin{align*}\ndx &= \\left(a + b\\right)\\,dt - s\\,dW^{(1)}_{t} \\\\\ndy &= dW^{(2)}_{t}\n\\end{align*}');
    for (const s of [one, two]) expect(() => render(s, true)).not.toThrow();
  });
  it('refuses mismatched lengths', () => {
    expect(() => latexSystem({ state: ['x'], drift: [] })).toThrow(ArgumentError);
  });
});

describe('latex: properties', () => {
  it('every random expression renders with KaTeX (throwOnError), without junk like \\cdoterf', () => {
    fc.assert(fc.property(exprArb({ depth: 4 }), (e) => {
      const s = latex(e);
      try { render(s); } catch (err) {
        throw new Error(`KaTeX refused latex(${print(e)}):\n ${s}\n ${(err as Error).message}`);
      }
      if (/\\cdot[a-zA-Z]|\\,[a-zA-Z]{2}|[a-zA-Z]\\left/.test(s.replace(/\\[a-zA-Z]+\\left/g, ''))) {
        throw new Error(`suspicious juxtaposition in ${s}`);
      }
    }), { numRuns: RUNS });
  });

  it('random symbol names render', () => {
    const part = fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,6}$/);
    fc.assert(fc.property(fc.array(part, { minLength: 1, maxLength: 3 }), (ps) => {
      const s = latexSymbol(ps.join('_'));
      render(s);
    }), { numRuns: RUNS });
  });
});
