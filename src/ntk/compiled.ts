// The NNGP/NTK through the compile layer's pairwise kernel (gpu.js, f32, threaded
// where it pays; or its f64 twin): the whole recursion as one Expr in
// dot = x·y, nx2 = |x|², ny2 = |y|² (recursion.ts kernelExprs).
//
// f32 loses accuracy where the duals are ill-conditioned: the ReLU family near
// correlation ±1 (arccos), so Gram diagonals are only good to ~√(2^-24) ≈ 3e-4
// relative there. test/ntk/compiled.test.ts checks every entry against the f64
// kernel within the running error bound of compile/bound.ts.

import { type Expr, children } from '../symbolic/index.ts';
import { compilePairwise, type PairwiseKernel } from '../compile/index.ts';
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
  return {
    d, nngp, ntk, exprs,
    async run(x1, x2) {
      const X1 = toMatrix(x1, 'x1');
      const X2 = x2 === undefined || x2 === null ? X1 : toMatrix(x2, 'x2');
      if (X1.cols !== d || X2.cols !== d) throw new KernelInputError(`inputs must have d = ${d} columns, got ${X1.cols} and ${X2.cols}`);
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
