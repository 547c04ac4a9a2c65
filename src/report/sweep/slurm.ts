// Slurm job arrays for sweeps: one array task per shard. The sbatch script runs
// `gandyn sweep run DIR/spec.json --shard $SLURM_ARRAY_TASK_ID/N --out DIR`; the
// folder's shard files, not Slurm's accounting, say which shards are finished, so a
// failed, cancelled or timed-out task is found (and resubmitted) on any cluster,
// with or without sacct.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '../../core/index.ts';
import { writeFileAtomic } from '../files.ts';
import type { Sweep } from './spec.ts';
import { shardComplete } from './shard.ts';

export interface SbatchOptions {
  readonly shards: number;
  readonly partition?: string;
  readonly time?: string;
  readonly mem?: string;
  readonly cpus?: number;
  /** The command that runs gandyn on the nodes (words; quoted into the script), default: this node and bin/gandyn.js. */
  readonly gandyn?: readonly string[];
  readonly checkpointSeconds?: number;
  readonly logJson?: boolean;
}

const SAFE_PATH = /^[A-Za-z0-9_./+@=,:~-]+$/;

/** Slurm's time limit formats: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S. */
export function checkSlurmTime(text: string): string {
  if (!/^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2})$/.test(text)) {
    throw new InputError(`--time must be a Slurm time limit (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS), got ${JSON.stringify(text.slice(0, 40))}`);
  }
  return text;
}

export function checkSlurmMem(text: string): string {
  if (!/^\d+[KMGT]?$/.test(text)) throw new InputError(`--mem must be a size such as 500M or 4G, got ${JSON.stringify(text.slice(0, 40))}`);
  return text;
}

export function checkSlurmPartition(text: string): string {
  if (!/^[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*$/.test(text)) throw new InputError(`--partition must be a partition name (letters, digits, _ . -), got ${JSON.stringify(text.slice(0, 40))}`);
  return text;
}

/** A word quoted for bash. */
export function shellQuote(word: string): string {
  return SAFE_PATH.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** This installation's CLI as words: node and bin/gandyn.js (which runs dist/). */
export function defaultLauncher(): string[] {
  for (const rel of ['../../../bin/gandyn.js', '../../../../bin/gandyn.js']) {
    const path = new URL(rel, import.meta.url).pathname;
    if (existsSync(path)) return [process.execPath, path];
  }
  return ['gandyn'];
}

/** The absolute folder of a sweep, refused (naming --out) where Slurm directives could not hold it. */
export function slurmFolder(dir: string): string {
  const abs = resolve(dir);
  if (!SAFE_PATH.test(abs)) throw new InputError(`--out ${dir}: a folder for Slurm must be a path of letters, digits and _ . / + @ = , : ~ - (no spaces or quotes): #SBATCH lines cannot quote`);
  return abs;
}

/** The sbatch script of a sweep in folder `dir` (absolute): a job array with one task per shard. */
export function sbatchScript(sweep: Sweep, dir: string, opts: SbatchOptions): string {
  const n = opts.shards;
  const launcher = (opts.gandyn ?? defaultLauncher()).map(shellQuote).join(' ');
  const directives = [
    `--job-name=gandyn-sweep-${sweep.id.slice(0, 8)}`,
    `--array=0-${n - 1}`,
    `--output=${dir}/logs/shard-%a-job%A.out`,
    ...(opts.partition ? [`--partition=${opts.partition}`] : []),
    ...(opts.time ? [`--time=${opts.time}`] : []),
    ...(opts.mem ? [`--mem=${opts.mem}`] : []),
    `--cpus-per-task=${opts.cpus ?? 1}`,
  ];
  const run = [launcher, 'sweep', 'run', shellQuote(`${dir}/spec.json`), '--shard', `"\${SLURM_ARRAY_TASK_ID}/${n}"`, '--out', shellQuote(dir),
    '--checkpoint', String(opts.checkpointSeconds ?? 5), ...(opts.logJson ? ['--log-json'] : [])].join(' ');
  return [
    '#!/bin/bash',
    `# gandyn sweep ${sweep.id}: ${sweep.theory.id} ${sweep.command}${sweep.theorem ? ` ${sweep.theorem.id}` : ''}, ${sweep.points} points in ${n} shards`,
    `# (shard i runs points i, i+${n}, i+${2 * n}, ...; finished points are kept in ${dir}/shards and skipped on a rerun).`,
    `# Written by gandyn sweep slurm. Submit every shard: sbatch ${dir}/sweep.sbatch; some: sbatch --array=2,5 ${dir}/sweep.sbatch`,
    ...directives.map((d) => `#SBATCH ${d}`),
    'set -eu',
    `echo "gandyn sweep ${sweep.id}: shard \${SLURM_ARRAY_TASK_ID}/${n} on $(hostname), job \${SLURM_ARRAY_JOB_ID}"`,
    `exec ${run}`,
    '',
  ].join('\n');
}

function slurmTool(tool: string, args: string[]): string {
  try {
    return execFileSync(tool, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string; status?: number };
    if (e.code === 'ENOENT') throw new InputError(`${tool} not found: is this a Slurm login node? (gandyn sweep slurm without --submit only writes the script)`);
    const why = (e.stderr ?? '').trim().split('\n').pop() || e.message;
    throw new InputError(`${tool} ${args.join(' ')} failed: ${why}`);
  }
}

/** Array list in Slurm's syntax: [0,1,2,5] → "0-2,5". */
export function arrayList(indices: readonly number[]): string {
  const s = [...indices].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < s.length;) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j] + 1) j++;
    parts.push(j > i ? `${s[i]}-${s[j]}` : String(s[i]));
    i = j + 1;
  }
  return parts.join(',');
}

/** Submits the script (all its tasks, or the shards `only`); returns the job id. */
export function submitSbatch(script: string, only?: readonly number[]): string {
  const out = slurmTool('sbatch', ['--parsable', ...(only ? [`--array=${arrayList(only)}`] : []), script]).trim();
  const id = out.split(';')[0];
  if (!/^\d+$/.test(id)) throw new InputError(`sbatch --parsable printed ${JSON.stringify(out.slice(0, 80))}, not a job id`);
  return id;
}

export interface QueuedTask { readonly job: string; readonly task: number; readonly state: string }

/** The tasks of these array jobs still in the queue (pending, running, completing, ...). */
export function queuedTasks(jobs: readonly string[]): QueuedTask[] {
  if (jobs.length === 0) return [];
  let text: string;
  try {
    text = slurmTool('squeue', ['--noheader', '--array', `--jobs=${jobs.join(',')}`, '--format=%i %T']);
  } catch (err) {
    // squeue refuses ids it has forgotten (finished long ago): ask for each job alone
    if (!(err instanceof InputError && /Invalid job id/i.test(err.message))) throw err;
    return jobs.length > 1 ? jobs.flatMap((j) => queuedTasks([j])) : [];
  }
  const out: QueuedTask[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+)_(\d+)\s+(\S+)/.exec(line.trim());
    if (m) out.push({ job: m[1], task: Number(m[2]), state: m[3] });
  }
  return out;
}

/** Slurm's record of one array task, where it still has one: "FAILED, exit 1:0". */
export function taskOutcome(job: string, task: number): string | undefined {
  try {
    const text = slurmTool('scontrol', ['show', 'job', '--oneliner', `${job}_${task}`]);
    const state = /JobState=(\S+)/.exec(text)?.[1], exit = /ExitCode=(\S+)/.exec(text)?.[1];
    return state ? `${state}${exit ? `, exit ${exit}` : ''}` : undefined;
  } catch {
    return undefined;
  }
}

/** One submission, as kept in DIR/slurm-jobs.json. */
export interface Submission { readonly job: string; readonly shards: number; readonly tasks: readonly number[] }

export function jobsPath(dir: string): string {
  return join(dir, 'slurm-jobs.json');
}

export function readSubmissions(dir: string): Submission[] {
  const path = jobsPath(dir);
  if (!existsSync(path)) return [];
  try {
    const list = JSON.parse(readFileSync(path, 'utf8')) as Submission[];
    return Array.isArray(list) ? list.filter((s) => typeof s?.job === 'string' && Array.isArray(s.tasks)) : [];
  } catch {
    throw new InputError(`${path}: not JSON (remove it to forget the earlier submissions)`);
  }
}

export function recordSubmission(dir: string, s: Submission): void {
  writeFileAtomic(jobsPath(dir), `${JSON.stringify([...readSubmissions(dir), s], null, 1)}\n`);
}

/** The log of shard `task` in job `job`. */
export function taskLog(dir: string, job: string, task: number): string {
  return join(dir, 'logs', `shard-${task}-job${job}.out`);
}

export interface FailedShard {
  readonly shard: number;
  /** The last job that ran it, where there was one. */
  readonly job?: string;
  readonly outcome?: string;
  readonly log?: string;
}

/**
 * Shards of an N-shard run of `sweep` in `dir` that are neither finished (complete
 * shard file) nor in the queue under one of the recorded jobs.
 */
export function failedShards(sweep: Sweep, dir: string, shards: number): FailedShard[] {
  const subs = readSubmissions(dir).filter((s) => s.shards === shards);
  const queued = new Set(queuedTasks(subs.map((s) => s.job)).map((t) => t.task));
  const out: FailedShard[] = [];
  for (let i = 0; i < shards; i++) {
    if (queued.has(i) || shardComplete(sweep, dir, i, shards)) continue;
    const last = [...subs].reverse().find((s) => s.tasks.includes(i));
    out.push(last ? { shard: i, job: last.job, outcome: taskOutcome(last.job, i), log: taskLog(dir, last.job, i) } : { shard: i });
  }
  return out;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls squeue every `pollSeconds` until no task of `jobs` is queued; `onChange` gets a summary line when it changes. */
export async function waitForJobs(jobs: readonly string[], pollSeconds: number, onChange?: (line: string) => void): Promise<void> {
  let last = '';
  for (;;) {
    const tasks = queuedTasks(jobs);
    if (tasks.length === 0) return;
    const counts = new Map<string, number>();
    for (const t of tasks) counts.set(t.state.toLowerCase(), (counts.get(t.state.toLowerCase()) ?? 0) + 1);
    const line = `job ${jobs.join(', ')}: ${[...counts].map(([s, c]) => `${c} ${s}`).join(', ')}`;
    if (line !== last) onChange?.(line);
    last = line;
    await sleep(pollSeconds * 1000);
  }
}
