// Prints a lowered Op DAG as JavaScript, in two dialects:
//   'js'    plain f64 JavaScript for the twin (helpers bound from F64_FUNCTIONS);
//   'gpujs' the GPU.js kernel-function subset (f32; helpers as added functions).
// The printer emits only operators, numeric literals, Math.<whitelisted> calls,
// our own helper names and generated locals; `assertSafeSource` re-checks the
// finished text token by token before anything is compiled from it.

import type { FnName } from '../symbolic/index.ts';
import { CompileError, type Op } from './lower.ts';

export type Dialect = 'js' | 'gpujs';

/** Largest finite float32. */
export const F32_MAX = 3.4028234663852886e38;

const MATH_FN: Partial<Record<FnName, string>> = {
  exp: 'Math.exp', log: 'Math.log', sqrt: 'Math.sqrt', abs: 'Math.abs', sin: 'Math.sin', cos: 'Math.cos',
  tanh: 'Math.tanh', arcsin: 'Math.asin', arccos: 'Math.acos', min: 'Math.min', max: 'Math.max',
};

/** Functions without a Math.* counterpart: helpers in each dialect. */
export const HELPER_FNS = ['erf', 'relu', 'step', 'sigmoid', 'softplus'] as const;
export type HelperFn = (typeof HELPER_FNS)[number];
const isHelper = (fn: FnName): fn is HelperFn => (HELPER_FNS as readonly string[]).includes(fn);

const NUMBER_TEXT = /^\d+(\.\d+)?(e[+-]\d+)?$/;

/** A finite number as a literal with full f64 precision (round-trips). */
export function formatNumber(value: number, dialect: Dialect): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new CompileError(`number ${String(value)} is not finite`);
  }
  if (dialect === 'gpujs' && Math.abs(value) > F32_MAX) {
    throw new CompileError(`constant ${value} overflows float32 (largest ${F32_MAX})`, String(value));
  }
  const magnitude = String(Math.abs(value));
  if (!NUMBER_TEXT.test(magnitude) || Number(magnitude) !== Math.abs(value)) {
    throw new CompileError(`number ${String(value)} has no safe literal form`);
  }
  const text = dialect === 'gpujs' && !/[.e]/.test(magnitude) ? `${magnitude}.0` : magnitude;
  return value < 0 || Object.is(value, -0) ? `(-${text})` : text;
}

/** What a block of emitted code needs around it. */
export interface Needs {
  readonly helpers: Set<HelperFn>;
  readonly powers: Set<number>;
  /** slots read by the block */
  readonly slots: Set<number>;
}

export const newNeeds = (): Needs => ({ helpers: new Set(), powers: new Set(), slots: new Set() });

export interface Block {
  /** `const vN = ...;` lines for loop-invariant subexpressions (before the loop) */
  readonly outer: string[];
  /** `const vN = ...;` lines for shared subexpressions, in dependency order */
  readonly lines: string[];
  /** one expression per root */
  readonly results: string[];
}

/** Operands per flat chain before a temporary takes the partial result. */
const CHAIN = 32;

const powName = (k: number, dialect: Dialect) => (dialect === 'js' ? `pw${k}` : `gd_pw${k}`);
const helperName = (fn: HelperFn, dialect: Dialect) => (dialect === 'js' ? `h_${fn}` : `gd_${fn}`);

/**
 * Emits the roots as expressions over `slotCode(slot)` (code reading a
 * declared value), naming every non-leaf node used more than once in a
 * `const` (common-subexpression elimination), and moving every non-leaf node
 * that reads only `invariant` slots into `outer` (loop-invariant code
 * motion). Both keep every value bit for bit.
 */
export function emitBlock(
  roots: readonly Op[], dialect: Dialect, slotCode: (slot: number) => string, needs: Needs,
  tempPrefix = 'v', invariant: (slot: number) => boolean = () => false,
): Block {
  const inv = new Map<number, boolean>();
  const isInvariant = (n: Op): boolean => {
    let r = inv.get(n.id);
    if (r !== undefined) return r;
    switch (n.op) {
      case 'num': r = true; break;
      case 'ref': r = invariant(n.slot); break;
      case 'neg': case 'ipow': r = isInvariant(n.a); break;
      case 'call': r = n.args.every(isInvariant); break;
      case 'sum': r = n.terms.every(isInvariant); break;
      case 'prod': r = n.factors.every(isInvariant); break;
      default: r = isInvariant(n.a) && isInvariant(n.b);
    }
    inv.set(n.id, r);
    return r;
  };
  const uses = new Map<number, number>();
  const count = (n: Op) => {
    const u = (uses.get(n.id) ?? 0) + 1;
    uses.set(n.id, u);
    if (u > 1) return;
    switch (n.op) {
      case 'num': case 'ref': return;
      case 'neg': case 'ipow': count(n.a); return;
      case 'call': n.args.forEach(count); return;
      case 'sum': n.terms.forEach(count); return;
      case 'prod': n.factors.forEach(count); return;
      default: count(n.a); count(n.b);
    }
  };
  roots.forEach(count);

  const lines: string[] = [];
  const outer: string[] = [];
  let target = lines;
  const named = new Map<number, string>();
  let temps = 0;
  const temp = (code: string) => {
    const v = `${tempPrefix}${temps++}`;
    target.push(`const ${v} = ${code};`);
    return v;
  };
  const expr = (n: Op): string => {
    const name = named.get(n.id);
    if (name) return name;
    if (n.op !== 'num' && n.op !== 'ref' && isInvariant(n)) {
      const saved = target;
      target = outer;
      const v = temp(print(n));
      target = saved;
      named.set(n.id, v);
      return v;
    }
    const code = print(n);
    if ((uses.get(n.id) ?? 0) > 1 && n.op !== 'num' && n.op !== 'ref') {
      const v = temp(code);
      named.set(n.id, v);
      return v;
    }
    return code;
  };
  // a left fold printed flat (JS operators are left-associative), cut into
  // temporaries every CHAIN operands so no parser meets a deep expression
  const chain = (operands: readonly Op[], ops: readonly string[], first: string): string => {
    let code = first + expr(operands[0]);
    for (let i = 1; i < operands.length; i++) {
      if (i % CHAIN === 0) code = temp(code);
      code = `${code} ${ops[i]} ${expr(operands[i])}`;
    }
    return `(${code})`;
  };
  const print = (n: Op): string => {
    switch (n.op) {
      case 'num': return formatNumber(n.value, dialect);
      case 'ref':
        if (!Number.isInteger(n.slot) || n.slot < 0) throw new CompileError(`bad slot ${n.slot}`);
        needs.slots.add(n.slot);
        return slotCode(n.slot);
      case 'sum': return chain(n.terms, n.minus.map((m) => (m ? '-' : '+')), n.minus[0] ? '-' : '');
      case 'prod': return chain(n.factors, n.factors.map(() => '*'), '');
      case 'div': return `(${expr(n.a)} / ${expr(n.b)})`;
      case 'neg': return `(-${expr(n.a)})`;
      case 'ipow':
        if (!Number.isSafeInteger(n.k) || n.k < 2) throw new CompileError(`bad integer power ${n.k}`);
        needs.powers.add(n.k);
        return `${powName(n.k, dialect)}(${expr(n.a)})`;
      case 'pow': {
        // Math.pow(NaN, 0) is 1, but an undefined base stays undefined (as in evaluate):
        // the factor 1 + 0·min(|a|, 1) is exactly 1 for every non-NaN a (±Infinity included)
        // and NaN for a NaN, so the result keeps every value bit for bit otherwise.
        const a0 = expr(n.a);
        const a = /^[A-Za-z_][A-Za-z0-9_]*$/.test(a0) ? a0 : temp(a0);
        const one = formatNumber(1, dialect), zero = formatNumber(0, dialect);
        return `(Math.pow(${a}, ${expr(n.b)}) * (${one} + ${zero} * Math.min(Math.abs(${a}), ${one})))`;
      }
      case 'call': {
        const args = n.args.map(expr).join(', ');
        if (isHelper(n.fn)) {
          needs.helpers.add(n.fn);
          return `${helperName(n.fn, dialect)}(${args})`;
        }
        const m = MATH_FN[n.fn];
        if (!m) throw new CompileError(`function ${n.fn} has no code form`, n.fn);
        return `${m}(${args})`;
      }
    }
  };
  const results = roots.map(expr);
  return { outer, lines, results };
}

/** x^k by right-to-left binary exponentiation: k−1 roundings' worth of error. */
export function powerSource(k: number, dialect: Dialect): string {
  if (!Number.isSafeInteger(k) || k < 2) throw new CompileError(`bad integer power ${k}`);
  const body: string[] = [];
  let base = 'x';
  let acc: string | undefined;
  let i = 0;
  for (let e = k; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) {
      if (acc === undefined) acc = base;
      else { body.push(`const m${i} = ${acc} * ${base};`); acc = `m${i}`; i++; }
    }
    if (e > 1) { body.push(`const m${i} = ${base} * ${base};`); base = `m${i}`; i++; }
  }
  return `function ${powName(k, dialect)}(x) { ${body.join(' ')} return ${acc}; }`;
}

// W. J. Cody's rational approximations for erf/erfc (CALERF, 1969); relative
// error below 1e-15 in f64 (checked in test/compile), a few ulps in f32.
const CODY_A = [3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03, 1.85777706184603153e-1];
const CODY_B = [2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03];
const CODY_C = [5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02, 8.81952221241769090e02,
  1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8];
const CODY_D = [1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03, 3.29079923573345963e03,
  4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03];

/** Cody's nested form ((first + c0)·v + c1)·v ... + last, unrolled. */
function codyPoly(first: string, coefs: readonly number[], last: number, v: string): string {
  const f = (x: number) => formatNumber(x, 'gpujs');
  let s = first;
  for (const c of coefs) s = `(${s} + ${f(c)}) * ${v}`;
  return `(${s} + ${f(last)})`;
}

/**
 * erf in f32 arithmetic: Cody's rational form on |x| ≤ 1/2, 1 − erfc on
 * 1/2 < |x| ≤ 4 (erfc with the exp(−x²) split that keeps it accurate), and
 * ±1 beyond, where erfc(4) ≈ 1.5e-8 is below half an f32 ulp of 1.
 */
export const GPU_ERF_SOURCE = `function gd_erf(x) {
  const y = Math.abs(x);
  if (y <= 0.5) {
    const z = x * x;
    return x * ${codyPoly(`${formatNumber(CODY_A[4], 'gpujs')} * z`, CODY_A.slice(0, 3), CODY_A[3], 'z')}
      / ${codyPoly('z', CODY_B.slice(0, 3), CODY_B[3], 'z')};
  }
  if (y > 4.0) {
    if (x > 0.0) { return 1.0; }
    return -1.0;
  }
  const r = ${codyPoly(`${formatNumber(CODY_C[8], 'gpujs')} * y`, CODY_C.slice(0, 7), CODY_C[7], 'y')}
    / ${codyPoly('y', CODY_D.slice(0, 7), CODY_D[7], 'y')};
  const w = Math.floor(y * 16.0) / 16.0;
  const u = (y - w) * (y + w);
  const c = Math.exp(-(w * w)) * Math.exp(-u) * r;
  if (x > 0.0) { return 1.0 - c; }
  return c - 1.0;
}`;

/** Helpers of the GPU.js dialect, by name; softplus needs gd_log1p. */
export const GPU_HELPER_SOURCES: Record<HelperFn | 'log1p', string> = {
  erf: GPU_ERF_SOURCE,
  // NaN fails every comparison and falls through to `return x`: NaN in, NaN out
  relu: 'function gd_relu(x) { if (x > 0.0) { return x; } if (x <= 0.0) { return 0.0; } return x; }',
  step: 'function gd_step(x) { if (x > 0.0) { return 1.0; } if (x < 0.0) { return 0.0; } if (x == 0.0) { return 0.5; } return x; }',
  // both branches divide by a number in [1, 2]: no overflow, no cancellation
  sigmoid: 'function gd_sigmoid(x) { if (x >= 0.0) { return 1.0 / (1.0 + Math.exp(-x)); } const e = Math.exp(x); return e / (1.0 + e); }',
  // log1p(z) for z ≥ 0 without Math.log1p (not in every GPU.js backend):
  // Goldberg's correction log(w)·z/(w−1) with w = fl(1+z) cancels w's rounding.
  log1p: 'function gd_log1p(z) { const w = 1.0 + z; if (w == 1.0) { return z; } return Math.log(w) * z / (w - 1.0); }',
  // softplus x = max(x, 0) + log1p(exp(−|x|)): exp never overflows
  softplus: 'function gd_softplus(x) { if (x > 0.0) { return x + gd_log1p(Math.exp(-x)); } return gd_log1p(Math.exp(x)); }',
};

/** The GPU.js function sources a block needs (helpers first, then powers). */
export function gpuFunctionSources(needs: Needs): string[] {
  const out: string[] = [];
  if (needs.helpers.has('softplus')) out.push(GPU_HELPER_SOURCES.log1p);
  for (const h of HELPER_FNS) if (needs.helpers.has(h)) out.push(GPU_HELPER_SOURCES[h]);
  for (const k of [...needs.powers].sort((a, b) => a - b)) out.push(powerSource(k, 'gpujs'));
  return out;
}

/** Preamble of a twin's source: helper bindings from `H` and power functions. */
export function jsPreamble(needs: Needs): string {
  const lines: string[] = [];
  for (const h of HELPER_FNS) if (needs.helpers.has(h)) lines.push(`const ${helperName(h, 'js')} = H.${h};`);
  for (const k of [...needs.powers].sort((a, b) => a - b)) lines.push(powerSource(k, 'js'));
  return lines.join('\n');
}

// ---------- the last line of defence ----------

/**
 * What an emitter may write. 'compile': the Expr emitters above and the loop
 * templates of kernel.ts, pairwise.ts and the fused step (fused/source.ts).
 * 'ntk': the NNGP/NTK recursion of src/ntk/codegen.ts and the activation
 * templates it inlines (fixed statements whose only variable parts are
 * numeric literals); besides the compile characters it uses `?:` ternaries.
 */
export type Vocabulary = 'compile' | 'ntk';

const KEYWORDS = ['function', 'return', 'const', 'let', 'for', 'if', 'else', 'this', 'thread'];
const FIXED_IDENTIFIERS = new Set([
  ...KEYWORDS, 'Math', 'exp', 'log', 'sqrt', 'abs', 'sin', 'cos', 'tanh', 'asin', 'acos', 'min', 'max', 'pow', 'floor',
  'H', 'erf', 'relu', 'step', 'sigmoid', 'softplus', 'length',
  // kernel arguments and loop variables of the templates in kernel.ts, pairwise.ts and the fused step
  'X', 'Y', 'P', 'K', 'B', 'N', 'M', 'NX', 'NY', 'n', 'b', 'c', 'd', 'e', 'i', 'j', 'k', 'o', 'q', 'r',
  't', 'u', 'w', 'x', 'y', 'z', 'dydt', 'dot', 'sq',
]);
const GENERATED_IDENTIFIER = /^(?:[amv]\d+(?:_\d+)?|pw\d+|gd_pw\d+|h_(?:erf|relu|step|sigmoid|softplus)|gd_(?:erf|relu|step|sigmoid|softplus|log1p))$/;
const ALLOWED_CHARS = /^[A-Za-z0-9_ \n.+\-*/(),;{}[\]<>=!&|]*$/;

/** The NTK recursion's words: no `this`, no helper bindings, only the names its templates declare. */
const NTK_IDENTIFIERS = new Set([
  'function', 'return', 'const', 'let', 'for', 'if', 'else', 'new', 'Float64Array', 'Infinity',
  'Math', 'exp', 'log', 'sqrt', 'abs', 'sin', 'cos', 'tanh', 'asin', 'acos', 'atan2', 'min', 'max', 'pow', 'floor', 'PI',
  // codegen.ts: preamble constants and helpers, the kernels' arguments and locals
  'PI2_HI', 'PI2_LO', 'PI_HI', 'PI_LO', 'arccos', 'sqrt0', 'diag', 'rows', 'dual',
  'X', 'X1', 'X2', 'N', 'N1', 'N2', 'D', 'D1', 'D2', 'R', 'R1', 'R2', 'NNGP', 'NTK', 'BLOCKS', 'nBlocks', 'sym', 'ROW', 'TR',
  'EXT', 'EXTD', 'OUT', 'CW', 'CB', 'CN', 'CH', 'S', 'T', 'K', 'Kd', 'k', 'q', 'g', 'l', 'v', 'x', 'z', 's', 't',
  'a', 'c', 'i', 'j', 'o', 'r', 'm', 'nrm', 'base', 'bb', 'i0', 'i1', 'j0', 'j1', 'js', 'ib', 'jb', 'out', 'onDiag',
  'p', 'p0', 'p1', 'p2', 'p3', 'a0', 'a1', 'a2', 'a3', 's1', 's2', 'r1', 'r2', 'w2',
  // the activation templates of src/ntk/activations.ts
  'rho', 'sn', 'Sb', 'sq', 'pq', 'pp', 'd2', 'dl', 'al', 'rt', 'hs', 'ep', 'em', 'det', 'sm', 'df', 'den', 'el', 'er',
  'sh', 'dt', 'qb', 't1', 't2', 'acc', 'A',
]);
/** fdlibm's coefficient names and the Mehler terms P0, P1, ... */
const NTK_GENERATED = /^(?:PS[0-5]|QS[1-4]|P\d+)$/;
const NTK_CHARS = /^[A-Za-z0-9_ \n.+\-*/(),;{}[\]<>=!&|?:]*$/;

const VOCABULARIES: Record<Vocabulary, { chars: RegExp; fixed: ReadonlySet<string>; generated: RegExp }> = {
  compile: { chars: ALLOWED_CHARS, fixed: FIXED_IDENTIFIERS, generated: GENERATED_IDENTIFIER },
  ntk: { chars: NTK_CHARS, fixed: NTK_IDENTIFIERS, generated: NTK_GENERATED },
};

/**
 * Throws unless `src` consists only of the characters, identifiers and number
 * literals the emitters of `vocabulary` produce: no strings, template
 * literals, comments, escapes, `$`, or any identifier outside a fixed
 * vocabulary (property names included, so no `constructor`, `__proto__`, ...).
 */
export function assertSafeSource(src: string, vocabulary: Vocabulary = 'compile'): void {
  const v = VOCABULARIES[vocabulary];
  if (!v) throw new CompileError(`internal: unknown source vocabulary ${JSON.stringify(String(vocabulary))}`);
  if (typeof src !== 'string') throw new CompileError('internal: emitted source is not a string');
  if (!v.chars.test(src)) {
    const bad = [...src].find((ch) => !v.chars.test(ch));
    throw new CompileError(`internal: emitted source contains the character ${JSON.stringify(bad)}`, bad);
  }
  if (src.includes('//') || src.includes('/*')) throw new CompileError('internal: emitted source contains a comment');
  const token = /[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?(?:e[+-]\d+)?|\.\d+|[^A-Za-z0-9_]/g;
  for (const m of src.matchAll(token)) {
    const t = m[0];
    if (/^[A-Za-z_]/.test(t) && !v.fixed.has(t) && !v.generated.test(t)) {
      throw new CompileError(`internal: emitted source contains the identifier ${JSON.stringify(t)}`, t);
    }
  }
}
