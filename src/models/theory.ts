// The model contract: what a theory of GAN training offers the rest of the toolkit.
// A theory is one folder under src/models/ plus one line in src/models/index.ts; the
// CLI verbs (derive, integrate, simulate, phase, figures, verify), reports and sweeps
// find it through the registry and ask only for what it declares.

import type { System } from '../symbolic/index.ts';
import type { NamedSeries } from '../numeric/index.ts';
import type { Theorem } from '../core/index.ts';
import type { SpecValues } from './spec-input.ts';

/** The five verbs every theory may offer through the contract's optional methods. */
export type Verb = 'derive' | 'integrate' | 'simulate' | 'phase' | 'figures';
/** A core verb or the verb of one of the theory's own actions (`damping`, `recover`, ...). */
export type AnyVerb = Verb | (string & {});

/** A flag of the theory's own (`--d 2`, `--normalization oja`, `--n 1000`). */
export interface OptionField {
  /** Flag name without dashes; also the key in a JSON spec. */
  readonly name: string;
  readonly kind: 'integer' | 'number' | 'choice' | 'text';
  readonly description: string;
  /** Default as the user would type it; absent means optional with no value. */
  readonly default?: string;
  /** Inclusive range for 'integer' and 'number'; 'number' with min > 0 may set exclusiveMin. */
  readonly min?: number;
  readonly max?: number;
  readonly exclusiveMin?: boolean;
  readonly choices?: readonly string[];
  /** Verbs (core or the theory's actions) this flag applies to (all of them when absent). */
  readonly verbs?: readonly AnyVerb[];
  /** Placeholder shown in help, e.g. "D". */
  readonly placeholder?: string;
}

/** A named number (or list) set with `--set name=value` or `--init name=value`. */
export interface ParameterInfo {
  readonly name: string;
  readonly description: string;
  /** Default value; a list for vector parameters. */
  readonly default: number | readonly number[];
}

/** A derived system and the values that make it runnable. */
export interface Derivation {
  /** The macroscopic / mean-field ODE. */
  readonly ode: System;
  /** One line describing the ODE (printed above it). */
  readonly odeLabel: string;
  /** The per-coordinate (McKean–Vlasov) SDE, where the theory has one. */
  readonly sde?: System;
  readonly sdeLabel?: string;
  /** Parameter values of `ode.params` for this spec. */
  readonly params: Readonly<Record<string, number>>;
  /** Initial state in the order of `ode.state`. */
  readonly initial: readonly number[];
}

/** Recorded series of a run: times and one array per named quantity (numeric's NamedSeries, plus extras). */
export interface Series extends NamedSeries {
  /** Anything else worth keeping (configuration, metrics that are not time series). */
  readonly extra?: Record<string, unknown>;
}

export interface RunContext {
  /** Progress callback for long runs (fraction in [0, 1] and a short label). */
  readonly onProgress?: (fraction: number, label: string) => void;
}

export interface PhaseReport {
  /** One word, e.g. "success", "collapse". */
  readonly phase: string;
  /** JSON-ready details (printed with --json). */
  readonly details: Record<string, unknown>;
  /** Human-readable lines (printed without --json). */
  readonly lines: readonly string[];
}

export interface FigureFile {
  /** File name without folder, e.g. "phase-diagram.svg". */
  readonly name: string;
  readonly svg: string;
  readonly caption: string;
}

/** What an action computed: printed first (text or --json), files written after. */
export interface ActionResult {
  /** JSON-ready result (printed with --json, written to --out FILE). */
  readonly details: Record<string, unknown>;
  /** Human-readable lines (printed without --json). */
  readonly lines: readonly string[];
  /** LaTeX (printed with --latex, for actions that declare `latex`). */
  readonly latex?: string;
  /** SVG figures, written into the folder given by --figures. */
  readonly figures?: readonly FigureFile[];
}

/**
 * A verb of the theory's own beyond the five: `gandyn <verb> <theory> [flags]`, or
 * `gandyn <verb> [flags]` when `standalone` (then no other theory may offer that verb).
 * Its flags are the theory's options whose `verbs` name it, plus --set/--init/--spec,
 * --json, --out FILE (the JSON), --figures DIR and, where `latex`, --latex.
 */
export interface TheoryAction<S = unknown> {
  /** Lower-case letters, digits and dashes; not one of the core verbs. */
  readonly verb: string;
  readonly description: string;
  readonly standalone?: boolean;
  /** Whether the result carries LaTeX (adds --latex). */
  readonly latex?: boolean;
  /** Work estimate in elementary operations; refused above the CLI's limit, progress shown for long runs. */
  cost?(spec: S): number;
  run(spec: S, ctx: RunContext): ActionResult;
}

export interface Theory<S = unknown> {
  readonly id: string;
  readonly title: string;
  /** The paper or book it comes from. */
  readonly source: string;
  /** One or two sentences on what it models. */
  readonly summary: string;
  /** Flags of its own. */
  readonly options: readonly OptionField[];
  /** Names settable with --set, with defaults (may depend on the options, e.g. on d). */
  parameters(options: SpecValues): readonly ParameterInfo[];
  /** Names settable with --init (initial state), with defaults. */
  initialValues?(options: SpecValues): readonly ParameterInfo[];
  /**
   * The one validator: options, --set and --init values (already parsed as numbers)
   * into the typed spec. Throws an InputError naming the offending key.
   */
  makeSpec(values: SpecValues): S;
  /** A short record of the spec for reports and error messages. */
  describe?(spec: S): Record<string, unknown>;

  derive?(spec: S): Derivation;
  /** Default end time and recording interval for `integrate`. */
  readonly integrateDefaults?: { readonly T: number; readonly every: number };
  simulate?(spec: S, ctx: RunContext): Series;
  /** Work estimate of `simulate` in elementary operations (refused above the CLI's limit). */
  simulateCost?(spec: S): number;
  phase?(spec: S): PhaseReport;
  figures?(spec: S, ctx: RunContext): FigureFile[];
  /** Verbs of its own (experiments that are not derive/integrate/simulate/phase/figures). */
  readonly actions?: readonly TheoryAction<S>[];
  readonly theorems: readonly Theorem[];
}

/** Which verbs a theory supports. */
export function capabilities(theory: Theory): Verb[] {
  const caps: Verb[] = [];
  if (theory.derive) caps.push('derive', 'integrate');
  if (theory.simulate) caps.push('simulate');
  if (theory.phase) caps.push('phase');
  if (theory.figures) caps.push('figures');
  return caps;
}

/** The theory's flags that apply to a verb. */
export function optionsFor(theory: Theory, verb: AnyVerb): OptionField[] {
  return theory.options.filter((o) => !o.verbs || o.verbs.includes(verb));
}
