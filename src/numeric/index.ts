// The numeric layer: seeded RNG, ODE/SDE integrators, dense linear algebra, fixed points,
// special functions and statistics. Imports nothing from other src/ folders.
export * from './special.ts';
export * from './stats.ts';
export * from './rng.ts';
export * from './errors.ts';
export { Trajectory, namedSeries, type NamedSeries, type BatchRhs, type BatchOptions, type RecordSpec, type IntegrationStats } from './trajectory.ts';
export { rk4, dopri5, type Rk4Options, type Dopri5Options, type OdeSolution } from './ode.ts';
export { eulerMaruyama, milstein, type DiagonalSde, type NoiseSource, type SdeOptions, type MeanField, type SdeTrajectory } from './sde.ts';
export * from './linalg.ts';
export * from './fixedpoints.ts';
export * from './spectral.ts';
export * from './lambertw.ts';
export * from './quadrature.ts';
export * from './distances.ts';
export * from './tensor.ts';
