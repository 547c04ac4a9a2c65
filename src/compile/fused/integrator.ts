// The fused integrator object: a System's step program (fused/step.ts) on the
// compile runtime, which owns its twins, gpu.js kernels, chunking, backend
// choice and report; the f64 twin runner (fused/twin.ts) and the GPU.js
// runner (fused/gpu.ts) do the runs.

import type { System } from '../../symbolic/index.ts';
import type { CostKey } from '../lower.ts';
import type { RanBackend } from '../gpujs.ts';
import { type Backend, type ParamLayout, Runtime, checkOptions } from '../runtime.ts';
import { type Choice, type Precision, type StepCost, chooseFused, chooseTwinThreads, estimateStepCost, variantOps } from '../runtime-cost.ts';
import { ArgumentError } from '../../core/index.ts';
import { type IntegratorMethod, type StepProgram, buildStep } from './step.ts';
import { type TwinFn, fusedSources } from './source.ts';
import { type IntegratorOptions, type IntegratorResult, type RunOptions, planRun } from './plan.ts';
import { runFusedTwin } from './twin.ts';
import { fusedGpuJob } from './gpu.ts';

export interface Integrator {
  readonly method: IntegratorMethod;
  /** the step this integrator emits, twin and kernel alike (a DAG bound.ts's ErrorAnalysis can walk) */
  readonly program: StepProgram;
  readonly state: readonly string[];
  readonly params: readonly string[];
  readonly requested: Backend;
  readonly precision: Precision;
  /** emitted sources: the twin's (shared parameters) and the GPU.js kernel's ('' where f32 cannot hold a constant) */
  readonly source: { readonly js: string; readonly gpujs: string };
  /** operations of one step of one member (all stages; parameter-only parts hoisted out), and the predicted ns per member-step of each path */
  readonly ops: Readonly<Partial<Record<CostKey, number>>>;
  readonly cost: StepCost;
  /** backend and reason of the last run (before any run: the plan for a large batch) */
  readonly backend: RanBackend;
  readonly reason: string;
  /** Integrates; sync backends only ('async' needs runAsync). */
  run(opts: RunOptions): IntegratorResult;
  /** Same, for every backend. */
  runAsync(opts: RunOptions): Promise<IntegratorResult>;
  /** Releases gpu.js kernels and worker pools. */
  dispose(): void;
}

class FusedIntegrator implements Integrator {
  readonly state: readonly string[];
  readonly params: readonly string[];
  readonly ops: Partial<Record<CostKey, number>>;
  readonly cost: StepCost;
  private readonly rt: Runtime<ParamLayout>;

  constructor(readonly program: StepProgram, system: System, requested: Backend, precision: Precision) {
    this.state = [...system.state];
    this.params = [...(system.params ?? [])];
    const s = program.slots;
    this.ops = variantOps(program.roots, (slot) => slot < s.D || (slot >= s.D + s.nP && slot !== s.h && slot !== s.half && slot !== s.h6));
    this.cost = estimateStepCost(this.ops);
    this.rt = new Runtime(fusedSources(program), { requested, precision, shown: 'shared', flat: true });
    this.rt.twin('shared'); // compile (and check) the twin now
    this.rt.plan(this.choose(1e4, 1e3, 1, requested === 'async'), 'planned (10^4 members × 10^3 steps)');
  }

  get method(): IntegratorMethod { return this.program.method; }
  get requested(): Backend { return this.rt.requested; }
  get precision(): Precision { return this.rt.precision; }
  get source(): { readonly js: string; readonly gpujs: string } { return this.rt.source; }
  get backend(): RanBackend { return this.rt.backend; }
  get reason(): string { return this.rt.reason; }

  private choose(members: number, steps: number, calls: number, async: boolean): Choice {
    return this.rt.choose(async, () => chooseFused({ precision: this.rt.precision, cost: this.cost, members, steps, calls, async }));
  }

  run(opts: RunOptions): IntegratorResult {
    const plan = planRun(opts, this, true); // synchronous: y0 cannot change under the run
    const choice = this.choose(plan.B, plan.steps, plan.schedule.length, false);
    if (choice.backend === 'f64') {
      this.rt.record(choice.reason);
      return runFusedTwin(this.rt.twin<TwinFn>(plan.layout), plan, choice.reason);
    }
    return this.rt.run(fusedGpuJob(this.rt, plan, choice.backend), choice);
  }

  async runAsync(opts: RunOptions): Promise<IntegratorResult> {
    const plan = planRun(opts, this);
    const choice = this.choose(plan.B, plan.steps, plan.schedule.length, true);
    if (choice.backend === 'f64') {
      const twin = this.rt.twin<TwinFn>(plan.layout); // compiled and checked here, before any worker sees its source
      const requestedThreads = opts.threads;
      if (requestedThreads !== undefined && !(Number.isSafeInteger(requestedThreads) && requestedThreads >= 0)) {
        throw new ArgumentError(`threads must be a non-negative integer, got ${String(requestedThreads)}`);
      }
      const source = fusedSources(this.program).twin(plan.layout);
      const threads = Math.min(requestedThreads ?? chooseTwinThreads(plan.B * plan.steps, true), plan.B);
      if (threads > 1) {
        const { runFusedTwinThreaded, workerSafe } = await import('./threads.ts');
        if (workerSafe(source)) {
          const reason = `${choice.reason}; members split over ${threads} threads`;
          this.rt.record(reason);
          return runFusedTwinThreaded(twin, source, plan, reason, threads);
        }
      }
      this.rt.record(choice.reason);
      return runFusedTwin(twin, plan, choice.reason);
    }
    return this.rt.runAsync(fusedGpuJob(this.rt, plan, choice.backend), choice);
  }

  dispose(): void {
    this.rt.dispose();
  }
}

/**
 * Compiles a System's fixed-step integration into one fused f64 function
 * (and, on request or when 'auto' with f32 predicts it faster, a GPU.js
 * kernel). Every symbol of the drift must be a state variable, a parameter
 * or time.
 */
export function compileIntegrator(system: System, opts: IntegratorOptions = {}): Integrator {
  const backend = opts.backend ?? 'auto';
  const precision = checkOptions(backend, opts.precision);
  const step = buildStep(system, { method: opts.method, time: opts.time, form: opts.form ?? (precision === 'f32' ? 'collected' : 'as-written') });
  return new FusedIntegrator(step, system, backend, precision);
}
