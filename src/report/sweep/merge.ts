// Merging a sweep folder: every point from the shard files (any sharding, or several),
// checked complete, into one table: DIR/sweep.json (canonical JSON, one point a line),
// DIR/sweep.csv and the figure DIR/sweep.svg. Nothing in them depends on how the points
// were sharded, so the bytes are the same for N = 1, 3, 7, ...

import { join } from 'node:path';
import { InputError } from '../../core/index.ts';
import { writeFileAtomic } from '../files.ts';
import { canonicalJson } from './canonical.ts';
import { type PointRecord, type MetricValue, describeValues } from './point.ts';
import { type Sweep, axisNames, pointValues } from './spec.ts';
import { readShardFiles } from './shard.ts';
import { sweepFigure } from './figure.ts';

export const MERGED_FORMAT = 'gandyn-sweep/1';

export interface MergedSweep {
  readonly sweep: Sweep;
  readonly rows: readonly PointRecord[];
  /** Metric columns (sorted), after the axes. */
  readonly metrics: readonly string[];
  readonly json: string;
  readonly csv: string;
  readonly svg: string;
  readonly errors: number;
}

/** Every point of `sweep` found in `dir`'s shard files, or an InputError naming the missing ones. */
export function collectPoints(sweep: Sweep, dir: string): PointRecord[] {
  const files = readShardFiles(sweep, dir);
  const rows = new Array<PointRecord | undefined>(sweep.points);
  const texts = new Array<string | undefined>(sweep.points);
  for (const { path, file } of files) {
    for (const p of file.points) {
      const text = canonicalJson(p);
      if (texts[p.index] !== undefined && texts[p.index] !== text) {
        throw new InputError(`point ${p.index} differs between shard files (${path} and an earlier one): the runs were not deterministic`);
      }
      texts[p.index] = text;
      rows[p.index] = p;
    }
  }
  const missing: number[] = [];
  for (let i = 0; i < sweep.points; i++) if (rows[i] === undefined) missing.push(i);
  if (missing.length) {
    const shown = missing.slice(0, 5).map((i) => `#${i} (${describeValues(pointValues(sweep, i)) || 'replicate'})`).join(', ');
    const shardings = [...new Set(files.map((f) => f.file.of))];
    const where = shardings.length === 1
      ? `; in shard${new Set(missing.map((i) => i % shardings[0])).size > 1 ? 's' : ''} ${[...new Set(missing.map((i) => i % shardings[0]))].slice(0, 10).join(', ')} of ${shardings[0]}`
      : files.length === 0 ? '; no shard has run yet' : '';
    throw new InputError(`sweep ${sweep.id} is incomplete: ${missing.length} of ${sweep.points} points missing: ${shown}${missing.length > 5 ? ', …' : ''}${where}`);
  }
  return rows as PointRecord[];
}

function csvCell(v: MetricValue | null | undefined): string {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'number' ? String(v) : typeof v === 'boolean' ? (v ? 'true' : 'false') : v;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function mergedJson(sweep: Sweep, rows: readonly PointRecord[], metrics: readonly string[]): string {
  // canonical JSON (keys sorted), except that each row sits on a line of its own
  const head = {
    axes: axisNames(sweep), format: MERGED_FORMAT, metrics, points: sweep.points,
  };
  const tail = { spec: JSON.parse(sweep.canonical), sweep: sweep.id };
  const headText = canonicalJson(head).slice(0, -1);
  const tailText = canonicalJson(tail).slice(1);
  return `${headText},"rows":[\n${rows.map((r) => canonicalJson(r)).join(',\n')}\n],${tailText}\n`;
}

function mergedCsv(sweep: Sweep, rows: readonly PointRecord[], metrics: readonly string[]): string {
  const axes = axisNames(sweep);
  const lines = [['index', ...axes, 'replicate', 'seed', ...metrics, 'error'].map((h) => csvCell(h)).join(',')];
  for (const r of rows) {
    lines.push([r.index, ...axes.map((a) => r.values[a]), r.replicate, r.seed, ...metrics.map((m) => r.metrics[m]), r.error].map(csvCell).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** The merged table, CSV and figure of a complete sweep folder. */
export function mergeSweep(sweep: Sweep, dir: string): MergedSweep {
  const rows = collectPoints(sweep, dir);
  const names = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r.metrics)) names.add(k);
  const metrics = [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    sweep, rows, metrics,
    json: mergedJson(sweep, rows, metrics),
    csv: mergedCsv(sweep, rows, metrics),
    svg: sweepFigure(sweep, rows, metrics),
    errors: rows.filter((r) => r.error !== undefined).length,
  };
}

/** Writes sweep.json, sweep.csv and sweep.svg into `dir` (atomically); returns their paths. */
export function writeMerged(dir: string, merged: MergedSweep): { json: string; csv: string; svg: string } {
  const paths = { json: join(dir, 'sweep.json'), csv: join(dir, 'sweep.csv'), svg: join(dir, 'sweep.svg') };
  writeFileAtomic(paths.json, merged.json);
  writeFileAtomic(paths.csv, merged.csv);
  writeFileAtomic(paths.svg, merged.svg);
  return paths;
}
