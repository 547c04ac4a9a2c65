// Hostile command lines (issue 15): every refusal is exit 2 with one line on stderr (no
// stack trace, no "internal error"), quick, and touches no file but the requested output.
// Each case runs in a fresh temporary folder whose entries are snapshotted with lstat
// (type, size, mtime, mode, symlink target) before and after.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync, closeSync, constants, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readlinkSync, readSync,
  rmSync, statSync, symlinkSync, writeFileSync, type Stats,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { type Theorem, ticks } from '../../src/core/index.ts';
import { main } from '../../src/cli/index.ts';
import { theorems } from '../../proofs/index.ts';
import { capabilities, theories } from '../../src/models/index.ts';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '../..');
const IS_ROOT = process.getuid?.() === 0;
const base = mkdtempSync(join(tmpdir(), 'gandyn-hostile-'));
afterAll(() => {
  for (const d of readdirSync(base)) {
    try { chmodSync(join(base, d, 'locked'), 0o700); } catch { /* no locked folder */ }
  }
  rmSync(base, { recursive: true, force: true });
});

interface Run { code: number; out: string; err: string; seconds: number }

async function run(argv: string[], registry: { theorems: readonly Theorem[] } = { theorems }): Promise<Run> {
  let out = '', err = '';
  const start = performance.now();
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } }, registry);
  return { code, out, err, seconds: (performance.now() - start) / 1000 };
}

/** exit 2, one line `gandyn: ...` on stderr, no stack trace, no "internal error", under 10 s. */
function expectRefusal(r: Run, message?: RegExp): void {
  expect(r.code, r.err).toBe(2);
  const lines = r.err.split('\n');
  expect(lines.at(-1)).toBe('');
  expect(lines.slice(0, -1), r.err).toHaveLength(1);
  expect(lines[0]).toMatch(/^gandyn: \S/);
  expect(r.err).not.toMatch(/internal error/);
  expect(r.err).not.toMatch(/^\s+at /m);
  if (message) expect(lines[0]).toMatch(message);
  expect(r.seconds).toBeLessThan(10);
}

// ---- the temporary folder and its snapshot ----

interface Entry { type: string; size: number; mtimeMs: number; mode: number; target?: string }

function typeOf(st: Stats): string {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  if (st.isFIFO()) return 'fifo';
  return 'other';
}

function snapshot(root: string): Map<string, Entry> {
  const out = new Map<string, Entry>();
  const walk = (rel: string) => {
    const abs = join(root, rel);
    const st = lstatSync(abs);
    const type = typeOf(st);
    out.set(rel, {
      type, size: type === 'dir' ? 0 : st.size, mtimeMs: type === 'dir' ? 0 : st.mtimeMs, mode: st.mode,
      ...(type === 'symlink' ? { target: readlinkSync(abs) } : {}),
    });
    if (type === 'dir') {
      let names: string[] = [];
      try { names = readdirSync(abs); } catch { /* an unreadable folder is compared by its own entry */ }
      for (const name of names.sort()) walk(rel ? join(rel, name) : name);
    }
  };
  walk('');
  return out;
}

/** "created x", "removed x", "changed x" for every entry that differs. */
function changes(before: Map<string, Entry>, after: Map<string, Entry>): string[] {
  const out: string[] = [];
  for (const [k, v] of after) {
    const b = before.get(k);
    if (!b) out.push(`created ${k}`);
    else if (JSON.stringify(b) !== JSON.stringify(v)) out.push(`changed ${k}`);
  }
  for (const k of before.keys()) if (!after.has(k)) out.push(`removed ${k}`);
  return out;
}

function tmpLeftovers(root: string): string[] {
  return [...snapshot(root).keys()].filter((k) => k.endsWith('.tmp'));
}

/**
 * A fresh folder: file.txt, link → file.txt, folder-link → folder, fifo, folder/inner.txt,
 * plain (a regular file used as a parent), locked/ (mode 0500).
 */
function fixture(): string {
  const dir = mkdtempSync(join(base, 'case-'));
  writeFileSync(join(dir, 'file.txt'), 'keep me\n');
  symlinkSync('file.txt', join(dir, 'link'));
  mkdirSync(join(dir, 'folder'));
  writeFileSync(join(dir, 'folder', 'inner.txt'), 'inner\n');
  symlinkSync('folder', join(dir, 'folder-link'));
  writeFileSync(join(dir, 'plain'), 'a file, not a folder\n');
  mkdirSync(join(dir, 'locked'));
  chmodSync(join(dir, 'locked'), 0o500);
  const mk = spawnSync('mkfifo', [join(dir, 'fifo')]);
  if (mk.status !== 0) throw new Error(`mkfifo failed: ${mk.stderr}`);
  return dir;
}

/**
 * Runs argv in a fresh fixture. The FIFO's read end is held open (non-blocking) during the
 * run, so a regression that opens it for writing cannot block; anything written is caught.
 */
async function inFixture(argv: (dir: string) => string[], registry?: { theorems: readonly Theorem[] }) {
  const dir = fixture();
  const args = argv(dir); // may add to the fixture: before the snapshot
  const reader = openSync(join(dir, 'fifo'), constants.O_RDONLY | constants.O_NONBLOCK);
  const before = snapshot(dir);
  const devices = ['/dev/null', '/dev/full'].map((p) => { const s = statSync(p); return `${p}:${s.isCharacterDevice()}:${s.rdev}`; });
  let r: Run;
  let fifoBytes = 0;
  try {
    r = await run(args, registry);
    try { fifoBytes = readSync(reader, Buffer.alloc(64), 0, 64, null); } catch (err) { if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err; }
  } finally {
    closeSync(reader);
  }
  const after = snapshot(dir);
  expect(['/dev/null', '/dev/full'].map((p) => { const s = statSync(p); return `${p}:${s.isCharacterDevice()}:${s.rdev}`; })).toEqual(devices);
  expect(fifoBytes, 'bytes written into the FIFO').toBe(0);
  expect(tmpLeftovers(dir)).toEqual([]);
  return { dir, r: r!, changed: changes(before, after) };
}

// ---- --out against every kind of path, for every command that writes ----

interface Writer { name: string; argv: string[]; folder: boolean }
const WRITERS: Writer[] = [
  { name: 'verify isserlis', argv: ['verify', 'isserlis', '--effort', '0.1'], folder: false },
  { name: 'integrate solvable-gan', argv: ['integrate', 'solvable-gan', '--T', '2'], folder: false },
  { name: 'simulate solvable-gan', argv: ['simulate', 'solvable-gan', '--n', '50', '--T', '1'], folder: false },
  { name: 'ntk-gan', argv: ['ntk-gan', '--steps', '1', '--particles', '10'], folder: true },
  { name: 'figures solvable-gan', argv: ['figures', 'solvable-gan', '--n', '50', '--T', '1'], folder: true },
];

interface Target { what: string; path: (dir: string) => string; message: RegExp; files?: boolean; folders?: boolean; skip?: string }
const TARGETS: Target[] = [
  { what: 'an existing folder', path: (d) => join(d, 'folder'), message: /is a folder/, folders: false },
  { what: 'an existing regular file', path: (d) => join(d, 'file.txt'), message: /exists and is not a folder/, files: false },
  { what: 'a symlink to a regular file', path: (d) => join(d, 'link'), message: /symbolic link|not a folder/ },
  { what: 'a symlink to a folder', path: (d) => join(d, 'folder-link'), message: /symbolic link|not a folder/ },
  { what: 'a FIFO', path: (d) => join(d, 'fifo'), message: /not a regular file|not a folder/ },
  { what: '/dev/full', path: () => '/dev/full', message: /refusing to write under \/dev/ },
  { what: '/dev/null', path: () => '/dev/null', message: /refusing to write under \/dev/ },
  { what: '/proc/self/x', path: () => '/proc/self/x', message: /refusing to write under \/proc/ },
  { what: "''", path: () => '', message: /--out: empty path/ },
  {
    what: 'a path inside an unwritable folder (0500)', path: (d) => join(d, 'locked', 'out'), message: /not writable/,
    skip: IS_ROOT ? 'running as root, where mode 0500 does not stop writes' : undefined,
  },
  { what: 'a path whose parent is a regular file', path: (d) => join(d, 'plain', 'out'), message: /plain is not a folder/ },
  { what: 'a name longer than the file system allows', path: (d) => join(d, 'n'.repeat(300)), message: /ENAMETOOLONG/ },
];

describe('--out refused before the work, nothing touched', () => {
  for (const w of WRITERS) {
    for (const t of TARGETS) {
      if ((w.folder && t.folders === false) || (!w.folder && t.files === false)) continue;
      const title = `${w.name} --out ${t.what}`;
      if (t.skip) {
        it.skip(`${title} (skipped: ${t.skip})`, () => {});
        continue;
      }
      it(title, async () => {
        const { r, changed } = await inFixture((dir) => [...w.argv, '--out', t.path(dir)]);
        expectRefusal(r, t.message);
        expect(r.err).toMatch(/--out/);
        expect(r.out).toBe(''); // refused before anything ran
        expect(changed).toEqual([]);
      });
    }
  }
});

describe('--out accepted: only the requested output appears', () => {
  for (const w of WRITERS) {
    it(`${w.name} --out a new ${w.folder ? 'folder' : 'file'}`, async () => {
      const { r, changed } = await inFixture((dir) => [...w.argv, '--out', join(dir, w.folder ? 'results' : 'out.json')]);
      expect(r.code, r.err).toBe(0);
      expect(r.err).not.toMatch(/^\s+at /m);
      if (w.folder) {
        expect(changed.length).toBeGreaterThan(1);
        expect(changed.every((c) => c === 'created results' || c.startsWith(`created ${join('results', '')}`)), changed.join('\n')).toBe(true);
      } else {
        expect(changed).toEqual(['created out.json']);
      }
    });
  }

  for (const w of WRITERS.filter((x) => !x.folder)) {
    it(`${w.name} --out an existing regular file replaces that file only`, async () => {
      const { r, changed } = await inFixture((dir) => [...w.argv, '--out', join(dir, 'file.txt')]);
      expect(r.code, r.err).toBe(0);
      // the symlink link → file.txt is untouched (same target), its target is replaced
      expect(changed).toEqual(['changed file.txt']);
    });
  }

  it('a 250-byte file name (the temporary name must still fit)', async () => {
    const name = `${'a'.repeat(245)}.json`;
    const { r, changed } = await inFixture((dir) => ['integrate', 'solvable-gan', '--T', '2', '--out', join(dir, name)]);
    expect(r.code, r.err).toBe(0);
    expect(changed).toEqual([`created ${name}`]);
  });

  it('ntk-gan --out into an existing folder whose metrics.csv is a symlink: refused before the run, nothing written', async () => {
    const { r, changed } = await inFixture((dir) => {
      symlinkSync('../file.txt', join(dir, 'folder', 'metrics.csv'));
      return ['ntk-gan', '--steps', '1', '--particles', '10', '--out', join(dir, 'folder')];
    });
    expectRefusal(r, /metrics\.csv: is a symbolic link/);
    expect(r.out).toBe('');
    expect(changed).toEqual([]);
  });

  it('figures --out into a folder where a figure name is a folder: refused, no figure written', async () => {
    const { r, changed } = await inFixture((dir) => {
      mkdirSync(join(dir, 'folder', 'overlaps.svg'));
      return ['figures', 'solvable-gan', '--n', '50', '--T', '1', '--out', join(dir, 'folder')];
    });
    expectRefusal(r, /overlaps\.svg: is a folder/);
    expect(r.out).toBe('');
    expect(changed).toEqual([]);
  });
});

describe('verify prints its results before the file write', () => {
  it('an --out whose parent is a regular file is refused before any theorem runs', async () => {
    const { r, changed } = await inFixture((dir) => ['verify', 'isserlis', '--effort', '0.1', '--out', join(dir, 'plain', 'x.json')]);
    expectRefusal(r, /plain is not a folder/);
    expect(r.out).toBe('');
    expect(changed).toEqual([]);
  });

  it('an --out that becomes unwritable during the run: the table is printed, exit 2, one error line', async () => {
    let target = '';
    const saboteur: Theorem = {
      id: 'saboteur', title: 'Replaces the output path by a folder', source: 'test', statement: 'x = x', hypotheses: ['none'],
      check: () => {
        mkdirSync(target);
        return { id: 'saboteur', passed: true, figures: [{ name: 'x', value: 1 }], summary: 'ran', seconds: 0 };
      },
    };
    const { r, changed } = await inFixture((dir) => {
      target = join(dir, 'later.json');
      return ['verify', '--out', target];
    }, { theorems: [saboteur] });
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/saboteur\s+PASS/);
    expect(r.out).toMatch(/1 of 1 theorem checks passed/);
    const lines = r.err.trim().split('\n');
    expect(lines).toEqual(['checking saboteur ...', expect.stringMatching(/^gandyn: the results above were not saved: .*later\.json: is a folder/)]);
    expect(r.err).not.toMatch(/^\s+at /m);
    expect(changed).toEqual(['created later.json']); // the folder the saboteur made, nothing else
  });
});

// ---- the list ----

const RELU = 'serial(dense(1,1), relu, dense(1,1))';
const REFUSED: Array<[string, string[], RegExp]> = [
  ['integrate --T 1e9 (above the --T limit)', ['integrate', 'solvable-gan', '--d', '1', '--T', '1e9'], /--T must be a number in \(0, 10000000\]/],
  ['integrate --T 1e6 --every 0.001 (record limit)', ['integrate', 'solvable-gan', '--T', '1e6', '--every', '0.001'], /recorded times is above the limit 1000000/],
  ['phase --d 2 --set tau=0', ['phase', 'solvable-gan', '--d', '2', '--set', 'tau=0'], /degenerate/],
  ['phase --set eta=1e308', ['phase', 'solvable-gan', '--set', 'eta=1e308'], /degenerate/],
  ['phase --set eta=1,eta_T=3', ['phase', 'solvable-gan', '--set', 'eta=1,eta_T=3'], /--set eta sets eta_T and eta_G/],
  ['phase --set constructor=1', ['phase', 'solvable-gan', '--set', 'constructor=1'], /constructor/],
  ['phase --set __proto__=1', ['phase', 'solvable-gan', '--set', '__proto__=1'], /__proto__/],
  ['integrate --init toString=1', ['integrate', 'solvable-gan', '--T', '1', '--init', 'toString=1'], /toString/],
  ['derive --json --latex', ['derive', 'solvable-gan', '--json', '--latex'], /--json and --latex cannot be used together/],
  ['derive --d 0x2', ['derive', 'solvable-gan', '--d', '0x2'], /--d must be a decimal integer/],
  ['derive --seed 0x10 (derive has no --seed: one line with the suggestion)', ['derive', 'solvable-gan', '--seed', '0x10'], /unknown option '--seed' \(Did you mean/],
  ['simulate --seed 0x10', ['simulate', 'solvable-gan', '--n', '50', '--T', '1', '--seed', '0x10'], /--seed must be a decimal integer/],
  ['ntk --x1 /dev/zero --arch relu (the architecture is checked first)', ['ntk', '--x1', '/dev/zero', '--arch', 'relu'], /--arch/],
  ['ntk --x1 /dev/zero with a valid --arch', ['ntk', '--x1', '/dev/zero', '--arch', RELU], /--x1 \/dev\/zero: not a regular file/],
  ['ntk --x1 a folder', ['ntk', '--x1', '/tmp', '--arch', RELU], /not a regular file/],
  ['ntk --arch with a constructor layer --latex', ['ntk', '--arch', 'serial(dense(1,1), constructor, dense(1,1))', '--latex'], /unknown layer 'constructor'/],
  ['ntk-gan --kernel constructor', ['ntk-gan', '--kernel', 'constructor'], /--kernel/],
  ['ntk-gan --width 16 --disc-lr 1e-12 --steps 10', ['ntk-gan', '--width', '16', '--disc-lr', '1e-12', '--steps', '10'], /too much work/],
  ['ntk-gan --particles 20000 --steps 100000', ['ntk-gan', '--particles', '20000', '--steps', '100000'], /kernel entries is above the limit/],
  ['simulate --d 8 --n 100000 --T 1 (work limit)', ['simulate', 'solvable-gan', '--d', '8', '--n', '100000', '--T', '1'], /estimated at 9\.6e\+11 operations, above the limit/],
  ['figures --n 1000000 (work limit)', ['figures', 'solvable-gan', '--n', '1000000', '--T', '1', '--out', join(base, 'never')], /estimated at .* above the limit/],
  ['simulate quadratic-critic --set gamma=1e300 (SGD overflows: refused, not NaN rows)', ['simulate', 'quadratic-critic', '--T', '1', '--set', 'gamma=1e300', '--json'], /SGD diverged at t = /],
  ['ntk-gan --rbf-sigma 1e-300 (σ² underflows: refused, not NaN metrics)', ['ntk-gan', '--steps', '1', '--particles', '10', '--rbf-sigma', '1e-300'], /--rbf-sigma 1e-300: 1\/\(2σ²\) is Infinity/],
  ['integrate --spec /dev/zero', ['integrate', 'solvable-gan', '--spec', '/dev/zero'], /--spec \/dev\/zero: not a regular file/],
  ['an unknown command with control characters is quoted escaped', ['frob\u001b]0;title\u0007\r\nx'], /unknown command 'frob\\u001b\]0;title\\u0007 x'/],
  ['a parse error with a line break and an escape sequence', ['latex', 'x\n+*\u001b[2J'], /cannot parse "x\\u000a\+\*\\u001b\[2J"/],
];

describe("the issue's hostile command lines: exit 2, one line, under 10 s", () => {
  for (const [title, argv, message] of REFUSED) {
    it(title, async () => {
      const r = await run(argv);
      expectRefusal(r, message);
      expect(r.out).toBe('');
    });
  }

  it('every integer flag is decimal only: 0x10, 1e1, 0b11, 1_0 and Arabic-Indic digits are refused', async () => {
    const cases: string[][] = [
      ['ntk', '--arch', RELU, '--latex', '--d'], ['ntk', '--arch', RELU, '--x1', '/dev/null', '--width'],
      ['expect', 'u^2', '--vars', 'u', '--cov', '[[1]]', '--order'], ['verify', 'isserlis', '--seed'], ['tour', '--seed'],
    ];
    for (const t of theories) {
      for (const f of t.options.filter((o) => o.kind === 'integer')) {
        for (const verb of f.verbs ?? capabilities(t)) {
          const standalone = (t.actions ?? []).some((a) => a.verb === verb && a.standalone);
          cases.push([verb, ...(standalone ? [] : [t.id]), ...(verb === 'figures' ? ['--out', join(base, 'never')] : []), `--${f.name}`]);
        }
        if (t.id === 'ntk-gan') cases.push(['ntk-gan', `--${f.name}`]);
      }
    }
    expect(cases.length).toBeGreaterThan(15);
    for (const argv of cases) {
      for (const value of ['0x10', '1e1', '0b11', '1_0', '١٠']) {
        const r = await run([...argv, value]);
        expectRefusal(r, new RegExp(`${argv.at(-1)} must be a decimal integer`));
      }
    }
  });

  it('an expression of 98 KB: the message quotes at most 80 characters of it', async () => {
    const expr = `${'x+'.repeat(49_000)}*`;
    expect(expr.length).toBeGreaterThan(98_000);
    const r = await run(['latex', expr]);
    expectRefusal(r, /at position 98000$/);
    const quoted = /cannot parse "(.*)":/.exec(r.err)![1];
    expect(quoted.replace(/…/g, '').length).toBeLessThanOrEqual(80);
    expect(r.err.length).toBeLessThan(300);
  });

  it('figures with a flat line (tau_g = 0: P11 equal up to rounding) draws instead of growing an array until V8 aborts', async () => {
    const out = join(base, 'flat');
    const r = await run(['figures', 'solvable-gan', '--d', '2', '--n', '50', '--T', '1', '--set', 'tau_g=0', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(readdirSync(out)).toEqual(['overlaps.svg']);
    // the axis ticks of a range narrower than the rounding unit of its ends: a few, not an endless loop
    for (const [lo, hi] of [[0.1, 0.1 + 5e-17], [1e300, 1e300 * (1 + 1e-15)], [-1, 1], [0, 0]]) {
      const t = ticks(lo, hi);
      expect(t.length).toBeLessThanOrEqual(7);
    }
    expect(ticks(0, 1).map((v) => Number(v.toFixed(9)))).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('simulate prints progress between recorded times (T = 1 with one record)', async () => {
    const r = await run(['simulate', 'solvable-gan', '--d', '8', '--n', '1500', '--T', '1', '--json']);
    expect(r.code, r.err).toBe(0);
    // estimated 2.2e8 operations: above the progress threshold, and every 10 % is reported
    const lines = r.err.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(10);
    expect(lines.every((l) => /^simulate solvable-gan: t = [\d.]+ of 1 \(\d+%/.test(l)), r.err).toBe(true);
  });
});

// ---- a closed stdout (`gandyn ... | head -1`) ----

/** Runs the CLI from the sources in a child process whose stdout reader closes after the first line. */
function firstLineThenClose(argv: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; first: string; err: string }> {
  const script = "const { main } = await import('./src/cli/main.ts'); process.exitCode = await main(process.argv.slice(1));";
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, '--', ...argv], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffered = '', first: string | undefined, err = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); fail(new Error(`timed out: ${argv.join(' ')}`)); }, 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      if (first !== undefined) return;
      buffered += chunk.toString('utf8');
      const nl = buffered.indexOf('\n');
      if (nl >= 0) {
        first = buffered.slice(0, nl);
        child.stdout.destroy();
      }
    });
    child.stderr.on('data', (chunk: Buffer) => { err += chunk.toString('utf8'); });
    child.on('error', fail);
    child.on('close', (code, signal) => { clearTimeout(timer); done({ code, signal, first: first ?? '', err }); });
  });
}

describe('a stdout closed by its reader ends quietly with exit 0', () => {
  const cases: Array<[string[], RegExp]> = [
    [['simulate', 'solvable-gan', '--T', '100'], /^\s+t\s+P\s+q\s+r$/],
    [['derive', 'solvable-gan', '--d', '4'], /macroscopic ODE/],
    // about 2 MB of table rows: more than a pipe holds, so the writes do meet the closed end
    [['simulate', 'solvable-gan', '--d', '8', '--n', '17', '--T', '100', '--every', '0.01'], /^\s+t\s+P11/],
  ];
  for (const [argv, first] of cases) {
    it(argv.join(' '), async () => {
      const r = await firstLineThenClose(argv);
      expect(r.first).toMatch(first);
      expect(r.signal).toBeNull();
      expect(r.code, r.err).toBe(0);
      expect(r.err).not.toMatch(/EPIPE/);
      expect(r.err).not.toMatch(/^\s+at /m);
      expect(r.err).not.toMatch(/internal error/);
    }, 90_000);
  }
});
