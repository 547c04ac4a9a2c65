// Debian's Chromium, driven by puppeteer-core (which never downloads a browser). A
// missing browser is a failure with the reason and the fix, never a skipped test.
import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function chromiumPath(): string {
  const found = CANDIDATES.find((p): p is string => !!p && existsSync(p));
  if (!found) {
    throw new Error(`no Chromium found (looked at ${CANDIDATES.filter(Boolean).join(', ')}): install it with \`apt-get install -y chromium\` `
      + '(CI does this in .ci/run) or set CHROMIUM_PATH; the browser tests cannot run without it');
  }
  return found;
}

export async function launchChromium(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    // --no-sandbox: CI runs as root; SwiftShader gives WebGL without a GPU
    args: ['--no-sandbox', '--enable-unsafe-swiftshader', '--use-angle=swiftshader', '--ignore-gpu-blocklist', '--disable-dev-shm-usage'],
    timeout: 30_000,
  });
}

/** Console errors and uncaught page errors, collected from the moment the page opens. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => { errors.push(`page: ${e instanceof Error ? e.message : String(e)}`); });
  page.on('requestfailed', (r) => { errors.push(`request failed: ${r.url()} (${r.failure()?.errorText})`); });
  return errors;
}
