// The compile layer: Expr → emitted source → GPU.js kernel + f64 twin.

export { CompileError } from './lower.ts';
export {
  compile, compileRhs, chooseBackend, estimateCost, COST_NS, THREADING, KERNEL_MARGIN,
  type Backend, type BatchRhs, type Choice, type CompileOptions, type CostEstimate, type Kernel,
  type ParamLayout, type Precision, type RhsOptions, type Twin, type Vec,
} from './kernel.ts';
export { compilePairwise, PAIRWISE_NAMES, type PairwiseKernel, type PairwiseName, type PairwiseOptions } from './pairwise.ts';
export {
  boundEvaluator, ErrorAnalysis, F32_HELPER_BUDGET, F32_WASM_MODEL, F64_MODEL, type Bounded, type ErrorModel,
} from './bound.ts';
export type { RanBackend } from './gpujs.ts';
export * from './dynamics.ts';
export * from './integrator.ts';
export { formatNumber, assertSafeSource } from './emit.ts';
export { twinFunction } from './runtime.ts';
export { chooseTwinThreads } from './runtime-cost.ts';
export {
  Runtime, MAX_CELLS_PER_CALL, TWIN_CACHE_SIZE, chunks, checkOptions, GPU_BACKENDS,
  type ShapeSources, type KernelShape, type KernelJob, type KernelCall, type RuntimeOptions,
} from './runtime.ts';
export { pickPath, PAIRWISE_NS, estimatePairwiseCost, choosePairwise, TWIN_THREADING, type PathCosts } from './runtime-cost.ts';
export { loadGpuJs, gpuJsLoaded } from './gpujs.ts';
export type { Vocabulary } from './emit.ts';
export { WorkerPool } from './worker-pool.ts';
export {
  ExpectationEvaluator, expectationRhs, EXPECTATION_RULE_TEXT, EXPECTATION_TOLERANCE, EXPECTATION_RADIUS, EXPECTATION_MAX_STEP,
  type ExpectationGroup, type FactorScale,
} from './expectation.ts';
