// Exporters to SymPy, NumPy, Julia and Mathematica.
//
// Where python3 with sympy and numpy is importable, exported expressions and whole
// systems are run there (one python3 process per test, everything batched into one
// JSON payload) and compared with the toolkit's own evaluate():
//  - SymPy evaluates at 30 significant digits from the exact double inputs, so it is
//    (to ~1e-30) the exact value; ours must be within 2x the first-order bound on our
//    own f64 rounding error (evalWithError in helpers.ts), plus half an ulp for
//    rounding the reference to a double.
//  - NumPy is another f64 evaluation of the same function, by an operation order that
//    differs from ours by a few roundings per node (x/y for x*y^-1, 1/(1+exp(-x)) for
//    our sigmoid, logaddexp for softplus), so its own error is within ~3x our bound:
//    |numpy - ours| <= 4 err.
// Points where some subexpression is not finite (a domain error, an overflow) are not
// compared: there the targets differ by design (NaN in the toolkit, complex in SymPy,
// DomainError in Julia). Kinks: evalWithError makes err infinite when a step's argument
// is within its uncertainty of 0, so those points are skipped too; step(0) = 1/2,
// relu(0) = 0 and the other kinks are checked exactly in a separate test.
// Julia and Mathematica (not installed here) are checked against golden files in
// test/fixtures/export/ (README.md there: UPDATE_GOLDEN=1 rewrites them).

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Expr, children, freeSymbols, sym, num, call, add, mul, pow, rat,
} from '../../src/symbolic/index.ts';
import { parse, checkSymbolName } from '../../src/symbolic/index.ts';
import { evaluate } from '../../src/symbolic/index.ts';
import { latexSystem } from '../../src/symbolic/index.ts';
import type { System } from '../../src/symbolic/index.ts';
import {
  type ExportTarget, EXPORT_TARGETS, exportExpr, exportSystem, renameSymbols, systemJson, isReservedIn,
} from '../../src/symbolic/index.ts';
import { deriveOverlapOde, deriveCoordinateSde } from '../../src/models/solvable-gan/index.ts';
import { ArgumentError } from '../../src/core/index.ts';
import { EPS, envArb, evalWithError, exprArb } from './helpers.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const FIXTURES = join(HERE, '..', 'fixtures', 'export');

// ---------- python3 ----------

const PYTHON = process.env.PYTHON ?? 'python3';
const probe = spawnSync(PYTHON, ['-c', 'import sympy, numpy; print(sympy.__version__, numpy.__version__)'], { encoding: 'utf8' });
const PY_OK = probe.status === 0;
const PY_REASON = PY_OK ? ''
  : `${PYTHON} with sympy and numpy is not importable (${probe.error?.message ?? (probe.stderr ?? '').trim().split('\n').pop()})`;
if (!PY_OK) console.warn(`export.test.ts: skipping the SymPy/NumPy execution checks: ${PY_REASON}`);
const pyTitle = (title: string) => (PY_OK ? title : `${title} [skipped: ${PY_REASON}]`);

/** Reads one JSON payload on stdin, writes one JSON answer; floats travel as repr() strings. */
const RUNNER = String.raw`
import json, sys, warnings
warnings.simplefilter('ignore')
import numpy as np
import sympy
from sympy import Float, Symbol

def enc(x):
    return repr(float(x))

def sympy_value(expr, subs):
    try:
        v = sympy.sympify(expr).xreplace(subs).evalf(30)
        re, im = v.as_real_imag()
        return {'re': enc(re), 'im': enc(im)}
    except Exception as e:
        return {'error': type(e).__name__ + ': ' + str(e)[:200]}

def run_exprs(items):
    out = []
    for item in items:
        names, points, res = item['names'], item['points'], {}
        try:
            ns = {}
            exec(item['sympy']['prelude'], ns)
            syms = [Symbol(orig, real=True) for orig, _ in names]
            for (_, py), s in zip(names, syms):
                ns[py] = s
            expr = eval(item['sympy']['code'], ns)
            res['sympy'] = [sympy_value(expr, {s: Float(pt[i], 30) for i, s in enumerate(syms)}) for pt in points]
        except Exception as e:
            res['sympy_error'] = type(e).__name__ + ': ' + str(e)[:300]
        try:
            ns = {}
            exec(item['numpy']['prelude'], ns)
            for i, (_, py) in enumerate(names):
                ns[py] = np.array([pt[i] for pt in points], dtype=np.float64)
            with np.errstate(all='ignore'):
                v = np.broadcast_to(np.asarray(eval(item['numpy']['code'], ns), dtype=np.float64), (len(points),))
            res['numpy'] = [enc(x) for x in v]
        except Exception as e:
            res['numpy_error'] = type(e).__name__ + ': ' + str(e)[:300]
        out.append(res)
    return out

def run_systems(items):
    out = []
    for item in items:
        res = {}
        ns = {}
        exec(item['sympy'], ns)
        state, params = ns['state'], ns['params']
        res['sympy_state'] = [s.name for s in state]
        res['sympy_params'] = [s.name for s in params]
        for label in ('drift', 'diffusion'):
            if label not in ns:
                continue
            table = ns[label]
            res['sympy_' + label] = [
                [sympy_value(table[s], {**{x: Float(v, 30) for x, v in zip(state, pt['state'])},
                                        **{x: Float(v, 30) for x, v in zip(params, pt['params'])}}) for s in state]
                for pt in item['points']]
        mod = {}
        exec(item['numpy'], mod)
        res['numpy_state'] = list(mod['STATE_NAMES'])
        res['numpy_params'] = list(mod['PARAM_NAMES'])
        cols_state = [np.array([pt['state'][i] for pt in item['points']]) for i in range(len(state))]
        cols_params = [np.array([pt['params'][i] for pt in item['points']]) for i in range(len(params))]
        for label in ('drift', 'diffusion'):
            if label not in mod:
                continue
            with np.errstate(all='ignore'):
                arr = mod[label](cols_state, cols_params)
            res['numpy_shape_' + label] = list(arr.shape)
            res['numpy_' + label] = [[enc(arr[i, k]) for i in range(arr.shape[0])] for k in range(arr.shape[1])]
        out.append(res)
    return out

payload = json.load(sys.stdin)
answer = {'version': [sympy.__version__, np.__version__]}
if 'exprs' in payload:
    answer['exprs'] = run_exprs(payload['exprs'])
if 'systems' in payload:
    answer['systems'] = run_systems(payload['systems'])
if 'all_names' in payload:
    import sympy as _s
    answer['sympy_all'] = list(_s.__all__)
json.dump(answer, sys.stdout)
`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function runPython(payload: unknown): any {
  const r = spawnSync(PYTHON, ['-c', RUNNER], {
    input: JSON.stringify(payload), encoding: 'utf8', maxBuffer: 1 << 28, timeout: 600_000,
  });
  if (r.status !== 0) throw new Error(`${PYTHON} failed (status ${r.status}): ${r.error?.message ?? ''}\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

const decode = (s: string): number => (s === 'inf' ? Infinity : s === '-inf' ? -Infinity : Number(s));

/** SymPy's answer as a real number, or null (complex, or an error). */
function sympyReal(v: { re?: string; im?: string; error?: string }): number | null {
  if (v.error !== undefined) return null;
  const re = decode(v.re!), im = decode(v.im!);
  if (!(Math.abs(im) <= 1e-25 * (1 + Math.abs(re)))) return null;
  return re;
}

/** Whether every subexpression of e is finite at env (else the targets differ by design). */
function allFinite(e: Expr, env: Record<string, number>): boolean {
  if (!Number.isFinite(evaluate(e, env))) return false;
  return children(e).every((c) => allFinite(c, env));
}

interface Stats { compared: number; skipped: number; maxRel: number; maxOfBound: number }
const newStats = (): Stats => ({ compared: 0, skipped: 0, maxRel: 0, maxOfBound: 0 });

/** Checks |ours - theirs| <= factor·err + half an ulp of theirs; records the worst case. */
function compare(stats: Stats, what: string, ours: { value: number; err: number }, theirs: number, factor: number): void {
  const diff = Math.abs(ours.value - theirs);
  const bound = factor * ours.err + EPS * Math.abs(theirs) + Number.MIN_VALUE;
  expect(diff, `${what}: ours ${ours.value} (error bound ${ours.err}), theirs ${theirs}`).toBeLessThanOrEqual(bound);
  stats.compared++;
  if (theirs !== 0) stats.maxRel = Math.max(stats.maxRel, diff / Math.abs(theirs));
  stats.maxOfBound = Math.max(stats.maxOfBound, diff / bound);
}

// ---------- systems used below ----------

/** A hand-written system using every function of the grammar and names that clash somewhere. */
function allFunctionsSystem(): System {
  const state = ['x', 'end', 'E', 'eta_T', 'etaT'];
  const params = ['lambda', 't', 'p', 'D', 'I', 'gamma', 'w_i', 'du'];
  const p = (s: string) => parse(s, { symbols: [...state, ...params] });
  return {
    state,
    params,
    drift: [
      p('exp(-x/2)*log(1+x^2) - sqrt(abs(end)) + sin(pi*E)*cos(t)^2'),
      p('tanh(lambda*x) + erf(end/3) - relu(x - p) + step(E)'),
      p('sigmoid(D*x) - softplus(-I*E) + arcsin(x/(1+x^2)) + arccos(1/(2+eta_T^2))'),
      p('min(x, etaT) - max(gamma, w_i)*(1+x^2)^(1/3) + 1.2345678901234567*du - 3/7*abs(x)^p + 6.02e-23*x'),
      p('-(x^2 + 2)^(-3/2) + 2^(1/2)*eta_T/7 - 1e-7*etaT + end^2/3 - 1/(gamma*t)'),
    ],
    diffusion: [p('sqrt(1 + x^2)/10'), p('0'), p('step(x)*E'), p('0'), p('relu(etaT)')],
  };
}

const GOLDEN_SYSTEMS: Array<{ name: string; build: () => System }> = [
  { name: 'ode-d1', build: () => deriveOverlapOde(1, 'column') },
  { name: 'sde-d1', build: () => deriveCoordinateSde(1, 'column') },
  { name: 'all-functions', build: allFunctionsSystem },
];

/** Names of the toolkit's grammar that are keywords or builtins somewhere. */
const CLASH_VARS = ['x', 'lambda', 'S', 'E', 'beta'];

// ---------- tests that need nothing but Node ----------

describe('exportExpr: function maps, numbers and renaming per target', () => {
  const cases: Array<[string, Record<ExportTarget, string>]> = [
    ['step(x)', { sympy: 'Heaviside(x, Rational(1, 2))', numpy: 'np.heaviside(x, 0.5)', julia: '(1 + sign(x))/2', mathematica: '(1 + Sign[x])/2' }],
    ['relu(x)', { sympy: 'Max(0, x)', numpy: 'np.maximum(x, 0.0)', julia: 'max(x, 0)', mathematica: 'Max[0, x]' }],
    ['sigmoid(x)', { sympy: '1/(1 + exp(-x))', numpy: '1.0/(1.0 + np.exp(-x))', julia: '1/(1 + exp(-x))', mathematica: 'LogisticSigmoid[x]' }],
    ['softplus(x)', { sympy: 'log(1 + exp(x))', numpy: 'np.logaddexp(0.0, x)', julia: '_softplus(x)', mathematica: 'Log[1 + Exp[x]]' }],
    ['erf(x)+arccos(x)-arcsin(x)', { sympy: 'erf(x) + acos(x) - asin(x)', numpy: '_erf(x) + np.arccos(x) - np.arcsin(x)', julia: 'erf(x) + acos(x) - asin(x)', mathematica: 'Erf[x] + ArcCos[x] - ArcSin[x]' }],
    ['min(x,y)*max(x,y)', { sympy: 'Min(x, y)*Max(x, y)', numpy: 'np.minimum(x, y)*np.maximum(x, y)', julia: 'min(x, y)*max(x, y)', mathematica: 'Min[x, y]*Max[x, y]' }],
    ['3/4*x/y - pi', { sympy: 'Rational(3, 4)*x/y - pi', numpy: '0.75*x/y - np.pi', julia: '(3//4)*x/y - pi', mathematica: '3*x/(4*y) - Pi' }],
    ['x^(1/3) - x^(-2) + 2^x', { sympy: 'x**Rational(1, 3) - 1/x**2 + 2**x', numpy: 'x**0.3333333333333333 - 1.0/x**2 + 2.0**x', julia: 'x^(1//3) - 1/x^2 + 2^x', mathematica: 'x^(1/3) - 1/x^2 + 2^x' }],
    ['-x^2 - (x+1)^2', { sympy: '-x**2 - (1 + x)**2', numpy: '-x**2 - (1.0 + x)**2', julia: '-x^2 - (1 + x)^2', mathematica: '-x^2 - (1 + x)^2' }],
    ['6.02e-23*x', { sympy: 'Rational(301, 5000000000000000000000000)*x', numpy: '6.02e-23*x', julia: '(301//big"5000000000000000000000000")*x', mathematica: '301*x/5000000000000000000000000' }],
    ['12345678901234567890*x - 2^70/3', {
      sympy: '-Rational(1180591620717411303424, 3) + 12345678901234567890*x',
      numpy: '-393530540239137100000.0 + 12345678901234567000.0*x',
      julia: '-big"1180591620717411303424"//3 + big"12345678901234567890"*x',
      mathematica: '-1180591620717411303424/3 + 12345678901234567890*x',
    }],
    ['2^70', { sympy: 'Integer(1180591620717411303424)', numpy: '1.1805916207174113e+21', julia: 'big"1180591620717411303424"', mathematica: '1180591620717411303424' }],
    ['(-2)^x*(-2)^(1/2)', { sympy: '(-2)**x*(-2)**Rational(1, 2)', numpy: '(-2.0)**x*np.power(-2.0, 0.5)', julia: '(-2)^x*(-2)^(1//2)', mathematica: '(-2)^x*(-2)^(1/2)' }],
    ['7', { sympy: 'Integer(7)', numpy: '7.0', julia: '7', mathematica: '7' }],
  ];
  for (const [src, want] of cases) {
    it(`${src}`, () => {
      for (const t of EXPORT_TARGETS) expect(exportExpr(parse(src), t).code, t).toBe(want[t]);
    });
  }

  it('a float (not from a literal: literals are exact) prints as a float in every target', () => {
    const e = mul(num(6.02e-23), sym('x'));
    const want: Record<ExportTarget, string> = { sympy: "Float('6.02e-23')*x", numpy: '6.02e-23*x', julia: '6.02e-23*x', mathematica: '6.02*^-23*x' };
    for (const t of EXPORT_TARGETS) expect(exportExpr(e, t).code, t).toBe(want[t]);
  });

  it('NumPy keeps constant-only divisions and powers in NumPy (no ZeroDivisionError, no complex)', () => {
    expect(exportExpr(parse('1/(pi - pi)'), 'numpy').code).toBe('np.divide(1.0, np.pi - np.pi)');
    expect(exportExpr(parse('(pi-4)^(1/2)'), 'numpy').code).toBe('np.power(-4.0 + np.pi, 0.5)');
    expect(exportExpr(parse('x/(pi-pi)'), 'numpy').code).toBe('x/(np.pi - np.pi)');
  });

  it('preludes: SymPy imports exactly what is used; NumPy defines _erf; Julia imports erf and defines _softplus', () => {
    expect(exportExpr(parse('step(x)+abs(x)'), 'sympy').prelude).toBe('from sympy import Abs, Heaviside, Rational\n');
    expect(exportExpr(parse('erf(x)'), 'numpy').prelude).toContain('_erf = np.vectorize(math.erf');
    expect(exportExpr(parse('x'), 'numpy').prelude).toBe('import numpy as np\n');
    const j = exportExpr(parse('erf(softplus(x))'), 'julia').prelude;
    expect(j).toContain('using SpecialFunctions: erf');
    expect(j).toContain('_softplus(x) = x > zero(x) ? x + log1p(exp(-x)) : log1p(exp(x))');
    expect(exportExpr(parse('erf(x)'), 'mathematica').prelude).toBe('');
  });

  it('renames keywords and builtins, and reports it', () => {
    const e = parse('lambda + S*E - beta + end + eta_T + N*D');
    expect(exportExpr(e, 'sympy').renamed).toEqual({ lambda: 'lambda_', S: 'S_', E: 'E_', beta: 'beta_', N: 'N_' });
    expect(exportExpr(e, 'julia').renamed).toEqual({ end: 'end_' });
    expect(exportExpr(e, 'mathematica').renamed).toEqual({ E: 'e', eta_T: 'etaT', N: 'n', D: 'd' });
    expect(exportExpr(e, 'mathematica').code).toBe('lambda + S*e - beta + end + etaT + n*d');
  });

  it('opts.symbols shares one renaming across separately exported expressions', () => {
    const a = exportExpr(parse('E'), 'mathematica', { symbols: ['e', 'E'] });
    const b = exportExpr(parse('e + E'), 'mathematica', { symbols: ['e', 'E'] });
    expect(a.code).toBe('e2');
    expect(b.code).toBe('e + e2');
  });

  it('refuses a symbol name that did not pass the parser (no user text is pasted)', () => {
    for (const bad of ["x'); import os; ('", 'a b', 'x*)', '', '1x', 'constructor', 'pi', 'exp']) {
      for (const t of EXPORT_TARGETS) expect(() => exportExpr(sym(bad), t), `${t} ${bad}`).toThrow(ArgumentError);
    }
    expect(() => exportExpr(parse('x'), 'fortran' as ExportTarget)).toThrow(ArgumentError);
  });
});

describe('renameSymbols', () => {
  const nameArb = fc.oneof(
    fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,5}$/),
    fc.constantFrom('lambda', 'lambda_', 'lambda_2', 'S', 'S_', 'E', 'e', 'e2', 'E_', 'end', 'end_', 'eta_T', 'etaT', 'etaT2',
      'eta_t', 'u', 'du', 't', 't2', 'N', 'n', 'D', 'd', 'beta', 'gamma', 'zeta', 'Gamma', 'gamma_', 'np', 'state', 'drift',
      'x_y', 'xY', 'x__y', 'x_', 'I', 'i', 'K', 'k', 'C', 'O', 'Pi', 'pi_', 'equations', 'True', 'None'),
  ).filter((n) => { try { checkSymbolName(n); return true; } catch { return false; } });
  const ident: Record<ExportTarget, RegExp> = {
    sympy: /^[A-Za-z][A-Za-z0-9_]*$/, numpy: /^[A-Za-z][A-Za-z0-9_]*$/, julia: /^[A-Za-z][A-Za-z0-9_]*$/, mathematica: /^[A-Za-z][A-Za-z0-9]*$/,
  };

  it('is injective, gives valid unreserved identifiers, and keeps names that need no change', () => {
    fc.assert(fc.property(fc.uniqueArray(nameArb, { minLength: 1, maxLength: 12 }), (names) => {
      for (const t of EXPORT_TARGETS) {
        const m = renameSymbols(names, t);
        const out = names.map((n) => m.get(n)!);
        expect(new Set(out).size, `${t}: ${names} -> ${out}`).toBe(names.length);
        for (const [from, to] of m) {
          expect(to, t).toMatch(ident[t]);
          expect(isReservedIn(t, to), `${t}: ${from} -> ${to}`).toBe(false);
          if (!isReservedIn(t, from) && ident[t].test(from)) expect(to, `${t}: ${from}`).toBe(from);
        }
      }
    }), { numRuns: 400, seed: 81 });
  });

  it('Mathematica: camelCase without underscores, a collision gets a numeric suffix', () => {
    const m = renameSymbols(['eta_T', 'etaT', 'u_i_1', 'E', 'e', 't'], 'mathematica');
    expect(Object.fromEntries(m)).toEqual({ eta_T: 'etaT2', etaT: 'etaT', u_i_1: 'uI1', E: 'e2', e: 'e', t: 't2' });
  });

  it('Python and Julia: a trailing underscore, then _2, _3 on a collision', () => {
    const m = renameSymbols(['lambda', 'lambda_', 'lambda_2', 'x'], 'sympy');
    expect(Object.fromEntries(m)).toEqual({ lambda: 'lambda_3', lambda_: 'lambda_', lambda_2: 'lambda_2', x: 'x' });
    expect(Object.fromEntries(renameSymbols(['end', 'u', 'du', 'p', 't'], 'julia')))
      .toEqual({ end: 'end_', u: 'u_', du: 'du_', p: 'p_', t: 't_' });
  });
});

describe('exportSystem', () => {
  it('json: {state, params, drift, diffusion} in the grammar, parsing back to the same expressions', () => {
    const sys = allFunctionsSystem();
    const text = exportSystem(sys, 'json').text;
    const j = JSON.parse(text);
    expect(j.state).toEqual(sys.state);
    expect(j.params).toEqual(sys.params);
    expect(Object.keys(j.drift)).toEqual(sys.state);
    expect(j).toEqual(systemJson(sys));
    const env = { x: 0.3, end: -0.7, E: 0.4, eta_T: 1.1, etaT: 0.9, lambda: 0.5, t: 1.3, p: 2, D: -1.2, I: 0.6, gamma: 0.8, w_i: -0.1, du: 0.25 };
    sys.state.forEach((n, i) => {
      expect(evaluate(parse(j.drift[n]), env)).toBeCloseTo(evaluate(sys.drift[i], env), 12);
      expect(evaluate(parse(j.diffusion[n]), env)).toBeCloseTo(evaluate(sys.diffusion![i], env), 12);
    });
    expect(exportSystem(deriveOverlapOde(1), 'json').text).not.toContain('diffusion');
  });

  it('latex is latexSystem', () => {
    const sys = deriveCoordinateSde(1);
    expect(exportSystem(sys, 'latex')).toEqual({ text: `${latexSystem(sys)}\n`, renamed: {} });
  });

  it('headers say generated, the conventions (step(0) = 1/2) and the renaming', () => {
    const sys = allFunctionsSystem();
    for (const t of EXPORT_TARGETS) {
      const { text, renamed } = exportSystem(sys, t);
      expect(text, t).toMatch(/Generated by gan-dynamics/);
      expect(text, t).toMatch(/step\(0\) = 1\/2/);
      for (const [a, b] of Object.entries(renamed)) expect(text, t).toContain(`${a} -> ${b}`);
    }
    expect(exportSystem(sys, 'sympy').renamed).toEqual({ lambda: 'lambda_', E: 'E_', I: 'I_', gamma: 'gamma_' });
    expect(exportSystem(sys, 'julia').renamed).toEqual({ end: 'end_', t: 't_', p: 'p_', du: 'du_' });
    expect(exportSystem(sys, 'mathematica').renamed).toEqual({ E: 'e', eta_T: 'etaT2', t: 't2', D: 'd', I: 'i', w_i: 'wI' });
    expect(exportSystem(sys, 'mathematica').text).toContain("x'[t] == ");
    expect(exportSystem(sys, 'julia').text).toContain('function drift!(du, u, p, t)');
    expect(exportSystem(sys, 'julia').text).toContain('function diffusion!(du, u, p, t)');
  });

  it('refuses malformed systems and names', () => {
    const ok = deriveOverlapOde(1);
    expect(() => exportSystem({ ...ok, drift: ok.drift.slice(1) }, 'sympy')).toThrow(ArgumentError);
    expect(() => exportSystem({ ...ok, diffusion: [num(1)] }, 'julia')).toThrow(ArgumentError);
    expect(() => exportSystem({ ...ok, state: ['P', 'q', 'r x'] }, 'numpy')).toThrow(ArgumentError);
    expect(() => exportSystem({ ...ok, params: [...ok.params, 'P'] }, 'mathematica')).toThrow(ArgumentError);
    expect(() => exportSystem({ state: ['x'], params: [], drift: [sym('__proto__')] }, 'json')).toThrow(ArgumentError);
    expect(() => exportSystem(ok, 'fortran' as 'json')).toThrow(ArgumentError);
  });
});

describe('golden files (Julia, Mathematica)', () => {
  const update = process.env.UPDATE_GOLDEN === '1';
  for (const { name, build } of GOLDEN_SYSTEMS) {
    for (const [target, ext] of [['julia', 'jl'], ['mathematica', 'wl']] as const) {
      it(`${name}.${ext}`, () => {
        const text = exportSystem(build(), target).text;
        const file = join(FIXTURES, `${name}.${ext}`);
        if (update) {
          mkdirSync(FIXTURES, { recursive: true });
          writeFileSync(file, text);
        }
        expect(existsSync(file), `${file} is missing: run UPDATE_GOLDEN=1 npx vitest run test/symbolic/export.test.ts`).toBe(true);
        expect(text).toBe(readFileSync(file, 'utf8'));
      });
    }
  }

  it('the generated Julia and Mathematica are well formed: balanced brackets, one line per state', () => {
    for (const { build } of GOLDEN_SYSTEMS) {
      const sys = build();
      for (const target of ['julia', 'mathematica'] as const) {
        const body = exportSystem(sys, target).text.split('\n').filter((l) => !l.startsWith('#') && !l.startsWith('(*')).join('\n');
        let depth = 0;
        for (const c of body) {
          if ('([{'.includes(c)) depth++;
          if (')]}'.includes(c)) depth--;
          expect(depth).toBeGreaterThanOrEqual(0);
        }
        expect(depth, target).toBe(0);
        const lines = body.split('\n');
        if (target === 'julia') expect(lines.filter((l) => /^ {4}du\[\d+\] = /.test(l)).length).toBe(sys.state.length * (sys.diffusion ? 2 : 1));
        else expect(lines.filter((l) => /^ {2}[A-Za-z][A-Za-z0-9]*'\[t\] == /.test(l)).length).toBe(sys.state.length);
      }
    }
  });
});

// ---------- execution in SymPy and NumPy ----------

interface ExprItem { e: Expr; vars: string[]; points: number[][] }

function exprPayload(items: ExprItem[]) {
  return {
    exprs: items.map(({ e, vars, points }) => {
      const sp = exportExpr(e, 'sympy', { symbols: vars });
      const np = exportExpr(e, 'numpy', { symbols: vars });
      const names = vars.map((v) => [v, renameSymbols(vars, 'sympy').get(v)!]);
      expect(names.map(([, py]) => py)).toEqual(vars.map((v) => renameSymbols(vars, 'numpy').get(v)));
      return { names, points, sympy: { prelude: sp.prelude, code: sp.code }, numpy: { prelude: np.prelude, code: np.code } };
    }),
  };
}

function checkExprResults(items: ExprItem[], answers: Array<Record<string, unknown>>, label: string) {
  const sympyStats = newStats(), numpyStats = newStats();
  items.forEach((item, k) => {
    const a = answers[k] as { sympy?: Array<{ re?: string; im?: string; error?: string }>; numpy?: string[]; sympy_error?: string; numpy_error?: string };
    const code = exportExpr(item.e, 'sympy', { symbols: item.vars }).code;
    item.points.forEach((pt, i) => {
      const env = Object.fromEntries(item.vars.map((v, j) => [v, pt[j]]));
      const ours = evalWithError(item.e, env);
      if (!allFinite(item.e, env) || !Number.isFinite(ours.err)) { sympyStats.skipped++; numpyStats.skipped++; return; }
      // SymPy may refuse a whole expression (Max of a complex constant): only where no point is comparable
      expect(a.sympy_error, `SymPy could not run ${code}`).toBeUndefined();
      expect(a.numpy_error, `NumPy could not run ${exportExpr(item.e, 'numpy', { symbols: item.vars }).code}`).toBeUndefined();
      const what = `${label} #${k} ${code} at ${JSON.stringify(env)}`;
      const s = sympyReal(a.sympy![i]);
      expect(s, `${what}: SymPy gave ${JSON.stringify(a.sympy![i])}`).not.toBeNull();
      compare(sympyStats, `${what} (SymPy)`, ours, s!, 2);
      compare(numpyStats, `${what} (NumPy ${exportExpr(item.e, 'numpy', { symbols: item.vars }).code})`, ours, decode(a.numpy![i]), 4);
    });
  });
  return { sympyStats, numpyStats };
}

const report = (label: string, s: Stats) => console.log(
  `export.test.ts ${label}: ${s.compared} values compared, ${s.skipped} skipped (non-finite subexpression or a step at its jump); `
  + `max relative error ${s.maxRel.toExponential(2)}, max |diff|/tolerance ${s.maxOfBound.toFixed(3)}`,
);

describe('execution in SymPy and NumPy', () => {
  it.skipIf(!PY_OK)(pyTitle('random expressions over the whole grammar (names that clash in Python) agree with evaluate()'), () => {
    const exprs = fc.sample(exprArb({ vars: CLASH_VARS, depth: 3 }), { numRuns: 260, seed: 2024 });
    const points = fc.sample(envArb(CLASH_VARS, -2, 2), { numRuns: 4 * exprs.length, seed: 7 });
    const items: ExprItem[] = exprs.map((e, k) => ({
      e, vars: CLASH_VARS, points: points.slice(4 * k, 4 * k + 4).map((env) => CLASH_VARS.map((v) => env[v])),
    }));
    const used = new Set(exprs.flatMap((e) => [...freeSymbols(e)]));
    for (const v of CLASH_VARS) expect(used.has(v), v).toBe(true);
    const answer = runPython(exprPayload(items));
    const { sympyStats, numpyStats } = checkExprResults(items, answer.exprs, 'random');
    report(`random expressions, SymPy ${answer.version[0]}`, sympyStats);
    report(`random expressions, NumPy ${answer.version[1]}`, numpyStats);
    // most points are inside every domain: the comparison is not vacuous
    expect(sympyStats.compared).toBeGreaterThan(0.5 * 4 * exprs.length);
  });

  it.skipIf(!PY_OK)(pyTitle('kinks and conventions agree exactly: step(0) = 1/2, relu(0) = 0, abs, min, max, sigmoid(0), softplus(0)'), () => {
    const x = sym('x'), y = sym('y');
    const cases: Array<[Expr, number[][]]> = [
      [call('step', x), [[0, 0], [-0, 0], [1e-300, 0], [-1e-300, 0]]],
      [call('step', add(x, mul(rat(-1), y))), [[0.5, 0.5], [0.25, 0.5]]],
      [call('step', rat(0)), [[0, 0]]],
      [call('relu', x), [[0, 0], [-2, 0], [3, 0]]],
      [call('abs', x), [[0, 0], [-0.5, 0]]],
      [call('min', x, y), [[1, 1], [-1, 2]]],
      [call('max', x, y), [[1, 1], [-1, 2]]],
      [call('sigmoid', x), [[0, 0]]],
      [call('softplus', x), [[0, 0]]],
      [call('erf', x), [[0, 0]]],
      [pow(x, rat(1, 2)), [[4, 0], [0, 0]]],
    ];
    const want = (e: Expr, pt: number[]) => evaluate(e, { x: pt[0], y: pt[1] });
    const items: ExprItem[] = cases.map(([e, pts]) => ({ e, vars: ['x', 'y'], points: pts }));
    const answer = runPython(exprPayload(items));
    items.forEach((item, k) => {
      const a = answer.exprs[k];
      expect(a.sympy_error).toBeUndefined();
      expect(a.numpy_error).toBeUndefined();
      item.points.forEach((pt, i) => {
        const w = want(item.e, pt);
        const s = sympyReal(a.sympy[i]);
        const n = decode(a.numpy[i]);
        const what = `${exportExpr(item.e, 'sympy').code} at ${pt}`;
        expect(Math.abs(s! - w), `${what}: SymPy ${s}, ours ${w}`).toBeLessThanOrEqual(EPS * Math.abs(w));
        expect(Math.abs(n - w), `${what}: NumPy ${n}, ours ${w}`).toBeLessThanOrEqual(EPS * Math.abs(w));
      });
    });
    expect(want(call('step', x), [0, 0])).toBe(0.5);
  });

  it.skipIf(!PY_OK)(pyTitle('derived systems (solvable-GAN ODE d = 2, coordinate SDE d = 1, every-function system) run in SymPy and NumPy and agree with evaluate()'), () => {
    const systems: Array<[string, System]> = [
      ['deriveOverlapOde(2, column)', deriveOverlapOde(2, 'column')],
      ['deriveCoordinateSde(1, column)', deriveCoordinateSde(1, 'column')],
      ['all-functions', allFunctionsSystem()],
    ];
    const coord = fc.integer({ min: -(2 ** 21), max: 2 ** 21 }).map((k) => k / 2 ** 20);
    const payload = {
      systems: systems.map(([, sys], k) => ({
        sympy: exportSystem(sys, 'sympy').text,
        numpy: exportSystem(sys, 'numpy').text,
        points: fc.sample(fc.record({
          state: fc.tuple(...sys.state.map(() => coord)),
          params: fc.tuple(...sys.params.map(() => coord)),
        }), { numRuns: 12, seed: 100 + k }),
      })),
    };
    const answer = runPython(payload);
    const stats = { sympy: newStats(), numpy: newStats() };
    systems.forEach(([label, sys], k) => {
      const a = answer.systems[k];
      expect(a.sympy_state, label).toEqual(sys.state);
      expect(a.sympy_params, label).toEqual(sys.params);
      expect(a.numpy_state, label).toEqual(sys.state);
      expect(a.numpy_params, label).toEqual(sys.params);
      const pts = payload.systems[k].points;
      for (const [field, exprs] of [['drift', sys.drift], ['diffusion', sys.diffusion]] as const) {
        if (!exprs) { expect(a[`sympy_${field}`], `${label} ${field}`).toBeUndefined(); continue; }
        expect(a[`numpy_shape_${field}`]).toEqual([sys.state.length, pts.length]);
        pts.forEach((pt, i) => {
          const env: Record<string, number> = {};
          sys.state.forEach((n, j) => { env[n] = pt.state[j]; });
          sys.params.forEach((n, j) => { env[n] = pt.params[j]; });
          exprs.forEach((e, j) => {
            const ours = evalWithError(e, env);
            if (!allFinite(e, env) || !Number.isFinite(ours.err)) { stats.sympy.skipped++; stats.numpy.skipped++; return; }
            const what = `${label} ${field}[${sys.state[j]}] at ${JSON.stringify(env)}`;
            const s = sympyReal(a[`sympy_${field}`][i][j]);
            expect(s, `${what}: SymPy gave ${JSON.stringify(a[`sympy_${field}`][i][j])}`).not.toBeNull();
            compare(stats.sympy, `${what} (SymPy)`, ours, s!, 2);
            compare(stats.numpy, `${what} (NumPy)`, ours, decode(a[`numpy_${field}`][i][j]), 4);
          });
        });
      }
    });
    report('derived systems, SymPy', stats.sympy);
    report('derived systems, NumPy', stats.numpy);
    // the d = 2 ODE is polynomial: every one of its 12 x 9 values is compared
    expect(stats.sympy.compared).toBeGreaterThanOrEqual(12 * 9);
  });

  it.skipIf(!PY_OK)(pyTitle("every one-letter name of `from sympy import *` is renamed, and so are lambda, beta, gamma, zeta"), () => {
    const answer = runPython({ all_names: true });
    const oneLetter = (answer.sympy_all as string[]).filter((n) => /^[A-Za-z]$/.test(n));
    expect(oneLetter.length).toBeGreaterThan(0);
    const names = [...oneLetter, 'lambda', 'beta', 'gamma', 'zeta', 'pi_x'];
    const m = renameSymbols(names.filter((n) => { try { checkSymbolName(n); return true; } catch { return false; } }), 'sympy');
    for (const n of [...oneLetter, 'lambda', 'beta', 'gamma', 'zeta']) expect(m.get(n), n).not.toBe(n);
    expect(m.get('pi_x')).toBe('pi_x');
  });
});
