// The published package, end to end: `npm run build` (tsc → dist/ with .d.ts),
// `npm pack`, install the tarball into an empty folder outside the repository
// (so nothing resolves through the repository's node_modules), then use it the
// way a user does: plain Node ESM imports of the root and of every subpath, a
// consumer .ts type-checked against the shipped .d.ts, and the `gandyn` bin.
// One build for the whole file; slow (tens of seconds).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../src/numeric/index.ts';
import { evaluate, parse } from '../../src/symbolic/index.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string; version: string; bin: Record<string, string>; main: string; types: string;
  exports: Record<string, string | { types: string; default: string }>; scripts: Record<string, string>;
  dependencies: Record<string, string>; devDependencies: Record<string, string>;
};

/** npm's own variables (set when the suite runs under `npm test`) must not steer the inner npm calls. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^npm_(config_(local_prefix|prefix|global)|lifecycle_|package_)/i.test(k)) delete env[k];
  delete env.NODE_OPTIONS;
  return env;
}

function sh(cmd: string, args: string[], cwd: string, timeout = 300_000): string {
  const r = spawnSync(cmd, args, { cwd, env: cleanEnv(), encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

let work: string;       // temporary folder: the tarball and the consumer project
let consumer: string;   // the consumer project with the package installed
let tarFiles: string[]; // paths inside the tarball
let buildSeconds: number;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'gandyn-pack-'));
  const t0 = performance.now();
  sh('npm', ['run', 'build'], ROOT);
  buildSeconds = (performance.now() - t0) / 1000;
  // The build just ran; --ignore-scripts keeps `prepare` from building a second time.
  const packed = JSON.parse(sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT)) as
    { filename: string; files: { path: string }[] }[];
  tarFiles = packed[0].files.map((f) => f.path);
  consumer = join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // From the npm cache (filled by the repository's own install). gpu.js's optional `gl`
  // (headless WebGL, a native build) is left out: it would need the network and a compiler.
  sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--omit=optional',
    join(work, packed[0].filename)], consumer);
}, 600_000);

afterAll(() => {
  if (work && !process.env.GANDYN_KEEP_PACK) rmSync(work, { recursive: true, force: true });
});

describe('npm run build', () => {
  it('emits dist/ with JavaScript and declarations for the root and every layer', () => {
    console.log(`npm run build: ${buildSeconds.toFixed(1)} s`);
    for (const f of ['index.js', 'index.d.ts', 'cli/main.js', 'symbolic/index.js', 'symbolic/index.d.ts', '../proofs/index.js']) {
      expect(existsSync(join(ROOT, 'dist/src', f)), f).toBe(true);
    }
    // `.ts` specifiers were rewritten to `.js`: plain Node can follow them.
    const index = readFileSync(join(ROOT, 'dist/src/index.js'), 'utf8');
    expect(index).toMatch(/from ["']\.\/symbolic\/index\.js["']/);
    expect(index).not.toMatch(/\.ts['"]/);
  });

  it('`prepare` builds, so `npm ci` on a fresh clone leaves a working bin', () => {
    expect(PKG.scripts.prepare).toMatch(/\bbuild\b/);
    expect(PKG.scripts.build).toMatch(/tsc -p tsconfig\.build\.json/);
  });
});

describe('the tarball', () => {
  it('holds dist, bin, README and package.json only: no tests, sources, benches or Python', () => {
    expect(tarFiles).toContain('package.json');
    expect(tarFiles).toContain('README.md');
    expect(tarFiles).toContain('bin/gandyn.js');
    expect(tarFiles).toContain('dist/src/index.js');
    expect(tarFiles).toContain('dist/src/index.d.ts');
    const stray = tarFiles.filter((p) =>
      /^(test|src|proofs|examples|node_modules|\.ci|\.tmp|out)\//.test(p)
      || /\.py$/.test(p) || /bench/i.test(p) || /\.test\./.test(p)
      || (/\.ts$/.test(p) && !/\.d\.ts$/.test(p))
      || /^tsconfig|vitest\.config/.test(p));
    expect(stray).toEqual([]);
    for (const p of tarFiles) expect(p, p).toMatch(/^(dist\/|bin\/gandyn\.js$|package\.json$|README\.md$|LICENSE$|CHANGELOG\.md$)/);
  });

  it('contains every file the exports map, main, types and bin point at', () => {
    const targets = [PKG.main, PKG.types, ...Object.values(PKG.bin)];
    for (const v of Object.values(PKG.exports)) targets.push(...(typeof v === 'string' ? [v] : [v.types, v.default]));
    for (const t of targets) expect(tarFiles, t).toContain(t.replace(/^\.\//, ''));
  });
});

describe('installed from the tarball', () => {
  it('installs only the runtime dependencies (no tsx, mathjs, nerdamer, typescript)', () => {
    const nm = join(consumer, 'node_modules');
    expect(existsSync(join(nm, 'gan-dynamics/package.json'))).toBe(true);
    for (const dep of Object.keys(PKG.dependencies)) expect(existsSync(join(nm, dep)), dep).toBe(true);
    for (const dev of ['tsx', 'mathjs', 'nerdamer', 'typescript', 'vitest']) {
      expect(existsSync(join(nm, dev)), dev).toBe(false);
    }
  });

  it('plain Node ESM imports the root and the subpaths and computes', () => {
    const subpaths = Object.keys(PKG.exports).filter((k) => k !== '.' && k !== './package.json');
    const script = `
      import { parse, print, diff, gaussianExpectation, evaluate, symbolic, numeric } from 'gan-dynamics';
      import { expand } from 'gan-dynamics/symbolic';
      import { Rng } from 'gan-dynamics/numeric';
      const cov = [[parse('1'), parse('rho')], [parse('rho'), parse('1')]];
      const e = gaussianExpectation(parse('u^2*v^2'), ['u', 'v'], cov);
      const loaded = {};
      for (const s of ${JSON.stringify(subpaths)}) loaded[s] = Object.keys(await import('gan-dynamics' + s.slice(1))).length;
      console.log(JSON.stringify({
        derivative: print(diff(parse('x^3'), 'x')),
        expanded: print(expand(parse('(a+b)^2'))),
        expectation: evaluate(e.expr, { rho: 0.5 }),
        exact: e.exact,
        uniform: new Rng(7).uniform(),
        sameRng: numeric.Rng === Rng,
        sameParse: symbolic.parse === parse,
        loaded,
      }));`;
    writeFileSync(join(consumer, 'run.mjs'), script);
    const out = JSON.parse(sh(process.execPath, ['run.mjs'], consumer));
    expect(out.derivative).toBe('3*x^2');
    expect(evaluate(parse(out.expanded), { a: 1.5, b: -0.25 })).toBeCloseTo(1.5625, 12);
    expect(out.expectation).toBeCloseTo(1 + 2 * 0.25, 12); // E[u²v²] = 1 + 2ρ² (Isserlis)
    expect(out.exact).toBe(true);
    expect(out.uniform).toBe(new Rng(7).uniform()); // the shipped JavaScript is the same generator as the sources
    expect(out.sameRng).toBe(true);
    expect(out.sameParse).toBe(true);
    for (const s of subpaths) expect(out.loaded[s], s).toBeGreaterThan(0);
  });

  it('a consumer .ts type-checks against the shipped .d.ts (and a wrong call does not)', () => {
    const good = `
      import { parse, print, diff, gaussianExpectation, evaluate, numeric, type Expr } from 'gan-dynamics';
      import { expand, type GaussianExpectationResult } from 'gan-dynamics/symbolic';
      import { Rng } from 'gan-dynamics/numeric';
      const d: Expr = diff(parse('x^3'), 'x');
      const s: string = print(expand(d));
      const r: GaussianExpectationResult = gaussianExpectation(parse('u^2*v^2'), ['u', 'v'], [[parse('1'), parse('rho')], [parse('rho'), parse('1')]]);
      const v: number = evaluate(r.expr, { rho: 0.5 });
      const u: number = new Rng(1).uniform();
      const R: typeof numeric.Rng = Rng;
      // @ts-expect-error parse takes a string
      parse(42);
      export { s, v, u, R };
    `;
    writeFileSync(join(consumer, 'good.ts'), good);
    // A wrong use must be reported: the declarations are real types, not `any`.
    writeFileSync(join(consumer, 'bad.ts'), `import { parse, print } from 'gan-dynamics';\nexport const n: number = print(parse('x'));\n`);
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const flags = ['--noEmit', '--strict', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022',
      '--skipLibCheck', 'false', '--typeRoots', join(ROOT, 'node_modules/@types'), '--types', 'node'];
    // One tsc run over both files (it is slow): the only error must be bad.ts's.
    const r = spawnSync(process.execPath, [tsc, ...flags, 'good.ts', 'bad.ts'], { cwd: consumer, encoding: 'utf8', timeout: 300_000 });
    const errors = r.stdout.split('\n').filter((l) => /error TS\d+/.test(l));
    expect(r.status, r.stdout + r.stderr).not.toBe(0);
    expect(errors, r.stdout).toHaveLength(1);
    expect(errors[0]).toMatch(/^bad\.ts\(2,\d+\): error TS2322/);
  });

  it('`npx gandyn` runs the built JavaScript: --version prints the package version, latex works', () => {
    const version = sh('npx', ['--no', '--', 'gandyn', '--version'], consumer).trim();
    expect(version).toBe(PKG.version);
    expect(sh('npx', ['--no', '--', 'gandyn', 'latex', 'x^2'], consumer).trim()).toBe('x^{2}');
  });

  it('the bin without dist/ says to build, in one line, and exits 2', () => {
    const bin = join(work, 'bare/bin');
    mkdirSync(bin, { recursive: true });
    copyFileSync(join(consumer, 'node_modules/gan-dynamics/bin/gandyn.js'), join(bin, 'gandyn.js'));
    const r = spawnSync(process.execPath, [join(bin, 'gandyn.js'), 'latex', 'x'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/run npm run build/);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
