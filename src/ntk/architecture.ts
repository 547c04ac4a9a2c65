// One architecture value, several views (closed-form kernels, finite networks,
// the recursion as Exprs), as in neural-tangents' stax:
//
//   serial(dense(W_std, b_std), ACT, dense(W_std, b_std), ..., dense(W_std, b_std))
//
// Depth L = number of hidden [dense, activation] blocks; a final dense readout
// (one output) follows. Parameterization 'ntk' (default): z = W_std/√n_in · W x +
// b_std · b with W, b ~ N(0, 1); 'standard': z = W x + b with W ~ N(0, W_std²/n_in),
// b ~ N(0, b_std²). b_std = null (spec: none) means no bias parameter at all.

import { InputError } from '../core/index.ts';
import { type Activation, ActivationError } from './activations.ts';

export type Parameterization = 'ntk' | 'standard';

/** A fully connected layer. */
export interface DenseLayer {
  readonly kind: 'dense';
  readonly W_std: number;
  /** null: no bias parameter (same NNGP as 0, a different standard-parameterization NTK) */
  readonly b_std: number | null;
}

export interface ActivationLayer {
  readonly kind: 'activation';
  readonly activation: Activation;
}

export type Layer = DenseLayer | ActivationLayer;

export interface ArchitectureOptions {
  /** 'ntk' (default) or 'standard' */
  readonly parameterization?: Parameterization;
  /**
   * Hidden width n. Required for the standard-parameterization NTK (which scales
   * with n); the default width of finite networks built from the architecture.
   */
  readonly width?: number;
}

/** A validated fully connected architecture. */
export interface Architecture {
  readonly layers: readonly Layer[];
  /** the L + 1 dense layers, input layer first, readout last */
  readonly dense: readonly DenseLayer[];
  /** the L activations, in order */
  readonly activations: readonly Activation[];
  /** L, the number of hidden [dense, activation] blocks */
  readonly depth: number;
  readonly parameterization: Parameterization;
  readonly width?: number;
  /** spec text that parseArchitecture reads back to an equal architecture */
  readonly spec: string;
}

/** An architecture that cannot be built: the message says which layer and why. */
export class ArchitectureError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'ArchitectureError';
  }
}

function checkStd(what: string, v: number, where: string): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ArchitectureError(`${where}: ${what} must be a finite number, got ${String(v)}`);
  if (v < 0) throw new ArchitectureError(`${where}: ${what} must be ≥ 0 (a standard deviation), got ${v}`);
}

/** A dense layer; b_std = null means no bias. */
export function dense(W_std: number, b_std: number | null = 0): DenseLayer {
  checkStd('W_std', W_std, 'dense');
  if (b_std !== null) checkStd('b_std', b_std, 'dense');
  return { kind: 'dense', W_std, b_std };
}

function isActivation(x: unknown): x is Activation {
  return typeof x === 'object' && x !== null && typeof (x as Activation).phi === 'function' && typeof (x as Activation).spec === 'string';
}

function isOptions(x: unknown): x is ArchitectureOptions {
  return typeof x === 'object' && x !== null && !('kind' in x) && !isActivation(x);
}

const fmt = (x: number) => String(x);

/**
 * Builds an architecture from layers (activations may be given bare or as
 * activation layers); an options object may come last:
 * `serial(dense(1.5, 0.5), relu(), dense(1.5, 0.5), { parameterization: 'standard', width: 512 })`.
 */
export function serial(...items: Array<Layer | Activation | ArchitectureOptions>): Architecture {
  let opts: ArchitectureOptions = {};
  if (items.length > 0 && isOptions(items[items.length - 1])) opts = items.pop() as ArchitectureOptions;
  const layers: Layer[] = items.map((it, i) => {
    if (isActivation(it)) return { kind: 'activation', activation: it };
    if (typeof it === 'object' && it !== null && ((it as Layer).kind === 'dense' || (it as Layer).kind === 'activation')) return it as Layer;
    throw new ArchitectureError(`layer ${i + 1} is not a dense layer or an activation`);
  });
  return architecture(layers, opts);
}

/** Validates layers (dense, act, dense, ..., dense) and options into an Architecture. */
export function architecture(layers: readonly Layer[], opts: ArchitectureOptions = {}): Architecture {
  if (layers.length === 0) throw new ArchitectureError('an architecture needs at least one dense layer (the readout)');
  layers.forEach((layer, i) => {
    const expected = i % 2 === 0 ? 'dense' : 'activation';
    if (layer.kind !== expected) {
      throw new ArchitectureError(
        `layer ${i + 1} is ${layer.kind === 'dense' ? 'a dense layer' : `the activation ${layer.activation.spec}`} but a${expected === 'dense' ? ' dense layer' : 'n activation'} was expected: `
        + 'layers alternate dense, activation, dense, ..., dense (use identity between two dense layers)');
    }
    if (layer.kind === 'dense') {
      checkStd('W_std', layer.W_std, `layer ${i + 1} (dense)`);
      if (layer.b_std !== null) checkStd('b_std', layer.b_std, `layer ${i + 1} (dense)`);
    } else if (!isActivation(layer.activation)) {
      throw new ActivationError(`layer ${i + 1}: not an activation`);
    }
  });
  if (layers[layers.length - 1].kind !== 'dense') {
    throw new ArchitectureError('the last layer must be a dense readout');
  }
  const parameterization = opts.parameterization ?? 'ntk';
  if (parameterization !== 'ntk' && parameterization !== 'standard') {
    throw new ArchitectureError(`parameterization must be 'ntk' or 'standard', got '${String(parameterization)}'`);
  }
  const width = opts.width;
  if (width !== undefined && (!Number.isSafeInteger(width) || width < 1)) {
    throw new ArchitectureError(`width must be a positive integer, got ${String(width)}`);
  }
  const denseLayers = layers.filter((l): l is DenseLayer => l.kind === 'dense');
  const activations = layers.filter((l): l is ActivationLayer => l.kind === 'activation').map((l) => l.activation);
  const body = layers.map((l) => (l.kind === 'dense'
    ? `dense(${fmt(l.W_std)}, ${l.b_std === null ? 'none' : fmt(l.b_std)})`
    : l.activation.spec)).join(', ');
  const extras: string[] = [];
  if (parameterization !== 'ntk') extras.push(`parameterization=${parameterization}`);
  if (width !== undefined) extras.push(`width=${width}`);
  const spec = `serial(${body}${extras.length ? `; ${extras.join(', ')}` : ''})`;
  return {
    layers: [...layers], dense: denseLayers, activations, depth: activations.length,
    parameterization, ...(width !== undefined ? { width } : {}), spec,
  };
}

/** The same layers with other options (parameterization, width). */
export function withOptions(arch: Architecture, opts: ArchitectureOptions): Architecture {
  return architecture(arch.layers, {
    parameterization: opts.parameterization ?? arch.parameterization,
    width: opts.width ?? arch.width,
  });
}

/**
 * The hidden width the standard-parameterization NTK needs; throws a clear
 * error when the architecture has none.
 */
export function requireWidth(arch: Architecture, why: string): number {
  if (arch.width === undefined) {
    throw new ArchitectureError(`${why} needs the hidden width: give { width } (or '; width=512' in the spec)`);
  }
  return arch.width;
}

/**
 * `depth` hidden blocks of one activation with shared W_std, b_std (the
 * neural-tangents fixtures' shape): dense, act, ..., dense, act, dense.
 */
export function stack(depth: number, act: Activation, W_std: number, b_std: number | null, opts: ArchitectureOptions = {}): Architecture {
  if (!Number.isSafeInteger(depth) || depth < 0) throw new ArchitectureError(`depth must be a non-negative integer, got ${String(depth)}`);
  const layers: Layer[] = [];
  for (let l = 0; l < depth; l++) layers.push(dense(W_std, b_std), { kind: 'activation', activation: act });
  layers.push(dense(W_std, b_std));
  return architecture(layers, opts);
}
