// The one harness every bench in test/bench/ reports through (issue 16).
//
// compare() runs ours and a baseline interleaved for R rounds (the order alternates
// round by round, so load from other processes and any order effect hit both alike),
// and prints
//   - the cold figure of each side (its first call: compilation, JIT, worker start,
//     Python/NumPy/SymPy first-call costs), measured once, apart from the warm rounds;
//   - the warm medians of each side, and the median of the per-round ratios
//     baseline/ours (> 1: we are faster) with its range over the rounds;
//   - the thread count of each side (one is compared with one, two with two);
//   - the element-wise output check (`check`), which throws on a mismatch;
//   - the goal, and whether the median ratio meets it.
// No figure is a best-of: every warm figure is a median over the rounds.
//
// Python baselines run in a long-lived `python3 test/bench/pyserve.py SCRIPT` process
// (PyBaseline), so that NumPy/SymPy stay warm between rounds and each round times one
// call on the Python side (perf_counter around the call only). The process is started
// with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset and OPENBLAS_NUM_THREADS /
// OMP_NUM_THREADS / MKL_NUM_THREADS set to the stated thread count.
//
// vitest runs no afterAll hooks in bench mode, so the bench files measure while they
// are collected and the tables print before vitest's own.
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function fmtSeconds(s: number): string {
  if (!Number.isFinite(s)) return String(s);
  if (s < 1e-3) return `${(s * 1e6).toFixed(1)} µs`;
  if (s < 1) return `${(s * 1e3).toFixed(2)} ms`;
  return `${s.toFixed(3)} s`;
}

/** What one timed call of a side returns: its output to check, and its own timing when it measures itself (Python). */
export interface CallResult<O> {
  readonly output: O;
  /** seconds measured by the side itself (the Python side times the call only, not the pipe) */
  readonly seconds?: number;
}

export interface Side<O> {
  /** e.g. 'kernels() f64' or 'NumPy 2.4.6 vectorised' */
  readonly label: string;
  /** threads this side computes on (BLAS threads for NumPy) */
  readonly threads: number;
  /**
   * one call; a CallResult when the side times itself, else its output (timed here, wall
   * clock). `wantOutput` is false on the calls whose output is not checked (a side may
   * then skip returning it, e.g. a Python side its file dump; untimed either way).
   */
  readonly run: (wantOutput?: boolean) => Promise<CallResult<O> | O> | CallResult<O> | O;
  /** runs before the cold call (outside every timing), e.g. loading inputs into Python */
  readonly prepare?: () => Promise<void> | void;
  /** whether the timed result is a CallResult (else the raw output) */
  readonly selfTimed?: boolean;
}

export interface CompareSpec<A, B> {
  /** what is computed, with the sizes */
  readonly title: string;
  readonly ours: Side<A>;
  readonly baseline: Side<B>;
  /** warm rounds (each: one call of each side, order alternating) */
  readonly rounds: number;
  /** the goal as a minimum median ratio baseline/ours (omit: none stated) */
  readonly goal?: number;
  /** goal text when it is not a ratio (e.g. 'under 900 ms') */
  readonly goalText?: string;
  /** element-wise check of the two outputs; returns a one-line description of what matched; throws on a mismatch */
  readonly check?: (ours: A, baseline: B) => string;
  /** a check over every round's outputs (e.g. a law when the sides draw different random streams), run after the rounds */
  readonly finalCheck?: () => string;
  /** the figure is a rate (larger is better), computed from seconds: work units per call, and its unit name */
  readonly rate?: { readonly perCall: number; readonly unit: string };
  /** untimed calls of each side between the cold call and the rounds (default 1: JIT, caches) */
  readonly warmup?: number;
  /** skip the cold measurement (e.g. when the first call is the warm-up of a shared, already warm object) */
  readonly noCold?: boolean;
  /** ours runs in child processes (its CPU time is not ours): omit the cores-obtained figure */
  readonly childProcesses?: boolean;
  /** a note printed under the table (e.g. why a goal is not met) */
  readonly note?: string;
}

export interface CompareResult {
  readonly title: string;
  readonly ours: { label: string; threads: number; cold?: number; warm: number; samples: number[] };
  readonly baseline: { label: string; threads: number; cold?: number; warm: number; samples: number[] };
  /** median over rounds of baseline_r / ours_r */
  readonly ratio: number;
  readonly ratioRange: [number, number];
  readonly coldRatio?: number;
  readonly goal?: number;
  readonly met?: boolean;
  readonly check: string;
  readonly load: string;
  /** our process's CPU time over wall time during our warm calls: the cores we actually got (all threads, GC included) */
  readonly oursCores: number;
}

const results: CompareResult[] = [];

/** Results of every compare() in this process (for tests and summaries). */
export function allResults(): readonly CompareResult[] { return results; }

function isCallResult<O>(x: unknown): x is CallResult<O> {
  return typeof x === 'object' && x !== null && 'output' in x && 'seconds' in x;
}

async function timed<O>(side: Side<O>, wantOutput = true): Promise<{ seconds: number; output: O; cpu: number; wall: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await side.run(wantOutput);
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  if (side.selfTimed || isCallResult<O>(r)) {
    const c = r as CallResult<O>;
    return { seconds: c.seconds ?? wall, output: c.output, cpu, wall };
  }
  return { seconds: wall, output: r as O, cpu, wall };
}

/** Load average and core count now, for the record (the machine is shared). */
export function loadLine(): string {
  const [l1, l5] = loadavg();
  return `load avg ${l1.toFixed(2)} (1 min) / ${l5.toFixed(2)} (5 min) on ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'})`;
}

/** Interleaved comparison of ours against a baseline; prints one block and returns the figures. */
export async function compare<A, B>(spec: CompareSpec<A, B>): Promise<CompareResult> {
  const { ours, baseline } = spec;
  await ours.prepare?.();
  await baseline.prepare?.();
  let coldOurs: number | undefined, coldBase: number | undefined;
  let outOurs: A, outBase: B;
  // Cold: the first call of each side (ours first: it is the one whose first call we want to know).
  {
    const a = await timed(ours); outOurs = a.output;
    const b = await timed(baseline); outBase = b.output;
    if (!spec.noCold) { coldOurs = a.seconds; coldBase = b.seconds; }
  }
  let check = spec.check ? spec.check(outOurs, outBase) : 'no output check';
  for (let w = 0; w < (spec.warmup ?? 1); w++) { await ours.run(false); await baseline.run(false); }
  const so: number[] = [], sb: number[] = [], ratios: number[] = [];
  let cpuOurs = 0, wallOurs = 0;
  for (let r = 0; r < spec.rounds; r++) {
    let a: { seconds: number; output: A; cpu: number; wall: number }, b: { seconds: number; output: B };
    const last = r === spec.rounds - 1; // its outputs are checked again below
    if (r % 2 === 0) { a = await timed(ours, last); b = await timed(baseline, last); } else { b = await timed(baseline, last); a = await timed(ours, last); }
    so.push(a.seconds); sb.push(b.seconds); ratios.push(b.seconds / a.seconds);
    cpuOurs += a.cpu; wallOurs += a.wall;
    outOurs = a.output; outBase = b.output;
  }
  // the outputs of the last round are checked too (warm paths may differ from cold ones)
  if (spec.check) spec.check(outOurs, outBase);
  if (spec.finalCheck) check = spec.finalCheck();
  const ratio = median(ratios);
  const result: CompareResult = {
    title: spec.title,
    ours: { label: ours.label, threads: ours.threads, cold: coldOurs, warm: median(so), samples: so },
    baseline: { label: baseline.label, threads: baseline.threads, cold: coldBase, warm: median(sb), samples: sb },
    ratio, ratioRange: [Math.min(...ratios), Math.max(...ratios)],
    coldRatio: coldOurs !== undefined && coldBase !== undefined ? coldBase / coldOurs : undefined,
    goal: spec.goal, met: spec.goal === undefined ? undefined : ratio >= spec.goal,
    check, load: loadLine(), oursCores: cpuOurs / wallOurs,
  };
  results.push(result);
  print(result, spec);
  return result;
}

function print<A, B>(r: CompareResult, spec: CompareSpec<A, B>): void {
  const fig = (s: number | undefined) => {
    if (s === undefined) return '—';
    if (!spec.rate) return fmtSeconds(s);
    const v = spec.rate.perCall / s;
    return `${v >= 100 ? v.toFixed(0) : v.toPrecision(3)} ${spec.rate.unit}`;
  };
  const goal = spec.goal !== undefined ? `goal ≥ ${spec.goal}× → ${r.met ? 'met' : 'NOT met'}` : spec.goalText ? `goal: ${spec.goalText}` : 'no goal stated';
  const lines = [
    `\n■ ${r.title}`,
    `  ours:     ${r.ours.label} [${r.ours.threads} thread${r.ours.threads === 1 ? '' : 's'}]  cold ${fig(r.ours.cold)}  warm median ${fig(r.ours.warm)}`,
    `  baseline: ${r.baseline.label} [${r.baseline.threads} thread${r.baseline.threads === 1 ? '' : 's'}]  cold ${fig(r.baseline.cold)}  warm median ${fig(r.baseline.warm)}`,
    `  ratio baseline/ours (> 1: ours faster): warm median of ${r.ours.samples.length} per-round ratios ${r.ratio.toFixed(2)}× `
      + `(range ${r.ratioRange[0].toFixed(2)}–${r.ratioRange[1].toFixed(2)})${r.coldRatio !== undefined ? `; cold ${r.coldRatio.toFixed(2)}×` : ''}; ${goal}`,
    `  check: ${r.check}`,
    `  ${r.load}${spec.childProcesses ? '' : `; ours got ${r.oursCores.toFixed(2)} cores on average during its calls (process CPU time / wall time)`}`,
  ];
  if (spec.note) lines.push(`  note: ${spec.note}`);
  console.log(lines.join('\n'));
}

// ---------------------------------------------------------------- element-wise checks

/**
 * Max |a_i − b_i| / (abs + rel·|b_i|) over every element; throws when it exceeds 1
 * (or the lengths differ, or a NaN appears on one side only). Returns the description.
 */
export function checkClose(what: string, a: ArrayLike<number>, b: ArrayLike<number>, tol: { rel: number; abs?: number }): string {
  if (a.length !== b.length) throw new Error(`${what}: ours has ${a.length} elements, the baseline ${b.length}`);
  const abs = tol.abs ?? 0;
  let worst = 0, worstAt = -1, maxAbs = 0, maxRel = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) && Number.isNaN(y)) continue;
      throw new Error(`${what}: element ${i} is ${x} (ours) vs ${y} (baseline)`);
    }
    const d = Math.abs(x - y);
    const q = d / (abs + tol.rel * Math.abs(y));
    if (d > maxAbs) maxAbs = d;
    if (y !== 0 && d / Math.abs(y) > maxRel) maxRel = d / Math.abs(y);
    if (q > worst) { worst = q; worstAt = i; }
  }
  if (worst > 1) {
    throw new Error(`${what}: element ${worstAt} differs: ${a[worstAt]} (ours) vs ${b[worstAt]} (baseline), beyond rel ${tol.rel}${abs ? ` + abs ${abs}` : ''}`);
  }
  return `${what}: all ${a.length} elements agree, max |Δ| ${maxAbs.toExponential(1)}, max rel ${maxRel.toExponential(1)} (tolerance rel ${tol.rel}${abs ? ` + abs ${abs}` : ''})`;
}

// ---------------------------------------------------------------- Python baselines

const PYSERVE = fileURLToPath(new URL('./pyserve.py', import.meta.url));

/** The environment of a Python baseline: OPENBLAS tuning variables unset, thread counts set to `threads`. */
export function pythonEnv(threads: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  for (const k of ['OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'NUMEXPR_NUM_THREADS']) env[k] = String(threads);
  return env;
}

/** Whether python3 can import these modules (checked once per set). */
export function pythonHas(...modules: string[]): { ok: true } | { ok: false; why: string } {
  const r = spawnSync('python3', ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8', env: pythonEnv(1), timeout: 60_000 });
  if (r.error) return { ok: false, why: `python3 could not be run: ${r.error.message}` };
  if (r.status !== 0) return { ok: false, why: (r.stderr.trim().split('\n').pop() ?? 'import failed') };
  return { ok: true };
}

interface Pending { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }

/**
 * A long-lived python3 process serving the operations of one baseline script
 * (test/bench/pyserve.py): `call(op, args)` runs OPS[op](**args) there and returns
 * its JSON reply, whose `seconds` is the call's own perf_counter time; with
 * `dump: true` the returned arrays come back as one Float64Array.
 */
export class PyBaseline {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly queue: Pending[] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), 'bench-py-'));
  private stderr = '';
  private dumps = 0;
  readonly threads: number;

  constructor(script: string, threads: number) {
    this.threads = threads;
    this.proc = spawn('python3', ['-u', PYSERVE, fileURLToPath(new URL(`./${script}`, import.meta.url))], { env: pythonEnv(threads), stdio: 'pipe' });
    this.proc.stderr.on('data', (b: Buffer) => { this.stderr = (this.stderr + b.toString()).slice(-4000); });
    const lines = createInterface({ input: this.proc.stdout });
    lines.on('line', (line) => {
      const p = this.queue.shift();
      if (!p) return;
      try {
        const v = JSON.parse(line) as Record<string, unknown>;
        if (typeof v.error === 'string') p.reject(new Error(`python baseline: ${v.error}`)); else p.resolve(v);
      } catch (e) { p.reject(new Error(`python baseline replied ${line.slice(0, 200)}: ${(e as Error).message}`)); }
    });
    this.proc.on('exit', (code) => {
      for (const p of this.queue.splice(0)) p.reject(new Error(`python3 exited with ${code}: ${this.stderr.trim().split('\n').slice(-3).join(' / ')}`));
    });
  }

  /** Writes a Float64Array to a file the Python side can np.fromfile. */
  file(name: string, data: Float64Array): string {
    const path = join(this.dir, name);
    writeFileSync(path, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    return path;
  }

  call(op: string, args: Record<string, unknown> = {}, dump = false): Promise<Record<string, unknown> & { seconds: number; data?: Float64Array }> {
    const dumpPath = dump ? join(this.dir, `out-${this.dumps++}.f64`) : null;
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      this.queue.push({ resolve, reject });
      this.proc.stdin.write(`${JSON.stringify({ op, args, dump: dumpPath })}\n`);
    }).then((v) => {
      if (dumpPath) {
        const b = readFileSync(dumpPath);
        rmSync(dumpPath, { force: true });
        return { ...v, seconds: v.seconds as number, data: new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8) };
      }
      return { ...v, seconds: v.seconds as number };
    });
  }

  /** A baseline Side calling `op` each time (the check gets the dumped arrays when dump). */
  side(label: string, op: string, args: Record<string, unknown> = {}, dump = false): Side<Float64Array | null> {
    return {
      label, threads: this.threads, selfTimed: true,
      run: async (wantOutput = true) => { const r = await this.call(op, args, dump && wantOutput); return { output: r.data ?? null, seconds: r.seconds }; },
    };
  }

  async close(): Promise<void> {
    this.proc.stdin.end();
    await new Promise<void>((resolve) => { if (this.proc.exitCode !== null) resolve(); else this.proc.once('exit', () => resolve()); });
    rmSync(this.dir, { recursive: true, force: true });
  }
}
