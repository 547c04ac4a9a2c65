// Particle steps per second of the live page's NTK-GAN flow in headless Chromium:
// the pairwise kernel on gpu.js's WebGL backend (f32) against the compile layer's
// f64 twin, both in the same page, interleaved rounds, medians (harness.ts).
// The WebGL here is whatever Chromium gets on this machine: SwiftShader (a CPU
// rasteriser) on a machine without a GPU, so the figure says nothing about a real GPU.
//   npx vitest bench --run test/bench/web.bench.ts
import { bench, describe } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { buildWeb } from '../../web/build.mjs';
import { serveStatic } from '../../web/serve.mjs';
import { launchChromium } from '../web/browser.ts';
import { checkClose, compare } from './harness.ts';

// the page's globals, inside page.evaluate callbacks (the project's typecheck has no DOM library)
declare const document: any, window: any; // eslint-disable-line @typescript-eslint/no-explicit-any

const SIZES = [1024, 4096];
const STEPS: Record<number, number> = { 1024: 2, 4096: 1 };
const ROUNDS = 3;

type Run = { backend: string; step: number; seconds: number; x: number[] };

const dir = mkdtempSync(join(tmpdir(), 'gandyn-web-bench-'));
await buildWeb({ out: dir });
const { server, url } = await serveStatic(dir, 0);
const browser = await launchChromium();
const page = await browser.newPage();
try {
  await page.goto(`${url}?paused=1&N=256`, { waitUntil: 'load' });
  await page.waitForFunction(() => (window as unknown as { __gandyn?: { ready: boolean } }).__gandyn?.ready === true, { timeout: 30_000 });
  const gpuInfo = await page.evaluate(() => {
    const gl = document.createElement('canvas').getContext('webgl2');
    const ext = gl?.getExtension('WEBGL_debug_renderer_info');
    return gl ? String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER)) : 'no WebGL2';
  });
  const runIn = (N: number, backend: 'gpu' | 'f64') => async () => {
    const r = await page.evaluate((n, b, s) => (window as unknown as { __gandyn: { benchRun(n: number, b: string, s: number): Run } }).__gandyn.benchRun(n, b, s), N, backend, STEPS[N]) as Run;
    return { output: r, seconds: r.seconds };
  };
  for (const N of SIZES) {
    await compare<Run, Run>({
      title: `live page, NTK-GAN IPM flow (RBF kernel), N = M = ${N}, ${STEPS[N]} step(s) per call, Chromium ${await browser.version()}, WebGL renderer: ${gpuInfo}`,
      ours: { label: 'gpu.js WebGL2 (f32)', threads: 1, selfTimed: true, run: runIn(N, 'gpu') },
      baseline: { label: 'f64 twin (JS)', threads: 1, selfTimed: true, run: runIn(N, 'f64') },
      rounds: ROUNDS,
      warmup: 0,
      rate: { perCall: STEPS[N], unit: 'steps/s' },
      check: (a, b) => {
        if (a.backend !== 'webgl2' && a.backend !== 'webgl') throw new Error(`the WebGL side ran on ${a.backend}`);
        if (a.step !== b.step) throw new Error(`the two flows are at steps ${a.step} and ${b.step}`);
        return `${checkClose(`particles after ${a.step} steps, WebGL vs f64`, a.x, b.x, { rel: 1e-3, abs: 1e-3 })} (ran on ${a.backend})`;
      },
    });
  }
  await page.evaluate(() => (window as unknown as { __gandyn: { benchDispose(): void } }).__gandyn.benchDispose());
} finally {
  await browser.close();
  server.close();
}

describe('live page (the comparison prints above; this entry only keeps vitest bench happy)', () => {
  bench('noop', () => {}, { iterations: 1, time: 0 });
});
