// One sweep point, run in this process through the model contract: its spec values
// (the sweep's fixed values plus the point's axis values and derived seed) go through
// the theory's makeSpec, then simulate / integrate / phase / the theorem check, and
// the named metrics are kept.

import { InputError, IntegrationError } from '../../core/index.ts';
import { Rng } from '../../numeric/index.ts';
import { integrate } from '../../compile/index.ts';
import { type Series, specValuesFromJson } from '../../models/index.ts';
import { type AxisValue, type Sweep, MAX_POINT_WORK, pointCoordinates, pointValues } from './spec.ts';

export type MetricValue = number | string | boolean;

/** What one point produced; canonical JSON of it is the same bytes in any shard. */
export interface PointRecord {
  readonly index: number;
  readonly values: Readonly<Record<string, AxisValue>>;
  readonly replicate: number;
  /** The seed passed to the theory (null where the theory takes none or the spec fixes it). */
  readonly seed: number | null;
  readonly metrics: Readonly<Record<string, MetricValue>>;
  /** A run that stopped (a divergence): its message; the metrics are then empty. */
  readonly error?: string;
}

const TWO_POW_32 = 4294967296;

/**
 * The seed of point `index`: the first 53 bits of the index-th child stream of the
 * sweep seed (`new Rng(seed, [index])` is `new Rng(seed)`'s index-th split), so it
 * depends on the sweep seed and the point only, never on the sharding.
 */
export function pointSeed(sweepSeed: number, index: number): number {
  const rng = new Rng(sweepSeed, [index]);
  const hi = rng.nextUint32() >>> 11;
  const lo = rng.nextUint32();
  return hi * TWO_POW_32 + lo;
}

function seedFor(sweep: Sweep, index: number): number | null {
  if (sweep.command === 'check') return pointSeed(sweep.seed, index);
  const field = sweep.seedField;
  if (!field) return null;
  const s = pointSeed(sweep.seed, index);
  const lo = field.min ?? 0, hi = field.max ?? Number.MAX_SAFE_INTEGER;
  return hi - lo >= Number.MAX_SAFE_INTEGER ? s : lo + (s % (hi - lo + 1));
}

/** The JSON spec (as `--spec FILE` takes it) of point `index`. */
export function pointSpecJson(sweep: Sweep, index: number): Record<string, unknown> {
  const values = pointValues(sweep, index);
  const options: Record<string, unknown> = { ...sweep.options };
  const set: Record<string, unknown> = { ...sweep.set };
  const init: Record<string, unknown> = { ...sweep.init };
  for (const [name, v] of Object.entries(values)) {
    if (name.startsWith('set.')) set[name.slice(4)] = v;
    else if (name.startsWith('init.')) init[name.slice(5)] = v;
    else options[name] = v;
  }
  const seed = seedFor(sweep, index);
  if (seed !== null && sweep.seedField) options[sweep.seedField.name] = seed;
  return { ...options, set, init };
}

/** The theory's validated spec of point `index` (InputError naming the point and the key). */
export function pointSpec(sweep: Sweep, index: number): unknown {
  try {
    return sweep.theory.makeSpec(specValuesFromJson(sweep.theory, sweep.verb!, pointSpecJson(sweep, index)));
  } catch (err) {
    if (err instanceof InputError) throw new InputError(`point ${index} (${describeValues(pointValues(sweep, index))}): ${err.message}`);
    throw err;
  }
}

/** `set.eta=0.2, n=100` */
export function describeValues(values: Readonly<Record<string, AxisValue>>): string {
  return Object.entries(values).map(([k, v]) => `${k}=${v}`).join(', ');
}

/** The work estimate of point `index` (the theory's simulateCost), or undefined where it has none. */
export function pointCost(sweep: Sweep, spec: unknown): number | undefined {
  return sweep.command === 'simulate' ? sweep.theory.simulateCost?.(spec) : undefined;
}

function seriesMetrics(sweep: Sweep, result: Series): Record<string, MetricValue> {
  const out: Record<string, MetricValue> = {};
  const names = Object.keys(result.series);
  const pick = (kind: string, list: readonly string[]) => {
    for (const name of list) {
      const s = result.series[name];
      if (!s) throw new InputError(`metrics.${kind}: no series ${JSON.stringify(name)} in ${sweep.theory.id} ${sweep.command} (series: ${names.join(', ')})`);
      if (s.length === 0) { out[`${kind}.${name}`] = NaN; continue; }
      if (kind === 'final') out[`final.${name}`] = s[s.length - 1];
      else {
        let m = s[0];
        for (let i = 1; i < s.length; i++) m = kind === 'min' ? Math.min(m, s[i]) : Math.max(m, s[i]);
        out[`${kind}.${name}`] = m;
      }
    }
  };
  const { final, min, max } = sweep.metrics;
  pick('final', final.length || min.length || max.length ? final : names);
  pick('min', min);
  pick('max', max);
  return out;
}

async function runCommand(sweep: Sweep, index: number): Promise<Record<string, MetricValue>> {
  if (sweep.command === 'check') {
    const effort = pointValues(sweep, index).effort as number | undefined;
    const verdict = await sweep.theorem!.check({ seed: seedFor(sweep, index)!, ...(effort !== undefined ? { effort } : {}) });
    const out: Record<string, MetricValue> = { passed: verdict.passed };
    for (const f of verdict.figures) out[`figure.${f.name}`] = f.value;
    return out;
  }
  const spec = pointSpec(sweep, index);
  if (sweep.command === 'phase') {
    const r = sweep.theory.phase!(spec);
    const out: Record<string, MetricValue> = { phase: r.phase };
    for (const [k, v] of Object.entries(r.details)) {
      if (k !== 'phase' && (typeof v === 'number' || typeof v === 'boolean')) out[`phase.${k}`] = v;
    }
    return out;
  }
  if (sweep.command === 'simulate') {
    const cost = pointCost(sweep, spec) ?? 0;
    if (cost > MAX_POINT_WORK) throw new InputError(`point ${index}: estimated at ${cost.toExponential(1)} operations, above the per-point limit ${MAX_POINT_WORK.toExponential(0)}`);
    return seriesMetrics(sweep, sweep.theory.simulate!(spec, {}));
  }
  const d = sweep.theory.derive!(spec);
  const records = Math.floor(sweep.T! / sweep.every! + 1e-9) + 1;
  const traj = integrate(d.ode, {
    params: d.params, initial: [Object.fromEntries(d.ode.state.map((name, i) => [name, d.initial[i]]))],
    t1: sweep.T!, method: 'dopri5', rtol: 1e-10, atol: 1e-12, record: Array.from({ length: records }, (_, i) => i * sweep.every!),
  });
  return seriesMetrics(sweep, traj.named());
}

/** Runs point `index`. A divergence (IntegrationError) is a result: kept as `error`. */
export async function runPoint(sweep: Sweep, index: number): Promise<PointRecord> {
  const { replicate } = pointCoordinates(sweep, index);
  const base = { index, values: pointValues(sweep, index), replicate, seed: seedFor(sweep, index) };
  try {
    return { ...base, metrics: await runCommand(sweep, index) };
  } catch (err) {
    if (err instanceof IntegrationError) return { ...base, metrics: {}, error: err.message };
    throw err;
  }
}
