// The live page in a real browser (Debian's Chromium, headless, WebGL by SwiftShader):
// built with esbuild, served from localhost; a click steps the particles, a slider
// (moved with the keyboard, as a user would) changes the flow; the page's numbers are
// compared with the same code run here in Node on the f64 twin: equal to 1e-12 where
// the page ran the twin, within the f32 error bound where it ran WebGL. No console
// error may occur. Screenshots go to out/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Server } from 'node:http';
import type { Browser, Page } from 'puppeteer-core';
import { IpmFlow, type FlowConfig } from '../../web/src/ipm-flow.ts';
import { overlapCurves, predictedPhase } from '../../web/src/solvable.ts';
import { EffectiveFlow } from '../../web/src/effective.ts';
import { buildWeb } from '../../web/build.mjs';
import { serveStatic } from '../../web/serve.mjs';
import { launchChromium, watchErrors } from './browser.ts';

// the page's globals, inside page.evaluate callbacks (the project's typecheck has no DOM library)
declare const document: any, window: any; // eslint-disable-line @typescript-eslint/no-explicit-any

const OUT = resolve('out');
let browser: Browser;
let server: Server;
let base: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gandyn-web-'));
  await buildWeb({ out: dir });
  ({ server, url: base } = await serveStatic(dir, 0));
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  server?.close();
});

interface NtkState { backend: string; precision: string; step: number; config: FlowConfig; x: number[]; running: boolean; frameMs: number }

async function open(query: string, noWebgl = false): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  if (noWebgl) {
    // a browser without WebGL: every webgl/webgl2 context request fails
    await page.evaluateOnNewDocument(() => {
      const proto = (globalThis as unknown as { HTMLCanvasElement: { prototype: { getContext(kind: string, ...rest: unknown[]): unknown } } }).HTMLCanvasElement.prototype;
      const get = proto.getContext;
      proto.getContext = function (this: unknown, kind: string, ...rest: unknown[]) { return /webgl/i.test(kind) ? null : get.call(this, kind, ...rest); };
    });
  }
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(`${base}?${query}`, { waitUntil: 'load' });
  await page.waitForFunction(() => (window as unknown as { __gandyn?: { ready: boolean } }).__gandyn?.ready === true, { timeout: 30_000 });
  return { page, errors };
}

const ntkState = (page: Page) => page.evaluate(() => (window as unknown as { __gandyn: { ntk(): unknown } }).__gandyn.ntk()) as Promise<NtkState>;

/** max_i |a_i − b_i| / bound_i over particles (both coordinates). */
function worst(a: ArrayLike<number>, b: ArrayLike<number>, bound: (i: number) => number): number {
  let w = 0;
  for (let k = 0; k < a.length; k++) w = Math.max(w, Math.abs(a[k] - b[k]) / bound(k >> 1));
  return w;
}

describe('live page in headless Chromium', () => {
  it('NTK-GAN particles: steps and a slider move them; the numbers equal the Node f64 twin within the f32 bound', async () => {
    const { page, errors } = await open('N=256&seed=3&paused=1');
    const s0 = await ntkState(page);
    expect(['webgl2', 'webgl', 'f64']).toContain(s0.backend);
    const node = new IpmFlow({ ...s0.config, backend: 'f64' });
    // the same seeded eight-Gaussians start (V8's Math.log / Math.cos may differ in the last bit between engines)
    expect(worst(s0.x, node.x, () => 1e-14)).toBeLessThanOrEqual(1);
    // f32 error accumulated along the f64 trajectory; twice the sum of the per-step bounds
    const bounds = new Float64Array(s0.config.particles);
    const stepNode = (n: number) => {
      for (let k = 0; k < n; k++) {
        const b = node.stepErrorBound();
        for (let i = 0; i < b.length; i++) bounds[i] += 2 * b[i];
        node.advance(1);
      }
    };
    const tolerance = (i: number) => (s0.backend === 'f64' ? 1e-12 * (1 + Math.abs(node.x[2 * i]) + Math.abs(node.x[2 * i + 1])) : bounds[i] + 1e-12);
    for (let k = 0; k < 3; k++) await page.click('#step');
    const s3 = await ntkState(page);
    stepNode(3);
    expect(s3.step).toBe(3);
    expect(worst(s3.x, node.x, tolerance)).toBeLessThanOrEqual(1);
    const moved = worst(s3.x, s0.x, () => 1);
    expect(moved).toBeGreaterThan(0.05);

    // the learning-rate slider, moved one notch with the keyboard: 1024 → 2048
    await page.focus('#lr');
    await page.keyboard.press('ArrowRight');
    expect(await page.$eval('#lr-out', (e) => e.textContent)).toBe('2048');
    await page.click('#step');
    const s4 = await ntkState(page);
    expect(s4.config.lrG).toBe(2048);
    node.setRates(2048, s4.config.discTime);
    stepNode(1);
    const used = worst(s4.x, node.x, tolerance);
    expect(used).toBeLessThanOrEqual(1);
    const maxAbs = worst(s4.x, node.x, () => 1);
    // the same step at the old rate would land elsewhere: the slider moved the particles
    const other = new IpmFlow({ ...s0.config, backend: 'f64' });
    other.advance(4);
    expect(worst(s4.x, other.x, tolerance)).toBeGreaterThan(1);
    other.dispose();

    // playing: the page keeps stepping and shows the backend and the frame time
    await page.click('#play');
    await page.waitForFunction(() => ((window as unknown as { __gandyn: { ntk(): { step: number } } }).__gandyn.ntk().step >= 6), { timeout: 30_000 });
    await page.click('#play');
    const status = await page.$eval('#ntk-status', (e) => e.textContent ?? '');
    expect(status).toMatch(new RegExp(`backend: ${s0.backend} \\(${s0.precision}`));
    expect(status).toMatch(/frame time: \d+(\.\d)? ms per step/);
    const eq = await page.evaluate(() => ({ katex: document.querySelectorAll('.katex').length, raw: /\\(frac|partial|nabla)/.test(document.body.innerText) }));
    expect(eq).toEqual({ katex: 3, raw: false });
    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: join(OUT, 'live-ntk-gan.png') });
    expect(errors).toEqual([]);
    node.dispose();
    await page.close();
    console.log(`live page: NTK-GAN ran on ${s0.backend} (${s0.precision}); 4 steps matched the Node f64 twin: max |Δx| = ${maxAbs.toExponential(2)}, ${(100 * used).toFixed(1)}% of the ${s0.backend === 'f64' ? '1e-12 tolerance' : 'f32 bound'}`);
  });

  it('without WebGL the page falls back to the f64 twin: the same numbers as Node to 1e-12', async () => {
    const { page, errors } = await open('N=256&seed=5&paused=1&kernel=imq', true);
    expect(await page.$eval('#ntk-status', (e: { textContent: string }) => e.textContent)).toMatch(/backend: f64 \(f64; asked f64: no WebGL here\)/);
    await page.click('#step');
    await page.click('#step');
    const s = await ntkState(page);
    expect(s.backend).toBe('f64');
    const node = new IpmFlow({ ...s.config, backend: 'f64' });
    node.advance(2);
    expect(worst(s.x, node.x, (i) => 1e-12 * (1 + Math.abs(node.x[2 * i]) + Math.abs(node.x[2 * i + 1])))).toBeLessThanOrEqual(1);
    expect(errors).toEqual([]);
    node.dispose();
    await page.close();
  });

  it('solvable GAN: the ODE derived and rendered in the page, a slider changes the phase as Node predicts', async () => {
    const { page, errors } = await open('model=solvable');
    const rendered = await page.evaluate(() => ({ katex: document.querySelectorAll('#eq-ode .katex').length, raw: /\\(frac|begin)/.test(document.body.innerText) }));
    expect(rendered).toEqual({ katex: 1, raw: false });
    const before = await page.evaluate(() => (window as unknown as { __gandyn: { solvable(): Record<string, number | string> } }).__gandyn.solvable());
    expect(before.phase).toBe(predictedPhase({ tau: 0.2, ratio: 0.2, eta: 2 }).phase);
    await page.focus('#eta');
    await page.keyboard.press('End'); // η → 5
    const after = await page.evaluate(() => (window as unknown as { __gandyn: { solvable(): Record<string, number | string> } }).__gandyn.solvable());
    expect(after.eta).toBe(5);
    const c = { tau: after.tau as number, ratio: after.ratio as number, eta: 5 };
    expect(after.phase).toBe(predictedPhase(c).phase);
    expect(after.phase).not.toBe(before.phase);
    const curves = overlapCurves(c);
    expect(Math.abs((after.P as number) - curves.P[curves.P.length - 1])).toBeLessThan(1e-9);
    expect(Math.abs((after.q as number) - curves.q[curves.q.length - 1])).toBeLessThan(1e-9);
    await page.screenshot({ path: join(OUT, 'live-solvable-gan.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('effective GAN: steps and the g2/g1 slider move the particles exactly as the theory code does in Node', async () => {
    const { page, errors } = await open('model=effective&paused=1');
    const state = () => page.evaluate(() => window.__gandyn.effective()) as Promise<{ step: number; controls: { ratio: number; lrD: number; lrG: number; particles: number; seed: number }; x: number[] }>;
    const s0 = await state();
    const node = new EffectiveFlow(s0.controls);
    const close = (a: number[], b: Float64Array) => worst(a, b, () => 1e-9);
    expect(close(s0.x, node.x)).toBeLessThanOrEqual(1);
    for (let k = 0; k < 3; k++) await page.click('#eff-step');
    node.advance(3);
    const s3 = await state();
    expect(s3.step).toBe(3);
    expect(close(s3.x, node.x)).toBeLessThanOrEqual(1);
    expect(worst(s3.x, Float64Array.from(s0.x), () => 1)).toBeGreaterThan(1e-3);
    await page.focus('#g-ratio');
    await page.keyboard.press('ArrowRight'); // g2/g1 0.05 → 0.06
    await page.click('#eff-step');
    const s4 = await state();
    expect(s4.controls.ratio).toBeCloseTo(0.06, 12);
    node.set({ ratio: s4.controls.ratio });
    node.advance(1);
    expect(close(s4.x, node.x)).toBeLessThanOrEqual(1);
    const rendered = await page.evaluate(() => ({ katex: document.querySelectorAll('.katex').length, raw: /\\(frac|begin|sum)/.test(document.body.innerText) }));
    expect(rendered).toEqual({ katex: 2, raw: false });
    await page.screenshot({ path: join(OUT, 'live-effective-gan.png') });
    expect(errors).toEqual([]);
    await page.close();
  });
});
