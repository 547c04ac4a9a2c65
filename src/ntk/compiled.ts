// The NNGP/NTK through the compile layer's pairwise kernel (gpu.js, f32, threaded
// where it pays; or its f64 twin): the whole recursion as one Expr in
// dot = x·y, nx2 = |x|², ny2 = |y|² (recursion.ts kernelExprs). In f64, run() takes both
// kernels from one twin of the two Exprs (the NTK's contains the NNGP's, so the recursion runs
// once per entry), with the same bits as each pairwise twin alone.
//
// f32 loses accuracy where the duals are ill-conditioned: the ReLU family near
// correlation ±1 (arccos), so Gram diagonals are only good to ~√(2^-24) ≈ 3e-4
// relative there. test/ntk/compiled.test.ts checks every entry against the f64
// kernel within the running error bound of compile/bound.ts.

import { type Expr, children } from '../symbolic/index.ts';
import { compile, compilePairwise, twinFunction, type PairwiseKernel } from '../compile/index.ts';
import type { Backend, Precision } from '../compile/index.ts';
import type { Architecture } from './architecture.ts';
import { type Inputs, type Matrix, KernelInputError, toMatrix } from './kernels.ts';
import { kernelExprs } from './recursion.ts';

/** Tree size of an Expr DAG counted with repetition (what lowering walks), memoised per node. */
function treeSize(e: Expr, memo = new Map<Expr, number>()): number {
  const hit = memo.get(e);
  if (hit !== undefined) return hit;
  let n = 1;
  for (const c of children(e)) n += treeSize(c, memo);
  memo.set(e, n);
  return n;
}

/** Largest Expr tree the compiled kernel accepts (lowering walks it node by node). */
export const MAX_COMPILED_TREE = 2_000_000;

export interface CompiledKernelOptions {
  /** compile-layer backend (default 'auto': f32 threaded kernel for large async calls) */
  readonly backend?: Backend;
  /** default 'f32' */
  readonly precision?: Precision;
  /** which kernels to compile (default both) */
  readonly get?: readonly ('nngp' | 'ntk')[];
}

export interface CompiledKernels {
  readonly d: number;
  readonly nngp?: PairwiseKernel;
  readonly ntk?: PairwiseKernel;
  /** the Exprs compiled, in dot, nx2, ny2 */
  readonly exprs: { readonly nngp: Expr; readonly ntk: Expr };
  /** N1×N2 kernels (x2 omitted: x1) */
  run(x1: Inputs, x2?: Inputs | null): Promise<{ nngp?: Matrix; ntk?: Matrix; backend: string }>;
  dispose(): void;
}

/** The compile layer's f64 twin called directly: (X, P, Y, B) fills Y for B points. */
type TwinFn = (X: Float64Array, P: Float64Array, Y: Float64Array, B: number) => Float64Array;

const NO_PARAMS = new Float64Array(1);

/** Entries per block of bothTwin (its inputs and outputs stay in cache: 5 × 8 bytes each). */
const BOTH_BLOCK = 4096;

/**
 * NNGP and NTK together from one f64 twin of the two Exprs in (dot, nx2, ny2): the NTK's Expr
 * contains the NNGP's, so the recursion runs once per entry instead of once per kernel. Row by
 * row, blocks of entries get dot = Σ_k x_k y_k and the squared norms summed in the order the
 * pairwise twin sums them, so every value has the same bits as that kernel's.
 */
function bothTwin(exprs: { readonly nngp: Expr; readonly ntk: Expr }): (X1: Matrix, X2: Matrix) => [Matrix, Matrix] {
  const f = twinFunction<TwinFn>(compile([exprs.nngp, exprs.ntk], { inputs: ['dot', 'nx2', 'ny2'], backend: 'f64' }).f64.source);
  const norms = (m: Matrix) => {
    const out = new Float64Array(m.rows);
    for (let i = 0; i < m.rows; i++) {
      let s = 0;
      for (let k = i * m.cols, end = k + m.cols; k < end; k++) s += m.data[k] * m.data[k];
      out[i] = s;
    }
    return out;
  };
  return (X1, X2) => {
    const N = X1.rows, M = X2.rows, d = X1.cols, x = X1.data, y = X2.data;
    const n1 = norms(X1), n2 = X2 === X1 ? n1 : norms(X2);
    const A = new Float64Array(N * M), B = new Float64Array(N * M);
    const cols = Math.max(1, Math.min(M, BOTH_BLOCK));
    const inp = new Float64Array(3 * cols), res = new Float64Array(2 * cols);
    for (let i = 0; i < N; i++) {
      const o = i * d, r = i * M;
      for (let j0 = 0; j0 < M; j0 += cols) {
        const m = Math.min(cols, M - j0);
        let c = 0;
        // four columns at a time: four independent sums (each still in k order) keep the FPU busy
        for (; c + 3 < m; c += 4) {
          const q = (j0 + c) * d;
          let d0 = 0, d1 = 0, d2 = 0, d3 = 0;
          for (let k = 0; k < d; k++) {
            const u = x[o + k];
            d0 += u * y[q + k]; d1 += u * y[q + d + k]; d2 += u * y[q + 2 * d + k]; d3 += u * y[q + 3 * d + k];
          }
          inp[3 * c] = d0; inp[3 * c + 3] = d1; inp[3 * c + 6] = d2; inp[3 * c + 9] = d3;
        }
        for (; c < m; c++) {
          const q = (j0 + c) * d;
          let dot = 0;
          for (let k = 0; k < d; k++) dot += x[o + k] * y[q + k];
          inp[3 * c] = dot;
        }
        for (c = 0; c < m; c++) { inp[3 * c + 1] = n1[i]; inp[3 * c + 2] = n2[j0 + c]; }
        f(inp, NO_PARAMS, res, m);
        for (let c = 0; c < m; c++) { A[r + j0 + c] = res[2 * c]; B[r + j0 + c] = res[2 * c + 1]; }
      }
    }
    return [{ data: A, rows: N, cols: M }, { data: B, rows: N, cols: M }];
  };
}

/**
 * Compiles the NNGP/NTK of `arch` for inputs of dimension d into pairwise kernels
 * of the compile layer (f32 by default). Closed-form activations only.
 */
export function compileKernels(arch: Architecture, d: number, opts: CompiledKernelOptions = {}): CompiledKernels {
  if (!Number.isSafeInteger(d) || d < 1) throw new KernelInputError(`d must be a positive integer, got ${String(d)}`);
  const get = opts.get ?? ['nngp', 'ntk'];
  const exprs = kernelExprs(arch, d);
  for (const g of get) {
    const size = treeSize(exprs[g]);
    if (size > MAX_COMPILED_TREE) {
      throw new KernelInputError(`the ${g} of ${arch.spec} unrolls to ${size} expression nodes (limit ${MAX_COMPILED_TREE}): `
        + 'too deep for the compiled kernel; use kernels() (f64)');
    }
  }
  const backend = opts.backend ?? 'auto';
  const precision = opts.precision ?? 'f32';
  const make = (g: 'nngp' | 'ntk') => (get.includes(g) ? compilePairwise(exprs[g], { d, backend, precision }) : undefined);
  const nngp = make('nngp'), ntk = make('ntk');
  // f64 (the pairwise kernels run on their twins): both kernels from one twin of the two Exprs
  const both = precision === 'f64' && nngp && ntk ? bothTwin(exprs) : undefined;
  return {
    d, nngp, ntk, exprs,
    async run(x1, x2) {
      const X1 = toMatrix(x1, 'x1');
      const X2 = x2 === undefined || x2 === null ? X1 : toMatrix(x2, 'x2');
      if (X1.cols !== d || X2.cols !== d) throw new KernelInputError(`inputs must have d = ${d} columns, got ${X1.cols} and ${X2.cols}`);
      if (both) {
        const [a, b] = both(X1, X2);
        return { nngp: a, ntk: b, backend: 'f64' };
      }
      const out: { nngp?: Matrix; ntk?: Matrix; backend: string } = { backend: '' };
      for (const [g, k] of [['nngp', nngp], ['ntk', ntk]] as const) {
        if (!k) continue;
        const data = await k.runAsync(X1.data, X2.data) as Float64Array;
        out[g] = { data, rows: X1.rows, cols: X2.rows };
        out.backend = `${k.backend}${k.threaded ? ' (threaded)' : ''}`;
      }
      return out;
    },
    dispose() { nngp?.dispose(); ntk?.dispose(); },
  };
}
