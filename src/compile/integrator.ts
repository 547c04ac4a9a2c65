// Fused fixed-step integrators: a System's whole RK4 (or Euler) step, for
// every step and every batch member, in ONE emitted function, so the state
// and the four stages stay in local variables instead of making four passes
// (plus axpy passes) over the batch per step as compileRhs + ode.rk4 does.
//
//   f64 twin   plain JS emitted from the AST: member loop outside, step loop
//              inside, params loaded (and parameter-only subexpressions
//              computed) once per member, or once per run when shared. In
//              form 'as-written' the step is the very operation sequence of
//              compileRhs + ode.rk4 (same lowering, same stage axpys, same
//              combination), so it is bit-identical to them; in form
//              'collected' polynomial drifts are evaluated as Σ c_m(θ)·x^m
//              with the coefficients hoisted (fewer operations, other
//              rounding). Divergence throws DivergenceError.
//   gpu.js     the same step in the GPU.js dialect (f32): one thread per
//              member, the step loop inside the kernel. Records come from
//              running the kernel segment by segment (f32 state passed back
//              in unchanged: f32 → f64 → f32 is exact). gpu.js cannot throw,
//              so members that leave the bound are listed in `diverged`.
//
// Both paths emit only what emit.ts emits (whitelisted operators, numbers,
// generated locals, indexed reads) plus fixed loop templates, and
// assertSafeSource checks every source before it is compiled.
//
// The code lives in fused/, one concern per file, on the compile runtime
// (runtime.ts: twins, gpu.js kernels, chunking, backend report;
// runtime-cost.ts: the cost model and the auto rule):
//   fused/step.ts        the step as one Op DAG (buildStep)
//   fused/source.ts      the emitted twin and GPU.js sources
//   fused/plan.ts        options, run validation, results
//   fused/twin.ts        the f64 twin runner and its DivergenceError
//   fused/gpu.ts         the f32 GPU.js runner (segments, chunks, diverged members)
//   fused/integrator.ts  the Integrator object and compileIntegrator
//   fused/rk4.ts         integrate()'s RK4 path through the fused twin
// This file is the public API.
//
// Layout as in src/numeric/ode.ts: y[b·D + i]; params P[j] shared or
// P[b·nP + j] per member.

export { type DriftForm, type IntegratorMethod, type StepProgram, type StepSlots, buildStep } from './fused/step.ts';
export { gpuGroups } from './fused/source.ts';
export { type IntegratorOptions, type IntegratorResult, type RunOptions } from './fused/plan.ts';
export { type Integrator, compileIntegrator } from './fused/integrator.ts';
export { type FusedRk4Request, type IntegratePath, fusedRk4, gridRecords } from './fused/rk4.ts';
export {
  FUSED_MARGIN, FUSED_NS, FUSED_THREADING, chooseFused, estimateStepCost, variantOps, type FusedChoice, type StepCost,
} from './runtime-cost.ts';
