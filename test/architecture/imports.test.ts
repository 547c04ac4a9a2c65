// The layering of design.md, checked on the import graph: a file may import only its
// own layer or the layers below it; across layers only through a layer's facade
// (`<layer>/index.ts`, or a theory folder's index.ts); theories never import each
// other; nothing under src/ imports test/ or proofs/; proofs/ and examples/ use facades.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '../..');
const RANK = new Map([['core', 0], ['numeric', 1], ['symbolic', 2], ['compile', 3], ['ntk', 4], ['models', 5], ['report', 6], ['cli', 7]]);

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (/\.ts$/.test(name)) out.push(p);
  }
  return out;
}

/** Relative import specifiers of a file (static imports, re-exports, dynamic imports). */
export function importsOf(source: string): string[] {
  const specs: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.[^'"]+)['"]/gm;
  for (let m = re.exec(source); m; m = re.exec(source)) specs.push(m[1]);
  return specs;
}

interface Place { top: string; layer?: string; theory?: string; rest: string }

function place(abs: string): Place {
  const rel = relative(ROOT, abs).split(sep);
  if (rel[0] !== 'src') return { top: rel[0], rest: rel.slice(1).join('/') };
  if (rel.length === 2) return { top: 'src', layer: 'root', rest: rel[1] };
  const layer = rel[1];
  const theory = layer === 'models' && rel.length > 3 ? rel[2] : undefined;
  return { top: 'src', layer, theory, rest: rel.slice(2).join('/') };
}

/** Is `to` a facade: `src/<layer>/index.ts`, `src/index.ts`, or `src/models/<theory>/index.ts`? */
function isFacade(to: Place): boolean {
  return to.rest === 'index.ts' || (to.layer === 'models' && to.theory !== undefined && to.rest === `${to.theory}/index.ts`);
}

export function violations(): string[] {
  const bad: string[] = [];
  const sources = ['src', 'proofs', 'examples'].flatMap((d) => files(join(ROOT, d)));
  for (const file of sources) {
    const from = place(file);
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), spec);
      const to = place(target);
      const where = `${relative(ROOT, file)} imports ${spec}`;
      if (from.top === 'src' && to.top !== 'src') { bad.push(`${where}: src/ may not import ${to.top}/`); continue; }
      if (to.top !== 'src') continue;
      if (from.top !== 'src') {
        if (!isFacade(to) && to.layer !== 'root') bad.push(`${where}: ${from.top}/ imports src/ through facades only`);
        continue;
      }
      if (from.layer === 'root' || from.layer === to.layer) {
        if (from.layer === 'models' && from.theory && to.theory && from.theory !== to.theory && !isFacade(to)) {
          bad.push(`${where}: theory ${from.theory} reaches into theory ${to.theory}`);
        } else if (from.layer === 'models' && from.theory && to.theory && from.theory !== to.theory) {
          bad.push(`${where}: theories do not import each other (lift shared code into a lower layer)`);
        }
        continue;
      }
      const rf = RANK.get(from.layer!), rt = RANK.get(to.layer!);
      if (rf === undefined || rt === undefined) { bad.push(`${where}: unknown layer ${from.layer} or ${to.layer}`); continue; }
      if (rt > rf) bad.push(`${where}: upward import (${from.layer} is below ${to.layer})`);
      else if (!isFacade(to)) bad.push(`${where}: deep import into ${to.layer}/ (use ${to.layer}/index.ts)`);
    }
  }
  return bad;
}

describe('import graph', () => {
  it('follows the layering (no upward, deep or cross-theory imports; src never imports test/ or proofs/)', () => {
    expect(violations()).toEqual([]);
  });

  it('the checker sees the import forms it must see', () => {
    expect(importsOf(`import { a } from '../x.ts';\nexport * from './y.ts';\nconst m = await import('../../z.ts');\nimport './side.ts';`))
      .toEqual(['../x.ts', './y.ts', '../../z.ts', './side.ts']);
  });
});
