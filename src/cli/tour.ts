// `gandyn tour` (npm start): derive a small GAN's dynamics, print them as LaTeX, find
// its fixed points, then run the theory's theorem checks (Monte Carlo, compiled
// ensemble integration with its f32 kernel, SGD against the ODE).

import type { Command } from 'commander';
import { print } from '../symbolic/index.ts';
import { systemLatex } from '../compile/index.ts';
import { quadraticCritic } from '../models/index.ts';
import { deriveQuadraticCriticGan, CRITIC } from '../models/moment-matching/index.ts';
import { specValuesFromFlags } from '../models/index.ts';
import { runTheorems } from '../report/index.ts';
import { UsageError } from './errors.ts';
import type { Io } from './io.ts';

export interface TourResult {
  passed: boolean;
  checks: Array<{ name: string; passed: boolean; detail: string }>;
}

export async function runTour(io: Io, opts: { seed?: number; json?: boolean } = {}): Promise<TourResult> {
  const seed = opts.seed ?? 1;
  const say = (s = '') => { if (!opts.json) io.out(`${s}\n`); };

  say(`gan-dynamics tour: ${quadraticCritic.title} (docs/method-of-moments.md)`);
  say(`   data y ~ N(mu, sigma^2), generator G(z) = theta + s*z, critic D(x) = ${CRITIC}, weight decay gamma`);
  say();

  say('1. Derive (Gaussian-expectation engine, then differentiation)');
  const t0 = performance.now();
  const d = deriveQuadraticCriticGan();
  const sys = d.system;
  say(`   E D(y)        = ${print(d.realTerm)}`);
  say(`   E D(G(z))     = ${print(d.fakeTerm)}`);
  say(`   L             = ${print(d.objective)}`);
  say('   critic ascends L, generator descends it at speed eta:');
  sys.state.forEach((s, i) => say(`   d${s}/dt = ${print(sys.drift[i])}`));
  say(`   (derived in ${(performance.now() - t0).toFixed(0)} ms)`);
  say();

  say('2. LaTeX');
  say(systemLatex(sys).split('\n').map((l) => `   ${l}`).join('\n'));
  say();

  const spec = quadraticCritic.makeSpec(specValuesFromFlags(quadraticCritic, 'phase', new Map()));
  say(`3. Fixed points (Newton with the symbolic Jacobian) at ${Object.entries(spec.params).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  const phase = quadraticCritic.phase!(spec);
  phase.lines.forEach((l) => say(`   ${l.trim()}`));
  say();

  say(`4. The theory's theorem checks (gandyn verify ${quadraticCritic.theorems.map((t) => t.id).join(' ')})`);
  const verdicts = await runTheorems(quadraticCritic.theorems, { seed });
  const checks = verdicts.map((v, i) => ({ name: quadraticCritic.theorems[i].title, passed: v.passed, detail: v.summary }));
  for (const c of checks) say(`   ${c.passed ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  say();

  const passed = checks.every((c) => c.passed);
  say(passed
    ? `All ${checks.length} checks passed. Next: \`gandyn models\` lists the theories, \`gandyn verify\` runs every theorem check, \`gandyn --help\` lists the commands.`
    : `${checks.filter((c) => !c.passed).length} of ${checks.length} checks FAILED.`);
  if (opts.json) io.out(`${JSON.stringify({ passed, phase: phase.details, checks, verdicts })}\n`);
  return { passed, checks };
}

export function registerTourCommand(program: Command, io: Io): void {
  program
    .command('tour')
    .description('derive, print, integrate and verify a small GAN (the default job of npm start)')
    .option('--seed <n>', 'seed (a decimal integer ≥ 0)', '1')
    .option('--json', 'print {"passed", "phase", "checks", "verdicts"}')
    .action(async (opts: { seed: string; json?: boolean }) => {
      const seed = /^\d+$/.test(opts.seed) ? Number(opts.seed) : NaN;
      if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed must be a decimal integer ≥ 0, got "${opts.seed.slice(0, 40)}"`);
      const result = await runTour(io, { seed, json: opts.json });
      if (!result.passed) process.exitCode = 1;
    });
}
