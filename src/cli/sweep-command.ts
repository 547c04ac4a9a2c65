// `gandyn sweep plan | run | merge | slurm`: sharded, resumable parameter sweeps over
// any registered theory (see src/report/sweep/). Points run in this process through
// the model contract; shards of one sweep folder merge to the same bytes whatever N.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Theory } from '../models/index.ts';
import {
  type Sweep, type PointEvent, readSweepSpec, readSweepFolder, planSweep, probeSweep, runShard, parseShardArg,
  prepareSweepFolder, mergeSweep, writeMerged, sbatchScript, slurmFolder, submitSbatch, recordSubmission, waitForJobs,
  failedShards, checkSlurmTime, checkSlurmMem, checkSlurmPartition, writeFileAtomic, checkOutputPath, MAX_SHARDS,
  MAX_POINTS, canonicalJson,
} from '../report/index.ts';
import { UsageError, parseInteger, parsePositive } from './errors.ts';
import type { Io } from './io.ts';

function seconds(s: number): string {
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  if (s < 3600) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

function parseCheckpoint(text: string | undefined): number {
  if (text === undefined) return 5;
  if (/^\s*0+(\.0*)?\s*$/.test(text)) return 0;
  return parsePositive(text, '--checkpoint');
}

/** A progress bar on stderr (a terminal): points done / total and the time left. */
function progressBar(io: Io, label: string): { update: (e: PointEvent) => void; start: (resumed: number, total: number) => void; end: () => void } {
  const t0 = performance.now();
  let resumed = 0, lastDraw = 0, drawn = false;
  const draw = (done: number, total: number) => {
    const frac = total ? done / total : 1;
    const width = 30, full = Math.round(frac * width);
    const elapsed = (performance.now() - t0) / 1000, ran = done - resumed;
    const eta = ran > 0 && done < total ? `, ETA ${seconds((elapsed / ran) * (total - done))}` : '';
    io.err(`\r${label} [${'#'.repeat(full)}${'.'.repeat(width - full)}] ${done}/${total} points${eta}   `);
    drawn = true;
  };
  return {
    start: (r, total) => { resumed = r; draw(r, total); },
    update: (e) => {
      const now = performance.now();
      if (now - lastDraw < 100 && e.done < e.total) return;
      lastDraw = now;
      draw(e.done, e.total);
    },
    end: () => { if (drawn) io.err('\n'); },
  };
}

function describePlan(sweep: Sweep): string[] {
  const plan = planSweep(sweep);
  const grid = plan.grid.map((g) => `${g.axes.join('+')} (${g.scale}, ${g.length})`).join(' × ');
  const lines = [
    `sweep ${sweep.id}: ${sweep.theory.id} ${sweep.command}${sweep.theorem ? ` ${sweep.theorem.id}` : ''}, ${plan.points} points (limit ${MAX_POINTS.toLocaleString('en-US')})`,
    `  grid: ${grid}${plan.replicates > 1 ? ` × ${plan.replicates} replicates (seeds)` : ''}`,
    plan.work
      ? `  work estimate: ${plan.work.total.toExponential(2)} operations in all, at most ${plan.work.max.toExponential(2)} per point (${sweep.theory.id}'s simulateCost)`
      : `  work estimate: none (${sweep.theory.id} ${sweep.command} declares no cost; measure with --probe K)`,
  ];
  return lines;
}

export function registerSweepCommand(program: Command, io: Io, theories: readonly Theory[]): void {
  const sweep = program.command('sweep').description('sharded, resumable parameter sweeps of any theory, on one machine or a Slurm job array (plan, run, merge, slurm)');

  sweep.command('plan')
    .description('check a sweep spec (every point), print its size and a cost estimate')
    .argument('<spec>', 'sweep spec (JSON)')
    .option('--probe <k>', 'also run k points spread over the grid and extrapolate their time')
    .option('--shards <n>', 'with --probe: the time per shard for n shards')
    .option('--json', 'print {id, points, grid, replicates, work?, probe?}')
    .action(async (specPath: string, flags: { probe?: string; shards?: string; json?: boolean }) => {
      const probeCount = flags.probe === undefined ? 0 : parseInteger(flags.probe, '--probe', 1, 1000);
      const shards = flags.shards === undefined ? 1 : parseInteger(flags.shards, '--shards', 1, MAX_SHARDS);
      const s = readSweepSpec(specPath, theories);
      const lines = describePlan(s);
      const probe = probeCount ? await probeSweep(s, probeCount) : undefined;
      if (flags.json) {
        io.out(`${canonicalJson({ ...planSweep(s), ...(probe ? { probe: { ...probe, shards, perShardSeconds: probe.estimateSeconds / shards } } : {}) })}\n`);
        return;
      }
      if (probe) {
        lines.push(`  probe (after a warm-up point): ${probe.indices.length} point(s) took ${probe.seconds.map((x) => seconds(x)).join(', ')} → about ${seconds(probe.estimateSeconds)} of CPU time for the sweep${shards > 1 ? `, ${seconds(probe.estimateSeconds / shards)} per shard with ${shards} shards` : ''}`);
      }
      io.out(`${lines.join('\n')}\n`);
    });

  sweep.command('run')
    .description('run one shard of a sweep into a folder (resumes: points already done are skipped)')
    .argument('<spec>', 'sweep spec (JSON)')
    .requiredOption('--out <dir>', 'sweep folder (spec.json, shards/, then sweep.json/csv/svg after merge)')
    .option('--shard <i/N>', 'run the i-th of N shards (points i, i+N, ...)', '0/1')
    .option('--checkpoint <s>', 'seconds between checkpoints of the shard file (0: after every point)', '5')
    .option('--log-json', 'one JSON line per point on stderr: {"event":"point", index, values, seconds, done, total, error?}')
    .option('--no-progress', 'no progress bar (it is drawn only when stderr is a terminal)')
    .action(async (specPath: string, flags: { out: string; shard: string; checkpoint?: string; logJson?: boolean; progress: boolean }) => {
      const [shard, of] = parseShardArg(flags.shard);
      const checkpointSeconds = parseCheckpoint(flags.checkpoint);
      checkOutputPath(flags.out, '--out', { directory: true });
      const s = readSweepSpec(specPath, theories);
      const bar = flags.progress && !flags.logJson && process.stderr.isTTY === true ? progressBar(io, `shard ${shard}/${of}`) : undefined;
      const summary = await runShard(s, {
        shard, of, dir: flags.out, checkpointSeconds,
        onStart: (resumed, total) => {
          if (flags.logJson) io.err(`${JSON.stringify({ event: 'start', sweep: s.id, shard: `${shard}/${of}`, points: total, resumed })}\n`);
          bar?.start(resumed, total);
        },
        onPoint: (e) => {
          if (flags.logJson) {
            io.err(`${JSON.stringify({ event: 'point', shard: `${shard}/${of}`, index: e.record.index, values: e.record.values, seconds: Number(e.seconds.toFixed(4)), done: e.done, total: e.total, ...(e.record.error !== undefined ? { error: e.record.error } : {}) })}\n`);
          }
          bar?.update(e);
        },
      });
      bar?.end();
      io.out(`shard ${shard}/${of} of sweep ${s.id}: ${summary.total} points (${summary.resumed} resumed, ${summary.ran} run${summary.errors ? `, ${summary.errors} stopped with an error` : ''}) → ${summary.path}\n`);
    });

  sweep.command('merge')
    .description('check a sweep folder is complete (names missing points), merge to sweep.json, sweep.csv and sweep.svg')
    .argument('<dir>', 'sweep folder')
    .option('--json', 'print {sweep, points, errors, files}')
    .action((dir: string, flags: { json?: boolean }) => {
      checkOutputPath(dir, 'DIR', { directory: true });
      const s = readSweepFolder(dir, theories);
      const merged = mergeSweep(s, dir);
      const files = writeMerged(dir, merged);
      if (flags.json) io.out(`${JSON.stringify({ sweep: s.id, points: s.points, errors: merged.errors, files })}\n`);
      else io.out(`merged ${s.points} points of sweep ${s.id}${merged.errors ? ` (${merged.errors} stopped with an error)` : ''}: ${files.json}, ${files.csv}, ${files.svg}\n`);
    });

  sweep.command('slurm')
    .description('write an sbatch script running the sweep as a Slurm job array (one task per shard); --submit, --wait, --resubmit-failed')
    .argument('<spec>', 'sweep spec (JSON)')
    .requiredOption('--shards <n>', 'number of shards = array tasks')
    .requiredOption('--out <dir>', 'sweep folder, on a file system the nodes share')
    .option('--partition <p>', 'Slurm partition')
    .option('--time <t>', 'time limit per task (Slurm format, e.g. 30, 2:00:00, 1-0)')
    .option('--mem <m>', 'memory per task, e.g. 2G')
    .option('--cpus <c>', 'CPUs per task', '1')
    .option('--gandyn <cmd>', 'how the nodes run gandyn (words separated by spaces; default: this node binary and bin/gandyn.js)')
    .option('--checkpoint <s>', 'seconds between checkpoints of each shard file (0: after every point)', '5')
    .option('--log-json', 'tasks log one JSON line per point')
    .option('--submit', 'submit the script with sbatch --parsable and print the job id')
    .option('--resubmit-failed', 'submit only the shards that are neither finished nor queued (a failed, cancelled or timed-out task)')
    .option('--wait', 'with --submit/--resubmit-failed: poll until the tasks end, report failed ones, merge when all are done')
    .option('--poll <s>', 'seconds between squeue polls with --wait', '5')
    .action(async (specPath: string, flags: {
      shards: string; out: string; partition?: string; time?: string; mem?: string; cpus: string; gandyn?: string; checkpoint?: string;
      logJson?: boolean; submit?: boolean; resubmitFailed?: boolean; wait?: boolean; poll: string;
    }) => {
      const shards = parseInteger(flags.shards, '--shards', 1, MAX_SHARDS);
      const cpus = parseInteger(flags.cpus, '--cpus', 1, 4096);
      const poll = parsePositive(flags.poll, '--poll');
      const checkpointSeconds = parseCheckpoint(flags.checkpoint);
      if (flags.partition !== undefined) checkSlurmPartition(flags.partition);
      if (flags.time !== undefined) checkSlurmTime(flags.time);
      if (flags.mem !== undefined) checkSlurmMem(flags.mem);
      if (flags.submit && flags.resubmitFailed) throw new UsageError('--submit and --resubmit-failed cannot be used together (--resubmit-failed submits what is left)');
      if (flags.wait && !flags.submit && !flags.resubmitFailed) throw new UsageError('--wait goes with --submit or --resubmit-failed');
      const gandyn = flags.gandyn === undefined ? undefined : flags.gandyn.trim().split(/\s+/);
      if (gandyn && (gandyn[0] === '' || /[\n\r]/.test(flags.gandyn!))) throw new UsageError('--gandyn: give the command as words on one line');
      const dir = slurmFolder(flags.out);
      checkOutputPath(dir, '--out', { directory: true });
      const s = readSweepSpec(specPath, theories);
      if (shards > s.points) throw new UsageError(`--shards ${shards} is more than the ${s.points} points of the sweep`);
      planSweep(s); // every point's spec checked before anything is submitted
      prepareSweepFolder(s, dir);
      const scriptPath = join(dir, 'sweep.sbatch');
      const script = sbatchScript(s, dir, { shards, partition: flags.partition, time: flags.time, mem: flags.mem, cpus, gandyn, checkpointSeconds, logJson: flags.logJson });
      writeFileAtomic(scriptPath, script);

      if (!flags.submit && !flags.resubmitFailed) {
        io.err(`wrote ${scriptPath} (submit with: sbatch ${scriptPath})\n`);
        io.out(script);
        return;
      }
      let job: string;
      let tasks: number[];
      if (flags.resubmitFailed) {
        const failed = failedShards(s, dir, shards);
        if (failed.length === 0) {
          io.err(`nothing to resubmit: every shard of ${shards} is finished or queued\n`);
          if (flags.wait) await waitAndMerge(io, s, dir, shards, [], poll);
          return;
        }
        tasks = failed.map((f) => f.shard);
        job = submitSbatch(scriptPath, tasks);
        io.err(`resubmitted shard${tasks.length > 1 ? 's' : ''} ${tasks.join(', ')} of ${shards} as job ${job}\n`);
      } else {
        tasks = Array.from({ length: shards }, (_, i) => i);
        job = submitSbatch(scriptPath);
        io.err(`submitted ${scriptPath}: job array ${job}, ${shards} tasks\n`);
      }
      recordSubmission(dir, { job, shards, tasks });
      io.out(`${job}\n`);
      if (flags.wait) await waitAndMerge(io, s, dir, shards, [job], poll);
    });
}

async function waitAndMerge(io: Io, s: Sweep, dir: string, shards: number, jobs: string[], poll: number): Promise<void> {
  await waitForJobs(jobs, poll, (line) => io.err(`${line}\n`));
  const failed = failedShards(s, dir, shards);
  if (failed.length) {
    for (const f of failed) {
      const where = !f.job ? ': never submitted' : f.log && existsSync(f.log) ? `: log ${f.log}` : `: it never started (no log at ${f.log})`;
      io.err(`task ${f.shard} failed${f.outcome ? ` (${f.outcome})` : ''}${where}\n`);
    }
    io.err(`${failed.length} of ${shards} shards did not finish: rerun them with gandyn sweep slurm ... --resubmit-failed\n`);
    process.exitCode = 1;
    return;
  }
  const merged = mergeSweep(s, dir);
  const files = writeMerged(dir, merged);
  io.err(`merged ${s.points} points of sweep ${s.id}${merged.errors ? ` (${merged.errors} stopped with an error)` : ''}: ${files.json}, ${files.csv}, ${files.svg}\n`);
}

