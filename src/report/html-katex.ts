// KaTeX on the server: LaTeX to HTML with `renderToString`, and KaTeX's stylesheet
// with its fonts inlined as data URLs (woff2 only: every current browser reads it),
// so a report opens without the network.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { InputError } from '../core/index.ts';

type Katex = typeof import('katex').default;

let css: string | undefined;
let katexModule: Katex | undefined;

/** KaTeX, loaded on first use (the CLI starts without it; only reports need it). */
function katex(): Katex {
  if (!katexModule) {
    try {
      katexModule = createRequire(import.meta.url)('katex') as Katex;
    } catch (err) {
      throw new InputError(`gandyn report needs the package 'katex', which could not be loaded (${(err as Error).message.split('\n')[0]}): npm install katex`);
    }
  }
  return katexModule;
}

function katexDist(): string {
  katex();
  return dirname(createRequire(import.meta.url).resolve('katex'));
}

/** KaTeX's CSS with each @font-face source replaced by the woff2 file as a data URL. */
export function katexCss(): string {
  if (css === undefined) {
    const dist = katexDist();
    const raw = readFileSync(join(dist, 'katex.min.css'), 'utf8');
    css = raw.replace(/src:\s*url\(fonts\/([A-Za-z0-9_-]+)\.woff2\)[^;}]*/g, (_, name: string) => {
      const data = readFileSync(join(dist, 'fonts', `${name}.woff2`)).toString('base64');
      return `src:url(data:font/woff2;base64,${data}) format("woff2")`;
    });
    if (/url\(fonts\//.test(css)) throw new Error('katex.min.css has a font source this report does not inline');
  }
  return css;
}

/**
 * LaTeX as KaTeX HTML (MathML included for screen readers). A formula KaTeX cannot
 * parse is an error, not red text in the page: the formulas come from our own code.
 */
export function renderLatex(tex: string, display: boolean): string {
  return katex().renderToString(tex, { displayMode: display, throwOnError: true, output: 'htmlAndMathml', strict: 'ignore', trust: false });
}
