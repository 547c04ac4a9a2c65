// The NTK view of GANs (docs/ntk-gan.md B; Franceschi et al. 2022, GAN(TK)²): losses,
// datasets, kernel discriminators (infinite width, closed forms and ODEs) and
// their finite-width counterparts, generator particle flows, distances.

export * from './losses.ts';
export * from './data.ts';
export {
  GanKernel, architectureKernel, rbfKernel, parseGanKernel, PRESET_KERNELS, zeroCounts,
  type KernelField, type KernelKind, type NonSmoothCounts, type NonSmoothKind, type PairGradient,
} from '../../ntk/index.ts';
export * from './lambertw.ts';

export * from './discriminator.ts';
export * from './flow.ts';
export * from './metrics.ts';
export * from './sinkhorn.ts';
export * from './plots.ts';
export {
  ntkGan, type NtkGanRun, architectureOf, defaultSnapshots, flowConfig, flowFigure, metricsSeries, runFlow, MAX_FLOW_WORK,
} from './theory.ts';
export { theorem as ipmMmdFlowTheorem } from './theorems/ipm-mmd-flow.ts';
export { theorem as ntkWidthRateTheorem } from './theorems/ntk-width-rate.ts';
