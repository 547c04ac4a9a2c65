// The kernels layer's public API: architectures, closed-form NNGP/NTK, finite
// networks, infinite-width predictions, the recursion as Exprs/LaTeX, and the
// compiled (f32) kernel.

export * from './activations.ts';
export * from './architecture.ts';
export { parseArchitecture, ArchitectureParseError } from './parse.ts';
export { elementwise, type ElementwiseActivation, type ElementwiseAccuracy, type ElementwiseOptions } from './elementwise.ts';
export {
  kernels, kernelsAsync, shutdownKernelWorkers, warmKernelWorkers, toMatrix, KernelInputError,
  type Matrix, type Inputs, type KernelResult, type KernelOptions,
} from './kernels.ts';
export { dualFunction, diagFunction } from './codegen.ts';
export * from './finite.ts';
export * from './predict.ts';
export * from './recursion.ts';
export * from './compiled.ts';
export * from './gan-kernel.ts';
export * from './critic.ts';
export { empiricalNtkWidthRate, relativeFrobenius, gaussianRows, type WidthRate } from './width-rate.ts';
