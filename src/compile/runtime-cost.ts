// The compile runtime's cost model and backend rule, for every shape: a shape
// supplies operation counts (per output cell, per member-step, per pair of
// rows), this file turns them into predicted times for the f64 twin, the
// gpu.js 'webasm' kernel and threaded webasm ('async'), and `pickPath`
// chooses among them with one margin rule. The figures were measured on a
// 2-core VM under Node 20; the benches in test/bench/ reprint them.

import { availableParallelism } from 'node:os';
import type { GpuMode } from './gpujs.ts';
import type { CostKey, Op } from './lower.ts';

export type Precision = 'f64' | 'f32';

/** A backend decision and why. */
export interface Choice {
  readonly backend: 'f64' | GpuMode;
  readonly reason: string;
}

/** Predicted time of each path, in any one unit; async Infinity where threading is not allowed. */
export interface PathCosts {
  readonly twin: number;
  readonly webasm: number;
  readonly async: number;
}

/**
 * The one auto rule: the faster of the two kernel paths, chosen only when
 * predicted below `margin` × the twin's time.
 */
export function pickPath(costs: PathCosts, margin: number): { kernel: 'webasm' | 'async'; predicted: number; faster: boolean } {
  const kernel: 'webasm' | 'async' = costs.async < costs.webasm ? 'async' : 'webasm';
  const predicted = kernel === 'async' ? costs.async : costs.webasm;
  return { kernel, predicted, faster: predicted < margin * costs.twin };
}

const F64_ONLY: Choice = { backend: 'f64', reason: "precision 'f64': only the twin computes in f64" };

// ---------- elementwise kernels: ns per output cell ----------

type CostTable = { readonly cell: number } & Readonly<Record<CostKey, number>>;

/**
 * Measured cost in ns (2-core VM, Node 20, 2·10^5 cells, 8 operations per
 * cell, best of 7; test/bench/compile.bench.ts reprints the comparison):
 * `cell` is the fixed cost per output cell (loads, stores and, for gpu.js,
 * the f64→f32 copy in and out and the dispatch), the rest per operation.
 * V8 inlines Math.exp & co. into the twin, while a gpu.js 'webasm' kernel
 * calls them through a JS import per element, so only f32 arithmetic helpers
 * (erf: Cody's rational form vs the f64 series in special.ts) win there.
 */
export const COST_NS: { readonly twin: CostTable; readonly webasm: CostTable } = {
  twin: {
    cell: 3, add: 0.1, mul: 0.1, div: 0.6, ipow: 0.3, pow: 40, sqrt: 1, abs: 0.1, min: 2, max: 2,
    exp: 8, log: 7.5, sin: 10, cos: 10, tanh: 12.5, arcsin: 6, arccos: 6, erf: 86, sigmoid: 9.5, softplus: 17,
    relu: 2, step: 2.8,
  },
  webasm: {
    cell: 8, add: 0.1, mul: 0.1, div: 0.1, ipow: 0.9, pow: 56, sqrt: 0.1, abs: 0.1, min: 0.3, max: 0.3,
    exp: 16.6, log: 15.3, sin: 26.7, cos: 26.7, tanh: 22.8, arcsin: 16, arccos: 16, erf: 31.8, sigmoid: 25.4, softplus: 41,
    relu: 3.3, step: 3.7,
  },
};

/**
 * 'async' (threaded webasm): its per-cell copy stays on the main thread (11 ns
 * measured), the compute splits over the cores with this efficiency (an N×N
 * pairwise kernel ran 1.9× faster on 2 cores), from this many cells on (gpu.js
 * threads outputs of ≥ 4096 cells; below two workers' worth it does not pay).
 */
export const THREADING = { cell: 11, efficiency: 0.9, minCells: 8192 } as const;

/** A kernel is chosen only when predicted faster than this fraction of the twin. */
export const KERNEL_MARGIN = 0.8;

/** Predicted ns per output cell on each path. */
export interface CostEstimate {
  readonly twin: number;
  readonly webasm: number;
  /** threaded, for a batch of at least THREADING.minCells cells */
  readonly async: number;
}

/** Predicted cost per output cell of code with these operation counts. */
export function estimateCost(counts: Partial<Record<CostKey, number>>, nOut: number, cores = availableParallelism()): CostEstimate {
  let twin = 0, kernel = 0;
  for (const [key, n] of Object.entries(counts) as [CostKey, number][]) {
    twin += COST_NS.twin[key] * n;
    kernel += COST_NS.webasm[key] * n;
  }
  twin /= nOut;
  kernel /= nOut;
  return {
    twin: COST_NS.twin.cell + twin,
    webasm: COST_NS.webasm.cell + kernel,
    async: THREADING.cell + kernel / Math.max(1, THREADING.efficiency * cores),
  };
}

/**
 * The auto rule for cells. Precision 'f64' → the twin (nothing else computes
 * in f64). Precision 'f32' → the path with the least predicted time
 * (COST_NS, THREADING), a gpu.js kernel only if below KERNEL_MARGIN × the
 * twin's; 'async' only for runAsync calls of at least THREADING.minCells
 * cells. In practice: light per-element work (polynomials, exp, tanh) stays
 * on the twin; erf-heavy expressions go to the kernel.
 */
export function chooseBackend(opts: { precision: Precision; cost: CostEstimate; cells: number; async: boolean }): Choice {
  const { precision, cost, cells, async } = opts;
  if (precision === 'f64') return F64_ONLY;
  const threaded = async && cells >= THREADING.minCells;
  const pick = pickPath({ twin: cost.twin, webasm: cost.webasm, async: threaded ? cost.async : Infinity }, KERNEL_MARGIN);
  const figures = `predicted ns/cell: twin ${cost.twin.toFixed(1)}, ${pick.kernel} ${pick.predicted.toFixed(1)}`;
  if (pick.faster) return { backend: pick.kernel, reason: `f32, ${cells} cells, ${figures}: the kernel is faster` };
  return { backend: 'f64', reason: `f32, ${cells} cells, ${figures}: the twin is faster` };
}

// ---------- pairwise kernels: ns per output cell, d inner steps each ----------

/**
 * ns per step of the d-long inner loop of a pairwise cell (two loads, the
 * dot and/or squared-distance update), fitted to the N = 2048, d = 64 RBF
 * Gram matrix of test/bench/pairwise.bench.ts (twin 0.55 s). There the
 * single-threaded webasm kernel only matched the twin (0.51 s: its SIMD
 * lanes gather x_i element by element) and the threaded one ran 2.2× faster
 * on 2 cores, so both kernel paths are predicted at the twin's cost per
 * cell, the threaded one divided over the cores.
 */
export const PAIRWISE_NS = { inner: 1.9 } as const;

/** Predicted ns per output cell of a pairwise kernel whose cell function has these counts (per-cell part only). */
export function estimatePairwiseCost(counts: Partial<Record<CostKey, number>>, d: number, inner: boolean,
  cores = availableParallelism()): CostEstimate {
  let cell = COST_NS.twin.cell + (inner ? d * PAIRWISE_NS.inner : 0);
  for (const [key, n] of Object.entries(counts) as [CostKey, number][]) cell += COST_NS.twin[key] * n;
  return { twin: cell, webasm: cell, async: cell / Math.max(1, THREADING.efficiency * cores) };
}

/**
 * The auto rule for pairwise kernels: as chooseBackend, with the pairwise
 * figures. In practice: f32 → the threaded kernel for runAsync calls of at
 * least THREADING.minCells cells on ≥ 2 cores, else the twin.
 */
export function choosePairwise(opts: { precision: Precision; cost: CostEstimate; cells: number; d: number; async: boolean }): Choice {
  const { precision, cost, cells, d, async } = opts;
  if (precision === 'f64') return F64_ONLY;
  const threaded = async && cells >= THREADING.minCells;
  const pick = pickPath({ twin: cost.twin, webasm: cost.webasm, async: threaded ? cost.async : Infinity }, KERNEL_MARGIN);
  const figures = `${cells} cells × d = ${d}, predicted ns/cell: twin ${cost.twin.toFixed(1)}, ${pick.kernel} ${pick.predicted.toFixed(1)}`;
  if (pick.faster) return { backend: pick.kernel, reason: `f32, ${figures}: the threaded kernel is faster` };
  return { backend: 'f64', reason: `f32, ${figures}: the twin is as fast as one kernel thread` };
}

// ---------- fused steps: ns per member-step ----------

/** Predicted ns per member-step on each path. */
export interface StepCost {
  readonly twin: number;
  readonly webasm: number;
  /** threaded webasm, for batches of at least FUSED_THREADING.minMembers */
  readonly async: number;
}

/**
 * Measured ns per member-step inside the fused step loop (2-core VM, Node
 * 20, normal numbers; test/bench/integrator.bench.ts reprints the figures):
 * `arith` per add/mul the step performs after hoisting, `step` the fixed
 * rest (loop, bound test, record test). Fitted to Lorenz (68 operations:
 * twin 14.6 ns, webasm 4.5 ns) and the solvable-GAN ODE in collected form
 * (144 operations: twin 26 ns, webasm 9–13 ns). The twin keeps f64 values in
 * registers; the gpu.js 'webasm' kernel runs four members per SIMD
 * instruction, while Math.exp & co. there are JS imports called lane by lane
 * (COST_NS's per-call figures apply to both paths). Subnormal numbers cost
 * ~100× on both (see RunOptions.flushBelow); the model assumes none.
 */
export const FUSED_NS: {
  readonly twin: { readonly step: number; readonly arith: number };
  readonly webasm: { readonly step: number; readonly arith: number };
} = {
  twin: { step: 4, arith: 0.15 },
  webasm: { step: 0.5, arith: 0.065 },
};

/**
 * Threaded webasm ('async'): the compute splits over the cores with this
 * efficiency (Lorenz, 10^5 members: 1.8× on 2 cores), from this many members
 * on (gpu.js threads outputs of ≥ 4096 cells), plus a round trip per call.
 */
export const FUSED_THREADING = { efficiency: 0.9, minMembers: 4096, callNs: 3e5 } as const;

/** A gpu.js path is chosen only when predicted faster than this fraction of the twin. */
export const FUSED_MARGIN = 0.8;

const ARITH = new Set<CostKey>(['add', 'mul', 'abs', 'min', 'max']);

export function estimateStepCost(ops: Partial<Record<CostKey, number>>, cores = availableParallelism()): StepCost {
  let twin = FUSED_NS.twin.step, kernel = FUSED_NS.webasm.step;
  for (const [key, n] of Object.entries(ops) as [CostKey, number][]) {
    if (ARITH.has(key)) {
      twin += FUSED_NS.twin.arith * n;
      kernel += FUSED_NS.webasm.arith * n;
    } else {
      twin += COST_NS.twin[key] * n;
      kernel += COST_NS.webasm[key] * n;
    }
  }
  return { twin, webasm: kernel, async: kernel / Math.max(1, FUSED_THREADING.efficiency * cores) };
}

export type FusedChoice = Choice;

/**
 * The auto rule for fused steps. Precision 'f64' → the twin (nothing else
 * computes in f64). Precision 'f32' → the path with the least predicted time
 * for this batch (estimateStepCost × members × steps, plus a fixed cost per
 * threaded call), a gpu.js kernel only below FUSED_MARGIN × the twin's;
 * 'async' only for runAsync calls with at least FUSED_THREADING.minMembers
 * members and ≥ 2 cores.
 */
export function chooseFused(opts: {
  precision: Precision; cost: StepCost; members: number; steps: number; calls: number; async: boolean; cores?: number;
}): FusedChoice {
  const { precision, cost, members, steps, calls, async } = opts;
  if (precision === 'f64') return F64_ONLY;
  const cores = opts.cores ?? availableParallelism();
  const work = members * steps;
  const twin = cost.twin * work, webasm = cost.webasm * work;
  const threaded = async && members >= FUSED_THREADING.minMembers && cores >= 2;
  const asyncNs = threaded ? cost.async * work + FUSED_THREADING.callNs * calls : Infinity;
  const pick = pickPath({ twin, webasm, async: asyncNs }, FUSED_MARGIN);
  const ms = (ns: number) => (ns / 1e6).toFixed(1);
  const figures = `${members} members × ${steps} steps, predicted ms: twin ${ms(twin)}, webasm ${ms(webasm)}`
    + (threaded ? `, async ${ms(asyncNs)}` : '');
  if (pick.faster) return { backend: pick.kernel, reason: `f32, ${figures}: ${pick.kernel} kernel is faster` };
  return { backend: 'f64', reason: `f32, ${figures}: the twin is faster` };
}

// ---------- f64 twins over worker threads (the NTK recursion) ----------

/**
 * Worker threads for an f64 twin split by rows (src/ntk/kernels.ts): all
 * cores, at most `maxThreads`, from `minCells` entries on (below, posting to
 * workers costs more than it saves).
 */
export const TWIN_THREADING = { minCells: 2 ** 18, maxThreads: 8 } as const;

/** Threads for `cells` entries of a twin that can run in workers (0: the calling thread). */
export function chooseTwinThreads(cells: number, workers: boolean, cores = availableParallelism()): number {
  if (!workers || cells < TWIN_THREADING.minCells) return 0;
  return cores >= 2 ? Math.min(cores, TWIN_THREADING.maxThreads) : 0;
}

// ---------- operation counts ----------

/**
 * Operation counts of the nodes of `roots` that depend on a slot `variant`
 * accepts (each shared node counted once, as the emitted code computes it):
 * what a cell or step pays once invariant parts are hoisted. Kinds as
 * lower.ts's countOps.
 */
export function variantOps(roots: readonly Op[], variant: (slot: number) => boolean): Partial<Record<CostKey, number>> {
  const dep = new Map<number, boolean>();
  const counts: Partial<Record<CostKey, number>> = {};
  const bump = (key: CostKey, n = 1) => { counts[key] = (counts[key] ?? 0) + n; };
  const visit = (n: Op): boolean => {
    const hit = dep.get(n.id);
    if (hit !== undefined) return hit;
    let d: boolean;
    switch (n.op) {
      case 'num': d = false; break;
      case 'ref': d = variant(n.slot); break;
      case 'neg': d = visit(n.a); break;
      case 'ipow': d = visit(n.a); if (d) bump('ipow'); break;
      case 'call': d = n.args.map(visit).some(Boolean); if (d) bump(n.fn); break;
      case 'sum': d = n.terms.map(visit).some(Boolean); if (d) bump('add', n.terms.length - 1); break;
      case 'prod': d = n.factors.map(visit).some(Boolean); if (d) bump('mul', n.factors.length - 1); break;
      default: d = [visit(n.a), visit(n.b)].some(Boolean); if (d) bump(n.op);
    }
    dep.set(n.id, d);
    return d;
  };
  roots.forEach(visit);
  return counts;
}
