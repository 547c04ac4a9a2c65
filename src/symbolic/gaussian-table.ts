// Closed forms for Gaussian expectations of activations and their derivatives.
//
// Single variable, w ~ N(b, s) (any mean b):   E[φ^{(k)}(w)]            — singleMoment
// Pairs, zero mean, Cov(w1, w2) = [[q1, c], [c, q2]]:  E[φ(w1) ψ(w2)]  — pairMoment
//
// Notation: D = q1 q2 − c², ρ = c/√(q1 q2), θ = arccos ρ.
// Internal kinds besides the grammar's functions: `delta` (Dirac δ, the
// derivative of step), `sign` (= 2 step − 1, the derivative of abs) and `derf`
// (erf′(w) = (2/√π) e^{−w²}). Derivations are in the comments next to each entry;
// every entry is checked against quadrature (test/symbolic/gaussian-table.test.ts)
// and, for the δ entries, against Price's theorem ∂_c E[φψ] = E[φ′ψ′].

import {
  type Expr, type Num, add, mul, pow, div, neg, sub, call, rat, PI, HALF, MINUS_ONE, ONE, ZERO, TWO,
  isZero, numMul, numAdd,
} from './expr.ts';
import { type Poly, polyToExpr, polyMul, polySub, polyIsZero } from './poly.ts';

/** Kinds of one-dimensional factors with closed-form Gaussian moments. */
export type ActKind =
  | 'relu' | 'step' | 'abs' | 'erf' | 'sin' | 'cos' | 'tanh' | 'sigmoid' | 'softplus'
  | 'delta' | 'sign' | 'derf' | 'one';

/** Grammar functions treated as activations of an affine form. */
export const ACTIVATION_FUNCTIONS = ['relu', 'step', 'abs', 'erf', 'tanh', 'sigmoid', 'softplus'] as const;

/** √e, folded to a rational when e is the square of one. */
export function sqrtExpr(e: Expr): Expr {
  if (e.kind === 'num' && e.p >= 0 && Number.isSafeInteger(e.p)) {
    const a = Math.round(Math.sqrt(e.p)), b = Math.round(Math.sqrt(e.q));
    if (a * a === e.p && b * b === e.q) return rat(a, b);
  }
  return call('sqrt', e);
}
const sqrt = sqrtExpr;
const SQRT_2PI = sqrt(mul(TWO, PI));
const SQRT_PI = sqrt(PI);

/** φ^{(1)} as a combination of kinds; null where the derivative leaves the table. */
export function derivativeKinds(kind: ActKind): Array<[Num, ActKind]> | null {
  switch (kind) {
    case 'relu': return [[ONE, 'step']];
    case 'step': return [[ONE, 'delta']];
    case 'abs': return [[ONE, 'sign']];
    case 'sign': return [[TWO, 'delta']];
    case 'erf': return [[ONE, 'derf']];
    case 'sin': return [[ONE, 'cos']];
    case 'cos': return [[MINUS_ONE, 'sin']];
    case 'one': return [];
    default: return null; // delta', derf', tanh', sigmoid', softplus'
  }
}

/** φ^{(k)} as a combination of kinds, or null. */
export function nthDerivativeKinds(kind: ActKind, k: number): Array<[Num, ActKind]> | null {
  let cur: Array<[Num, ActKind]> = [[ONE, kind]];
  for (let i = 0; i < k; i++) {
    const next = new Map<ActKind, Num>();
    for (const [c, kd] of cur) {
      const d = derivativeKinds(kd);
      if (d === null) return null;
      for (const [c2, k2] of d) {
        const prev = next.get(k2);
        const v = numMul(c, c2);
        next.set(k2, prev ? numAdd(prev, v) : v);
      }
    }
    cur = [...next.entries()].filter(([, c]) => c.p !== 0).map(([k2, c]) => [c, k2]);
  }
  return cur;
}

/** Parity of a kind as a function of w: 1 even, −1 odd, 0 neither. */
export function parity(kind: ActKind): 1 | -1 | 0 {
  switch (kind) {
    case 'abs': case 'delta': case 'derf': case 'cos': case 'one': return 1;
    case 'sign': case 'erf': case 'sin': case 'tanh': return -1;
    default: return 0;
  }
}

// ---------------------------------------------------------------- Hermite polynomials

function factorial(n: number): number { let r = 1; for (let i = 2; i <= n; i++) r *= i; return r; }

/** Probabilists' He_n(z) as an Expr. */
export function hermiteHeExpr(n: number, z: Expr): Expr {
  const terms: Expr[] = [];
  for (let j = 0; 2 * j <= n; j++) {
    const c = (j % 2 ? -1 : 1) * factorial(n) / (factorial(j) * factorial(n - 2 * j) * 2 ** j);
    terms.push(mul(rat(c), pow(z, rat(n - 2 * j))));
  }
  return add(...terms);
}

/** Physicists' H_n(z) as an Expr. */
export function hermiteHExpr(n: number, z: Expr): Expr {
  const terms: Expr[] = [];
  for (let j = 0; 2 * j <= n; j++) {
    const c = (j % 2 ? -1 : 1) * factorial(n) / (factorial(j) * factorial(n - 2 * j)) * 2 ** (n - 2 * j);
    terms.push(mul(rat(c), pow(z, rat(n - 2 * j))));
  }
  return add(...terms);
}

/** (n−1)!! for even n ≥ 0 (the Gaussian moment E g^n). */
function oddDoubleFactorial(n: number): number { let r = 1; for (let k = n - 1; k > 1; k -= 2) r *= k; return r; }

// ---------------------------------------------------------------- one variable

/** Standard normal CDF Φ(z) = (1 + erf(z/√2))/2 as an Expr. */
const PhiOf = (z: Expr): Expr => mul(HALF, add(ONE, call('erf', div(z, sqrt(TWO)))));

/** E[δ^{(n)}(w)] = s^{−(n+1)/2} He_n(−b/√s) φ(b/√s) for w ~ N(b, s). */
function deltaMoment(n: number, s: Expr, b: Expr): Expr {
  if (isZero(b)) {
    if (n % 2 === 1) return ZERO;
    const c = ((n / 2) % 2 ? -1 : 1) * oddDoubleFactorial(n);
    return div(mul(rat(c), pow(sqrt(s), rat(-(n + 1)))), SQRT_2PI);
  }
  const z = div(neg(b), sqrt(s));
  const density = div(call('exp', div(neg(pow(b, TWO)), mul(TWO, s))), SQRT_2PI);
  return mul(pow(sqrt(s), rat(-(n + 1))), hermiteHeExpr(n, z), density);
}

/**
 * E[φ^{(k)}(w)] for w ~ N(b, s), or null where no closed form is known.
 * relu: bΦ(b/√s) + √s φ(b/√s); step: Φ(b/√s); abs: b erf(b/√(2s)) + 2√s φ(b/√s);
 * erf: erf(b/√(1+2s)), and for k ≥ 1 (Gaussian tilt by e^{−w²}, then
 * E[H_n(μ + τg)] = (1 − 2τ²)^{n/2} H_n(μ/√(1 − 2τ²))):
 *   (2/√π)(−1)^{k−1}(1+2s)^{−k/2} e^{−b²/(1+2s)} H_{k−1}(b/√(1+2s));
 * sin/cos: e^{−s/2} × (sin, cos, −sin, −cos)(b) cycling in k;
 * tanh, sigmoid: zero mean only, by parity (tanh^{(k)} odd for even k; sigmoid − ½ odd).
 */
export function singleMoment(kind: ActKind, k: number, s: Expr, b: Expr): Expr | null {
  const zeroMean = isZero(b);
  if (isZero(s)) {
    // Degenerate: w = b surely.
    if (k !== 0) return null;
    if (kind === 'one') return ONE;
    if (kind === 'delta' || kind === 'derf' || kind === 'sign') return null;
    return call(kind, b);
  }
  switch (kind) {
    case 'one': return k === 0 ? ONE : ZERO;
    case 'delta': return deltaMoment(k, s, b);
    case 'relu':
      if (k === 0) {
        if (zeroMean) return div(sqrt(s), SQRT_2PI);
        return add(mul(b, PhiOf(div(b, sqrt(s)))), div(mul(sqrt(s), call('exp', div(neg(pow(b, TWO)), mul(TWO, s)))), SQRT_2PI));
      }
      if (k === 1) return zeroMean ? HALF : PhiOf(div(b, sqrt(s)));
      return deltaMoment(k - 2, s, b);
    case 'step':
      if (k === 0) return zeroMean ? HALF : PhiOf(div(b, sqrt(s)));
      return deltaMoment(k - 1, s, b);
    case 'abs':
      if (k === 0) {
        if (zeroMean) return div(mul(TWO, sqrt(s)), SQRT_2PI);
        return add(mul(b, call('erf', div(b, sqrt(mul(TWO, s))))),
          div(mul(TWO, sqrt(s), call('exp', div(neg(pow(b, TWO)), mul(TWO, s)))), SQRT_2PI));
      }
      if (k === 1) return zeroMean ? ZERO : call('erf', div(b, sqrt(mul(TWO, s))));
      return mul(TWO, deltaMoment(k - 2, s, b));
    case 'sign':
      if (k === 0) return zeroMean ? ZERO : call('erf', div(b, sqrt(mul(TWO, s))));
      return mul(TWO, deltaMoment(k - 1, s, b));
    case 'erf': case 'derf': {
      const kk = kind === 'derf' ? k + 1 : k;
      const onePlus = add(ONE, mul(TWO, s));
      if (kk === 0) return zeroMean ? ZERO : call('erf', div(b, sqrt(onePlus)));
      const n = kk - 1;
      const sign = n % 2 ? -1 : 1;
      if (zeroMean) {
        if (n % 2 === 1) return ZERO;
        const hn0 = ((n / 2) % 2 ? -1 : 1) * factorial(n) / factorial(n / 2);
        return mul(rat(2 * sign * hn0), pow(sqrt(onePlus), rat(-kk)), pow(SQRT_PI, MINUS_ONE));
      }
      return mul(rat(2 * sign), pow(SQRT_PI, MINUS_ONE), pow(sqrt(onePlus), rat(-kk)),
        call('exp', div(neg(pow(b, TWO)), onePlus)), hermiteHExpr(n, div(b, sqrt(onePlus))));
    }
    case 'sin': case 'cos': {
      const phase = (k + (kind === 'cos' ? 1 : 0)) % 4; // sin^{(phase)}
      const damp = call('exp', mul(rat(-1, 2), s));
      if (zeroMean) {
        if (phase === 0 || phase === 2) return ZERO;
        return phase === 1 ? damp : neg(damp);
      }
      const f = [call('sin', b), call('cos', b), neg(call('sin', b)), neg(call('cos', b))][phase];
      return mul(damp, f);
    }
    case 'tanh':
      return zeroMean && k % 2 === 0 ? ZERO : null;
    case 'sigmoid':
      if (!zeroMean) return null;
      if (k === 0) return HALF;
      return k % 2 === 0 ? ZERO : null;
    default:
      return null;
  }
}

// ---------------------------------------------------------------- pairs

/** The 2×2 covariance of (w1, w2) as polynomials. */
export interface PairCov { readonly q1: Poly; readonly q2: Poly; readonly c: Poly }

type PairFormula = (q1: Expr, q2: Expr, c: Expr, D: Expr) => Expr;

const rhoOf = (q1: Expr, q2: Expr, c: Expr) => div(c, sqrt(mul(q1, q2)));
const opp = (q: Expr) => add(ONE, mul(TWO, q)); // 1 + 2q

/** E[|w1||w2|] = (2/π)(√D + c·arcsin ρ). */
const absAbs: PairFormula = (q1, q2, c, D) =>
  mul(TWO, pow(PI, MINUS_ONE), add(sqrt(D), mul(c, call('arcsin', rhoOf(q1, q2, c)))));
/** E[relu(w1) derf(w2)] = √(2(q1(1+2q2) − 2c²)) / (π(1+2q2)). */
const reluDerf: PairFormula = (q1, q2, c) =>
  div(sqrt(mul(TWO, sub(mul(q1, opp(q2)), mul(TWO, pow(c, TWO))))), mul(PI, opp(q2)));

/**
 * Zero-mean pair closed forms E[φ(w1) ψ(w2)], keyed 'φ,ψ'. The reverse order is
 * obtained by swapping q1 and q2. Pairs of definite opposite parity are 0 and
 * are not listed.
 */
const PAIRS: ReadonlyMap<string, PairFormula> = new Map(Object.entries({
  // Cho & Saul arc-cosine kernel of order 1: (√D + (π − θ)c)/(2π).
  'relu,relu': (q1, q2, c, D) => div(add(sqrt(D), mul(sub(PI, call('arccos', rhoOf(q1, q2, c))), c)), mul(TWO, PI)),
  // Stein on (g1, g2) with f = 1{g1>0}1{g2>0}: √q1(1+ρ)/(2√(2π)).
  'relu,step': (q1, q2, c) => div(add(sqrt(q1), div(c, sqrt(q2))), mul(TWO, SQRT_2PI)),
  // density of w2 at 0 times E[relu(w1) | w2 = 0]: √D/(2π q2).
  'relu,delta': (q1, q2, c, D) => div(sqrt(D), mul(TWO, PI, q2)),
  // relu = (w + |w|)/2 and E[w1 |w2|] = 0.
  'relu,abs': (q1, q2, c, D) => mul(HALF, absAbs(q1, q2, c, D)),
  // ½E[w1 sign(w2)] = ½ c E[2δ(w2)] = c/√(2π q2).
  'relu,sign': (q1, q2, c) => div(c, sqrt(mul(TWO, PI, q2))),
  // ½E[w1 erf(w2)] = ½ c E[erf′(w2)] = c/√(π(1+2q2)).
  'relu,erf': (q1, q2, c) => div(c, sqrt(mul(PI, opp(q2)))),
  'relu,derf': reluDerf,
  // ½E[w1 sin(w2)] = ½ c E[cos w2].
  'relu,sin': (q1, q2, c) => mul(HALF, c, call('exp', mul(rat(-1, 2), q2))),
  // Arc-cosine kernel of order 0: (π − θ)/(2π).
  'step,step': (q1, q2, c) => div(sub(PI, call('arccos', rhoOf(q1, q2, c))), mul(TWO, PI)),
  'step,delta': (q1, q2) => div(ONE, mul(TWO, sqrt(mul(TWO, PI, q2)))),
  // step = (1 + sign)/2, E[sign(w1)|w2|] = 0: ½E|w2|.
  'step,abs': (q1, q2) => div(sqrt(q2), SQRT_2PI),
  // ½E[sign(w1) sign(w2)] = (1/π) arcsin ρ.
  'step,sign': (q1, q2, c) => div(call('arcsin', rhoOf(q1, q2, c)), PI),
  // Price in c from 0: ∂_c = E[δ(w1) erf′(w2)] = √2/(π√(q1(1+2q2) − 2c²)).
  'step,erf': (q1, q2, c) => div(call('arcsin', div(mul(sqrt(TWO), c), sqrt(mul(q1, opp(q2))))), PI),
  'step,derf': (q1, q2) => div(ONE, sqrt(mul(PI, opp(q2)))),
  'step,cos': (q1, q2) => mul(HALF, call('exp', mul(rat(-1, 2), q2))),
  // Bivariate normal density at the origin.
  'delta,delta': (q1, q2, c, D) => div(ONE, mul(TWO, PI, sqrt(D))),
  // density of w1 at 0 times E[|w2| | w1 = 0].
  'delta,abs': (q1, q2, c, D) => div(sqrt(D), mul(PI, q1)),
  'delta,derf': (q1, q2, c) => div(sqrt(TWO), mul(PI, sqrt(sub(mul(q1, opp(q2)), mul(TWO, pow(c, TWO)))))),
  'delta,cos': (q1, q2, c, D) => div(call('exp', div(neg(D), mul(TWO, q1))), sqrt(mul(TWO, PI, q1))),
  'abs,abs': absAbs,
  'abs,derf': (q1, q2, c, D) => mul(TWO, reluDerf(q1, q2, c, D)),
  'sign,sign': (q1, q2, c) => mul(TWO, pow(PI, MINUS_ONE), call('arcsin', rhoOf(q1, q2, c))),
  'sign,erf': (q1, q2, c) => mul(TWO, pow(PI, MINUS_ONE), call('arcsin', div(mul(sqrt(TWO), c), sqrt(mul(q1, opp(q2)))))),
  // Williams (1997).
  'erf,erf': (q1, q2, c) => mul(TWO, pow(PI, MINUS_ONE), call('arcsin', div(mul(TWO, c), sqrt(mul(opp(q1), opp(q2)))))),
  'derf,derf': (q1, q2, c) => div(rat(4), mul(PI, sqrt(sub(mul(opp(q1), opp(q2)), mul(rat(4), pow(c, TWO)))))),
  // Tilt by e^{−w1²}: (2/√π)(1+2q1)^{−1/2} exp(−(q2 − 2c²/(1+2q1))/2).
  'derf,cos': (q1, q2, c) => mul(TWO, pow(SQRT_PI, MINUS_ONE), pow(sqrt(opp(q1)), MINUS_ONE),
    call('exp', mul(rat(-1, 2), sub(q2, div(mul(TWO, pow(c, TWO)), opp(q1)))))),
  // Complete the square: e^{−(q1+q2)/2} sinh c and cosh c.
  'sin,sin': (q1, q2, c) => mul(HALF, sub(call('exp', sub(c, mul(HALF, add(q1, q2)))), call('exp', sub(neg(c), mul(HALF, add(q1, q2)))))),
  'cos,cos': (q1, q2, c) => mul(HALF, add(call('exp', sub(c, mul(HALF, add(q1, q2)))), call('exp', sub(neg(c), mul(HALF, add(q1, q2)))))),
} satisfies Record<string, PairFormula>));

/** The kinds for which PAIRS (or parity, or 'one') may give a value. */
export function pairMomentBase(a: ActKind, b: ActKind, cov: PairCov): Expr | null {
  const q1 = polyToExpr(cov.q1), q2 = polyToExpr(cov.q2), c = polyToExpr(cov.c);
  if (a === 'one') return singleMoment(b, 0, q2, ZERO);
  if (b === 'one') return singleMoment(a, 0, q1, ZERO);
  const pa = parity(a), pb = parity(b);
  if (pa !== 0 && pb !== 0 && pa !== pb) return ZERO;
  if (polyIsZero(cov.c)) {
    // Independent: product of the single moments.
    const ma = singleMoment(a, 0, q1, ZERO), mb = singleMoment(b, 0, q2, ZERO);
    return ma !== null && mb !== null ? mul(ma, mb) : null;
  }
  const D = polyToExpr(polySub(polyMul(cov.q1, cov.q2), polyMul(cov.c, cov.c)));
  const direct = PAIRS.get(`${a},${b}`);
  if (direct) return direct(q1, q2, c, D);
  const swapped = PAIRS.get(`${b},${a}`);
  if (swapped) return swapped(q2, q1, c, D);
  return null;
}

/** E[φ^{(ka)}(w1) ψ^{(kb)}(w2)] for zero-mean (w1, w2), or null. */
export function pairMoment(a: ActKind, ka: number, b: ActKind, kb: number, cov: PairCov): Expr | null {
  const da = nthDerivativeKinds(a, ka), db = nthDerivativeKinds(b, kb);
  if (da === null || db === null) return null;
  const parts: Expr[] = [];
  for (const [ca, kA] of da) {
    for (const [cb, kB] of db) {
      const m = pairMomentBase(kA, kB, cov);
      if (m === null) return null;
      if (!isZero(m)) parts.push(mul(ca, cb, m));
    }
  }
  return add(...parts);
}
