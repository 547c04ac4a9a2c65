// Source of the fused NNGP/NTK kernel for one architecture.
//
// The whole depth recursion of an entry (i, j) runs in one pass, in registers:
//
//   S = W₀²·(x_i·x_j)/d + b₀²,  Θ = S                 (standard: Θ = d·(x_i·x_j)/d + 1_b)
//   for each hidden block l:  K, K̇ = dual_l(S, s_i^l, s_j^l)
//                             S = W_l²·K + b_l²,  Θ = S + W_l²·Θ·K̇   (standard: n·K + W_l²·Θ·K̇ + 1_b)
//
// with the per-row variances s^l from the separate diagonal formulas (neural-tangents'
// diagonal_batch=True) and their reciprocal roots 1/√s^l, computed first by `diag`
// (so an entry's correlation is S·r_i·r_j: multiplications, no square root or division).
// The loops run layer by layer over one tile row (64 entries): each layer's entries are
// independent, so the processor overlaps their square roots and divisions instead of
// waiting on one entry's chain through all layers. The generated text is made of
// this file's fixed templates, the activations' fixed templates and numeric
// literals (through `lit`, which accepts finite numbers only): no user text.
// compileSource hands it to the compile runtime (compile/runtime.ts), whose
// assertSafeSource check (vocabulary 'ntk') refuses anything else.
//
// Both functions are self-contained (helpers in the preamble), so the same source
// runs on the main thread and in worker threads.

import { type Activation, lit } from './activations.ts';
import type { Architecture } from './architecture.ts';
import { ArgumentError } from '../core/index.ts';
import { twinFunction } from '../compile/index.ts';

/**
 * Helpers available to templates:
 *   arccos(x) for x ∈ [−1, 1]: fdlibm's asin rational kernel on |x| < 1/2 and on
 *     √((1 − |x|)/2) above, within 2 ulp of Math.acos. In the kernel loop it beats
 *     Math.acos and an inlined atan2(√(1 − ρ²), ρ) (neural-tangents' form, three
 *     data-dependent branches against two well-predicted ones here);
 *   sqrt0(x) = √max(x, 0) (NaN stays NaN).
 */
export const PREAMBLE = `
const PI2_HI = 1.57079632679489655800e+00, PI2_LO = 6.12323399573676603587e-17;
const PI_HI = 3.1415926535897931160e+00, PI_LO = 1.2246467991473531772e-16;
const PS0 = 1.66666666666666657415e-01, PS1 = -3.25565818622400915405e-01, PS2 = 2.01212532134862925881e-01,
  PS3 = -4.00555345006794114027e-02, PS4 = 7.91534994289814532176e-04, PS5 = 3.47933107596021167570e-05,
  QS1 = -2.40339491173441421878e+00, QS2 = 2.02094576023350569471e+00, QS3 = -6.88283971605453293030e-01,
  QS4 = 7.70381505559019352791e-02;
function arccos(x) {
  const a = x < 0 ? -x : x;
  let t;
  if (a < 0.5) {
    const z = a * a;
    const r = z * (PS0 + z * (PS1 + z * (PS2 + z * (PS3 + z * (PS4 + z * PS5))))) / (1 + z * (QS1 + z * (QS2 + z * (QS3 + z * QS4))));
    t = PI2_HI - (a - (PI2_LO - a * r));
  } else {
    const z = (1 - a) * 0.5;
    const s = Math.sqrt(z);
    const r = z * (PS0 + z * (PS1 + z * (PS2 + z * (PS3 + z * (PS4 + z * PS5))))) / (1 + z * (QS1 + z * (QS2 + z * (QS3 + z * QS4))));
    t = 2 * (s + s * r);
  }
  return x < 0 ? (PI_HI - t) + PI_LO : t;
}
function sqrt0(x) { return Math.sqrt(Math.max(x, 0)); }
`;

/** The numbers of an architecture that the generated code bakes in. */
export interface KernelPlan {
  readonly d: number;
  readonly depth: number;
  /** W_l² for the L + 1 dense layers */
  readonly W2: readonly number[];
  /** b_l² (0 without bias) */
  readonly B2: readonly number[];
  readonly hasBias: readonly boolean[];
  readonly parameterization: 'ntk' | 'standard';
  /** fan-in of each dense layer: d, then the hidden width (standard parameterization only) */
  readonly fanIn: readonly number[];
  readonly activations: readonly Activation[];
  readonly wantNtk: boolean;
}

/** The plan of an architecture for inputs of dimension d. */
export function kernelPlan(arch: Architecture, d: number, wantNtk: boolean): KernelPlan {
  const width = arch.width;
  if (arch.parameterization === 'standard' && width === undefined) {
    throw new ArgumentError("the standard-parameterization NTK scales with the hidden width: give { width } (or '; width=512' in the spec)");
  }
  return {
    d, depth: arch.depth,
    W2: arch.dense.map((l) => l.W_std * l.W_std),
    B2: arch.dense.map((l) => (l.b_std === null ? 0 : l.b_std * l.b_std)),
    hasBias: arch.dense.map((l) => l.b_std !== null),
    parameterization: arch.parameterization,
    fanIn: arch.dense.map((_, l) => (l === 0 ? d : (width ?? 0))),
    activations: arch.activations,
    wantNtk,
  };
}

/** Whether every activation has a code template (then the kernel can run in workers). */
export function allTemplated(plan: KernelPlan): boolean {
  return plan.activations.every((a) => a.template !== undefined);
}

function diagStep(act: Activation): string {
  return act.template ? act.template.diag : 'k = EXTD[l](q);';
}

function pairStep(act: Activation): string {
  return act.template ? act.template.pair : 'EXT[l](S, s1, s2, OUT);\nK = OUT[0];\nKd = OUT[1];';
}

/**
 * Runs of consecutive hidden layers with the same activation code: each run
 * becomes one loop over its layers (one copy of the template, so V8 inlines its
 * helpers once instead of running out of inlining budget on an unrolled body).
 */
function layerRuns(plan: KernelPlan): Array<{ start: number; end: number; act: Activation }> {
  const runs: Array<{ start: number; end: number; act: Activation }> = [];
  plan.activations.forEach((act, l) => {
    const last = runs[runs.length - 1];
    const same = last && (act.template && last.act.template
      ? act.template.pair === last.act.template.pair && act.template.diag === last.act.template.diag
      : false);
    if (same) last.end = l + 1;
    else runs.push({ start: l, end: l + 1, act });
  });
  return runs;
}

/** Per-dense-layer constants as literal tables: CW = W², CB = b², CN = fan-in, CH = 1 if bias. */
function constantTables(plan: KernelPlan): string {
  const table = (name: string, xs: readonly number[]) => `const ${name} = new Float64Array([${xs.map(lit).join(', ')}]);`;
  return [
    table('CW', plan.W2), table('CB', plan.B2), table('CN', plan.fanIn), table('CH', plan.hasBias.map((b) => (b ? 1 : 0))),
  ].join('\n');
}

/**
 * `diag(X, N, D, R, EXTD)`: for each row, D[i·(L+1) + l] = s^{l+1}(x_i) (the variance
 * entering activation l + 1; the last one is the output variance) and R = 1/√D, the
 * reciprocal root (0 where D = 0, NaN where D < 0). Returns −1, or the first index of
 * D that is not finite or negative.
 */
export function diagSource(plan: KernelPlan): string {
  const { d, depth: L } = plan;
  const DS = L + 1;
  const lines: string[] = [
    PREAMBLE,
    constantTables(plan),
    'return function diag(X, N, D, R, EXTD) {',
    'for (let i = 0; i < N; i++) {',
    `const o = i * ${d};`,
    'let nrm = 0;',
    `for (let k = 0; k < ${d}; k++) { const v = X[o + k]; nrm += v * v; }`,
    `let q = CW[0] * (nrm * ${lit(1 / d)}) + CB[0];`,
    `const base = i * ${DS};`,
    'D[base] = q; R[base] = q === 0 ? 0 : 1 / Math.sqrt(q);',
  ];
  for (const run of layerRuns(plan)) {
    lines.push(`for (let l = ${run.start}; l < ${run.end}; l++) {`);
    lines.push(`let k;\n${diagStep(run.act)}`);
    lines.push('q = CW[l + 1] * k + CB[l + 1];');
    lines.push('D[base + l + 1] = q; R[base + l + 1] = q === 0 ? 0 : 1 / Math.sqrt(q);');
    lines.push('}');
  }
  lines.push('}');
  lines.push(`for (let t = 0; t < N * ${DS}; t++) { if (!(Math.abs(D[t]) < Infinity) || !(R[t] >= 0)) return t; }`);
  lines.push('return -1;', '};');
  return lines.join('\n');
}

/** Tile size of the kernel loops (rows and columns); a multiple of 8 keeps threads off each other's cache lines. */
export const TILE = 64;

/**
 * Length of the scratch buffer `rows` takes (ROW): TILE input dot products, then the
 * transposed NNGP and NTK values of one tile (TILE² each), written to the mirror tile
 * row by row once the tile is done, then the running S and Θ of one tile row (TILE each).
 */
export const ROW_SCRATCH = TILE + 2 * TILE * TILE + 2 * TILE;

/**
 * `rows(X1, X2, N1, N2, D1, R1, D2, R2, NNGP, NTK, BLOCKS, nBlocks, sym, ROW, EXT, OUT)`:
 * for each row block starting at BLOCKS[b] (TILE rows), the TILE×TILE tiles of its
 * entries: every column when not sym; when sym (a Gram matrix) only j ≥ i, and the
 * diagonal uses S = s_i exactly. Within a tile, each row's entries go through the layers
 * together (layer by layer over the row, S and Θ kept in ROW). The mirror (j, i) of an
 * off-diagonal tile is written tile-locally: each value also goes, transposed, into the
 * scratch ROW (offsets TILE and TILE + TILE²), which is copied row by row into the mirror
 * tile when the tile is done (contiguous writes instead of one N2-strided write per
 * entry). Inside a diagonal tile the mirror is written directly (its rows are the tile's
 * own). ROW has ROW_SCRATCH entries.
 */
export function rowsSource(plan: KernelPlan): string {
  const { d, depth: L, wantNtk } = plan;
  const DS = L + 1;
  const std = plan.parameterization === 'standard';
  const TT = TILE * TILE;
  const SO = TILE + 2 * TT, TO = SO + TILE; // offsets of the tile row's S and Θ in ROW
  const lines: string[] = [
    PREAMBLE,
    constantTables(plan),
    'return function rows(X1, X2, N1, N2, D1, R1, D2, R2, NNGP, NTK, BLOCKS, nBlocks, sym, ROW, EXT, OUT) {',
    'for (let bb = 0; bb < nBlocks; bb++) {',
    `const i0 = BLOCKS[bb], i1 = Math.min(i0 + ${TILE}, N1);`,
    `for (let j0 = sym ? i0 : 0; j0 < N2; j0 += ${TILE}) {`,
    `const j1 = Math.min(j0 + ${TILE}, N2);`,
    'const onDiag = sym && j0 === i0;',
    'for (let i = i0; i < i1; i++) {',
    `const o = i * ${d};`,
    'const js = onDiag ? i : j0;',
    'let j = js;',
    // input dot products, four columns at a time (each sum runs over k in order, as the norms do)
    'for (; j + 3 < j1; j += 4) {',
    `const p0 = j * ${d}, p1 = p0 + ${d}, p2 = p1 + ${d}, p3 = p2 + ${d};`,
    'let a0 = 0, a1 = 0, a2 = 0, a3 = 0;',
    `for (let k = 0; k < ${d}; k++) { const x = X1[o + k]; a0 += x * X2[p0 + k]; a1 += x * X2[p1 + k]; a2 += x * X2[p2 + k]; a3 += x * X2[p3 + k]; }`,
    'const c = j - j0;',
    'ROW[c] = a0; ROW[c + 1] = a1; ROW[c + 2] = a2; ROW[c + 3] = a3;',
    '}',
    `for (; j < j1; j++) { const p = j * ${d}; let a = 0; for (let k = 0; k < ${d}; k++) a += X1[o + k] * X2[p + k]; ROW[j - j0] = a; }`,
    `const ib = i * ${DS};`,
    'const out = i * N2;',
    'for (j = js; j < j1; j++) {',
    'const c = j - j0;',
    `const g = ROW[c] * ${lit(1 / d)};`,
    'const v = CW[0] * g + CB[0];',
    `ROW[${SO} + c] = v;`,
  ];
  if (wantNtk) lines.push(std ? `ROW[${TO} + c] = CN[0] * g + CH[0];` : `ROW[${TO} + c] = v;`);
  lines.push('}');
  for (const run of layerRuns(plan)) {
    lines.push(`for (let l = ${run.start}; l < ${run.end}; l++) {`);
    lines.push('const s1 = D1[ib + l], r1 = R1[ib + l], w2 = CW[l + 1];');
    // the diagonal entry of a Gram matrix enters every layer with S = s_i exactly
    lines.push(`if (onDiag) ROW[${SO} + i - j0] = s1;`);
    lines.push('for (j = js; j < j1; j++) {');
    lines.push(`const c = j - j0, jb = j * ${DS} + l;`);
    lines.push(`const S = ROW[${SO} + c], s2 = D2[jb], r2 = R2[jb];`);
    lines.push('let K, Kd;');
    lines.push(`{\n${pairStep(run.act)}\n}`);
    lines.push('const v = w2 * K + CB[l + 1];');
    lines.push(`ROW[${SO} + c] = v;`);
    if (wantNtk) {
      lines.push(std
        ? `ROW[${TO} + c] = CN[l + 1] * K + w2 * ROW[${TO} + c] * Kd + CH[l + 1];`
        : `ROW[${TO} + c] = v + w2 * ROW[${TO} + c] * Kd;`);
    }
    lines.push('}', '}');
  }
  // A Gram diagonal entry is its row's output variance (the diagonal formulas), bit for bit.
  lines.push(`if (onDiag) ROW[${SO} + i - j0] = D1[ib + ${L}];`);
  lines.push('for (j = js; j < j1; j++) {');
  lines.push('const c = j - j0;');
  lines.push(`const v = ROW[${SO} + c];`);
  lines.push('NNGP[out + j] = v;');
  if (wantNtk) lines.push(`const T = ROW[${TO} + c];`, 'NTK[out + j] = T;');
  lines.push('if (sym) {');
  lines.push(`if (!onDiag) { const t = ${TILE} + (i - i0) + c * ${TILE}; ROW[t] = v;${wantNtk ? ` ROW[t + ${TT}] = T;` : ''} }`);
  lines.push(`else { NNGP[j * N2 + i] = v;${wantNtk ? ' NTK[j * N2 + i] = T;' : ''} }`);
  lines.push('}');
  lines.push('}', '}');
  // the mirror tile, row by row from the transposed scratch
  // (generated names stay within the 'ntk' vocabulary of compile/emit.ts: k runs over the tile's columns)
  lines.push('if (sym && !onDiag) {');
  lines.push('for (let k = j0; k < j1; k++) {');
  lines.push(`const p = ${TILE} + (k - j0) * ${TILE}, o = k * N2 + i0;`);
  lines.push('for (let c = 0; c < i1 - i0; c++) NNGP[o + c] = ROW[p + c];');
  if (wantNtk) lines.push(`for (let c = 0; c < i1 - i0; c++) NTK[o + c] = ROW[p + ${TT} + c];`);
  lines.push('}', '}');
  lines.push('}', '}', '};');
  return lines.join('\n');
}

export type DiagFn = (X: Float64Array, N: number, D: Float64Array, R: Float64Array, EXTD: unknown) => number;
export type RowsFn = (
  X1: Float64Array, X2: Float64Array, N1: number, N2: number,
  D1: Float64Array, R1: Float64Array, D2: Float64Array, R2: Float64Array,
  NNGP: Float64Array, NTK: Float64Array | null, BLOCKS: Int32Array, nBlocks: number, sym: boolean, ROW: Float64Array,
  EXT: unknown, OUT: Float64Array | null,
) => void;

/**
 * Compiles a generated source through the compile runtime: checked by
 * assertSafeSource against the 'ntk' vocabulary (these templates and
 * numeric literals, nothing else), then cached by text with every other twin.
 */
export function compileSource<F>(source: string): F {
  return twinFunction<F>(source, 'ntk');
}

/** arccos(x), x ∈ [−1, 1], as the kernels compute it (exported for tests). */
export const arccos = compileSource<(x: number) => number>(`${PREAMBLE}\nreturn arccos;`);

/** The dual of one activation as an f64 function: (S, s1, s2) → [K, K̇] (the kernels' own code). */
export function dualFunction(act: Activation): (S: number, s1: number, s2: number) => [number, number] {
  if (!act.template) {
    const dual = act.dual;
    if (!dual) throw new TypeError(`activation ${act.spec} has neither a template nor a dual function`);
    const out = new Float64Array(2);
    return (S, s1, s2) => { dual(S, s1, s2, out); return [out[0], out[1]]; };
  }
  return compileSource<(S: number, s1: number, s2: number) => [number, number]>(
    `${PREAMBLE}\nreturn function dual(S, s1, s2) {\nconst r1 = s1 === 0 ? 0 : 1 / Math.sqrt(s1), r2 = s2 === 0 ? 0 : 1 / Math.sqrt(s2);\nlet K, Kd;\n${act.template.pair}\nreturn [K, Kd];\n};`);
}

/** E[φ(u)²], u ~ N(0, q), as the kernels compute it. */
export function diagFunction(act: Activation): (q: number) => number {
  if (!act.template) {
    const diag = act.diag;
    if (!diag) throw new TypeError(`activation ${act.spec} has neither a template nor a diag function`);
    return diag;
  }
  return compileSource<(q: number) => number>(`${PREAMBLE}\nreturn function diag(q) {\nlet k;\n${act.template.diag}\nreturn k;\n};`);
}
