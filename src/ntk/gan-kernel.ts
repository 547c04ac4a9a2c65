// The discriminator's kernel k(x, s) for the NTK view of GANs (moved here from
// src/models/ntk-gan, shared by ntk-gan and effective-gan): the NTK (or NNGP)
// of an architecture (src/ntk), or a Gaussian RBF, as one Expr in the pairwise
// names dot = x·s, nx2 = |x|², ny2 = |s|², sqdist = |x − s|², with its exact
// input gradient by symbolic differentiation (symbolic/diff.ts):
//
//   ∇_x k(x, s) = ∂k/∂dot · s + 2 ∂k/∂nx2 · x + 2 ∂k/∂sqdist · (x − s),
//
// the four Exprs compiled together into one f64 twin (compile/kernel.ts).
//
// Non-smooth points (docs/ntk-gan.md B.5). Kernels built on arccos of a correlation
// (the ReLU family, sign) have a cone-shaped cusp where a layer correlation is
// ±1: at x = s, and, without bias, along the whole line x = λs (λ ≠ 0, both
// signs) and at x = 0. There ∂k/∂dot and ∂k/∂nx2 are infinite (the cone's
// gradient depends on the direction of approach) and the twin returns ±∞/NaN.
// Convention (documented, tested): at such a pair the code returns the
// SYMMETRIC subgradient — the mean of the one-sided gradients from x + εu and
// x − εu as ε → 0, i.e. the centre of the Clarke subdifferential — and counts
// the pair in `nonSmooth`:
//  - x = s ('diagonal'): ½∇D(s), D(x) = k(x, x), D = D(|x|²) smooth (affine in
//    |x|² for the ReLU family). Proof: near the diagonal k = g + r with g
//    symmetric and C¹ and r an even cone vanishing on the diagonal, so the
//    symmetric subgradient is ∇₁g(s, s) = ½∇D(s). It also makes
//    d/dx_i of Σ_jk k(x_j, x_k) equal 2 Σ_j ∇₁k(x_i, x_j), so the IPM particle
//    step is exactly a gradient step on MMD² with the particles' own terms.
//    D' is taken by a 5-point central difference with h = 10⁻³|x|², exact up to
//    rounding (~10⁻¹³ relative) when D is affine, O(h⁴) otherwise.
//  - x ∥ s, x ≠ s ('ray', no bias): only the radial derivative survives (the
//    tangential part of the smooth term vanishes on the line, the cone's is
//    odd): (d/dr) k(r x̂, s) at r = |x|, along x̂; same stencil (exact for the
//    positively homogeneous ReLU kernels).
//  - x = 0 ('origin', no bias): the kernel is a cone in x; the zero vector.
// Near-but-not-on the cusp the analytic gradient is returned; its relative
// rounding error grows like ε/(1 − ρ) with ρ the largest layer correlation
// (≈ 10⁻⁸ at |x − s| = 10⁻⁴|s|).

import { type Expr, sym, mul, num, call, neg } from '../symbolic/index.ts';
import { diff } from '../symbolic/index.ts';
import { compile, type Kernel } from '../compile/index.ts';
import { compilePairwise, type PairwiseKernel } from '../compile/index.ts';
import { type Architecture } from './architecture.ts';
import { parseArchitecture } from './parse.ts';
import { type Inputs, type Matrix, KernelInputError, kernels, toMatrix } from './kernels.ts';
import { kernelExprs } from './recursion.ts';
import { ArgumentError } from '../core/index.ts';

/** Pairs where the kernel is not differentiable in x and the symmetric subgradient was used. */
export interface NonSmoothCounts {
  /** x = s */
  diagonal: number;
  /** x on the line through s (no-bias kernels) */
  ray: number;
  /** x = 0 (no-bias kernels) */
  origin: number;
}

export type NonSmoothKind = keyof NonSmoothCounts;

export interface KernelField {
  /** f(x_i) = Σ_j a_j k(x_i, s_j) */
  readonly value: Float64Array;
  /** ∇f(x_i), N×d */
  readonly grad: Matrix;
  readonly nonSmooth: NonSmoothCounts;
}

export interface PairGradient {
  readonly value: number;
  readonly grad: Float64Array;
  /** null where k(·, s) is differentiable at x; otherwise where the convention was used */
  readonly nonSmooth: NonSmoothKind | null;
}

export type KernelKind = 'ntk' | 'nngp' | 'rbf';

const INPUTS = ['dot', 'nx2', 'ny2', 'sqdist'] as const;

export const zeroCounts = (): NonSmoothCounts => ({ diagonal: 0, ray: 0, origin: 0 });

/** Five-point central difference f'(x) ≈ [f(x−2h) − 8f(x−h) + 8f(x+h) − f(x+2h)]/(12h). */
function stencil(f: (x: number) => number, x: number, h: number): number {
  return (f(x - 2 * h) - 8 * f(x - h) + 8 * f(x + h) - f(x + 2 * h)) / (12 * h);
}

/** Rows per block of symmetricGram. */
const GRAM_BLOCK = 64;

/**
 * The Gram matrix of a pairwise kernel that reads only dot and sqdist. Both are bitwise
 * symmetric in the pair (the same products u·w = w·u, and (u − w)² = (w − u)², summed in the
 * same order), so k(x_j, x_i) is k(x_i, x_j) to the bit: blocks of GRAM_BLOCK rows are computed
 * against the rows from the block's first on (about half the entries), and each block's values
 * are copied to their mirror, column block by column block (contiguous runs).
 */
function symmetricGram(k: PairwiseKernel, A: Matrix): Float64Array {
  const n = A.rows, d = A.cols;
  const K = new Float64Array(n * n);
  const block = new Float64Array(GRAM_BLOCK * n);
  for (let i0 = 0; i0 < n; i0 += GRAM_BLOCK) {
    const i1 = Math.min(n, i0 + GRAM_BLOCK), w = n - i0;
    k.f64(A.data.subarray(i0 * d, i1 * d), A.data.subarray(i0 * d), undefined, block);
    for (let i = i0; i < i1; i++) K.set(block.subarray((i - i0) * w, (i - i0 + 1) * w), i * n + i0);
    for (let j = i1; j < n; j++) {
      const c = j - i0, r = j * n;
      for (let i = i0; i < i1; i++) K[r + i] = block[(i - i0) * w + c];
    }
  }
  return K;
}

/** A discriminator kernel with exact input gradients (see the module comment). */
export class GanKernel {
  /** k and its partial derivatives in dot, nx2, sqdist (ny2 is the fixed point s) */
  readonly exprs: { readonly k: Expr; readonly dDot: Expr; readonly dNx2: Expr; readonly dSqdist: Expr };
  private readonly twin: Kernel;
  private pairwise: PairwiseKernel | undefined;

  constructor(
    /** human-readable description */
    readonly label: string,
    readonly kind: KernelKind,
    /** input dimension */
    readonly d: number,
    /** k(x, s) in dot, nx2, ny2, sqdist */
    readonly expr: Expr,
    /** the architecture of an NTK/NNGP kernel (finite networks are built from it) */
    readonly arch?: Architecture,
  ) {
    this.exprs = { k: expr, dDot: diff(expr, 'dot'), dNx2: diff(expr, 'nx2'), dSqdist: diff(expr, 'sqdist') };
    this.twin = compile([this.exprs.k, this.exprs.dDot, this.exprs.dNx2, this.exprs.dSqdist], { inputs: [...INPUTS], backend: 'f64' });
  }

  private input(X: Inputs, name: string): Matrix {
    const m = toMatrix(X, name);
    if (m.cols !== this.d) throw new KernelInputError(`${name} has ${m.cols} columns but the kernel takes d = ${this.d}`);
    return m;
  }

  /** k(X_i, Y_j) (Y omitted: the Gram matrix of X), f64. */
  matrix(X: Inputs, Y?: Inputs | null): Matrix {
    const A = this.input(X, 'x1');
    const B = Y === undefined || Y === null ? A : this.input(Y, 'x2');
    if (this.arch && this.kind !== 'rbf') {
      const r = kernels(this.arch, A, B === A ? undefined : B, { get: [this.kind === 'ntk' ? 'ntk' : 'nngp'] });
      return this.kind === 'ntk' ? r.ntk! : r.nngp;
    }
    this.pairwise ??= compilePairwise(this.expr, { d: this.d, backend: 'f64', precision: 'f64' });
    if (B === A && !this.pairwise.uses.has('nx2') && !this.pairwise.uses.has('ny2')) {
      return { data: symmetricGram(this.pairwise, A), rows: A.rows, cols: A.rows };
    }
    const data = this.pairwise.run(A.data, B.data) as Float64Array;
    return { data, rows: A.rows, cols: B.rows };
  }

  /** k(x, x) at |x|² = r (the diagonal function D). */
  private diagonal(r: number): number {
    return this.twin.run(Float64Array.of(r, r, r, 0))[0];
  }

  /** The symmetric subgradient at a pair where the analytic one is not finite. */
  private subgradient(x: ArrayLike<number>, s: ArrayLike<number>, sq: number, nx2: number, ny2: number, out: Float64Array, o: number): NonSmoothKind {
    const d = this.d;
    if (nx2 === 0) {
      for (let k = 0; k < d; k++) out[o + k] = 0;
      return 'origin';
    }
    if (sq === 0) {
      const Dp = stencil((r) => this.diagonal(r), nx2, 1e-3 * nx2);
      if (!Number.isFinite(Dp)) throw new ArgumentError(`the diagonal k(x, x) of ${this.label} is not differentiable at |x|² = ${nx2}`);
      for (let k = 0; k < d; k++) out[o + k] = Dp * x[k];
      return 'diagonal';
    }
    const nx = Math.sqrt(nx2);
    let xs = 0;
    for (let k = 0; k < d; k++) xs += (x[k] / nx) * s[k];
    const along = (r: number) => {
      let sqd = 0;
      for (let k = 0; k < d; k++) { const e = (r * x[k]) / nx - s[k]; sqd += e * e; }
      return this.twin.run(Float64Array.of(r * xs, r * r, ny2, sqd))[0];
    };
    const hp = stencil(along, nx, 1e-3 * nx);
    if (!Number.isFinite(hp)) throw new ArgumentError(`${this.label}: no radial derivative at x = [${Array.from(x).join(', ')}] against s = [${Array.from(s).join(', ')}]`);
    for (let k = 0; k < d; k++) out[o + k] = (hp * x[k]) / nx;
    return 'ray';
  }

  /** k(x, s) and ∇_x k(x, s) for one pair (the symmetric subgradient at a cusp, flagged). */
  pairGradient(x: ArrayLike<number>, s: ArrayLike<number>): PairGradient {
    const f = this.field([Array.from(x)], [Array.from(s)], [1]);
    const kind = (Object.keys(f.nonSmooth) as NonSmoothKind[]).find((k) => f.nonSmooth[k] > 0) ?? null;
    return { value: f.value[0], grad: f.grad.data, nonSmooth: kind };
  }

  /**
   * f(x_i) = Σ_j a_j k(x_i, s_j) and ∇f(x_i) for every row of X, through the
   * compiled twin of (k, ∂k/∂dot, ∂k/∂nx2, ∂k/∂sqdist); zero coefficients skip
   * their column.
   */
  field(X: Inputs, S: Inputs, a: ArrayLike<number>): KernelField {
    const Xm = this.input(X, 'x'), Sm = this.input(S, 's');
    const N = Xm.rows, n = Sm.rows, d = this.d;
    if (a.length !== n) throw new KernelInputError(`${a.length} coefficients for ${n} kernel centres`);
    const cols: number[] = [];
    for (let j = 0; j < n; j++) if (a[j] !== 0) cols.push(j);
    const m = cols.length;
    const xd = Xm.data, sd = Sm.data;
    const ns = new Float64Array(n);
    for (let j = 0; j < n; j++) { let t = 0; for (let k = 0; k < d; k++) t += sd[j * d + k] ** 2; ns[j] = t; }
    const value = new Float64Array(N);
    const grad = new Float64Array(N * d);
    const counts = zeroCounts();
    const inp = new Float64Array(m * 4), out = new Float64Array(m * 4);
    const sub = new Float64Array(d);
    for (let i = 0; i < N; i++) {
      const xo = i * d;
      let nx2 = 0;
      for (let k = 0; k < d; k++) nx2 += xd[xo + k] ** 2;
      for (let c = 0; c < m; c++) {
        const so = cols[c] * d;
        let dot = 0, sq = 0;
        for (let k = 0; k < d; k++) {
          const u = xd[xo + k], w = sd[so + k];
          dot += u * w;
          const e = u - w;
          sq += e * e;
        }
        inp[4 * c] = dot; inp[4 * c + 1] = nx2; inp[4 * c + 2] = ns[cols[c]]; inp[4 * c + 3] = sq;
      }
      this.twin.run(inp, undefined, out);
      let v = 0;
      for (let c = 0; c < m; c++) {
        const j = cols[c], aj = a[j], so = j * d;
        const kv = out[4 * c], kd = out[4 * c + 1], kn = out[4 * c + 2], ks = out[4 * c + 3];
        if (!Number.isFinite(kv)) {
          throw new ArgumentError(`${this.label}: k(x, s) is not finite (${kv}) at x = x[${i}], s = s[${j}]`);
        }
        v += aj * kv;
        if (Number.isFinite(kd) && Number.isFinite(kn) && Number.isFinite(ks)) {
          for (let k = 0; k < d; k++) {
            const u = xd[xo + k], w = sd[so + k];
            grad[xo + k] += aj * (kd * w + 2 * kn * u + 2 * ks * (u - w));
          }
        } else {
          const kind = this.subgradient(xd.subarray(xo, xo + d), sd.subarray(so, so + d), inp[4 * c + 3], nx2, ns[j], sub, 0);
          counts[kind]++;
          for (let k = 0; k < d; k++) grad[xo + k] += aj * sub[k];
        }
      }
      value[i] = v;
    }
    return { value, grad: { data: grad, rows: N, cols: d }, nonSmooth: counts };
  }
}

/** The NTK (default) or NNGP of an architecture for inputs of dimension d. */
export function architectureKernel(arch: Architecture, d: number, which: 'ntk' | 'nngp' = 'ntk'): GanKernel {
  const e = kernelExprs(arch, d);
  return new GanKernel(`${which} of ${arch.spec}`, which, d, which === 'ntk' ? e.ntk : e.nngp, arch);
}

/**
 * The Gaussian RBF k(x, s) = exp(−γ |x − s|² / d): GAN(TK)²'s "rbf" kernel, the
 * NNGP of dense(1, 0) → Rbf(γ) → dense(1, 0) (docs/ntk-gan.md B.6; γ = 0.5).
 */
export function rbfKernel(d: number, gamma = 0.5): GanKernel {
  if (!(gamma > 0) || !Number.isFinite(gamma)) throw new KernelInputError(`rbf: gamma must be a positive number, got ${gamma}`);
  return new GanKernel(`rbf(gamma=${gamma}): exp(-${gamma}|x-s|^2/${d})`, 'rbf', d, call('exp', neg(mul(num(gamma / d), sym('sqdist')))));
}

/**
 * GAN(TK)²'s ReLU discriminators (docs/ntk-gan.md B.6): 3 × [ReLU → Dense], σ_w = 1, no
 * bias on the readout. A frozen object without prototype, so PRESET_KERNELS['constructor']
 * is undefined.
 */
export const PRESET_KERNELS: Readonly<Record<string, string>> = Object.freeze(Object.assign(Object.create(null) as Record<string, string>, {
  relu: 'serial(dense(1, 1), relu, dense(1, 1), relu, dense(1, 1), relu, dense(1, none))',
  relu_nobias: 'serial(dense(1, none), relu, dense(1, none), relu, dense(1, none), relu, dense(1, none))',
  relu_highbias: 'serial(dense(1, 4), relu, dense(1, 4), relu, dense(1, 4), relu, dense(1, none))',
}));

/**
 * A kernel from text: 'rbf' or 'rbf(γ)'; a preset (relu, relu_nobias,
 * relu_highbias); an architecture spec (its NTK); 'ntk:<spec>' or 'nngp:<spec>'.
 */
export function parseGanKernel(text: string, d: number): GanKernel {
  if (typeof text !== 'string') throw new KernelInputError(`the kernel must be given as text, got ${typeof text}`);
  const t = text.trim();
  const rbf = /^rbf(?:\(\s*(?:gamma\s*=\s*)?([^)]*)\))?$/i.exec(t);
  if (rbf) {
    const g = rbf[1] === undefined ? 0.5 : Number(rbf[1]);
    if (!Number.isFinite(g) || g <= 0) throw new KernelInputError(`rbf: gamma must be a positive number, got "${rbf[1]}"`);
    return rbfKernel(d, g);
  }
  let which: 'ntk' | 'nngp' = 'ntk';
  let spec = t;
  const pre = /^(ntk|nngp)\s*:\s*(.*)$/is.exec(t);
  if (pre) { which = pre[1].toLowerCase() as 'ntk' | 'nngp'; spec = pre[2]; }
  if (Object.hasOwn(PRESET_KERNELS, spec)) spec = PRESET_KERNELS[spec];
  const arch = parseArchitecture(spec);
  return architectureKernel(arch, d, which);
}
