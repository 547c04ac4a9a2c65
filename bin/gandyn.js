#!/usr/bin/env node
// Entry point of the `gandyn` command: runs the compiled JavaScript in dist/
// (`npm run build`, which `npm install`/`npm ci` run through `prepare`), with every
// theorem check: the general ones of proofs/ and each registered theory's own.
// From the TypeScript sources, without a build: `npm run dev -- <args>`.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
const proofs = new URL('../dist/proofs/index.js', import.meta.url);
if (!existsSync(entry) || !existsSync(proofs)) {
  process.stderr.write('gandyn: dist/ is missing: run npm run build\n');
  process.exit(2);
}
const { main } = await import(entry.href);
const { theorems } = await import(proofs.href);
process.exitCode = await main(process.argv.slice(2), undefined, { theorems });
