// The one place that talks to gpu.js: loading it (only when an f32 backend
// is actually used: it is CommonJS and pulls in an 84 MB webgpu package),
// creating GPU instances for an explicit mode, refusing modes that cannot
// work here with a clear error, building kernels from emitted (and
// re-checked) source, and naming the backend that really ran.

import { createRequire } from 'node:module';
import type { GPU } from 'gpu.js';
import { CompileError } from './lower.ts';
import { assertSafeSource } from './emit.ts';

type GpuJs = typeof import('gpu.js');

let gpuJs: GpuJs | undefined;

/** Whether gpu.js has been loaded in this process by the compile layer. */
export function gpuJsLoaded(): boolean {
  return gpuJs !== undefined;
}

/**
 * gpu.js, required on first use (call sites are synchronous; the package is
 * CommonJS). A missing or broken install is a CompileError naming the package.
 */
export function loadGpuJs(): GpuJs {
  if (!gpuJs) {
    let mod: GpuJs;
    try {
      mod = createRequire(import.meta.url)('gpu.js') as GpuJs;
    } catch (err) {
      throw new CompileError(
        `the f32 backends (cpu, webasm, async, gpu) need the package 'gpu.js', which could not be loaded `
        + `(${(err as Error).message.split('\n')[0]}); install it (npm install gpu.js) or use backend 'f64'`, 'gpu.js');
    }
    if (typeof mod?.GPU !== 'function') throw new CompileError("the package 'gpu.js' does not export GPU", 'gpu.js');
    gpuJs = mod;
  }
  return gpuJs;
}

/** gpu.js modes the compile layer drives. */
export type GpuMode = 'cpu' | 'webasm' | 'async' | 'gpu';

/** What actually computed a result. */
export type RanBackend = 'f64' | 'cpu' | 'webasm' | 'headlessgl' | 'webgl2' | 'webgl' | 'webgpu';

const BY_CLASS: Record<string, RanBackend> = {
  CPUKernel: 'cpu', WebAssemblyKernel: 'webasm', HeadlessGLKernel: 'headlessgl',
  WebGL2Kernel: 'webgl2', WebGLKernel: 'webgl', WebGPUKernel: 'webgpu',
};
const GL_CLASSES = new Set(['HeadlessGLKernel', 'WebGL2Kernel', 'WebGLKernel']);

/** Minimal view of a gpu.js kernel-run shortcut. */
export interface GpuKernelRun {
  (...args: unknown[]): unknown;
  kernel?: { constructor: { name: string }; fallbackReason?: string | null; _lastRunPath?: string };
  destroy?: (removeCanvasReferences?: boolean) => void;
}

/**
 * A new GPU instance for an explicit mode (never auto-detection, which
 * depends on whether a display exists). 'gpu' must get a GL backend: gpu.js
 * would otherwise quietly fall back to WebAssembly.
 */
export function createGpu(mode: GpuMode): GPU {
  const { GPU: GpuClass } = loadGpuJs();
  let gpu: GPU;
  try {
    gpu = new GpuClass({ mode });
  } catch (err) {
    throw new CompileError(`gpu.js mode '${mode}' is not available here: ${(err as Error).message}`, mode);
  }
  if (mode === 'gpu') {
    const chosen = (gpu as unknown as { Kernel?: { name: string } }).Kernel?.name ?? 'none';
    if (!GL_CLASSES.has(chosen)) {
      void gpu.destroy();
      throw new CompileError(
        `backend 'gpu' needs a GL context (headless-gl in Node, WebGL in a browser); none is available here `
        + `(gpu.js would fall back to ${chosen}). Use backend 'webasm', 'async' or 'f64'.`, mode);
    }
  }
  return gpu;
}

export interface GpuKernelSpec {
  readonly source: string;
  readonly functions: readonly string[];
  readonly output: readonly number[];
  /** every loop's bound: gpu.js silently caps loops at this */
  readonly loopMaxIterations: number;
  /** 'Array(n)' for kernels returning n values per cell */
  readonly returnType?: 'Number' | 'Array(2)' | 'Array(3)' | 'Array(4)';
}

/** Builds a gpu.js kernel from emitted source, after re-checking all of it. */
export function createGpuKernel(gpu: GPU, spec: GpuKernelSpec): GpuKernelRun {
  assertSafeSource(spec.source);
  for (const f of spec.functions) assertSafeSource(f);
  const settings = {
    output: [...spec.output],
    loopMaxIterations: Math.max(1, spec.loopMaxIterations),
    precision: 'single',
    tactic: 'precision',
    functions: [...spec.functions],
    ...(spec.returnType ? { returnType: spec.returnType } : {}),
  };
  // gpu.js's typings do not know string sources or all settings used here
  const create = gpu.createKernel as unknown as (src: string, s: object) => GpuKernelRun;
  return create.call(gpu, spec.source, settings);
}

/**
 * Asks a webasm kernel for its flat result (cells × components) instead of
 * rows of per-cell subarrays, whose construction cost gpu.js 2.24 ~0.2 s
 * for 10^6 Array(4) cells. Relies on WebAssemblyKernel._shapeOutput; a
 * kernel without it, or one gpu.js later swaps in, returns the shaped form,
 * which callers must still accept.
 */
export function returnFlatOutput(run: GpuKernelRun): void {
  const kernel = run.kernel as unknown as { constructor: { name: string }; _shapeOutput?: unknown } | undefined;
  if (kernel?.constructor.name === 'WebAssemblyKernel' && typeof kernel._shapeOutput === 'function') {
    kernel._shapeOutput = (data: Float32Array) => data;
  }
}

/** The backend a kernel-run shortcut really used (after any fallback). */
export function ranBackend(run: GpuKernelRun): RanBackend {
  const name = run.kernel?.constructor.name ?? '';
  const b = BY_CLASS[name];
  if (!b) throw new Error(`unrecognised gpu.js kernel class '${name}'`);
  return b;
}

/** The backend a GPU instance will build its kernels with (before any run). */
export function plannedBackend(gpu: GPU): RanBackend {
  const name = (gpu as unknown as { Kernel?: { name: string } }).Kernel?.name ?? '';
  return BY_CLASS[name] ?? 'cpu';
}

/** Flattens a gpu.js 1D or 2D float result into `out` (row-major). */
export function copyResult(result: unknown, out: Float64Array | Float32Array, offset = 0): void {
  if (result instanceof Float32Array) {
    out.set(result, offset);
    return;
  }
  if (Array.isArray(result)) {
    let o = offset;
    for (const row of result as Float32Array[]) {
      out.set(row, o);
      o += row.length;
    }
    return;
  }
  throw new Error('gpu.js returned neither a Float32Array nor an array of rows');
}
