// The solvable high-dimensional GAN (Wang, Hu & Lu; docs/solvable-gan.md): spec and
// names, the derived ODE/SDE, the SGD and particle simulators, phases, the checks of
// theory against simulation, and the theory object of the registry.

export * from './spec.ts';
export * from './derive.ts';
export * from './simulate.ts';
export * from './particles.ts';
export * from './phase.ts';
export * from './phase-diagram.ts';
export * from './checks.ts';
export { solvableGan, type SolvableGanRun } from './theory.ts';
export { theorem as convergenceTheorem, CONVERGENCE_SETUP, SLOPE_BAND } from './theorems/convergence.ts';
export { theorem as phasesTheorem, PHASE_SETUP } from './theorems/phases.ts';
