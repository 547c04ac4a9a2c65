// Figures as PNG through resvg (@resvg/resvg-js, a maintained SVG renderer). resvg
// draws text only with fonts it is given: we hand it the machine's sans-serif font
// files (DejaVu, Liberation, Noto or FreeSans, found on disk) and name that family as
// the default, so no label goes missing. With no font at all, PNG output is refused.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { InputError } from '../core/index.ts';

type ResvgClass = typeof import('@resvg/resvg-js').Resvg;
let resvg: ResvgClass | undefined;

/** @resvg/resvg-js (a native module), loaded on first use so that the CLI starts without it. */
function Resvg(): ResvgClass {
  if (!resvg) {
    try {
      resvg = (createRequire(import.meta.url)('@resvg/resvg-js') as typeof import('@resvg/resvg-js')).Resvg;
    } catch (err) {
      throw new InputError(`--png needs the package '@resvg/resvg-js', which could not be loaded (${(err as Error).message.split('\n')[0]})`);
    }
  }
  return resvg;
}

const FONT_DIRS = ['/usr/share/fonts', '/usr/local/share/fonts', '/System/Library/Fonts', '/Library/Fonts', 'C:\\Windows\\Fonts'];
/** Preferred regular faces (file name → family), best first: they cover Greek, subscripts and arrows. */
const PREFERRED: readonly [string, string][] = [
  ['DejaVuSans.ttf', 'DejaVu Sans'], ['NotoSans-Regular.ttf', 'Noto Sans'], ['LiberationSans-Regular.ttf', 'Liberation Sans'],
  ['FreeSans.ttf', 'FreeSans'], ['Arial.ttf', 'Arial'], ['arial.ttf', 'Arial'],
];
const BOLD: Record<string, string> = { 'DejaVuSans.ttf': 'DejaVuSans-Bold.ttf', 'NotoSans-Regular.ttf': 'NotoSans-Bold.ttf', 'LiberationSans-Regular.ttf': 'LiberationSans-Bold.ttf', 'FreeSans.ttf': 'FreeSansBold.ttf' };

export interface PngFont {
  readonly family: string;
  readonly files: readonly string[];
}

function fontFiles(dir: string, depth = 0, out: Map<string, string> = new Map()): Map<string, string> {
  if (depth > 4 || !existsSync(dir)) return out;
  let names: string[];
  try { names = readdirSync(dir); } catch { return out; }
  for (const n of names) {
    const p = join(dir, n);
    let st;
    try { st = statSync(p); } catch { continue; }
    if (st.isDirectory()) fontFiles(p, depth + 1, out);
    else if (/\.(ttf|otf)$/i.test(n) && !out.has(n)) out.set(n, p);
  }
  return out;
}

let found: PngFont | null | undefined;

/** The sans-serif font PNG text is drawn with, or null when the machine has none. */
export function pngFont(): PngFont | null {
  if (found === undefined) {
    const files = new Map<string, string>();
    for (const d of FONT_DIRS) fontFiles(d, 0, files);
    found = null;
    for (const [file, family] of PREFERRED) {
      const path = files.get(file);
      if (!path) continue;
      const bold = BOLD[file] && files.get(BOLD[file]);
      found = { family, files: bold ? [path, bold] : [path] };
      break;
    }
  }
  return found;
}

/** One line for the CLI: which font PNG text uses. */
export function pngFontReport(): string {
  const f = pngFont();
  return f ? `${f.family} (${f.files.join(', ')})` : 'none found';
}

/** Refuses PNG output (InputError naming the flag) on a machine without a usable font. */
export function checkPngFonts(flag = '--png'): PngFont {
  const f = pngFont();
  if (!f) throw new InputError(`${flag}: no sans-serif font file found under ${FONT_DIRS.slice(0, 2).join(' or ')} (install fonts-dejavu-core): figure text would be missing`);
  return f;
}

function render(svg: string, scale: number) {
  const font = checkPngFonts();
  const R = Resvg();
  return new R(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: {
      fontFiles: [...font.files], loadSystemFonts: false, defaultFontFamily: font.family,
      sansSerifFamily: font.family, serifFamily: font.family, monospaceFamily: font.family,
    },
  }).render();
}

/** An SVG document as PNG bytes, at `scale` × its size (2 by default: sharp on paper and slides). */
export function svgToPng(svg: string, opts: { scale?: number } = {}): Uint8Array {
  return new Uint8Array(render(svg, opts.scale ?? 2).asPng());
}

/** The same rendering as raw RGBA pixels (row-major), for checks of what was drawn. */
export function svgToRgba(svg: string, opts: { scale?: number } = {}): { width: number; height: number; pixels: Uint8Array } {
  const img = render(svg, opts.scale ?? 1);
  return { width: img.width, height: img.height, pixels: new Uint8Array(img.pixels) };
}
