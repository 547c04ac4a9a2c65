// Gaussian expectations with no closed form, kept as named auxiliary quantities.
//
// Where the expectation of a term of an update has no closed form (tanh, sigmoid,
// softplus, formula activations, ...), the derivation does not refuse: the term's
// expectation becomes a symbol E_i of the drift, defined beside the System as
//
//   E_i = E[f_i(z)],  z ~ N(0, C_i),
//
// with f_i a product of smooth functions of linear forms of z (and powers of z) and
// C_i a covariance matrix of Exprs in the state and parameters. The compile layer
// (src/compile/expectation.ts) evaluates each E_i numerically at every right-hand
// side evaluation. Before a term is deferred its polynomial factors are removed by
// Stein's lemma, E[z_i m(z) F(z)] = Σ_j C_ij E[∂_j(m F)] (fewer variables, so a
// cheaper quadrature), each reduced term is tried again for a closed form, and equal
// integrands over equal covariances (the variables renamed z1, z2, ... in the step's
// order) share one E_i.

import {
  type Expr, ONE, add, mul, pow, rat, sym, call, dependsOn, freeSymbols,
} from './expr.ts';
import { print } from './print.ts';
import { diff } from './diff.ts';
import { expand, polyFromExpr, polyTerms } from './poly.ts';
import { simplify } from './simplify.ts';
import { substitute } from './substitute.ts';
import { latex } from './latex.ts';
import type { System } from './system.ts';
import { gaussianExpectation, GaussianExpectationError } from './gaussian.ts';

/** E[integrand(vars)] with vars ~ N(0, cov): a numeric expectation the System's drift refers to by `name`. */
export interface NumericExpectation {
  readonly name: string;
  /** the integration variables z1, ..., zd (the integrand's only free symbols) */
  readonly vars: readonly string[];
  /** covariance of the variables, Exprs in the System's state and parameters */
  readonly cov: readonly (readonly Expr[])[];
  readonly integrand: Expr;
}

/** A System whose drift refers to numeric expectations (evaluated by the compile layer). */
export interface SystemWithExpectations extends System {
  readonly expectations: readonly NumericExpectation[];
}

/** The numeric expectations of a System (none for a closed-form one). */
export function systemExpectations(system: System): readonly NumericExpectation[] {
  const list = (system as Partial<SystemWithExpectations>).expectations;
  return Array.isArray(list) ? list : [];
}

/**
 * Functions a numeric expectation integrates (smooth, of linear forms); the kinks relu/step/abs
 * are not among them, except in the one kink integrand the compile layer has a rule for: the
 * four-dimensional orthant probability E[step(z1) step(z2) step(z3) step(z4)] (isOrthant).
 */
export const NUMERIC_EXPECTATION_FUNCTIONS: ReadonlySet<string> = new Set(['tanh', 'sigmoid', 'softplus', 'erf', 'exp', 'sin', 'cos']);

/** Whether a numeric expectation is the orthant probability P(z1 > 0, ..., zd > 0). */
export function isOrthant(q: NumericExpectation): boolean {
  const f = q.integrand;
  const factors = f.kind === 'mul' ? f.factors : [f];
  return factors.length === q.vars.length && factors.every((x, i) => x.kind === 'call' && x.fn === 'step' && x.args[0].kind === 'sym' && x.args[0].name === q.vars[i]);
}

/** Most variables of one numeric expectation (a tensor rule: its cost grows like nodes^d). */
export const MAX_NUMERIC_DIMENSION = 4;

/** Whether every argument of every function in e is affine in vars (numeric coefficients). */
function affineArguments(e: Expr, vars: readonly string[]): boolean {
  switch (e.kind) {
    case 'num': case 'const': case 'sym': return true;
    case 'add': return e.terms.every((t) => affineArguments(t, vars));
    case 'mul': return e.factors.every((t) => affineArguments(t, vars));
    case 'pow': return affineArguments(e.base, vars) && e.exp.kind === 'num';
    case 'call': return e.args.every((a) => vars.every((v) => {
      const d = diff(a, v);
      return !vars.some((u) => dependsOn(d, u)) && freeSymbols(d).size === 0;
    }));
  }
}

/** Why a term cannot be integrated numerically, or null when it can. */
function numericRefusal(f: Expr, vars: readonly string[]): string | null {
  const bad: string[] = [];
  const walk = (e: Expr): void => {
    if (!vars.some((v) => dependsOn(e, v))) return;
    if (e.kind === 'pow') {
      if (e.exp.kind !== 'num' || e.exp.q !== 1 || e.exp.p < 0) bad.push(`${print(e)} (only non-negative integer powers)`);
      walk(e.base);
    } else if (e.kind === 'call') {
      if (!NUMERIC_EXPECTATION_FUNCTIONS.has(e.fn)) bad.push(`${e.fn} (${['relu', 'step', 'abs', 'min', 'max'].includes(e.fn) ? 'a kink: the numeric rule is for smooth integrands' : 'not a smooth activation of a linear form'})`);
      e.args.forEach(walk);
    } else if (e.kind === 'add') e.terms.forEach(walk);
    else if (e.kind === 'mul') e.factors.forEach(walk);
  };
  walk(f);
  if (bad.length) return bad[0];
  if (!affineArguments(f, vars)) return 'a function of a non-linear form of the Gaussians (or with a symbolic coefficient)';
  return null;
}

const isVar = (e: Expr, vars: readonly string[]) => e.kind === 'sym' && vars.includes(e.name);

/**
 * Collects the numeric expectations of a derivation: `expect` returns E[e] as an Expr,
 * closed forms where they exist and otherwise symbols E_i (prefix chosen by the caller
 * so as not to clash with the model's names).
 */
export class ExpectationCollector {
  readonly list: NumericExpectation[] = [];
  private readonly byKey = new Map<string, Expr>();

  constructor(readonly prefix = 'E_') {}

  /** The four-dimensional orthant probability P(w > 0) for w ~ N(0, cov) (gaussian.ts meets it in products of four half-spaces). */
  private readonly orthant = (cov: Expr[][]): Expr => {
    const names = cov.map((_, k) => `z${k + 1}`);
    return this.register(mul(...names.map((z) => call('step', sym(z)))), names, cov.map((r) => r.map(simplify)));
  };

  /** E[e] over vars ~ N(0, cov), with the terms that have no closed form deferred. */
  expect(e: Expr, vars: readonly string[], cov: readonly (readonly Expr[])[]): Expr {
    try {
      const r = gaussianExpectation(e, vars, cov, { orthant: this.orthant });
      if (r.exact || r.deferred) return r.expr;
    } catch (err) {
      if (!(err instanceof GaussianExpectationError)) throw err;
    }
    const parts: Expr[] = [];
    for (const { coeff, part } of splitTerms(e, vars)) parts.push(mul(coeff, this.term(part, vars, cov, 0)));
    return add(...parts);
  }

  /** E[part] for one product of variable-dependent factors. */
  private term(part: Expr, vars: readonly string[], cov: readonly (readonly Expr[])[], depth: number): Expr {
    try {
      const r = gaussianExpectation(part, vars, cov, { orthant: this.orthant });
      if (r.exact || r.deferred) return r.expr;
    } catch (err) {
      if (!(err instanceof GaussianExpectationError)) throw err;
    }
    const factors = part.kind === 'mul' ? part.factors : [part];
    const polyIndex = factors.findIndex((f) => isVar(f, vars) || (f.kind === 'pow' && isVar(f.base, vars)));
    if (polyIndex >= 0 && depth < 16 && affineArguments(part, vars)) {
      // Stein: E[z_i m] = Σ_j C_ij E[∂_j m]
      const f = factors[polyIndex];
      const zi = (f.kind === 'pow' ? f.base : f) as Extract<Expr, { kind: 'sym' }>;
      const i = vars.indexOf(zi.name);
      const m = mul(...factors.filter((_, k) => k !== polyIndex), ...(f.kind === 'pow' ? [pow(zi, rat(f.exp.kind === 'num' ? f.exp.p - 1 : 0))] : []));
      const out: Expr[] = [];
      vars.forEach((v, j) => {
        if (cov[i][j].kind === 'num' && cov[i][j].p === 0) return;
        const dm = diff(m, v);
        for (const { coeff, part: p } of splitTerms(dm, vars)) out.push(mul(cov[i][j], coeff, this.term(p, vars, cov, depth + 1)));
      });
      return add(...out);
    }
    return this.defer(part, vars, cov);
  }

  /** The symbol of E[part], created or reused. */
  private defer(part: Expr, vars: readonly string[], cov: readonly (readonly Expr[])[]): Expr {
    // the variables in the step's order: integrands over the same variables share one covariance
    // (and one pass of the compiled rule)
    const used = vars.filter((v) => dependsOn(part, v));
    const names = used.map((_, k) => `z${k + 1}`);
    const integrand = substitute(part, new Map(used.map((v, k) => [v, sym(names[k])] as const)));
    const why = numericRefusal(integrand, names);
    if (why !== null) {
      throw new GaussianExpectationError(`no closed form for E[${print(part)}], and it cannot be integrated numerically: ${why}`);
    }
    if (used.length > MAX_NUMERIC_DIMENSION) {
      throw new GaussianExpectationError(`no closed form for E[${print(part)}], and its ${used.length} Gaussian variables are more than the numeric rule takes (${MAX_NUMERIC_DIMENSION})`);
    }
    const idx = used.map((v) => vars.indexOf(v));
    return this.register(integrand, names, idx.map((a) => idx.map((b) => simplify(cov[a][b]))));
  }

  /** The symbol of E[integrand], names ~ N(0, sub): created, or reused for an equal integrand and covariance. */
  private register(integrand: Expr, names: readonly string[], sub: readonly (readonly Expr[])[]): Expr {
    const key = `${print(integrand)}|${sub.map((r) => r.map(print).join(',')).join(';')}`;
    const hit = this.byKey.get(key);
    if (hit) return hit;
    const name = `${this.prefix}${this.list.length + 1}`;
    const s = sym(name);
    this.list.push({ name, vars: names, cov: sub, integrand });
    this.byKey.set(key, s);
    return s;
  }
}

/** e expanded into terms, each split into a coefficient free of vars and the product of the rest; equal parts merged. */
function splitTerms(e: Expr, vars: readonly string[]): Array<{ coeff: Expr; part: Expr }> {
  const groups = new Map<string, { coeff: Expr[]; part: Expr }>();
  for (const t of polyTerms(polyFromExpr(expand(e)))) {
    const c: Expr[] = [t.coeff], p: Expr[] = [];
    for (const f of t.factors) (vars.some((v) => dependsOn(f.atom, v)) ? p : c).push(pow(f.atom, rat(f.exp)));
    const part = p.length ? mul(...p) : ONE;
    const key = print(part);
    const g = groups.get(key);
    if (g) g.coeff.push(mul(...c));
    else groups.set(key, { coeff: [mul(...c)], part });
  }
  return [...groups.values()].map((g) => ({ coeff: add(...g.coeff), part: g.part }));
}

/** One line per numeric expectation in the input grammar: `E_1 = E[f(z1, z2)], (z1, z2) ~ N(0, [[..], [..]])`. */
export function expectationText(list: readonly NumericExpectation[]): string[] {
  return list.map((q) => `${q.name} = E[${print(q.integrand)}], (${q.vars.join(', ')}) ~ N(0, [${q.cov.map((r) => `[${r.map(print).join(', ')}]`).join(', ')}])`);
}

/** The numeric expectations as a LaTeX align block: \mathbb{E} of the integrand with the covariance matrix. */
export function expectationLatex(list: readonly NumericExpectation[]): string {
  if (!list.length) return '';
  const rows = list.map((q) => {
    const name = latex(sym(q.name));
    const cov = `\\begin{pmatrix}${q.cov.map((r) => r.map((c) => latex(c)).join(' & ')).join(' \\\\ ')}\\end{pmatrix}`;
    const vars = q.vars.map((v) => latex(sym(v))).join(', ');
    return `${name} &= \\mathbb{E}\\left[${latex(q.integrand)}\\right], & (${vars}) &\\sim \\mathcal{N}\\left(0, ${cov}\\right)`;
  });
  return `\\begin{align}\n${rows.join(' \\\\\n')}\n\\end{align}`;
}

/** JSON form: name, variables, covariance and integrand in the input grammar. */
export function expectationJson(list: readonly NumericExpectation[]): Array<{ name: string; vars: string[]; cov: string[][]; integrand: string }> {
  return list.map((q) => ({ name: q.name, vars: [...q.vars], cov: q.cov.map((r) => r.map(print)), integrand: print(q.integrand) }));
}
