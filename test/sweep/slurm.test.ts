// A real Slurm cluster: scripts/slurm-local installs (if needed) and starts a one-node
// cluster (munged, slurmctld, slurmd as the test's user — root in CI); the sweep runs
// as a 4-task job array through `gandyn sweep slurm --submit --wait`, one task is killed
// (SIGKILL) mid-run, `--resubmit-failed --wait` completes it from its checkpoint, and
// the merged files equal the one-process run byte for byte. When Slurm cannot be
// installed or started, every test here FAILS with the reason: it never skips.
//
// The tasks run the sources through tsx (scripts/gandyn-src.mjs), not bin/gandyn.js:
// dist/ is a build that may lag behind src/ in a working tree, and the comparison must
// be between the same code in the test process and on the cluster.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { main } from '../../src/cli/index.ts';

const REPO = resolve(dirname(new URL(import.meta.url).pathname), '../..');
const SLURM_LOCAL = join(REPO, 'scripts', 'slurm-local');
const root = mkdtempSync(join(tmpdir(), 'gandyn-slurm-'));
const cluster = join(root, 'cluster');
let unavailable: string | undefined;
let started = false;

function sh(cmd: string, args: string[], timeoutMs: number): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
}

function reason(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  return (e.stderr?.trim() || e.message || String(err)).split('\n').slice(-3).join(' ');
}

beforeAll(() => {
  try {
    sh(SLURM_LOCAL, ['install'], 280_000);
  } catch (err) {
    unavailable = `the Slurm packages could not be installed: ${reason(err)}`;
    return;
  }
  try {
    const out = sh(SLURM_LOCAL, ['up', cluster], 120_000);
    const conf = /SLURM_CONF=(\S+)/.exec(out)?.[1];
    if (!conf) throw new Error(`slurm-local up printed no SLURM_CONF: ${out}`);
    process.env.SLURM_CONF = conf;
    started = true;
  } catch (err) {
    unavailable = `the local Slurm cluster did not come up: ${reason(err)}`;
  }
}, 420_000);

afterAll(() => {
  if (started) {
    try { sh(SLURM_LOCAL, ['down', cluster], 60_000); } catch { /* reported by the next bring-up */ }
    delete process.env.SLURM_CONF;
  }
  rmSync(root, { recursive: true, force: true });
}, 90_000);

function requireSlurm(): void {
  if (unavailable) throw new Error(`Slurm integration test cannot run: ${unavailable}`);
}

async function run(argv: string[]) {
  let out = '', err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Pids of the processes whose command line has every one of `words` (our own tasks only: the words name our temp folder). */
function pidsWith(words: string[]): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let args: string[];
    try { args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0'); } catch { continue; }
    if (words.every((w) => args.includes(w))) out.push(Number(name));
  }
  return out;
}

// 24 points of SGD on the two-moment critic GAN, ~0.3 s each; 4 shards of 6 points
const SPEC = {
  theory: 'quadratic-critic', command: 'simulate',
  options: { T: 10, dt: 0.001, every: 1, batch: 300 },
  grid: [{ axis: 'set.eta', linspace: { from: 0.5, to: 2, count: 4 } }, { axis: 'set.gamma', values: [0.2, 1] }],
  seed: 2024, replicates: 3,
  metrics: { final: ['theta', 's'], min: ['s'] },
};

describe('gandyn sweep slurm on a real one-node Slurm cluster', () => {
  it('a 4-task job array merges to the bytes of the one-process run; a killed task is completed by --resubmit-failed', async () => {
    requireSlurm();
    const spec = join(root, 'spec.json');
    writeFileSync(spec, JSON.stringify(SPEC));

    const single = join(root, 'single');
    const one = await run(['sweep', 'run', spec, '--out', single]);
    expect(one.code, one.err).toBe(0);
    expect((await run(['sweep', 'merge', single])).code).toBe(0);

    const dir = join(root, 'array');
    const gandyn = `${process.execPath} --import ${join(REPO, 'node_modules/tsx/dist/loader.mjs')} ${join(REPO, 'scripts/gandyn-src.mjs')}`;
    const slurmArgs = ['sweep', 'slurm', spec, '--shards', '4', '--out', dir, '--gandyn', gandyn, '--checkpoint', '0', '--poll', '0.5', '--time', '10'];
    const submitted = run([...slurmArgs, '--submit', '--wait']);

    // kill task 2 with SIGKILL once its checkpoint holds a point or two (a crash mid-run)
    const shard2 = join(dir, 'shards', 'shard-2-of-4.json');
    let killed: number[] = [];
    let pointsAtKill = -1;
    for (let i = 0; i < 2400 && killed.length === 0; i++) {
      await sleep(50);
      if (!existsSync(shard2)) continue;
      const file = JSON.parse(readFileSync(shard2, 'utf8'));
      if (file.complete) break;
      if (file.points.length >= 1) {
        killed = pidsWith(['--shard', '2/4', dir]);
        for (const pid of killed) process.kill(pid, 'SIGKILL');
        pointsAtKill = file.points.length;
      }
    }
    expect(killed.length, 'task 2 was found running with a checkpoint and killed').toBeGreaterThan(0);
    const first = await submitted;
    const job = first.out.trim();
    expect(job).toMatch(/^\d+$/);
    expect(first.code, first.err).toBe(1);
    expect(first.err).toContain(`task 2 failed (FAILED, exit 0:9): log ${dir}/logs/shard-2-job${job}.out`); // Slurm's record: killed by signal 9
    expect(first.err).toMatch(/1 of 4 shards did not finish/);
    // the killed shard left its last checkpoint, whole: a valid file, not complete
    const left = JSON.parse(readFileSync(shard2, 'utf8'));
    expect(left.complete).toBe(false);
    expect(left.points.length).toBeGreaterThanOrEqual(pointsAtKill);
    expect(left.points.length).toBeLessThan(6);
    expect((await run(['sweep', 'merge', dir])).err).toMatch(/incomplete: \d+ of 24 points missing: #\d+ .*in shard 2 of 4/);

    const again = await run([...slurmArgs, '--resubmit-failed', '--wait']);
    expect(again.code, again.err).toBe(0);
    expect(again.err).toMatch(new RegExp(`resubmitted shard 2 of 4 as job ${again.out.trim()}`));
    expect(again.err).toMatch(/merged 24 points of sweep [0-9a-f]{16}/);
    const log = readFileSync(join(dir, 'logs', `shard-2-job${again.out.trim()}.out`), 'utf8');
    expect(log).toMatch(new RegExp(`shard 2/4 of sweep [0-9a-f]{16}: 6 points \\(${left.points.length} resumed, ${6 - left.points.length} run\\)`));

    for (const f of ['sweep.json', 'sweep.csv', 'sweep.svg']) {
      expect(readFileSync(join(dir, f), 'utf8'), f).toBe(readFileSync(join(single, f), 'utf8'));
    }
    // nothing left to resubmit
    const none = await run([...slurmArgs, '--resubmit-failed']);
    expect(none.code).toBe(0);
    expect(none.err).toMatch(/nothing to resubmit/);
  }, 300_000);
});
