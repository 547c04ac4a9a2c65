// Builds the live page into static files (default web/dist/): one ES-module bundle
// of web/src/main.ts (the project's symbolic, compile and model layers with gpu.js's
// browser build), index.html, and KaTeX's stylesheet and fonts copied beside them.
// The Node-only imports of the layers are replaced by small browser shims (shims/).
//   node web/build.mjs [--out DIR] [--minify]
import { build } from 'esbuild';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

export async function buildWeb({ out = join(HERE, 'dist'), minify = false } = {}) {
  const dir = resolve(out);
  mkdirSync(dir, { recursive: true });
  const result = await build({
    entryPoints: [join(HERE, 'src', 'main.ts')],
    outfile: join(dir, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    sourcemap: true,
    minify,
    metafile: true,
    logLevel: 'warning',
    alias: {
      'node:os': join(HERE, 'shims', 'node-os.ts'),
      'node:module': join(HERE, 'shims', 'node-module.ts'),
      'node:worker_threads': join(HERE, 'shims', 'node-worker-threads.ts'),
      'node:fs': join(HERE, 'shims', 'node-fs.ts'),
      'node:path': join(HERE, 'shims', 'node-path.ts'),
    },
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const katexDist = dirname(createRequire(import.meta.url).resolve('katex'));
  cpSync(join(katexDist, 'katex.min.css'), join(dir, 'katex', 'katex.min.css'));
  cpSync(join(katexDist, 'fonts'), join(dir, 'katex', 'fonts'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), readFileSync(join(HERE, 'index.html')));
  const bytes = Object.values(result.metafile.outputs).reduce((s, o) => s + o.bytes, 0);
  return { dir, bytes };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--out');
  if (args.includes('--help')) {
    console.log('usage: node web/build.mjs [--out DIR] [--minify]   (default DIR: web/dist)');
    process.exit(0);
  }
  const { dir, bytes } = await buildWeb({ out: at >= 0 ? args[at + 1] : undefined, minify: args.includes('--minify') });
  console.log(`built ${dir} (${(bytes / 1e6).toFixed(1)} MB of JavaScript and source map)`);
}
