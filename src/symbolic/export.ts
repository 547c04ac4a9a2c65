// Exporters of expressions and derived systems to other tools: SymPy, NumPy, Julia
// (DifferentialEquations.jl style) and Mathematica, plus LaTeX and JSON for systems.
//
// Everything is emitted by walking the Expr tree; the only text taken from the input
// is symbol names, and every name must first pass the parser's identifier rules
// (checkSymbolName), so no user text is ever pasted into generated code.
//
// Function conventions (the toolkit's semantics, kept in every target):
//   step(x)     Heaviside with step(0) = 1/2
//               SymPy Heaviside(x, 1/2); NumPy np.heaviside(x, 0.5);
//               Julia (1 + sign(x))/2; Mathematica (1 + Sign[x])/2
//   relu(x)     max(x, 0)          sigmoid(x)  1/(1 + exp(-x))
//   softplus(x) log(1 + exp(x))    (NumPy np.logaddexp(0, x); Julia a stable helper;
//                                   Mathematica Log[1 + Exp[x]])
//   erf         SymPy erf; NumPy math.erf vectorised (no SciPy); Julia
//               SpecialFunctions.erf; Mathematica Erf
//   arcsin, arccos, min, max, abs, pi: each target's own.
//
// Numbers: SymPy and Mathematica keep rationals exact (Rational(p, q), p/q); Julia
// writes them p//q (exact Rational, converted to Float64 when it meets a float);
// NumPy writes floats (the shortest decimal that reads back as the same double).
//
// Symbol names are renamed where a target would misread them (keywords, builtins,
// names the generated code itself uses, Mathematica's capitalised builtins and its
// ban on '_'); the renaming is injective and returned to the caller.

import {
  type Expr, type Num, type FnName, isExact, isRational, numParts, numAbs, numValue, freeSymbols, add, call, neg, pow, ONE, MINUS_ONE,
} from './expr.ts';
import { formatNumber, isFraction, print } from './print.ts';
import { checkSymbolName } from './parse.ts';
import { latexSystem } from './latex.ts';
import type { System } from './system.ts';
import { ArgumentError } from '../core/index.ts';

export type ExportTarget = 'sympy' | 'numpy' | 'julia' | 'mathematica';
export type ExportFormat = ExportTarget | 'latex' | 'json';

export const EXPORT_TARGETS: readonly ExportTarget[] = ['sympy', 'numpy', 'julia', 'mathematica'];
export const EXPORT_FORMATS: readonly ExportFormat[] = [...EXPORT_TARGETS, 'latex', 'json'];

// ---------- reserved names ----------

const PYTHON_KEYWORDS = [
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue',
  'def', 'del', 'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in',
  'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with',
  'yield', 'match', 'case', 'type',
];
const PYTHON_BUILTINS = [
  'abs', 'all', 'any', 'bool', 'callable', 'complex', 'dict', 'dir', 'divmod', 'enumerate', 'eval',
  'exec', 'filter', 'float', 'format', 'frozenset', 'getattr', 'globals', 'hasattr', 'hash', 'help',
  'id', 'input', 'int', 'isinstance', 'iter', 'len', 'list', 'locals', 'map', 'max', 'min', 'next',
  'object', 'open', 'pow', 'print', 'range', 'repr', 'reversed', 'round', 'set', 'slice', 'sorted',
  'str', 'sum', 'super', 'tuple', 'vars', 'zip',
];
/**
 * SymPy names a model might plausibly use as a symbol: every one- and two-letter name
 * of `from sympy import *` (S, N, E, I, O, Q, ...), its constants, its special functions
 * (beta, gamma, zeta, ...) and its common constructors and verbs. An expression string
 * from the SymPy exporter therefore means the same in a `from sympy import *` namespace.
 */
const SYMPY_NAMES = [
  'S', 'N', 'E', 'I', 'O', 'Q', 'CC', 'EX', 'FF', 'GF', 'LC', 'LM', 'LT', 'QQ', 'RR', 'ZZ', 'FU', 'Id',
  'Ci', 'Ei', 'E1', 'Li', 'Si', 'li', 'ln', 'im', 're', 'rf', 'ff', 'jn', 'yn', 'oo', 'zoo', 'nan',
  'pi', 'true', 'false', 'Catalan', 'EulerGamma', 'GoldenRatio', 'TribonacciConstant',
  'beta', 'betainc', 'gamma', 'lowergamma', 'uppergamma', 'loggamma', 'digamma', 'trigamma',
  'polygamma', 'multigamma', 'zeta', 'dirichlet_eta', 'lerchphi', 'polylog', 'stieltjes', 'riemann_xi',
  'erf', 'erfc', 'erfi', 'erf2', 'erfinv', 'erfcinv', 'erf2inv', 'expint', 'Shi', 'Chi', 'fresnels',
  'fresnelc', 'besselj', 'bessely', 'besseli', 'besselk', 'hankel1', 'hankel2', 'hn1', 'hn2', 'airyai',
  'airybi', 'airyaiprime', 'airybiprime', 'marcumq', 'mathieus', 'mathieuc', 'hyper', 'meijerg',
  'appellf1', 'elliptic_k', 'elliptic_f', 'elliptic_e', 'elliptic_pi', 'Ynm', 'Znm', 'LambertW',
  'DiracDelta', 'Heaviside', 'KroneckerDelta', 'LeviCivita', 'SingularityFunction', 'Piecewise',
  'sign', 'floor', 'ceiling', 'frac', 'arg', 'conjugate', 'factorial', 'factorial2', 'subfactorial',
  'binomial', 'catalan', 'euler', 'bell', 'bernoulli', 'fibonacci', 'lucas', 'tribonacci', 'harmonic',
  'genocchi', 'andre', 'motzkin', 'partition', 'prime', 'primepi', 'totient', 'mobius', 'divisors',
  'exp', 'log', 'sqrt', 'cbrt', 'root', 'Abs', 'Max', 'Min', 'sin', 'cos', 'tan', 'cot', 'sec', 'csc',
  'sinc', 'asin', 'acos', 'atan', 'atan2', 'acot', 'asec', 'acsc', 'sinh', 'cosh', 'tanh', 'coth',
  'sech', 'csch', 'asinh', 'acosh', 'atanh', 'acoth', 'asech', 'acsch',
  'Symbol', 'Dummy', 'Wild', 'symbols', 'var', 'Function', 'Lambda', 'Integer', 'Rational', 'Float',
  'Number', 'Matrix', 'Array', 'Tuple', 'Interval', 'Union', 'Reals', 'Integers', 'Naturals',
  'Complexes', 'Rationals', 'Eq', 'Ne', 'Lt', 'Le', 'Gt', 'Ge', 'And', 'Or', 'Not', 'Xor', 'Sum',
  'Product', 'Integral', 'Derivative', 'Limit', 'Order', 'Poly', 'Mod', 'Rem', 'Add', 'Mul', 'Pow',
  'Expr', 'Basic', 'diff', 'integrate', 'limit', 'series', 'solve', 'dsolve', 'simplify', 'expand',
  'factor', 'collect', 'cancel', 'apart', 'together', 'trigsimp', 'evaluate', 'evalf', 'nsimplify',
  'sympify', 'lambdify', 'latex', 'pprint', 'srepr', 'plot', 'test', 'gcd', 'lcm', 'det', 'trace',
  'transpose', 'eye', 'zeros', 'ones', 'diag',
];
/** Names the generated Python (SymPy script, NumPy module, helpers) uses itself. */
const PYTHON_GENERATED = ['np', 'math', 'state', 'params', 'drift', 'diffusion', 'STATE_NAMES', 'PARAM_NAMES'];

const JULIA_RESERVED = [
  // keywords and literals
  'baremodule', 'begin', 'break', 'catch', 'const', 'continue', 'do', 'else', 'elseif', 'end', 'export',
  'false', 'finally', 'for', 'function', 'global', 'if', 'import', 'let', 'local', 'macro', 'module',
  'quote', 'return', 'struct', 'true', 'try', 'using', 'while', 'abstract', 'mutable', 'primitive',
  'type', 'where', 'in', 'isa', 'outer', 'public',
  // constants and values
  'pi', 'im', 'Inf', 'NaN', 'nothing', 'missing', 'undef', 'ans', 'eps',
  // functions and modules the generated code calls
  'exp', 'log', 'log1p', 'sqrt', 'abs', 'sin', 'cos', 'tanh', 'asin', 'acos', 'erf', 'max', 'min',
  'sign', 'zero', 'one', 'ifelse', 'SpecialFunctions', 'Float64', 'Int', 'Rational',
  // the in-place ODE signature f!(du, u, p, t)
  'du', 'u', 'p', 't',
];

/** Mathematica builtins a model might use as a name (every System` symbol is capitalised). */
const MATHEMATICA_BUILTINS = [
  'C', 'D', 'E', 'I', 'K', 'N', 'O', 'Pi', 'Degree', 'Infinity', 'ComplexInfinity', 'Indeterminate',
  'True', 'False', 'Null', 'None', 'All', 'Automatic', 'Catalan', 'EulerGamma', 'GoldenRatio',
  'Glaisher', 'Khinchin', 'Beta', 'Gamma', 'Zeta', 'Erf', 'Erfc', 'Erfi', 'Exp', 'Log', 'Sqrt', 'Abs',
  'Sign', 'Max', 'Min', 'Sin', 'Cos', 'Tan', 'Cot', 'Sec', 'Csc', 'Sinh', 'Cosh', 'Tanh', 'Coth',
  'ArcSin', 'ArcCos', 'ArcTan', 'LogisticSigmoid', 'UnitStep', 'HeavisideTheta', 'DiracDelta',
  'KroneckerDelta', 'Piecewise', 'Floor', 'Ceiling', 'Round', 'Mod', 'Re', 'Im', 'Arg', 'Conjugate',
  'Factorial', 'Binomial', 'Det', 'Tr', 'Dt', 'Dot', 'Cross', 'Do', 'If', 'In', 'Out', 'On', 'Off',
  'Or', 'And', 'Not', 'Xor', 'Sum', 'Product', 'Plus', 'Times', 'Power', 'List', 'Set', 'Rule',
  'Function', 'Table', 'Range', 'Element', 'Reals', 'Integers', 'Complexes', 'Equal', 'Less', 'Greater',
  'Which', 'While', 'For', 'Return', 'Print', 'Plot', 'Hold', 'Evaluate', 'Part', 'Length', 'First',
  'Last', 'Rest', 'Apply', 'Map', 'Block', 'Module', 'With', 'Interval', 'Root', 'Series', 'Normal',
  'Simplify', 'Expand', 'Factor', 'Together', 'Apart', 'Cancel', 'Collect', 'Solve', 'DSolve', 'NDSolve',
  'Integrate', 'Limit', 'Derivative', 'Transpose', 'Inverse', 'Array', 'Norm', 'Total', 'Mean',
  'Variance', 'Boole', 'Clip', 'Ramp', 'Chop', 'Point', 'Line', 'Circle', 'Disk', 'Black',
  'White', 'Red', 'Green', 'Blue', 'Large', 'Small', 'Top', 'Bottom', 'Left', 'Right', 'Center',
];
/** Names the generated Mathematica uses itself (the time variable and the list names). */
const MATHEMATICA_GENERATED = ['t', 'stateVariables', 'parameters', 'equations', 'diffusion'];

const PYTHON_RESERVED = new Set([...PYTHON_KEYWORDS, ...PYTHON_BUILTINS, ...SYMPY_NAMES, ...PYTHON_GENERATED]);
const RESERVED: Record<ExportTarget, ReadonlySet<string>> = {
  sympy: PYTHON_RESERVED,
  numpy: PYTHON_RESERVED,
  julia: new Set(JULIA_RESERVED),
  mathematica: new Set([...MATHEMATICA_BUILTINS, ...MATHEMATICA_GENERATED]),
};

/** Whether `name` is refused as an identifier by the target (so it would be renamed). */
export function isReservedIn(target: ExportTarget, name: string): boolean {
  return RESERVED[checkTarget(target)].has(name);
}

/** target itself when it is an export target; an ArgumentError otherwise ('constructor' included). */
function checkTarget(target: ExportTarget): ExportTarget {
  if (!EXPORT_TARGETS.includes(target)) throw new ArgumentError(`unknown export target '${String(target)}' (known: ${EXPORT_TARGETS.join(', ')})`);
  return target;
}

function checkName(name: string, what: string): void {
  try {
    checkSymbolName(name);
  } catch (err) {
    throw new ArgumentError(`cannot export ${what} '${String(name).slice(0, 40)}': ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
}

/** eta_T -> etaT, u_i_1 -> uI1: Mathematica symbols have no '_'. */
function camelCase(name: string): string {
  return name.split('_').map((part, i) => (i === 0 || part === '' ? part : part[0].toUpperCase() + part.slice(1))).join('');
}

/**
 * The name each symbol gets in `target`, for all of `names` at once (injective).
 * A name that is already a valid, unreserved identifier of the target keeps itself;
 * the others become: Python and Julia `name_` (then `name_2`, `name_3`, ... on a
 * collision); Mathematica camelCase without '_' (eta_T -> etaT), a capitalised builtin
 * with its first letter lowered (E -> e), then `2`, `3`, ... appended on a collision.
 * Names are processed in the order given, so the result is deterministic.
 */
export function renameSymbols(names: Iterable<string>, target: ExportTarget): Map<string, string> {
  const list = [...new Set(names)];
  for (const n of list) checkName(n, 'symbol');
  const reserved = RESERVED[checkTarget(target)];
  const valid = (n: string) => !reserved.has(n) && (target !== 'mathematica' || !n.includes('_'));
  const out = new Map<string, string>();
  const taken = new Set<string>();
  for (const n of list) if (valid(n)) { out.set(n, n); taken.add(n); }
  for (const n of list) {
    if (out.has(n)) continue;
    let base: string;
    if (target === 'mathematica') {
      base = camelCase(n);
      if (reserved.has(base) && /^[A-Z]/.test(base)) base = base[0].toLowerCase() + base.slice(1);
    } else base = `${n}_`;
    let candidate = base;
    for (let k = 2; reserved.has(candidate) || taken.has(candidate); k++) {
      candidate = target === 'mathematica' ? `${base}${k}` : `${n}_${k}`;
    }
    out.set(n, candidate);
    taken.add(candidate);
  }
  return out;
}

// ---------- the tree walk ----------

const PREC = { add: 1, mul: 2, neg: 3, pow: 4, atom: 5 } as const;

/** A rendered piece: its text, precedence, and (NumPy) whether it is a NumPy value. */
interface R { s: string; prec: number; np: boolean }

const paren = (r: R) => `(${r.s})`;

interface Context {
  target: ExportTarget;
  /** Original name -> emitted text (Mathematica states print as x[t]). */
  symbol: (name: string) => string;
  /** Names the code needs from the target's prelude (imports, helpers). */
  used: Set<string>;
}

function isReciprocal(e: Expr): boolean {
  return e.kind === 'pow' && e.exp.kind === 'num' && e.exp.p < 0;
}

/** 1/e for a reciprocal power e = b^(-k): b^k. */
function reciprocalOf(e: Expr): Expr {
  const p = e as Extract<Expr, { kind: 'pow' }>;
  const k = p.exp as Num;
  return k.p === -1 && k.q === 1 ? p.base : { kind: 'pow', base: p.base, exp: { ...k, p: -k.p } };
}

/** A float's decimal text (always with '.' or an exponent) for the target, unsigned. */
function floatText(x: number, target: ExportTarget): string {
  const s = formatNumber({ kind: 'num', p: Math.abs(x), q: 1 });
  if (target !== 'mathematica') return s;
  const [m, e] = s.split('e');
  const mant = m.includes('.') ? m : `${m}.`;
  return e === undefined ? mant : `${mant}*^${Number(e)}`;
}

const INT64_MAX = 2n ** 63n - 1n;

/** A number (sign included) in the target: exact digits, except NumPy (the nearest double). */
function renderNumber(n: Num, cx: Context): R {
  const negative = n.p < 0;
  const signed = (s: string, prec: number): R => ({ s: negative ? `-${s}` : s, prec: negative ? PREC.neg : prec, np: false });
  if (n.big) {
    const { numer, denom } = numParts(numAbs(n));
    const p = formatNumber(numer), q = formatNumber(denom);
    const integer = n.big.den === 1n;
    switch (cx.target) {
      case 'sympy':
        if (integer) return signed(p, PREC.atom);
        cx.used.add('Rational');
        return { s: `Rational(${negative ? '-' : ''}${p}, ${q})`, prec: PREC.atom, np: false };
      case 'numpy': {
        // compiled to f64: the nearest double (inf, or 0.0, beyond the f64 range)
        const x = Math.abs(numValue(n));
        if (x === Infinity) return { s: negative ? '-np.inf' : 'np.inf', prec: negative ? PREC.neg : PREC.atom, np: true };
        return signed(floatText(x, 'numpy'), PREC.atom);
      }
      case 'julia': {
        // Julia reads a literal beyond Int64 as Int128 or BigInt: big"…" makes every such part a BigInt
        const jl = (digits: string) => (BigInt(digits) > INT64_MAX ? `big"${digits}"` : digits);
        return integer ? signed(jl(p), PREC.atom) : signed(`${jl(p)}//${jl(q)}`, PREC.mul);
      }
      case 'mathematica': return integer ? signed(p, PREC.atom) : signed(`${p}/${q}`, PREC.mul);
    }
  }
  const p = Math.abs(n.p);
  if (!isExact(n)) {
    if (cx.target === 'sympy') { cx.used.add('Float'); return { s: `Float('${negative ? '-' : ''}${floatText(p, 'sympy')}')`, prec: PREC.atom, np: false }; }
    return signed(floatText(p, cx.target), PREC.atom);
  }
  if (n.q === 1) return signed(cx.target === 'numpy' ? `${p}.0` : String(p), PREC.atom);
  switch (cx.target) {
    case 'sympy': cx.used.add('Rational'); return { s: `Rational(${n.p}, ${n.q})`, prec: PREC.atom, np: false };
    case 'numpy': return signed(floatText(p / n.q, 'numpy'), PREC.atom);
    case 'julia': return signed(`${p}//${n.q}`, PREC.mul);
    case 'mathematica': return signed(`${p}/${n.q}`, PREC.mul);
  }
}

const SIMPLE_CALLS: Record<ExportTarget, Partial<Record<FnName, string>>> = {
  sympy: {
    exp: 'exp', log: 'log', sqrt: 'sqrt', abs: 'Abs', sin: 'sin', cos: 'cos', tanh: 'tanh', erf: 'erf',
    arcsin: 'asin', arccos: 'acos', min: 'Min', max: 'Max',
  },
  numpy: {
    exp: 'np.exp', log: 'np.log', sqrt: 'np.sqrt', abs: 'np.abs', sin: 'np.sin', cos: 'np.cos',
    tanh: 'np.tanh', erf: '_erf', arcsin: 'np.arcsin', arccos: 'np.arccos', min: 'np.minimum', max: 'np.maximum',
  },
  julia: {
    exp: 'exp', log: 'log', sqrt: 'sqrt', abs: 'abs', sin: 'sin', cos: 'cos', tanh: 'tanh', erf: 'erf',
    arcsin: 'asin', arccos: 'acos', min: 'min', max: 'max', softplus: '_softplus',
  },
  mathematica: {
    exp: 'Exp', log: 'Log', sqrt: 'Sqrt', abs: 'Abs', sin: 'Sin', cos: 'Cos', tanh: 'Tanh', erf: 'Erf',
    arcsin: 'ArcSin', arccos: 'ArcCos', min: 'Min', max: 'Max', sigmoid: 'LogisticSigmoid',
  },
};

/** sigmoid(a) as the tree 1/(1 + exp(-a)). */
const sigmoidTree = (a: Expr): Expr => pow(add(ONE, call('exp', neg(a))), MINUS_ONE);

function renderCall(e: Extract<Expr, { kind: 'call' }>, cx: Context): R {
  const t = cx.target;
  const arg = (i: number) => render(e.args[i], cx).s;
  const atom = (s: string): R => ({ s, prec: PREC.atom, np: true });
  const brackets = t === 'mathematica' ? ['[', ']'] : ['(', ')'];
  const calls = SIMPLE_CALLS[t];
  const simple = Object.hasOwn(calls, e.fn) ? calls[e.fn] : undefined;
  if (simple) {
    cx.used.add(simple);
    return atom(`${simple}${brackets[0]}${e.args.map((_, i) => arg(i)).join(', ')}${brackets[1]}`);
  }
  switch (e.fn) {
    case 'relu':
      switch (t) {
        case 'sympy': cx.used.add('Max'); return atom(`Max(0, ${arg(0)})`);
        case 'numpy': return atom(`np.maximum(${arg(0)}, 0.0)`);
        case 'julia': return atom(`max(${arg(0)}, 0)`);
        case 'mathematica': return atom(`Max[0, ${arg(0)}]`);
      }
      break;
    case 'step':
      switch (t) {
        case 'sympy': cx.used.add('Heaviside'); cx.used.add('Rational'); return atom(`Heaviside(${arg(0)}, Rational(1, 2))`);
        case 'numpy': return atom(`np.heaviside(${arg(0)}, 0.5)`);
        case 'julia': return { s: `(1 + sign(${arg(0)}))/2`, prec: PREC.mul, np: true };
        case 'mathematica': return { s: `(1 + Sign[${arg(0)}])/2`, prec: PREC.mul, np: true };
      }
      break;
    case 'sigmoid': {
      const r = render(sigmoidTree(e.args[0]), cx);
      return { ...r, np: true };
    }
    case 'softplus':
      switch (t) {
        case 'sympy': return render(call('log', add(ONE, call('exp', e.args[0]))), cx);
        case 'numpy': return atom(`np.logaddexp(0.0, ${arg(0)})`);
        case 'mathematica': return atom(`Log[1 + Exp[${arg(0)}]]`);
        default: break;
      }
      break;
    default: break;
  }
  throw new ArgumentError(`export: no ${t} form for the function '${String(e.fn)}'`);
}

/** Renders a product |c|·Π numer / Π denom (c a positive magnitude, or null for 1). */
function renderProduct(coeff: Num | null, factors: readonly Expr[], cx: Context): R {
  const numer: R[] = [], denom: R[] = [];
  if (coeff) {
    if (cx.target === 'mathematica' && isFraction(coeff)) {
      const parts = numParts(coeff);
      if (!(parts.numer.p === 1 && parts.numer.q === 1)) numer.push(renderNumber(parts.numer, cx));
      denom.push(renderNumber(parts.denom, cx));
    } else numer.push(renderNumber(coeff, cx));
  }
  for (const f of factors) {
    if (isReciprocal(f)) denom.push(render(reciprocalOf(f), cx));
    else numer.push(render(f, cx));
  }
  if (denom.length === 0 && numer.length === 1) return numer[0];
  const factorText = (r: R) => (r.prec <= PREC.mul ? paren(r) : r.s);
  const numerNp = numer.some((r) => r.np), denomNp = denom.some((r) => r.np);
  const numerText = numer.length === 0 ? (cx.target === 'numpy' ? '1.0' : '1') : numer.map(factorText).join('*');
  if (denom.length === 0) return { s: numerText, prec: PREC.mul, np: numerNp };
  if (cx.target === 'numpy' && !numerNp && !denomNp) {
    // Python floats alone would raise on a zero denominator: let NumPy divide them.
    const d = denom.length === 1 ? denom[0].s : denom.map(factorText).join('*');
    return { s: `np.divide(${numer.length === 1 ? numer[0].s : numerText}, ${d})`, prec: PREC.atom, np: true };
  }
  const denomText = denom.length === 1
    ? (denom[0].prec <= PREC.neg ? paren(denom[0]) : denom[0].s)
    : `(${denom.map(factorText).join('*')})`;
  const numerSafe = numer.length === 1 && numer[0].prec <= PREC.mul ? paren(numer[0]) : numerText;
  return { s: `${numerSafe}/${denomText}`, prec: PREC.mul, np: numerNp || denomNp };
}

/** A term's sign and the rendering of its magnitude, so sums print a - b. */
function renderSigned(e: Expr, cx: Context): { negative: boolean; body: R } {
  if (e.kind === 'num' && e.p < 0) return { negative: true, body: renderNumber({ ...e, p: -e.p }, cx) };
  if (e.kind === 'mul' && e.factors[0].kind === 'num' && e.factors[0].p < 0) {
    const c = e.factors[0];
    const magnitude: Num | null = c.p === -1 && c.q === 1 ? null : { ...c, p: -c.p };
    return { negative: true, body: renderProduct(magnitude, e.factors.slice(1), cx) };
  }
  return { negative: false, body: render(e, cx) };
}

function render(e: Expr, cx: Context): R {
  switch (e.kind) {
    case 'num': return renderNumber(e, cx);
    case 'sym': return { s: cx.symbol(e.name), prec: PREC.atom, np: true };
    case 'const': {
      const s = { sympy: 'pi', numpy: 'np.pi', julia: 'pi', mathematica: 'Pi' }[cx.target];
      if (cx.target === 'sympy') cx.used.add('pi');
      return { s, prec: PREC.atom, np: false };
    }
    case 'call': return renderCall(e, cx);
    case 'add': {
      let s = '';
      let np = false;
      e.terms.forEach((t, i) => {
        const { negative, body } = renderSigned(t, cx);
        np ||= body.np;
        const text = body.prec <= PREC.add ? paren(body) : body.s;
        if (i === 0) s = negative ? `-${text}` : text;
        else s += negative ? ` - ${text}` : ` + ${text}`;
      });
      return { s, prec: PREC.add, np };
    }
    case 'mul': {
      const c = e.factors[0].kind === 'num' ? e.factors[0] : null;
      if (c && c.p < 0) {
        const { body } = renderSigned(e, cx);
        return { s: `-${body.prec <= PREC.add ? paren(body) : body.s}`, prec: PREC.neg, np: body.np };
      }
      return renderProduct(c, c ? e.factors.slice(1) : e.factors, cx);
    }
    case 'pow': {
      if (isReciprocal(e)) return renderProduct(null, [e], cx);
      const b = render(e.base, cx);
      // NumPy: an integer power keeps an integer exponent (x**2).
      const x = cx.target === 'numpy' && e.exp.kind === 'num' && isExact(e.exp) && e.exp.q === 1
        ? { s: String(e.exp.p), prec: e.exp.p < 0 ? PREC.neg : PREC.atom, np: false }
        : render(e.exp, cx);
      if (cx.target === 'numpy' && !b.np && !x.np) {
        // Python floats alone: (-2.0)**0.5 is complex and 10.0**400 raises; NumPy gives nan, inf.
        return { s: `np.power(${b.s}, ${x.s})`, prec: PREC.atom, np: true };
      }
      const floatBase = e.base.kind === 'num' && !isRational(e.base);
      const base = b.prec <= PREC.pow || floatBase ? paren(b) : b.s;
      const exp = x.prec < PREC.atom ? paren(x) : x.s;
      const op = cx.target === 'sympy' || cx.target === 'numpy' ? '**' : '^';
      return { s: `${base}${op}${exp}`, prec: PREC.pow, np: b.np || x.np };
    }
  }
}

// ---------- preludes ----------

const SYMPY_IMPORTABLE = new Set([
  'Abs', 'Float', 'Heaviside', 'Max', 'Min', 'Rational', 'Integer', 'Symbol', 'acos', 'asin', 'cos', 'erf',
  'exp', 'log', 'pi', 'sin', 'sqrt', 'tanh',
]);

function prelude(target: ExportTarget, used: ReadonlySet<string>): string {
  switch (target) {
    case 'sympy': {
      const names = [...used].filter((n) => SYMPY_IMPORTABLE.has(n)).sort();
      return names.length ? `from sympy import ${names.join(', ')}\n` : '';
    }
    case 'numpy': {
      let s = '';
      if (used.has('_erf')) s += 'import math\n';
      s += 'import numpy as np\n';
      if (used.has('_erf')) s += '\n# erf without SciPy: math.erf applied elementwise\n_erf = np.vectorize(math.erf, otypes=[np.float64])\n';
      return s;
    }
    case 'julia': {
      let s = '';
      if (used.has('erf')) s += 'using SpecialFunctions: erf\n';
      if (used.has('_softplus')) {
        s += `${s ? '\n' : ''}# softplus(x) = log(1 + exp(x)), without overflow for large x\n`
          + '_softplus(x) = x > zero(x) ? x + log1p(exp(-x)) : log1p(exp(x))\n';
      }
      return s;
    }
    case 'mathematica': return '';
  }
}

// ---------- expressions ----------

export interface ExportExprOptions {
  /**
   * Symbols to rename together with the expression's own (in this order), so that
   * several expressions exported one by one share one renaming.
   */
  symbols?: readonly string[];
}

export interface ExportedExpr {
  /** The expression in the target's syntax. */
  code: string;
  /**
   * What the code needs in scope besides the symbols: SymPy imports, `import numpy as np`
   * (and the `_erf` helper), Julia's `using SpecialFunctions` and `_softplus` helper;
   * empty for Mathematica. NumPy code expects its symbols bound to NumPy floats or arrays.
   */
  prelude: string;
  /** Symbols whose name changed: toolkit name -> target name. */
  renamed: Record<string, string>;
}

function orderedNames(exprs: readonly Expr[], first: readonly string[]): string[] {
  const seen = new Set(first);
  const rest = new Set<string>();
  for (const e of exprs) for (const n of freeSymbols(e)) if (!seen.has(n)) rest.add(n);
  return [...first, ...[...rest].sort()];
}

function renamedRecord(map: ReadonlyMap<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [from, to] of map) if (from !== to) out[from] = to;
  return out;
}

/** An expression in SymPy, NumPy, Julia or Mathematica syntax (see the module comment). */
export function exportExpr(e: Expr, target: ExportTarget, opts: ExportExprOptions = {}): ExportedExpr {
  if (!EXPORT_TARGETS.includes(target)) throw new ArgumentError(`unknown export target '${String(target)}' (known: ${EXPORT_TARGETS.join(', ')})`);
  const names = renameSymbols(orderedNames([e], opts.symbols ?? []), target);
  const cx: Context = { target, symbol: (n) => names.get(n)!, used: new Set() };
  const code = renderTop(e, cx);
  return { code, prelude: prelude(target, cx.used), renamed: renamedRecord(names) };
}

/** A whole expression; a bare SymPy integer becomes Integer(k), not a Python int. */
function renderTop(e: Expr, cx: Context): string {
  if (cx.target === 'sympy' && e.kind === 'num' && isRational(e) && !isFraction(e)) {
    cx.used.add('Integer');
    return `Integer(${formatNumber(e)})`;
  }
  return render(e, cx).s;
}

// ---------- systems ----------

export interface ExportedSystem {
  /** The generated file (script, module or text), ending in a newline. */
  text: string;
  /** Symbols whose name changed: toolkit name -> target name (empty for latex and json). */
  renamed: Record<string, string>;
}

function checkSystem(system: System): void {
  const n = system.state.length;
  if (system.drift.length !== n) throw new ArgumentError(`export: ${n} state variables but ${system.drift.length} drift entries`);
  if (system.diffusion && system.diffusion.length !== n) {
    throw new ArgumentError(`export: ${n} state variables but ${system.diffusion.length} diffusion entries`);
  }
  const declared = [...system.state, ...system.params];
  if (new Set(declared).size !== declared.length) throw new ArgumentError('export: a name is declared twice among the state variables and parameters');
  for (const s of system.state) checkName(s, 'state variable');
  for (const p of system.params) checkName(p, 'parameter');
}

const GENERATED = 'Generated by gan-dynamics (exportSystem). Do not edit by hand; regenerate instead.';

function renamingLines(renamed: Record<string, string>, note: string): string[] {
  const entries = Object.entries(renamed);
  if (entries.length === 0) return ['No symbol needed renaming.'];
  return [`Renamed symbols (${note}):`, ...entries.map(([a, b]) => `  ${a} -> ${b}`)];
}

function comment(lines: readonly string[], target: ExportTarget): string {
  if (target === 'mathematica') return lines.map((l) => `(* ${l} *)`).join('\n');
  return lines.map((l) => (l === '' ? '#' : `# ${l}`)).join('\n');
}

function systemHeader(system: System, target: ExportTarget, renamed: Record<string, string>, conventions: readonly string[], note: string): string {
  const sde = system.diffusion !== undefined;
  const lines = [
    GENERATED,
    sde
      ? 'An Ito SDE with diagonal noise: dX_i = drift_i dt + diffusion_i dW_i (one Brownian motion per state variable).'
      : 'An ODE: dX_i/dt = drift_i.',
    `State (in order): ${system.state.join(', ') || '(none)'}`,
    `Parameters (in order): ${system.params.join(', ') || '(none)'}`,
    ...conventions,
    ...renamingLines(renamed, note),
  ];
  return comment(lines, target);
}

const CONVENTIONS: Record<ExportTarget, readonly string[]> = {
  sympy: [
    'Functions: step(x) = Heaviside(x, 1/2), so step(0) = 1/2; relu(x) = Max(0, x);',
    '  sigmoid(x) = 1/(1 + exp(-x)); softplus(x) = log(1 + exp(x)); arcsin, arccos = asin, acos.',
    'Numbers are exact: p/q is Rational(p, q); decimals are Float. Symbols are real.',
  ],
  numpy: [
    'Functions: step(x) = np.heaviside(x, 0.5), so step(0) = 1/2; relu(x) = np.maximum(x, 0);',
    '  sigmoid(x) = 1/(1 + exp(-x)); softplus(x) = np.logaddexp(0, x); erf = math.erf elementwise.',
    'Numbers are float64; arguments broadcast elementwise (NumPy semantics: nan outside a domain).',
  ],
  julia: [
    'Functions: step(x) = (1 + sign(x))/2, so step(0) = 1/2; relu(x) = max(x, 0);',
    '  sigmoid(x) = 1/(1 + exp(-x)); softplus(x) = log(1 + exp(x)) (stable helper _softplus);',
    '  erf from SpecialFunctions.jl.',
    'Exact rationals are written p//q (converted to Float64 when they meet a float).',
    'Where the toolkit gives NaN (sqrt, log, fractional power of a negative, asin/acos outside',
    '  [-1, 1]) Julia throws a DomainError instead.',
  ],
  mathematica: [
    'Functions: step(x) = (1 + Sign[x])/2, so step(0) = 1/2; relu(x) = Max[0, x];',
    '  sigmoid = LogisticSigmoid; softplus(x) = Log[1 + Exp[x]].',
    'Numbers are exact (p/q); decimals are written in full (the shortest decimal of the double).',
    'State variables are functions of t.',
  ],
};

const RENAME_NOTE: Record<ExportTarget, string> = {
  sympy: 'Python keywords, builtins and SymPy names; each SymPy Symbol keeps the toolkit name',
  numpy: 'Python keywords and builtins, SymPy names and the names this module uses; NumPy and SymPy rename alike',
  julia: 'Julia keywords and names this file uses',
  mathematica: 'no underscores, no System` builtins',
};

/**
 * A derived system as a file for another tool, or as LaTeX / JSON:
 *  - sympy: a script defining the (real) symbols, `state`, `params`, a dict `drift`
 *    (and `diffusion`) keyed by the state symbols;
 *  - numpy: a module with `drift(state, params)` (and `diffusion`) returning an array
 *    of shape (n_state, *broadcast shape), vectorised over array arguments;
 *  - julia: `drift!(du, u, p, t)` (and `diffusion!` for diagonal noise) in the
 *    DifferentialEquations.jl in-place form, u and p in the declared order;
 *  - mathematica: `equations = {x'[t] == ..., ...}` (and a `diffusion` list);
 *  - latex: latexSystem's aligned block; json: {state, params, drift: {name: expr},
 *    diffusion?} with expressions in the toolkit's grammar.
 * Every file starts with a comment saying it was generated, the renaming and the
 * function conventions (step(0) = 1/2).
 */
export function exportSystem(system: System, format: ExportFormat): ExportedSystem {
  if (!EXPORT_FORMATS.includes(format)) throw new ArgumentError(`unknown export format '${String(format)}' (known: ${EXPORT_FORMATS.join(', ')})`);
  checkSystem(system);
  const exprs = [...system.drift, ...(system.diffusion ?? [])];
  const names = orderedNames(exprs, [...system.state, ...system.params]);
  for (const n of names) checkName(n, 'symbol');
  if (format === 'latex') return { text: `${latexSystem(system)}\n`, renamed: {} };
  if (format === 'json') return { text: `${JSON.stringify(systemJson(system), null, 2)}\n`, renamed: {} };
  const target = format;
  const map = renameSymbols(names, target);
  const renamed = renamedRecord(map);
  const stateSet = new Set(system.state);
  const cx: Context = {
    target,
    symbol: target === 'mathematica'
      ? (n) => (stateSet.has(n) ? `${map.get(n)!}[t]` : map.get(n)!)
      : (n) => map.get(n)!,
    used: new Set(),
  };
  const drift = system.drift.map((e) => renderTop(e, cx));
  const diffusion = system.diffusion?.map((e) => renderTop(e, cx));
  const v = (n: string) => map.get(n)!;
  const head = systemHeader(system, target, renamed, CONVENTIONS[target], RENAME_NOTE[target]);
  const out: string[] = [head, ''];
  switch (target) {
    case 'sympy': {
      cx.used.add('Symbol');
      out.push(prelude(target, cx.used));
      for (const n of names) out.push(`${v(n)} = Symbol('${n}', real=True)`);
      out.push('');
      out.push(`state = [${system.state.map(v).join(', ')}]`);
      out.push(`params = [${system.params.map(v).join(', ')}]`);
      const dict = (label: string, es: readonly string[]) => {
        out.push(`${label} = {`);
        system.state.forEach((n, i) => out.push(`    ${v(n)}: ${es[i]},`));
        out.push('}');
      };
      dict('drift', drift);
      if (diffusion) dict('diffusion', diffusion);
      break;
    }
    case 'numpy': {
      out.push(prelude(target, cx.used));
      out.push(`STATE_NAMES = (${system.state.map((n) => `'${n}'`).join(', ')}${system.state.length === 1 ? ',' : ''})`);
      out.push(`PARAM_NAMES = (${system.params.map((n) => `'${n}'`).join(', ')}${system.params.length === 1 ? ',' : ''})`);
      const fn = (label: string, es: readonly string[], doc: string) => {
        out.push('', '');
        out.push(`def ${label}(state, params):`);
        out.push(`    """${doc} at state = STATE_NAMES and params = PARAM_NAMES (in order); arrays broadcast."""`);
        system.state.forEach((n, i) => out.push(`    ${v(n)} = np.asarray(state[${i}], dtype=np.float64)`));
        system.params.forEach((n, i) => out.push(`    ${v(n)} = np.asarray(params[${i}], dtype=np.float64)`));
        out.push('    return np.stack(np.broadcast_arrays(');
        for (const s of es) out.push(`        ${s},`);
        out.push('    ))');
      };
      fn('drift', drift, 'The drift');
      if (diffusion) fn('diffusion', diffusion, 'The diagonal diffusion');
      break;
    }
    case 'julia': {
      const pre = prelude(target, cx.used);
      if (pre) out.push(pre);
      const fn = (label: string, es: readonly string[], doc: string) => {
        out.push(`# ${doc}`);
        out.push(`function ${label}(du, u, p, t)`);
        system.state.forEach((n, i) => out.push(`    ${v(n)} = u[${i + 1}]`));
        system.params.forEach((n, i) => out.push(`    ${v(n)} = p[${i + 1}]`));
        es.forEach((s, i) => out.push(`    du[${i + 1}] = ${s}`));
        out.push('    return nothing');
        out.push('end');
      };
      fn('drift!', drift, 'du = drift(u; p), in place (ODEProblem(drift!, u0, tspan, p)).');
      if (diffusion) {
        out.push('');
        fn('diffusion!', diffusion, 'du = diagonal diffusion (SDEProblem(drift!, diffusion!, u0, tspan, p)).');
      }
      break;
    }
    case 'mathematica': {
      out.push(`stateVariables = {${system.state.map(v).join(', ')}};`);
      out.push(`parameters = {${system.params.map(v).join(', ')}};`);
      out.push('equations = {');
      system.state.forEach((n, i) => out.push(`  ${v(n)}'[t] == ${drift[i]}${i + 1 < drift.length ? ',' : ''}`));
      out.push('};');
      if (diffusion) {
        out.push('(* Diagonal diffusion: entry i multiplies dW_i in dX_i. *)');
        out.push('diffusion = {');
        diffusion.forEach((s, i) => out.push(`  ${s}${i + 1 < diffusion.length ? ',' : ''}`));
        out.push('};');
      }
      break;
    }
  }
  return { text: `${out.join('\n').replace(/\n{3,}/g, '\n\n').replace(/\n*$/, '')}\n`, renamed };
}

/** The JSON form of a system: expressions in the toolkit's grammar (parse() reads them back). */
export function systemJson(system: System): {
  state: string[]; params: string[]; drift: Record<string, string>; diffusion?: Record<string, string>;
} {
  checkSystem(system);
  const byName = (es: readonly Expr[]) => Object.fromEntries(system.state.map((n, i) => [n, print(es[i])]));
  return {
    state: [...system.state],
    params: [...system.params],
    drift: byName(system.drift),
    ...(system.diffusion ? { diffusion: byName(system.diffusion) } : {}),
  };
}
