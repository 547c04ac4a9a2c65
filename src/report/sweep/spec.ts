// A sweep spec (JSON) into a checked Sweep: the theory and command, the grid (linspace,
// logspace, explicit lists, zipped axes), the seeds and the metrics kept per point.
// Every mistake is an InputError naming the key; nothing runs before the spec is whole.
//
// {
//   "theory": "quadratic-critic", "command": "simulate",        simulate | integrate | phase | check
//   "options": {"T": 2, "dt": 0.01}, "set": {"gamma": 0.5}, "init": {"s": 1},
//   "grid": [
//     {"axis": "set.eta", "linspace": {"from": 0.2, "to": 2, "count": 10}},
//     {"axis": "set.gamma", "logspace": {"from": 0.01, "to": 1, "count": 5}},
//     {"axis": "batch", "values": [4, 16]},
//     {"zip": [{"axis": "set.mu", "values": [0, 1]}, {"axis": "set.sigma", "values": [0.5, 1]}]}
//   ],
//   "seed": 7, "replicates": 3,
//   "metrics": {"final": ["theta"], "min": ["s"], "max": ["s"]},
//   "figure": {"x": "set.eta", "y": "set.gamma", "metric": "final.theta"}
// }

import { createHash } from 'node:crypto';
import { InputError, type Theorem } from '../../core/index.ts';
import { type Theory, type OptionField, type AnyVerb, type SpecValues, optionsFor, parseOption } from '../../models/index.ts';
import { canonicalJson } from './canonical.ts';

/** Largest number of points of one sweep (grid points × replicates). */
export const MAX_POINTS = 1_000_000;
/** Largest number of values of one axis. */
export const MAX_AXIS_VALUES = 100_000;
/** Largest number of replicates (seeds) per grid point. */
export const MAX_REPLICATES = 100_000;
/** Largest work estimate (the theory's simulateCost) of one point, as for `gandyn simulate`. */
export const MAX_POINT_WORK = 2e11;
/** Largest number of recorded times of one `integrate` point. */
export const MAX_POINT_RECORDS = 1_000_000;

export const SWEEP_COMMANDS = ['simulate', 'integrate', 'phase', 'check'] as const;
export type SweepCommand = (typeof SWEEP_COMMANDS)[number];

export type AxisValue = number | string;

/** One named axis: an option (`n`, `normalization`), `set.<parameter>`, `init.<state>`, or `effort` for checks. */
export interface Axis {
  readonly name: string;
  readonly values: readonly AxisValue[];
  /** How the values were given; a log axis is drawn on a log scale. */
  readonly scale: 'linear' | 'log' | 'list';
}

/** A factor of the grid: one axis, or several zipped axes that move together. */
export interface Factor {
  readonly axes: readonly Axis[];
  readonly length: number;
}

export interface MetricSpec {
  readonly final: readonly string[];
  readonly min: readonly string[];
  readonly max: readonly string[];
}

export interface FigureSpec {
  readonly x: string;
  readonly y?: string;
  readonly metric: string;
}

export interface Sweep {
  readonly theory: Theory;
  readonly command: SweepCommand;
  readonly theorem?: Theorem;
  /** The verb whose options apply (the command, or none for checks). */
  readonly verb?: AnyVerb;
  readonly options: Readonly<Record<string, AxisValue>>;
  readonly set: Readonly<Record<string, readonly number[]>>;
  readonly init: Readonly<Record<string, readonly number[]>>;
  readonly factors: readonly Factor[];
  readonly seed: number;
  readonly replicates: number;
  /** The theory's seed option that receives each point's derived seed (absent: none is passed). */
  readonly seedField?: OptionField;
  readonly metrics: MetricSpec;
  /** End time and recording interval of `integrate` points. */
  readonly T?: number;
  readonly every?: number;
  readonly figure?: FigureSpec;
  readonly points: number;
  /** The spec in canonical JSON (what spec.json in a sweep folder holds). */
  readonly canonical: string;
  /** First 16 hex digits of the SHA-256 of `canonical`: the sweep's identity. */
  readonly id: string;
}

const TOP_KEYS = ['theory', 'command', 'theorem', 'options', 'set', 'init', 'grid', 'seed', 'replicates', 'metrics', 'figure', 'T', 'every', 'comment'];
const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 39)}…` : text);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function checkKeys(obj: Record<string, unknown>, known: readonly string[], where: string): void {
  const set = new Set(known);
  for (const k of Object.keys(obj)) if (!set.has(k)) throw new InputError(`${where}: unknown key ${quote(k)} (known: ${known.join(', ')})`);
}

function finiteNumber(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError(`${where} must be a finite number, got ${JSON.stringify(v) ?? String(v)}`);
  return v;
}

function integerIn(v: unknown, where: string, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < lo || v > hi) throw new InputError(`${where} must be an integer in ${lo}..${hi}, got ${JSON.stringify(v) ?? String(v)}`);
  return v;
}

function textOf(v: unknown, where: string): string {
  if (typeof v !== 'string' || v === '') throw new InputError(`${where} must be a non-empty string`);
  return v;
}

/** `count` points from `from` to `to`, both ends exact (one point: `from`). */
export function linspace(from: number, to: number, count: number): number[] {
  if (count === 1) return [from];
  return Array.from({ length: count }, (_, k) => (k === count - 1 ? to : from + ((to - from) * k) / (count - 1)));
}

/** `count` points from `from` to `to` (both positive) at a constant ratio, both ends exact. */
export function logspace(from: number, to: number, count: number): number[] {
  if (count === 1) return [from];
  const a = Math.log(from), b = Math.log(to);
  return Array.from({ length: count }, (_, k) => (k === 0 ? from : k === count - 1 ? to : Math.exp(a + ((b - a) * k) / (count - 1))));
}

interface AxisContext {
  readonly theory: Theory;
  readonly command: SweepCommand;
  readonly fields: ReadonlyMap<string, OptionField>;
  readonly parameters?: ReadonlySet<string>;
  readonly initial?: ReadonlySet<string>;
}

function checkAxisName(name: string, ctx: AxisContext, where: string): void {
  const bad = (why: string) => new InputError(`${where}: ${why}`);
  if (ctx.command === 'check') {
    if (name !== 'effort') throw bad(`unknown axis ${quote(name)}: a check sweep varies only "effort" (the seed comes from the sweep seed)`);
    return;
  }
  const dot = name.indexOf('.');
  if (dot >= 0) {
    const kind = name.slice(0, dot), key = name.slice(dot + 1);
    if ((kind !== 'set' && kind !== 'init') || !NAME.test(key)) throw bad(`unknown axis ${quote(name)} (write an option name, set.<parameter> or init.<state>)`);
    const known = kind === 'set' ? ctx.parameters : ctx.initial;
    if (known && !known.has(key)) throw bad(`unknown axis ${quote(name)}: ${ctx.theory.id} has no ${kind === 'set' ? 'parameter' : 'initial value'} ${quote(key)} (known: ${[...known].join(', ') || 'none'})`);
    return;
  }
  if (!ctx.fields.has(name)) throw bad(`unknown axis ${quote(name)}: not an option of ${ctx.theory.id} ${ctx.command} (options: ${[...ctx.fields.keys()].join(', ') || 'none'}; parameters are set.<name>, initial values init.<name>)`);
}

function parseAxis(entry: unknown, ctx: AxisContext, where: string): Axis {
  if (!isObject(entry)) throw new InputError(`${where} must be an object {"axis": name, "values" | "linspace" | "logspace": ...}`);
  checkKeys(entry, ['axis', 'values', 'linspace', 'logspace'], where);
  const name = textOf(entry.axis, `${where}.axis`);
  checkAxisName(name, ctx, `${where}.axis`);
  const kinds = ['values', 'linspace', 'logspace'].filter((k) => entry[k] !== undefined);
  if (kinds.length !== 1) throw new InputError(`${where}: give exactly one of "values", "linspace", "logspace" for axis ${quote(name)}`);
  const kind = kinds[0];
  const numericOnly = name.includes('.') || name === 'effort' || ctx.fields.get(name)?.kind === 'integer' || ctx.fields.get(name)?.kind === 'number';
  if (kind === 'values') {
    const list = entry.values;
    if (!Array.isArray(list) || list.length === 0) throw new InputError(`${where}.values: empty grid axis ${quote(name)} (give at least one value)`);
    if (list.length > MAX_AXIS_VALUES) throw new InputError(`${where}.values: ${list.length} values is above the limit ${MAX_AXIS_VALUES}`);
    const values = list.map((v, i) => {
      if (typeof v === 'string' && !numericOnly) return v;
      return finiteNumber(v, `${where}.values[${i}]`);
    });
    return { name, values, scale: 'list' };
  }
  const range = entry[kind];
  const rwhere = `${where}.${kind}`;
  if (!isObject(range)) throw new InputError(`${rwhere} must be {"from": a, "to": b, "count": n}`);
  checkKeys(range, ['from', 'to', 'count'], rwhere);
  const from = finiteNumber(range.from, `${rwhere}.from`), to = finiteNumber(range.to, `${rwhere}.to`);
  if (range.count === 0) throw new InputError(`${rwhere}.count: empty grid axis ${quote(name)} (count must be at least 1)`);
  const count = integerIn(range.count, `${rwhere}.count`, 1, MAX_AXIS_VALUES);
  if (kind === 'logspace') {
    if (!(from > 0) || !(to > 0)) throw new InputError(`${rwhere}: "from" and "to" must be positive (they are the end values, not exponents)`);
    return { name, values: logspace(from, to, count), scale: 'log' };
  }
  return { name, values: linspace(from, to, count), scale: 'linear' };
}

function parseGrid(grid: unknown, ctx: AxisContext): Factor[] {
  if (grid === undefined) throw new InputError('grid: missing (a list of axes)');
  if (!Array.isArray(grid)) throw new InputError('grid must be a list of axes');
  if (grid.length === 0) throw new InputError('grid: empty grid (give at least one axis)');
  const factors: Factor[] = [];
  const seen = new Set<string>();
  grid.forEach((entry, i) => {
    const where = `grid[${i}]`;
    let axes: Axis[];
    if (isObject(entry) && entry.zip !== undefined) {
      checkKeys(entry, ['zip'], where);
      if (!Array.isArray(entry.zip) || entry.zip.length === 0) throw new InputError(`${where}.zip: give a non-empty list of axes`);
      axes = entry.zip.map((a, j) => parseAxis(a, ctx, `${where}.zip[${j}]`));
      const n = axes[0].values.length;
      axes.forEach((a, j) => { if (a.values.length !== n) throw new InputError(`${where}.zip[${j}]: axis ${quote(a.name)} has ${a.values.length} values, the zipped axes ${n}`); });
    } else {
      axes = [parseAxis(entry, ctx, where)];
    }
    for (const a of axes) {
      if (seen.has(a.name)) throw new InputError(`${where}: axis ${quote(a.name)} appears twice in the grid`);
      seen.add(a.name);
    }
    factors.push({ axes, length: axes[0].values.length });
  });
  return factors;
}

function stringList(v: unknown, where: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new InputError(`${where} must be a list of series names`);
  return v.map((s, i) => textOf(s, `${where}[${i}]`));
}

function parseMetrics(v: unknown, command: SweepCommand): MetricSpec {
  if (v === undefined) return { final: [], min: [], max: [] };
  if (!isObject(v)) throw new InputError('metrics must be an object {"final": [...], "min": [...], "max": [...]}');
  checkKeys(v, ['final', 'min', 'max'], 'metrics');
  const m = { final: stringList(v.final, 'metrics.final'), min: stringList(v.min, 'metrics.min'), max: stringList(v.max, 'metrics.max') };
  if ((m.final.length || m.min.length || m.max.length) && command !== 'simulate' && command !== 'integrate') {
    throw new InputError(`metrics: series metrics apply to simulate and integrate; a ${command} sweep keeps ${command === 'phase' ? 'the phase and its numeric details' : 'the verdict and its figures'}`);
  }
  return m;
}

function numberRecord(v: unknown, where: string): Record<string, number[]> {
  const out: Record<string, number[]> = Object.create(null);
  if (v === undefined) return out;
  if (!isObject(v)) throw new InputError(`${where} must be an object of name: number`);
  for (const k of Object.keys(v)) {
    if (!NAME.test(k)) throw new InputError(`${where}: ${quote(k)} is not a parameter name`);
    const val = v[k];
    const list = Array.isArray(val) ? val : [val];
    if (list.length === 0) throw new InputError(`${where}.${k}: empty list`);
    out[k] = list.map((x, i) => finiteNumber(x, `${where}.${k}${Array.isArray(val) ? `[${i}]` : ''}`));
  }
  return out;
}

function defaultValues(fields: ReadonlyMap<string, OptionField>, given: Record<string, AxisValue>): SpecValues {
  const options = new Map<string, number | string>();
  for (const f of fields.values()) {
    const text = given[f.name] !== undefined ? String(given[f.name]) : f.default;
    if (text === undefined) continue;
    try { options.set(f.name, parseOption(f, text)); } catch { /* reported by makeSpec */ }
  }
  return { options, set: new Map(), init: new Map() };
}

/** A parsed JSON sweep spec, checked against the registered theories. */
export function parseSweep(json: unknown, theories: readonly Theory[]): Sweep {
  if (!isObject(json)) throw new InputError('sweep spec: expected a JSON object');
  checkKeys(json, TOP_KEYS, 'sweep spec');
  const theoryId = textOf(json.theory, 'theory');
  const theory = new Map(theories.map((t) => [t.id, t])).get(theoryId);
  if (!theory) throw new InputError(`theory: unknown theory ${quote(theoryId)} (known: ${theories.map((t) => t.id).join(', ')})`);
  const commandText = textOf(json.command, 'command');
  if (!(SWEEP_COMMANDS as readonly string[]).includes(commandText)) throw new InputError(`command: must be one of ${SWEEP_COMMANDS.join(', ')}, got ${quote(commandText)}`);
  const command = commandText as SweepCommand;
  const has = { simulate: !!theory.simulate, integrate: !!theory.derive, phase: !!theory.phase, check: theory.theorems.length > 0 }[command];
  if (!has) throw new InputError(`command: ${theory.id} has no ${command}`);

  let theorem: Theorem | undefined;
  if (command === 'check') {
    const id = textOf(json.theorem, 'theorem');
    theorem = new Map(theory.theorems.map((t) => [t.id, t])).get(id);
    if (!theorem) throw new InputError(`theorem: ${theory.id} has no theorem ${quote(id)} (known: ${theory.theorems.map((t) => t.id).join(', ')})`);
    for (const k of ['options', 'set', 'init', 'T', 'every']) if (json[k] !== undefined) throw new InputError(`${k}: a check sweep takes no ${k} (it varies "effort" and the seed)`);
  } else if (json.theorem !== undefined) {
    throw new InputError(`theorem: only a check sweep names a theorem`);
  }
  if (command !== 'integrate' && (json.T !== undefined || json.every !== undefined)) throw new InputError(`${json.T !== undefined ? 'T' : 'every'}: only an integrate sweep takes an end time and a recording interval (simulate takes them as options)`);
  if (json.comment !== undefined && typeof json.comment !== 'string') throw new InputError('comment must be a string');

  const verb: AnyVerb | undefined = command === 'check' ? undefined : command;
  const fields = new Map(verb ? optionsFor(theory, verb).map((f) => [f.name, f] as const) : []);
  const options: Record<string, AxisValue> = Object.create(null);
  if (json.options !== undefined) {
    if (!isObject(json.options)) throw new InputError('options must be an object of option: value');
    for (const k of Object.keys(json.options)) {
      const field = fields.get(k);
      if (!field) throw new InputError(`options: unknown option ${quote(k)} of ${theory.id} ${command} (known: ${[...fields.keys()].join(', ') || 'none'})`);
      const v = json.options[k];
      if (typeof v !== 'number' && typeof v !== 'string') throw new InputError(`options.${k} must be a number or a string`);
      parseOption(field, String(v)); // one-line error naming the flag
      options[k] = v;
    }
  }
  const set = numberRecord(json.set, 'set'), init = numberRecord(json.init, 'init');

  const defaults = defaultValues(fields, options);
  const names = (f: () => readonly { name: string }[]) => { try { return new Set(f().map((p) => p.name)); } catch { return undefined; } };
  const ctx: AxisContext = {
    theory, command, fields,
    parameters: verb ? names(() => theory.parameters(defaults)) : undefined,
    initial: verb && theory.initialValues ? names(() => theory.initialValues!(defaults)) : verb ? new Set<string>() : undefined,
  };
  const factors = parseGrid(json.grid, ctx);
  for (const f of factors) {
    for (const a of f.axes) {
      const [kind, key] = a.name.includes('.') ? a.name.split('.') : ['option', a.name];
      const clash = kind === 'set' ? set[key] : kind === 'init' ? init[key] : options[key];
      if (clash !== undefined) throw new InputError(`grid: axis ${quote(a.name)} is also fixed in "${kind === 'option' ? 'options' : kind}" (give it in one place)`);
    }
  }

  const seed = json.seed === undefined ? 1 : integerIn(json.seed, 'seed', 0, Number.MAX_SAFE_INTEGER);
  const replicates = json.replicates === undefined ? 1 : integerIn(json.replicates, 'replicates', 1, MAX_REPLICATES);
  const seedOnGrid = factors.some((f) => f.axes.some((a) => a.name === 'seed'));
  const seedCandidate = fields.get('seed');
  const seedField = command === 'check' || seedOnGrid || options.seed !== undefined || seedCandidate?.kind !== 'integer' ? undefined : seedCandidate;
  if (replicates > 1 && !seedField && command !== 'check') {
    throw new InputError(`replicates: ${replicates} replicates would be identical: ${seedOnGrid || options.seed !== undefined ? 'the seed is fixed by the spec (drop "seed" from options/grid to derive one per point)' : `${theory.id} ${command} takes no seed`}`);
  }

  let points = replicates;
  for (const f of factors) {
    points *= f.length;
    if (points > MAX_POINTS) throw new InputError(`grid: too many points (${factors.map((g) => g.length).join(' × ')}${replicates > 1 ? ` × ${replicates} replicates` : ''} is above the limit ${MAX_POINTS.toLocaleString('en-US')})`);
  }

  let T: number | undefined, every: number | undefined;
  if (command === 'integrate') {
    const d = theory.integrateDefaults ?? { T: 100, every: 1 };
    T = json.T === undefined ? d.T : finiteNumber(json.T, 'T');
    every = json.every === undefined ? d.every : finiteNumber(json.every, 'every');
    if (!(T > 0) || T > 1e7) throw new InputError(`T must be in (0, 1e7], got ${T}`);
    if (!(every > 0)) throw new InputError(`every must be positive, got ${every}`);
    const records = Math.floor(T / every + 1e-9) + 1;
    if (records > MAX_POINT_RECORDS) throw new InputError(`T / every = ${records} recorded times per point is above the limit ${MAX_POINT_RECORDS}`);
  }

  const metrics = parseMetrics(json.metrics, command);
  const figure = parseFigure(json.figure, factors);
  const canonical = canonicalJson(json);
  const id = createHash('sha256').update(canonical).digest('hex').slice(0, 16);
  return { theory, command, theorem, verb, options, set, init, factors, seed, replicates, seedField, metrics, T, every, figure, points, canonical, id };
}

function parseFigure(v: unknown, factors: readonly Factor[]): FigureSpec | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v)) throw new InputError('figure must be {"x": axis, "y"?: axis, "metric": column}');
  checkKeys(v, ['x', 'y', 'metric'], 'figure');
  const axes = new Set(factors.flatMap((f) => f.axes.map((a) => a.name)));
  const x = textOf(v.x, 'figure.x');
  if (!axes.has(x)) throw new InputError(`figure.x: ${quote(x)} is not a grid axis (axes: ${[...axes].join(', ')})`);
  const y = v.y === undefined ? undefined : textOf(v.y, 'figure.y');
  if (y !== undefined && !axes.has(y)) throw new InputError(`figure.y: ${quote(y)} is not a grid axis (axes: ${[...axes].join(', ')})`);
  if (y === x) throw new InputError('figure.y: the same axis as figure.x');
  const metric = textOf(v.metric, 'figure.metric');
  return { x, y, metric };
}

/** The grid position of point `index`: one index per factor (the first factor varies slowest), then the replicate. */
export function pointCoordinates(sweep: Sweep, index: number): { factor: number[]; replicate: number } {
  let rest = index;
  const replicate = rest % sweep.replicates;
  rest = Math.floor(rest / sweep.replicates);
  const factor = new Array<number>(sweep.factors.length);
  for (let f = sweep.factors.length - 1; f >= 0; f--) {
    factor[f] = rest % sweep.factors[f].length;
    rest = Math.floor(rest / sweep.factors[f].length);
  }
  return { factor, replicate };
}

/** Axis name → value at point `index`, in grid order. */
export function pointValues(sweep: Sweep, index: number): Record<string, AxisValue> {
  const { factor } = pointCoordinates(sweep, index);
  const out: Record<string, AxisValue> = Object.create(null);
  sweep.factors.forEach((f, i) => { for (const a of f.axes) out[a.name] = a.values[factor[i]]; });
  return out;
}

/** Every axis name, in grid order. */
export function axisNames(sweep: Sweep): string[] {
  return sweep.factors.flatMap((f) => f.axes.map((a) => a.name));
}

/** The points of shard `shard` of `of`: every index ≡ shard (mod of), so costly corners spread over the shards. */
export function shardPoints(sweep: Sweep, shard: number, of: number): number[] {
  const out: number[] = [];
  for (let i = shard; i < sweep.points; i += of) out.push(i);
  return out;
}
