// The HTML reports in a real browser (Debian's Chromium, headless): KaTeX has rendered
// the equations (its elements are there, no raw \frac is visible, its fonts loaded from
// the page itself), the figures are drawn, nothing was fetched; screenshots under out/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'puppeteer-core';
import { main } from '../../src/cli/main.ts';
import { findTheory } from '../../src/models/index.ts';
import { launchChromium, watchErrors } from './browser.ts';

// the page's globals, inside page.evaluate callbacks (the project's typecheck has no DOM library)
declare const document: any, window: any; // eslint-disable-line @typescript-eslint/no-explicit-any

const OUT = resolve('out');
let browser: Browser;

beforeAll(async () => { browser = await launchChromium(); });
afterAll(async () => { await browser?.close(); });

async function report(args: string[], file: string): Promise<string> {
  const err: string[] = [];
  const code = await main(['report', ...args, '--budget', '0', '--out', file], { out: () => {}, err: (s) => { err.push(s); } });
  expect(code, err.join('')).toBe(0);
  return file;
}

const cases: [string, string[], number][] = [
  ['solvable-gan', ['solvable-gan', '--d', '2', '--n', '100', '--T', '10'], 2],
  ['ntk-gan', ['ntk-gan', '--particles', '48', '--steps', '10'], 0],
];

describe('HTML reports in headless Chromium', () => {
  for (const [name, args, systems] of cases) {
    it(`gandyn report ${args.join(' ')}: equations rendered, figures drawn, screenshot`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gandyn-web-report-'));
      const file = await report(args, join(dir, `${name}.html`));
      const page = await browser.newPage();
      const errors = watchErrors(page);
      const requests: string[] = [];
      page.on('request', (r) => { requests.push(r.url()); });
      await page.setViewport({ width: 1200, height: 900 });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      await page.evaluate(() => document.fonts.ready.then(() => undefined));
      const seen = await page.evaluate(() => {
        const visibleText = document.body.innerText;
        const figures = [...document.querySelectorAll('figure svg.figure-svg')].map((s) => {
          const r = s.getBoundingClientRect();
          return { w: r.width, h: r.height, shapes: s.querySelectorAll('circle, polyline, rect').length };
        });
        const katexFonts = [...document.fonts].filter((f) => f.family.includes('KaTeX') && f.status === 'loaded').length;
        return {
          displays: document.querySelectorAll('.katex-display').length,
          katexHtml: document.querySelectorAll('.katex-html .mord').length,
          fracs: document.querySelectorAll('.katex .mfrac').length,
          rawTex: /\\(frac|begin|mathbb|operatorname)\b/.test(visibleText),
          figures, katexFonts, verdicts: document.querySelectorAll('.verdict').length,
          katexMainLoaded: document.fonts.check('16px KaTeX_Main'),
        };
      });
      expect(seen.rawTex).toBe(false);
      expect(seen.displays).toBe(systems + seen.verdicts);
      expect(seen.verdicts).toBe(findTheory(name)!.theorems.length);
      expect(seen.katexHtml).toBeGreaterThan(20);
      expect(seen.fracs).toBeGreaterThan(0);
      expect(seen.katexFonts).toBeGreaterThan(0);
      expect(seen.katexMainLoaded).toBe(true);
      expect(seen.figures.length).toBeGreaterThan(0);
      for (const f of seen.figures) {
        expect(f.w).toBeGreaterThan(300);
        expect(f.h).toBeGreaterThan(200);
        expect(f.shapes).toBeGreaterThan(20);
      }
      expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
      expect(errors).toEqual([]);
      mkdirSync(OUT, { recursive: true });
      await page.screenshot({ path: join(OUT, `report-${name}.png`), fullPage: true });
      await page.close();
    });
  }
});
