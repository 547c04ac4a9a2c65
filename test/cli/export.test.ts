// `gandyn derive <theory> --format sympy|numpy` runs in Python and agrees with the
// toolkit's own evaluation of the drift (skipped, with the reason, without python3).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { main } from '../../src/cli/index.ts';
import { parse, evaluate } from '../../src/symbolic/index.ts';
import { Rng } from '../../src/numeric/index.ts';

const PYTHON = process.env.PYTHON ?? 'python3';
const probe = spawnSync(PYTHON, ['-c', 'import sympy, numpy'], { encoding: 'utf8' });
const pythonMissing = probe.status !== 0 ? `${PYTHON} with sympy and numpy is not available (${(probe.stderr || probe.error?.message || '').trim().split('\n').pop()})` : '';
if (pythonMissing) console.warn(`skipping the Python export checks: ${pythonMissing}`);

async function run(...argv: string[]) {
  let out = '', err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

/** Runs the exported script, then evaluates its drift at the given points, in one python3 process. */
function pythonDrift(script: string, target: 'sympy' | 'numpy', points: Record<string, number>[]): number[][] {
  const driver = target === 'sympy'
    ? `\nimport json, sys\npts = json.loads(sys.stdin.read())\nout = []\nfor p in pts:\n    env = {s: p[s.name] for s in list(state) + list(params)}\n    out.append([float(drift[s].subs(env).evalf(30)) for s in state])\nprint(json.dumps(out))\n`
    : `\nimport json, sys\nimport numpy as np\npts = json.loads(sys.stdin.read())\nout = []\nfor p in pts:\n    st = np.array([p[n] for n in STATE_NAMES]); pa = np.array([p[n] for n in PARAM_NAMES])\n    out.append([float(v) for v in drift(st, pa)])\nprint(json.dumps(out))\n`;
  const r = spawnSync(PYTHON, ['-c', script + driver], { input: JSON.stringify(points), encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe('derive --format', () => {
  it.skipIf(pythonMissing !== '')(`solvable-gan --d 2 --format sympy and numpy evaluate equal to the toolkit's drift${pythonMissing ? ` (skipped: ${pythonMissing})` : ''}`, async () => {
    const j = JSON.parse((await run('derive', 'solvable-gan', '--d', '2', '--json')).out);
    const rng = new Rng(11);
    const points = Array.from({ length: 8 }, () => Object.fromEntries([...j.state, ...j.params].map((n: string) => [n, rng.uniform() * 2 - 0.5])));
    const ours = points.map((p) => j.state.map((s: string) => evaluate(parse(j.drift[s]), p)));
    for (const target of ['sympy', 'numpy'] as const) {
      const r = await run('derive', 'solvable-gan', '--d', '2', '--format', target);
      expect(r.code).toBe(0);
      const theirs = pythonDrift(r.out, target, points);
      theirs.forEach((row, i) => row.forEach((v, k) => {
        const scale = Math.max(1, Math.abs(ours[i][k]));
        // ~100 operations on O(1) values: a few hundred ulps at most
        expect(Math.abs(v - ours[i][k]) / scale, `${target} ${j.state[k]}`).toBeLessThan(1e-12);
      }));
    }
  });

  it('julia and mathematica print; bad combinations exit 2', async () => {
    expect((await run('derive', 'solvable-gan', '--format', 'julia')).out).toMatch(/function drift!\(du, u, p, t\)/);
    expect((await run('derive', 'solvable-gan', '--format', 'mathematica', '--sde')).out).toMatch(/diffusion/);
    for (const args of [['--format', 'fortran'], ['--format', 'sympy', '--json'], ['--sde'], ['--format', 'json', '--sde']]) {
      const r = await run('derive', 'solvable-gan', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
    expect((await run('derive', 'quadratic-critic', '--format', 'sympy', '--sde')).code).toBe(2);
  });
});
