// The kernel recursion of an architecture as Exprs, its LaTeX, and the whole
// NNGP/NTK as one Expr in (x·y, |x|², |y|²) for the compiled pairwise kernel.
//
// Names (layer l = 1..L+1; x, y the two inputs):
//   Sigma{l}_xy, Sigma{l}_xx, Sigma{l}_yy   Σ^{(l)}: pre-activation covariances
//   K{l}_xy                                 E[φ(u)φ(v)], (u, v) ~ N(0, Σ^{(l−1)})
//   Kdot{l}_xy                              E[φ'(u)φ'(v)]
//   Theta{l}_xy                             Θ^{(l)}: the NTK up to layer l
// and xy, xx, yy for x·y, |x|², |y|². LaTeX renders them as \Sigma_{l,xy} etc.

import { type Expr, add, mul, div, num, sym, ONE } from '../symbolic/index.ts';
import { latex } from '../symbolic/index.ts';
import { evaluate } from '../symbolic/index.ts';
import type { Architecture } from './architecture.ts';
import { requireWidth } from './architecture.ts';

/** One equation lhs = rhs of the recursion. */
export interface RecursionEquation {
  /** the symbol defined */
  readonly lhs: string;
  /** its definition; null when the dual has no closed form (elementwise by quadrature) */
  readonly rhs: Expr | null;
  /** LaTeX of the right-hand side (also for rhs = null: the expectation it stands for) */
  readonly latexRhs: string;
  /** the dense layer (1-based) the symbol belongs to */
  readonly layer: number;
}

export interface KernelRecursion {
  readonly equations: readonly RecursionEquation[];
  /** symbols holding the results */
  readonly nngp: string;
  readonly ntk: string;
  /** the input symbols: x·y, |x|², |y|² */
  readonly inputs: readonly ['xy', 'xx', 'yy'];
  /** whether every equation is an Expr (no quadrature duals) */
  readonly closedForm: boolean;
}

const name = (base: string, l: number, pair: 'xy' | 'xx' | 'yy') => `${base}${l}_${pair}`;

export interface RecursionOptions {
  /** input dimension: a number, or omitted to keep the symbol d */
  readonly d?: number;
}

/**
 * The depth recursion of `arch` as equations in order (each rhs uses only the
 * inputs xy, xx, yy, the symbol d when no dimension is given, and symbols defined
 * before it). Numbers (W², b², widths) are those of the architecture.
 */
export function kernelRecursion(arch: Architecture, opts: RecursionOptions = {}): KernelRecursion {
  const eqs: RecursionEquation[] = [];
  const dE: Expr = opts.d === undefined ? sym('d') : num(opts.d);
  const std = arch.parameterization === 'standard';
  const width = std ? requireWidth(arch, 'the standard-parameterization NTK') : 0;
  const push = (lhs: string, rhs: Expr | null, layer: number, latexRhs?: string) => {
    eqs.push({ lhs, rhs, latexRhs: latexRhs ?? latex(rhs as Expr), layer });
  };
  let closedForm = true;
  const W2 = (l: number) => num(arch.dense[l].W_std ** 2);
  const B2 = (l: number) => (arch.dense[l].b_std === null ? null : num((arch.dense[l].b_std as number) ** 2));
  const affine = (l: number, e: Expr) => { const b = B2(l); return b === null ? mul(W2(l), e) : add(mul(W2(l), e), b); };
  const hasBias = (l: number) => arch.dense[l].b_std !== null;
  for (const pair of ['xy', 'xx', 'yy'] as const) push(name('Sigma', 1, pair), affine(0, div(sym(pair), dE)), 1);
  push(name('Theta', 1, 'xy'), std ? add(sym('xy'), hasBias(0) ? ONE : num(0)) : sym(name('Sigma', 1, 'xy')), 1);
  for (let l = 1; l <= arch.depth; l++) {
    const act = arch.activations[l - 1];
    const q1 = sym(name('Sigma', l, 'xx')), q2 = sym(name('Sigma', l, 'yy')), c = sym(name('Sigma', l, 'xy'));
    const next = l + 1;
    if (act.dualExprs && act.diagExpr) {
      const dual = act.dualExprs(q1, q2, c, false);
      push(name('K', next, 'xy'), dual.K, next);
      push(name('Kdot', next, 'xy'), dual.Kdot, next);
      push(name('K', next, 'xx'), act.diagExpr(q1, false), next);
      push(name('K', next, 'yy'), act.diagExpr(q2, false), next);
    } else {
      closedForm = false;
      const at = (v: string) => `\\Sigma_{${l},${v}}`;
      const cov = `\\begin{pmatrix}${at('xx')} & ${at('xy')}\\\\ ${at('xy')} & ${at('yy')}\\end{pmatrix}`;
      const phi = latex(act.expr).replace(/\bx\b/g, 'u');
      push(name('K', next, 'xy'), null, next, `\\mathbb{E}_{(u,v)\\sim\\mathcal{N}\\left(0,${cov}\\right)}\\left[\\varphi(u)\\,\\varphi(v)\\right],\\quad \\varphi(u) = ${phi}`);
      push(name('Kdot', next, 'xy'), null, next, "\\mathbb{E}\\left[\\varphi'(u)\\,\\varphi'(v)\\right]");
      push(name('K', next, 'xx'), null, next, `\\mathbb{E}_{u\\sim\\mathcal{N}(0,${at('xx')})}\\left[\\varphi(u)^2\\right]`);
      push(name('K', next, 'yy'), null, next, `\\mathbb{E}_{v\\sim\\mathcal{N}(0,${at('yy')})}\\left[\\varphi(v)^2\\right]`);
    }
    for (const pair of ['xy', 'xx', 'yy'] as const) push(name('Sigma', next, pair), affine(l, sym(name('K', next, pair))), next);
    const theta = sym(name('Theta', l, 'xy')), kdot = sym(name('Kdot', next, 'xy'));
    const carried = mul(W2(l), theta, kdot);
    push(name('Theta', next, 'xy'), std
      ? add(mul(num(width), sym(name('K', next, 'xy'))), carried, hasBias(l) ? ONE : num(0))
      : add(sym(name('Sigma', next, 'xy')), carried), next);
  }
  const last = arch.depth + 1;
  return { equations: eqs, nngp: name('Sigma', last, 'xy'), ntk: name('Theta', last, 'xy'), inputs: ['xy', 'xx', 'yy'], closedForm };
}

/** Replaces the input symbols' LaTeX by x^\top y, \|x\|^2, \|y\|^2. */
function prettyInputs(s: string): string {
  return s.replace(/\\mathrm\{xy\}/g, 'x^{\\top} y').replace(/\\mathrm\{xx\}/g, '\\lVert x\\rVert^{2}').replace(/\\mathrm\{yy\}/g, '\\lVert y\\rVert^{2}');
}

export interface RecursionLatexOptions extends RecursionOptions {
  /** 'align' (default), 'align*' or 'aligned' */
  readonly env?: 'align' | 'align*' | 'aligned';
}

/**
 * The NNGP/NTK recursion of `arch` as a LaTeX align block (KaTeX renders it in
 * display mode), ending with the NNGP and NTK of the output.
 */
export function ntkRecursionLatex(arch: Architecture, opts: RecursionLatexOptions = {}): string {
  const env = opts.env ?? 'align';
  const rec = kernelRecursion(arch, opts);
  const sym1 = (n: string) => latex(sym(n));
  const lines = rec.equations.map((e) => `${sym1(e.lhs)} &= ${prettyInputs(e.latexRhs)}`);
  lines.push(`\\mathrm{NNGP}(x, y) &= ${sym1(rec.nngp)}`, `\\mathrm{NTK}(x, y) &= ${sym1(rec.ntk)}`);
  return `\\begin{${env}}\n${lines.join(' \\\\\n')}\n\\end{${env}}`;
}

/** Evaluates the recursion at one pair (x·y, |x|², |y|²) in f64 (the interpreter; for checks). */
export function evaluateRecursion(rec: KernelRecursion, xy: number, xx: number, yy: number, d?: number): { nngp: number; ntk: number } {
  if (!rec.closedForm) throw new TypeError('the recursion has quadrature duals (elementwise): it has no Expr form to evaluate');
  const env = new Map<string, number>([['xy', xy], ['xx', xx], ['yy', yy]]);
  if (d !== undefined) env.set('d', d);
  for (const e of rec.equations) env.set(e.lhs, evaluate(e.rhs as Expr, env));
  return { nngp: env.get(rec.nngp) as number, ntk: env.get(rec.ntk) as number };
}

/**
 * The NNGP and NTK as single Exprs in the pairwise names dot = x·y, nx2 = |x|²,
 * ny2 = |y|² (compile/pairwise.ts), built with the safe duals (clamped
 * correlations, √max(·, 0)). Shared subexpressions are shared objects (a DAG).
 */
export function kernelExprs(arch: Architecture, d: number): { nngp: Expr; ntk: Expr } {
  const std = arch.parameterization === 'standard';
  const width = std ? requireWidth(arch, 'the standard-parameterization NTK') : 0;
  const W2 = (l: number) => num(arch.dense[l].W_std ** 2);
  const affine = (l: number, e: Expr) => {
    const b = arch.dense[l].b_std;
    return b === null ? mul(W2(l), e) : add(mul(W2(l), e), num(b * b));
  };
  const one = (l: number) => (arch.dense[l].b_std === null ? num(0) : ONE);
  const invD = num(1 / d);
  let xy = affine(0, mul(sym('dot'), invD)), xx = affine(0, mul(sym('nx2'), invD)), yy = affine(0, mul(sym('ny2'), invD));
  let theta = std ? add(mul(num(d), mul(sym('dot'), invD)), one(0)) : xy;
  arch.activations.forEach((act, i) => {
    const l = i + 1;
    if (!act.dualExprs || !act.diagExpr) {
      throw new TypeError(`activation ${act.spec} has no closed-form dual: the compiled kernel needs closed forms`);
    }
    const dual = act.dualExprs(xx, yy, xy, true);
    const kxx = act.diagExpr(xx, true), kyy = act.diagExpr(yy, true);
    const nxy = affine(l, dual.K);
    theta = std
      ? add(mul(num(width), dual.K), mul(W2(l), theta, dual.Kdot), one(l))
      : add(nxy, mul(W2(l), theta, dual.Kdot));
    xy = nxy;
    xx = affine(l, kxx);
    yy = affine(l, kyy);
  });
  return { nngp: xy, ntk: theta };
}
