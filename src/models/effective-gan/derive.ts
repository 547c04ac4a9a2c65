// The symbolic side of docs/effective-dynamics.md C.2–C.3b, derived by the toolkit:
//  - eigenmodes of the two-number kernel Θ = g1 I + g2 (11ᵀ − I): det(μI − Θ) is
//    computed for concrete N and checked to factor as (μ − g1 − (N−1) g2)(μ − g1 + g2)^(N−1);
//  - one eigenmode (kernel eigenvalue g) against a locally linear critic f(x) = ψ x near
//    a mode y: the critic ascends its objective, ψ̇ = η_D ∂L/∂ψ, with
//      L = ψ (y − q) − λ (ψ² − 1)          (penalty 'full', C.3b: the authors' form)
//      L = ψ (y − q) − (λ/2) ψ²             (penalty 'half', C.3's α)
//    and the particle climbs it, q̇ = η_G g ∂f/∂x. The system is linearised (Jacobian,
//    characteristic polynomial), ψ is eliminated (q̈ + γ q̇ + ω² (q − y) = 0) and the
//    critical strength solves γ² = 4ω².

import {
  type Expr, type System, parse, diff, simplify, substitute, print, latex, latexSystem, sym, mul, sub, add, pow, num, expand,
  equivalent, isZero, linearize, characteristicPolynomial, quadraticRoots, eliminateToSecondOrder, criticalValue,
} from '../../symbolic/index.ts';

export type Penalty = 'full' | 'half';

export const MODE_STATE = ['q', 'psi'] as const;
export const MODE_PARAMS = ['eta_G', 'eta_D', 'g', 'lambda', 'y'] as const;

/** The critic's objective near one mode and the critic itself, as text of the grammar. */
export function modeObjective(penalty: Penalty): { objective: string; critic: string } {
  return {
    objective: penalty === 'full' ? 'psi*(y - q) - lambda*(psi^2 - 1)' : 'psi*(y - q) - lambda/2*psi^2',
    critic: 'psi*x',
  };
}

/** ψ̇ = η_D ∂L/∂ψ, q̇ = η_G g ∂f/∂x at x = q: the linearised critic–particle system of one mode. */
export function modeSystem(penalty: Penalty): System {
  const { objective, critic } = modeObjective(penalty);
  const L = parse(objective), f = parse(critic);
  const qdot = simplify(mul(sym('eta_G'), sym('g'), substitute(diff(f, 'x'), { x: sym('q') })));
  const psidot = simplify(mul(sym('eta_D'), diff(L, 'psi')));
  return { state: [...MODE_STATE], params: [...MODE_PARAMS], drift: [qdot, psidot] };
}

export interface DampingDerivation {
  readonly penalty: Penalty;
  readonly system: System;
  readonly jacobian: Expr[][];
  readonly charPoly: Expr;
  readonly eigenvalues: [Expr, Expr];
  readonly gamma: Expr;
  readonly omega2: Expr;
  readonly qddot: Expr;
  /** λ_c as derived (the '+' root of γ² = 4ω² in λ) */
  readonly lambdaC: Expr;
  /** the closed form of docs C.3b it is checked against */
  readonly expected: Expr;
  readonly matchesExpected: boolean;
}

export function deriveDamping(penalty: Penalty): DampingDerivation {
  const system = modeSystem(penalty);
  const jacobian = linearize(system);
  const charPoly = characteristicPolynomial(jacobian, 'mu');
  const eigenvalues = quadraticRoots(charPoly, 'mu');
  const so = eliminateToSecondOrder(system, 'q', 'qdot');
  const lambdaC = criticalValue(so, 'lambda');
  const expected = parse(penalty === 'full' ? 'sqrt(eta_G*g/eta_D)' : '2*sqrt(eta_G*g/eta_D)');
  const matchesExpected = equivalent(lambdaC, expected);
  return {
    penalty, system, jacobian, charPoly, eigenvalues, gamma: so.gamma, omega2: so.omega2, qddot: so.qddot,
    lambdaC, expected, matchesExpected,
  };
}

export interface EigenmodeCheck {
  readonly N: number;
  readonly charPoly: Expr;
  /** det(μI − Θ) − (μ − g1 − (N−1)g2)(μ − g1 + g2)^(N−1), expanded: 0 */
  readonly residual: Expr;
  readonly holds: boolean;
}

/** det(μI − Θ) of the two-number kernel for a concrete N against the claimed eigenvalues. */
export function checkEigenmodes(N: number): EigenmodeCheck {
  const g1 = sym('g_1'), g2 = sym('g_2'), mu = sym('mu');
  const theta: Expr[][] = Array.from({ length: N }, (_, i) => Array.from({ length: N }, (_, j) => (i === j ? g1 : g2)));
  const cp = characteristicPolynomial(theta, 'mu');
  const claimed = mul(sub(mu, add(g1, mul(num(N - 1), g2))), pow(sub(mu, sub(g1, g2)), num(N - 1)));
  const residual = expand(sub(cp, claimed));
  return { N, charPoly: cp, residual, holds: isZero(residual) };
}

/** The eigenvalues for general N, read off the row sums of Θ on 1 and on e_1 − e_2. */
export function eigenmodeExprs(): { centreOfMass: Expr; relative: Expr } {
  return { centreOfMass: parse('g_1 + (N - 1)*g_2'), relative: parse('g_1 - g_2') };
}

/** The derivation as LaTeX: one display block per line, % comment lines between. */
export function dampingLatex(d: DampingDerivation, eig: readonly EigenmodeCheck[]): string {
  const m = eigenmodeExprs();
  const J = `\\begin{pmatrix}${d.jacobian.map((r) => r.map(latex).join(' & ')).join(' \\\\ ')}\\end{pmatrix}`;
  const L = parse(modeObjective(d.penalty).objective);
  return [
    `% eigenmodes of \\Theta = g_1 I + g_2 (\\mathbf 1\\mathbf 1^\\top - I), checked by det(\\mu I - \\Theta) for N = ${eig.map((e) => e.N).join(', ')}`,
    `\\lambda_{\\text{centre of mass}} = ${latex(m.centreOfMass)}, \\qquad \\lambda_{\\text{relative}} = ${latex(m.relative)} \\ (\\times (N-1))`,
    `% one mode with kernel eigenvalue g, critic f(x) = \\psi x, objective L(\\psi) = ${latex(L)}`,
    latexSystem(d.system, { env: 'aligned' }).replace(/\n/g, ' '),
    `J = ${J}, \\qquad \\det(\\mu I - J) = ${latex(d.charPoly)}`,
    `\\mu_\\pm = ${latex(d.eigenvalues[0])}, \\; ${latex(d.eigenvalues[1])}`,
    `\\ddot q + ${latex(d.gamma)}\\,\\dot q + ${latex(d.omega2)}\\,(q - y) = 0, \\qquad \\gamma = ${latex(d.gamma)}, \\ \\omega^2 = ${latex(d.omega2)}`,
    `\\lambda_c = ${latex(d.lambdaC)}`,
  ].join('\n');
}

/** Plain-text lines of the derivation. */
export function dampingLines(d: DampingDerivation, eig: readonly EigenmodeCheck[]): string[] {
  const m = eigenmodeExprs();
  return [
    `eigenmodes of Theta: centre of mass ${print(m.centreOfMass)} (once), relative ${print(m.relative)} (N-1 times); det(mu I - Theta) factors so for N = ${eig.map((e) => `${e.N}: ${e.holds ? 'yes' : 'NO'}`).join(', ')}`,
    `critic objective near a mode (penalty ${d.penalty}): L = ${modeObjective(d.penalty).objective}, f(x) = psi*x`,
    ...d.system.state.map((s, i) => `  d${s}/dt = ${print(d.system.drift[i])}`),
    `characteristic polynomial: ${print(d.charPoly)}`,
    `eliminating psi: q'' = ${print(d.qddot)}`,
    `  gamma = ${print(d.gamma)}, omega^2 = ${print(d.omega2)}`,
    `critical strength lambda_c = ${print(d.lambdaC)}  (${d.matchesExpected ? 'equals' : 'DIFFERS FROM'} ${print(d.expected)} of docs C.3b)`,
  ];
}
