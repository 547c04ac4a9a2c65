// The README's API example runs against the sources and gives the values its comments state.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';

const ROOT = new URL('..', import.meta.url);

describe('README API example', () => {
  it('runs and gives 2*c^2+q1*q2, P11 ≈ 0.921, P22 ≈ 0.939', async () => {
    const readme = readFileSync(new URL('README.md', ROOT), 'utf8');
    const start = readme.indexOf("```ts\nimport { parse, print, gaussianExpectation");
    expect(start, 'the example is in the README').toBeGreaterThan(0);
    const end = readme.indexOf('```', start + 5);
    const code = readme.slice(start + 6, end).replace("from 'gan-dynamics'", "from './src/index.ts'")
      + '\nexport const result = { expr: print(e.expr), final: Array.from(traj.final) };\n';
    const file = new URL(`readme-example-${process.pid}.ts`, ROOT);
    writeFileSync(file, code);
    try {
      const { result } = await import(file.href);
      expect(result.expr).toBe('2*c^2+q1*q2');
      expect(result.final[0]).toBeCloseTo(0.921, 3);
      expect(result.final[3]).toBeCloseTo(0.939, 3);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
