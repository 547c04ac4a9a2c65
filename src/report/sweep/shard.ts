// A sweep folder and its shards. DIR/spec.json holds the sweep (canonical JSON); shard
// i of N keeps its finished points in DIR/shards/shard-<i>-of-<N>.json, rewritten
// atomically (temp + rename) at checkpoints and at the end, so a killed shard leaves
// its last checkpoint and never a half file; a rerun skips the points already there.

import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../core/index.ts';
import type { Theory } from '../../models/index.ts';
import { checkOutputPath, writeFileAtomic } from '../files.ts';
import { canonicalJson } from './canonical.ts';
import { type PointRecord, pointSpec, runPoint } from './point.ts';
import { type Sweep, parseSweep, shardPoints } from './spec.ts';

export const SHARD_FORMAT = 'gandyn-sweep-shard/1';
/** Largest spec / shard file read back. */
export const MAX_SWEEP_FILE_BYTES = 1 << 30;
/** Largest number of shards. */
export const MAX_SHARDS = 100_000;

export interface ShardFile {
  readonly format: string;
  readonly sweep: string;
  readonly shard: number;
  readonly of: number;
  readonly total: number;
  readonly complete: boolean;
  readonly points: readonly PointRecord[];
}

export function shardFileName(shard: number, of: number): string {
  const w = String(of - 1).length;
  return `shard-${String(shard).padStart(w, '0')}-of-${of}.json`;
}

export function shardPath(dir: string, shard: number, of: number): string {
  return join(dir, 'shards', shardFileName(shard, of));
}

/** `i/N` into [i, N] (0 ≤ i < N), or an InputError naming `flag`. */
export function parseShardArg(text: string, flag = '--shard'): [number, number] {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const i = m ? Number(m[1]) : NaN, n = m ? Number(m[2]) : NaN;
  if (!m || !Number.isSafeInteger(i) || !Number.isSafeInteger(n) || n < 1 || n > MAX_SHARDS || i >= n) {
    throw new InputError(`${flag} must be i/N with 0 <= i < N <= ${MAX_SHARDS}, got ${JSON.stringify(text.length > 40 ? `${text.slice(0, 39)}…` : text)}`);
  }
  return [i, n];
}

function readJsonFile(path: string, what: string): unknown {
  let st;
  try { st = lstatSync(path); } catch (err) { throw new InputError(`${what} ${path}: cannot read (${(err as NodeJS.ErrnoException).code})`); }
  if (!st.isFile()) throw new InputError(`${what} ${path}: not a regular file`);
  if (st.size > MAX_SWEEP_FILE_BYTES) throw new InputError(`${what} ${path}: ${st.size} bytes is above the limit ${MAX_SWEEP_FILE_BYTES}`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InputError(`${what} ${path}: not JSON (${(err as Error).message.split('\n')[0]})`);
  }
}

/** A sweep spec file, parsed and checked. */
export function readSweepSpec(path: string, theories: readonly Theory[]): Sweep {
  return parseSweep(readJsonFile(path, 'sweep spec'), theories);
}

/** The sweep of a sweep folder (its spec.json). */
export function readSweepFolder(dir: string, theories: readonly Theory[]): Sweep {
  const path = join(dir, 'spec.json');
  if (!existsSync(path)) throw new InputError(`${dir}: not a sweep folder (no spec.json; run gandyn sweep run SPEC --out ${dir} first)`);
  return readSweepSpec(path, theories);
}

/**
 * Makes `dir` the folder of `sweep`: writes spec.json, or checks that the one there is
 * the same sweep (an InputError naming --out otherwise).
 */
export function prepareSweepFolder(sweep: Sweep, dir: string, flag = '--out'): void {
  checkOutputPath(dir, flag, { directory: true });
  const path = join(dir, 'spec.json');
  if (existsSync(path)) {
    let text: string;
    try { text = readFileSync(path, 'utf8'); } catch (err) { throw new InputError(`${flag} ${dir}: cannot read spec.json (${(err as NodeJS.ErrnoException).code})`); }
    if (text.trim() !== sweep.canonical) {
      let other = '?';
      try { other = canonicalId(text); } catch { /* not JSON */ }
      throw new InputError(`${flag} ${dir}: holds another sweep (${other}), not this one (${sweep.id}): use another folder`);
    }
  } else {
    writeFileAtomic(path, `${sweep.canonical}\n`);
  }
  mkdirSync(join(dir, 'shards'), { recursive: true });
  mkdirSync(join(dir, 'logs'), { recursive: true });
}

function canonicalId(text: string): string {
  // the id of a spec.json as parseSweep computes it, without needing its theory
  return createHashHex(canonicalJson(JSON.parse(text)));
}

function createHashHex(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function isRecord(v: unknown): v is PointRecord {
  if (v === null || typeof v !== 'object') return false;
  const r = v as Record<string, unknown>;
  return Number.isSafeInteger(r.index) && typeof r.values === 'object' && typeof r.metrics === 'object';
}

/** A shard file of `sweep` (checked: format, sweep id, shard numbers, point indices). */
export function readShardFile(sweep: Sweep, path: string): ShardFile {
  const json = readJsonFile(path, 'shard file') as Partial<ShardFile> | null;
  const bad = (why: string) => new InputError(`shard file ${path}: ${why}`);
  if (!json || typeof json !== 'object' || json.format !== SHARD_FORMAT) throw bad(`not a ${SHARD_FORMAT} file`);
  if (json.sweep !== sweep.id) throw bad(`belongs to sweep ${String(json.sweep)}, not ${sweep.id}`);
  const { shard, of } = json;
  if (!Number.isSafeInteger(shard) || !Number.isSafeInteger(of) || of! < 1 || shard! < 0 || shard! >= of!) throw bad('bad shard numbers');
  if (!Array.isArray(json.points) || !json.points.every(isRecord)) throw bad('bad point list');
  for (const p of json.points) {
    if (p.index < 0 || p.index >= sweep.points || p.index % of! !== shard) throw bad(`point ${p.index} is not in shard ${shard}/${of}`);
  }
  return json as ShardFile;
}

/** Every shard file in `dir`/shards. */
export function readShardFiles(sweep: Sweep, dir: string): { path: string; file: ShardFile }[] {
  const folder = join(dir, 'shards');
  if (!existsSync(folder)) return [];
  return readdirSync(folder).filter((n) => /^shard-\d+-of-\d+\.json$/.test(n)).sort()
    .map((n) => ({ path: join(folder, n), file: readShardFile(sweep, join(folder, n)) }));
}

/** Whether shard i of N is finished (its file says complete), from the files in `dir`. */
export function shardComplete(sweep: Sweep, dir: string, shard: number, of: number): boolean {
  const path = shardPath(dir, shard, of);
  if (!existsSync(path)) return false;
  try { return readShardFile(sweep, path).complete; } catch { return false; }
}

export interface PointEvent {
  readonly record: PointRecord;
  /** Points of this shard finished so far (resumed ones included) and in all. */
  readonly done: number;
  readonly total: number;
  readonly seconds: number;
}

export interface RunShardOptions {
  readonly shard: number;
  readonly of: number;
  readonly dir: string;
  /** Seconds between checkpoints (0: after every point). */
  readonly checkpointSeconds?: number;
  readonly onPoint?: (e: PointEvent) => void;
  /** Called once before the first point: how many are already done (resumed). */
  readonly onStart?: (resumed: number, total: number) => void;
}

export interface ShardSummary {
  readonly shard: number;
  readonly of: number;
  readonly total: number;
  readonly resumed: number;
  readonly ran: number;
  readonly errors: number;
  readonly path: string;
}

/**
 * Runs shard `shard` of `of` into `dir`: checks every point's spec first, then runs
 * the points not already done (in its own shard file, or in the files of another
 * sharding of the same folder), checkpointing as it goes.
 */
export async function runShard(sweep: Sweep, opts: RunShardOptions): Promise<ShardSummary> {
  const { shard, of, dir } = opts;
  prepareSweepFolder(sweep, dir);
  const indices = shardPoints(sweep, shard, of);
  if (sweep.command !== 'check') for (const i of indices) pointSpec(sweep, i); // every bad spec before any work
  const path = shardPath(dir, shard, of);
  const done = new Map<number, PointRecord>();
  if (existsSync(path)) for (const p of readShardFile(sweep, path).points) done.set(p.index, p);
  // points of this shard done under another sharding of the same folder (a rerun with another N)
  const mine = new Set(indices);
  const folder = join(dir, 'shards');
  for (const name of readdirSync(folder)) {
    const m = /^shard-\d+-of-(\d+)\.json$/.exec(name);
    if (!m || Number(m[1]) === of) continue;
    for (const p of readShardFile(sweep, join(folder, name)).points) if (mine.has(p.index) && !done.has(p.index)) done.set(p.index, p);
  }
  const resumed = done.size;
  opts.onStart?.(resumed, indices.length);
  const write = (complete: boolean) => {
    const points = [...done.values()].sort((a, b) => a.index - b.index);
    const file: ShardFile = { format: SHARD_FORMAT, sweep: sweep.id, shard, of, total: indices.length, complete, points };
    writeFileAtomic(path, `${canonicalJson(file)}\n`);
  };
  const every = (opts.checkpointSeconds ?? 5) * 1000;
  let lastWrite = performance.now();
  let ran = 0, errors = 0;
  for (const i of indices) {
    if (done.has(i)) continue;
    const t0 = performance.now();
    const record = await runPoint(sweep, i);
    done.set(i, record);
    ran++;
    if (record.error !== undefined) errors++;
    const now = performance.now();
    opts.onPoint?.({ record, done: done.size, total: indices.length, seconds: (now - t0) / 1000 });
    if (done.size < indices.length && now - lastWrite >= every) {
      write(false);
      lastWrite = performance.now();
    }
  }
  write(true);
  return { shard, of, total: indices.length, resumed, ran, errors, path };
}
