// `gandyn ntk` output routing (issue 15): above MAX_PRINTED_ENTRIES numbers the kernels
// are not printed (a 3000-row --x1 printed 335 MB) but refused with one line pointing to
// --out, before any work; --out FILE.json|.csv|.f64 writes them, checked against the
// kernels computed directly.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/index.ts';
import { MAX_KERNEL_ENTRIES, MAX_PRINTED_ENTRIES } from '../../src/cli/ntk-gan-command.ts';
import { kernels, parseArchitecture } from '../../src/ntk/index.ts';
import { Rng } from '../../src/numeric/index.ts';

const ARCH = 'serial(dense(1.5, 0.1), relu, dense(1.5, 0.1))';
const dir = mkdtempSync(join(tmpdir(), 'gandyn-ntk-out-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[]): Promise<{ code: number; out: string; err: string; seconds: number }> {
  let out = '', err = '';
  const t0 = performance.now();
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err, seconds: (performance.now() - t0) / 1000 };
}

function rowsFile(name: string, n: number, d: number, seed: number): { path: string; rows: number[][] } {
  const r = new Rng(seed);
  const rows = Array.from({ length: n }, () => Array.from({ length: d }, () => r.normal()));
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(rows));
  return { path, rows };
}

function expectOneLineRefusal(r: { code: number; err: string }, msg: RegExp): void {
  expect(r.code, r.err).toBe(2);
  expect(r.err.split('\n').filter(Boolean)).toHaveLength(1);
  expect(r.err).toMatch(msg);
  expect(r.err).not.toMatch(/^\s+at /m);
}

describe('ntk output size', () => {
  const small = rowsFile('small.json', 5, 3, 1);
  const big = rowsFile('big.json', 400, 2, 2); // 2·400² = 320 000 > MAX_PRINTED_ENTRIES

  it('small results still print as before', async () => {
    const r = await run(['ntk', '--arch', ARCH, '--x1', small.path, '--json']);
    expect(r.code, r.err).toBe(0);
    const v = JSON.parse(r.out) as { nngp: number[][]; ntk: number[][] };
    expect(v.nngp).toHaveLength(5);
  });

  it('a result above the print limit is refused before any work, naming --out, with no file written', async () => {
    expect(2 * 400 * 400).toBeGreaterThan(MAX_PRINTED_ENTRIES);
    const before = readdirSync(dir).sort();
    for (const extra of [[], ['--json']]) {
      const r = await run(['ntk', '--arch', ARCH, '--x1', big.path, ...extra]);
      expectOneLineRefusal(r, /2×400×400 = 320000 numbers .* above the 250000 printed .*--out FILE\.csv/);
      expect(r.out).toBe('');
      expect(r.seconds).toBeLessThan(5);
    }
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('a kernel above MAX_KERNEL_ENTRIES is refused even with --out, before any work', async () => {
    const n = Math.floor(Math.sqrt(MAX_KERNEL_ENTRIES)) + 1;
    const huge = rowsFile('huge.json', n, 1, 3);
    const r = await run(['ntk', '--arch', ARCH, '--x1', huge.path, '--out', join(dir, 'huge.f64')]);
    expectOneLineRefusal(r, new RegExp(`${n}×${n} = ${n * n} entries each, above the limit ${MAX_KERNEL_ENTRIES}`));
    expect(r.seconds).toBeLessThan(5);
    expect(readdirSync(dir)).not.toContain('huge.f64');
  });

  it('--out FILE.f64 writes NNGP then NTK as little-endian float64, equal to kernels()', async () => {
    const x2 = rowsFile('x2.json', 350, 2, 4);
    const out = join(dir, 'k.f64');
    const r = await run(['ntk', '--arch', ARCH, '--x1', big.path, '--x2', x2.path, '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^wrote .*k\.f64: NNGP and NTK, 400×350 each, float64 little-endian, row-major, NNGP first, 2240000 bytes\n$/);
    const b = readFileSync(out);
    expect(b.length).toBe(2 * 400 * 350 * 8);
    const ref = kernels(parseArchitecture(ARCH), big.rows, x2.rows);
    const got = new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
    expect(Array.from(got.subarray(0, 400 * 350))).toEqual(Array.from(ref.nngp.data));
    expect(Array.from(got.subarray(400 * 350))).toEqual(Array.from(ref.ntk!.data));
  });

  it('--out FILE.csv and FILE.json hold the same numbers as --json prints (exact round trip)', async () => {
    const printed = JSON.parse((await run(['ntk', '--arch', ARCH, '--x1', small.path, '--json'])).out) as { nngp: number[][]; ntk: number[][] };
    const csvPath = join(dir, 'k.csv'), jsonPath = join(dir, 'k.json');
    const rc = await run(['ntk', '--arch', ARCH, '--x1', small.path, '--out', csvPath, '--json']);
    expect(rc.code, rc.err).toBe(0);
    expect(JSON.parse(rc.out)).toMatchObject({ format: 'csv', rows: 5, cols: 5 });
    const lines = readFileSync(csvPath, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('kernel,row,c0,c1,c2,c3,c4');
    expect(lines).toHaveLength(11);
    for (const line of lines.slice(1)) {
      const [name, i, ...vals] = line.split(',');
      expect(vals.map(Number)).toEqual(printed[name as 'nngp' | 'ntk'][Number(i)]);
    }
    expect((await run(['ntk', '--arch', ARCH, '--x1', small.path, '--out', jsonPath])).code).toBe(0);
    expect(JSON.parse(readFileSync(jsonPath, 'utf8'))).toEqual(printed);
  });

  it('bad --out: unknown extension, a folder, with --latex — exit 2 before any work, nothing written', async () => {
    const folder = join(dir, 'folder.csv');
    mkdirSync(folder);
    const before = readdirSync(dir).sort();
    expectOneLineRefusal(await run(['ntk', '--arch', ARCH, '--x1', small.path, '--out', join(dir, 'k.txt')]), /must end in \.json, \.csv or \.f64/);
    expectOneLineRefusal(await run(['ntk', '--arch', ARCH, '--x1', small.path, '--out', folder]), /--out .*folder\.csv/);
    expectOneLineRefusal(await run(['ntk', '--arch', ARCH, '--latex', '--out', join(dir, 'l.csv')]), /drop --x1, --x2, --json and --out/);
    expect(readdirSync(dir).sort()).toEqual(before);
  });
});
