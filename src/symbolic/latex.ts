// LaTeX printer (KaTeX-compatible), walking the same Expr tree as print().
//
// Conventions: exp(a) prints as e^{a}; sigmoid as \sigma; step (Heaviside, with
// step(0) = 1/2) as \Theta; erf, relu, softplus as \operatorname{...}; |a| for abs;
// products by juxtaposition, with \cdot before a factor that starts with a digit;
// quotients as \frac; x^(1/2) as \sqrt{x} and x^(1/q) as \sqrt[q]{x}.
//
// Symbol names: Greek letter names print as Greek (tau -> \tau, Gamma -> \Gamma);
// trailing digits and '_' parts become subscripts (lambda2 -> \lambda_{2},
// eta_T -> \eta_{T}, x12 -> x_{12}, w_i_j -> w_{i,j}); a part hat/bar/tilde/dot/vec
// accents the base (theta_hat -> \hat{\theta}); other multi-letter names are upright
// (lr -> \mathrm{lr}).

import { type Expr, type Num, type FnName, isExact, isRational, numValue, numParts, numAbs } from './expr.ts';
import { ArgumentError } from '../core/index.ts';
import { isReciprocal, reciprocalOf, splitSign, formatNumber, isFraction } from './print.ts';

const GREEK_LOWER = [
  'alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa', 'lambda',
  'mu', 'nu', 'xi', 'pi', 'rho', 'sigma', 'tau', 'upsilon', 'phi', 'chi', 'psi', 'omega',
  'varepsilon', 'vartheta', 'varphi', 'varrho', 'varsigma', 'varpi',
];
const GREEK_UPPER = ['Gamma', 'Delta', 'Theta', 'Lambda', 'Xi', 'Pi', 'Sigma', 'Upsilon', 'Phi', 'Psi', 'Omega'];
/** Uppercase Greek letters that look Latin. */
const GREEK_LATIN: ReadonlyArray<readonly [string, string]> = [
  ['Alpha', 'A'], ['Beta', 'B'], ['Epsilon', 'E'], ['Zeta', 'Z'], ['Eta', 'H'], ['Iota', 'I'], ['Kappa', 'K'], ['Mu', 'M'],
  ['Nu', 'N'], ['Omicron', 'O'], ['Rho', 'P'], ['Tau', 'T'], ['Chi', 'X'], ['omicron', 'o'],
];
const GREEK = new Map<string, string>([
  ...GREEK_LOWER.map((g) => [g, `\\${g}`] as [string, string]),
  ...GREEK_UPPER.map((g) => [g, `\\${g}`] as [string, string]),
  ...GREEK_LATIN.map(([g, l]) => [g, `\\mathrm{${l}}`] as [string, string]),
]);
const ACCENTS = new Set(['hat', 'bar', 'tilde', 'dot', 'ddot', 'vec', 'check', 'breve']);

/** One name part: Greek, a single character, digits, or upright text. */
function namePart(s: string, subscript: boolean): string {
  const g = GREEK.get(s);
  if (g) return g;
  if (s.length === 1 || /^\d+$/.test(s)) return s;
  // accent written as a suffix: alphahat -> \hat{\alpha}
  for (const a of ACCENTS) {
    if (s.length > a.length && s.endsWith(a)) return `\\${a}{${namePart(s.slice(0, -a.length), subscript)}}`;
  }
  return subscript ? s : `\\mathrm{${s}}`;
}

/** A symbol name in LaTeX (see the module comment). */
export function latexSymbol(name: string): string {
  const parts = name.split('_');
  let head = parts[0];
  const subs: string[] = [];
  const accents: string[] = [];
  // trailing digits of the head are a subscript: lambda2 -> lambda_{2}
  const m = /^(.*?[A-Za-z])(\d+)$/.exec(head);
  if (m) { head = m[1]; subs.push(m[2]); }
  for (const p of parts.slice(1)) {
    if (p === '') continue;
    if (ACCENTS.has(p)) accents.push(p);
    else subs.push(namePart(p, true));
  }
  let base = head === '' ? '' : namePart(head, false);
  for (const a of accents) base = `\\${a}{${base}}`;
  return subs.length ? `${base}_{${subs.join(',')}}` : base;
}

// ---------- numbers ----------

function floatLatex(x: number): string {
  let s = String(Math.abs(x));
  if (s.includes('e')) {
    const [m, e] = s.split('e');
    const exp = Number(e);
    s = m === '1' ? `10^{${exp}}` : `${m} \\cdot 10^{${exp}}`;
  }
  return x < 0 ? `-${s}` : s;
}

/** |n| in LaTeX: integers plain, rationals \frac{p}{q}, floats decimal (or m \cdot 10^{k}). */
function numberLatex(n: Num): string {
  if (!isRational(n)) return floatLatex(Math.abs(numValue(n)));
  const { numer, denom } = numParts(numAbs(n));
  const p = formatNumber(numer);
  return isFraction(n) ? `\\frac{${p}}{${formatNumber(denom)}}` : p;
}

// ---------- expressions ----------

const PREC = { add: 1, mul: 2, neg: 3, pow: 4, atom: 5 } as const;

interface R { s: string; prec: number }

const paren = (s: string) => `\\left(${s}\\right)`;

const FN_NAME: ReadonlyMap<FnName, string> = new Map<FnName, string>([
  ['exp', '\\exp'], ['log', '\\log'], ['sqrt', '\\sqrt'], ['abs', ''], ['sin', '\\sin'], ['cos', '\\cos'],
  ['tanh', '\\tanh'], ['erf', '\\operatorname{erf}'], ['relu', '\\operatorname{relu}'], ['step', '\\Theta'],
  ['sigmoid', '\\sigma'], ['softplus', '\\operatorname{softplus}'], ['arcsin', '\\arcsin'], ['arccos', '\\arccos'],
  ['min', '\\min'], ['max', '\\max'],
]);

/** The LaTeX name of a grammar function; an ArgumentError for anything else (a hand-built tree). */
function fnName(fn: FnName): string {
  const s = FN_NAME.get(fn);
  if (s === undefined) throw new ArgumentError(`unknown function '${String(fn)}'`);
  return s;
}
/** Functions whose integer powers print as \sin^{2}\left(x\right). */
const POWER_ON_NAME: ReadonlySet<FnName> = new Set(['sin', 'cos', 'tanh', 'log', 'erf', 'arcsin', 'arccos', 'relu', 'softplus']);

function callLatex(e: Extract<Expr, { kind: 'call' }>): string {
  const a = e.args.map((x) => render(x).s);
  switch (e.fn) {
    case 'exp': return `e^{${a[0]}}`;
    case 'sqrt': return `\\sqrt{${a[0]}}`;
    case 'abs': return `\\left|${a[0]}\\right|`;
    case 'min': case 'max': return `${fnName(e.fn)}\\left(${a[0]}, ${a[1]}\\right)`;
    default: return `${fnName(e.fn)}${paren(a[0])}`;
  }
}

/** Joins rendered factors: juxtaposition, \cdot before a factor starting with a digit. */
function joinFactors(parts: string[]): string {
  let s = '';
  parts.forEach((p, i) => {
    if (i === 0) { s = p; return; }
    s += /^[\d.]/.test(p) ? ` \\cdot ${p}` : ` ${p}`;
  });
  return s;
}

function renderFactor(f: Expr): string {
  const r = render(f);
  // a factor that is a sum or a signed quantity needs parentheses inside a product
  return r.prec <= PREC.neg ? paren(r.s) : r.s;
}

function mulLatex(factors: readonly Expr[]): R {
  const numer: Expr[] = factors.filter((f) => !isReciprocal(f));
  const denom: Expr[] = factors.filter(isReciprocal).map(reciprocalOf);
  let top: string[] = [], bottom: string[] = [];
  const c = numer[0];
  if (c && c.kind === 'num') {
    numer.shift();
    if (isRational(c)) {
      const parts = numParts(c);
      if (!(parts.numer.p === 1 && parts.numer.q === 1)) top.push(formatNumber(parts.numer));
      if (isFraction(c)) bottom.push(formatNumber(parts.denom));
    } else top.push(numberLatex(c));
  }
  top = top.concat(numer.map(renderFactor));
  // inside \frac{}{} the denominator needs no parentheses around a single sum
  if (denom.length === 1 && bottom.length === 0) bottom.push(render(denom[0]).s);
  else bottom = bottom.concat(denom.map(renderFactor));
  if (bottom.length === 0) return { s: joinFactors(top), prec: PREC.mul };
  if (top.length === 0) top.push('1');
  // a single-sum numerator goes bare inside \frac as well
  const topS = numer.length === 1 && top.length === 1 ? render(numer[0]).s : joinFactors(top);
  return { s: `\\frac{${topS}}{${joinFactors(bottom)}}`, prec: PREC.atom };
}

function powLatex(e: Extract<Expr, { kind: 'pow' }>): R {
  const { base, exp } = e;
  if (isReciprocal(e)) return mulLatex([e]);
  if (exp.kind === 'num' && isExact(exp) && exp.p === 1 && exp.q > 1) {
    const b = render(base).s;
    return { s: exp.q === 2 ? `\\sqrt{${b}}` : `\\sqrt[${exp.q}]{${b}}`, prec: PREC.atom };
  }
  const x = render(exp).s;
  if (base.kind === 'call' && POWER_ON_NAME.has(base.fn) && exp.kind === 'num' && isExact(exp) && exp.q === 1) {
    return { s: `${fnName(base.fn)}^{${x}}${paren(render(base.args[0]).s)}`, prec: PREC.pow };
  }
  const b = render(base);
  const needsParens = b.prec <= PREC.pow || (base.kind === 'num' && (!isRational(base) ? b.s.includes('\\cdot') : isFraction(base)))
    || (base.kind === 'call' && base.fn !== 'abs') || base.kind === 'pow';
  return { s: `${needsParens ? paren(b.s) : b.s}^{${x}}`, prec: PREC.pow };
}

function render(e: Expr): R {
  switch (e.kind) {
    case 'num': {
      const s = numberLatex(e);
      if (e.p < 0) return { s: `-${s}`, prec: PREC.neg };
      return { s, prec: PREC.atom };
    }
    case 'sym': return { s: latexSymbol(e.name), prec: PREC.atom };
    case 'const': return { s: '\\pi', prec: PREC.atom };
    case 'call': return { s: callLatex(e), prec: PREC.atom };
    case 'add': {
      let s = '';
      e.terms.forEach((t, i) => {
        const { negative, magnitude } = splitSign(t);
        const r = render(magnitude);
        const body = r.prec <= PREC.add ? paren(r.s) : r.s;
        if (i === 0) s = negative ? `- ${body}` : body;
        else s += negative ? ` - ${body}` : ` + ${body}`;
      });
      return { s, prec: PREC.add };
    }
    case 'mul': {
      const { negative, magnitude } = splitSign(e);
      if (negative) {
        const r = render(magnitude);
        return { s: `- ${r.prec <= PREC.add ? paren(r.s) : r.s}`, prec: PREC.neg };
      }
      return mulLatex(e.factors);
    }
    case 'pow': return powLatex(e);
  }
}

/** The expression in LaTeX (KaTeX-compatible). */
export function latex(e: Expr): string {
  return render(e).s;
}

// ---------- systems ----------

export interface LatexSystemInput {
  readonly state: readonly string[];
  readonly drift: readonly Expr[];
  /** Diagonal noise: dX_i = f_i dt + g_i dW_i. */
  readonly diffusion?: readonly Expr[];
}

export interface LatexSystemOptions {
  /** Environment: 'align' (default), 'align*' or 'aligned' (to embed in display math). */
  env?: 'align' | 'align*' | 'aligned';
  /** Time variable name (default t). */
  time?: string;
  /** Brownian motion letter (default W). */
  noise?: string;
}

/**
 * The system as an aligned block: \frac{dP}{dt} &= f for an ODE, and
 * dX &= f\,dt + g\,dW_t for an SDE (one Brownian motion per line, W^{(i)}_t when
 * there are several). KaTeX renders 'align' and 'align*' in display mode only.
 */
export function latexSystem(sys: LatexSystemInput, opts: LatexSystemOptions = {}): string {
  const env = opts.env ?? 'align';
  const t = latexSymbol(opts.time ?? 't');
  const W = opts.noise ?? 'W';
  if (sys.drift.length !== sys.state.length) {
    throw new ArgumentError(`latexSystem: ${sys.state.length} state variables but ${sys.drift.length} drift entries`);
  }
  if (sys.diffusion && sys.diffusion.length !== sys.state.length) {
    throw new ArgumentError(`latexSystem: ${sys.state.length} state variables but ${sys.diffusion.length} diffusion entries`);
  }
  const isZeroE = (e: Expr) => e.kind === 'num' && e.p === 0;
  const lines = sys.state.map((name, i) => {
    const x = latexSymbol(name);
    const f = sys.drift[i];
    const g = sys.diffusion?.[i];
    if (!sys.diffusion) return `\\frac{d${x}}{d${t}} &= ${latex(f)}`;
    const noisy = sys.diffusion.filter((e) => !isZeroE(e)).length;
    const dW = noisy > 1 ? `d${W}^{(${i + 1})}_{${t}}` : `d${W}_{${t}}`;
    const term = (c: Expr, d: string): { neg: boolean; s: string } => {
      const { negative, magnitude } = splitSign(c);
      if (magnitude.kind === 'num' && magnitude.p === 1 && magnitude.q === 1) return { neg: negative, s: d };
      const r = render(magnitude);
      return { neg: negative, s: `${r.prec <= PREC.add ? paren(r.s) : r.s}\\,${d}` };
    };
    const parts: Array<{ neg: boolean; s: string }> = [];
    if (!isZeroE(f)) parts.push(term(f, `d${t}`));
    if (g && !isZeroE(g)) parts.push(term(g, dW));
    const rhs = parts.length === 0 ? '0'
      : parts.map((p, k) => (k === 0 ? (p.neg ? `- ${p.s}` : p.s) : `${p.neg ? ' - ' : ' + '}${p.s}`)).join('');
    return `d${x} &= ${rhs}`;
  });
  return `\\begin{${env}}\n${lines.join(' \\\\\n')}\n\\end{${env}}`;
}
