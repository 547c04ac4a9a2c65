// Errors raised by the integrators. Each carries what was computed before the failure.

import { ArgumentError, IntegrationError } from '../core/index.ts';

export { IntegrationError };

/** Parameters of the run, as the caller described them (echoed in error messages). */
export type ParamsDescription = string | Record<string, number | string | boolean | bigint>;

/** "a=1, b=0.5" from a record; a string is returned as is. */
export function describeParams(params: ParamsDescription | undefined): string | undefined {
  if (params === undefined) return undefined;
  if (typeof params === 'string') return params;
  return Object.entries(params).map(([k, v]) => `${k}=${String(v)}`).join(', ');
}

export type DivergenceReason = 'non-finite' | 'blow-up' | 'step-size underflow';

export interface DivergenceDetails {
  reason: DivergenceReason;
  /** The variable's name (from `names`) or `y[i]`. */
  variable: string;
  /** Component index within one system. */
  component: number;
  /** Which member of the batch. */
  batchIndex: number;
  /** Time at the end of the failing step (or where the step size collapsed). */
  t: number;
  /** Number of the failing step (1 = first step). */
  step: number;
  /** The offending value. */
  value: number;
  /** The configured blow-up bound on |y|. */
  bound: number;
  params?: string;
  /** Last state that passed the checks and its time. */
  lastState?: Float64Array;
  lastTime?: number;
}

/** NaN/Inf, |y| above the blow-up bound, or a step size that collapsed to rounding level. */
export class DivergenceError<Partial = unknown> extends IntegrationError<Partial> {
  readonly reason: DivergenceReason;
  readonly variable: string;
  readonly component: number;
  readonly batchIndex: number;
  readonly t: number;
  readonly step: number;
  readonly value: number;
  readonly bound: number;
  readonly params?: string;
  readonly lastState?: Float64Array;
  readonly lastTime?: number;

  constructor(details: DivergenceDetails, partial: Partial) {
    const what =
      details.reason === 'non-finite' ? `${details.variable} = ${details.value} (not finite)`
      : details.reason === 'blow-up' ? `|${details.variable}| = ${Math.abs(details.value).toExponential(3)} exceeds the blow-up bound ${details.bound.toExponential(1)}`
      : `the step size fell to rounding level (${details.variable} = ${details.value} at the failed step)`;
    const message =
      `Divergence at t = ${details.t} (step ${details.step}), batch member ${details.batchIndex}: ${what}` +
      (details.params ? `; params: ${details.params}` : '');
    super(message, partial);
    this.name = 'DivergenceError';
    this.reason = details.reason;
    this.variable = details.variable;
    this.component = details.component;
    this.batchIndex = details.batchIndex;
    this.t = details.t;
    this.step = details.step;
    this.value = details.value;
    this.bound = details.bound;
    this.params = details.params;
    this.lastState = details.lastState;
    this.lastTime = details.lastTime;
  }
}

/** An adaptive integrator that used up `maxSteps` before reaching its end time. */
export class StepLimitError<Partial = unknown> extends IntegrationError<Partial> {
  constructor(message: string, partial: Partial) {
    super(message, partial);
    this.name = 'StepLimitError';
  }
}

/** A matrix that is singular to working precision (a zero or rounding-level pivot in LU). */
export class SingularMatrixError extends ArgumentError {
  /** Elimination step (column) where the pivot vanished. */
  readonly column: number;
  readonly pivot: number;
  constructor(message: string, column: number, pivot: number) {
    super(message);
    this.name = 'SingularMatrixError';
    this.column = column;
    this.pivot = pivot;
  }
}
