#!/usr/bin/env node
// The gandyn CLI from the TypeScript sources, without a build (dist/ may be missing or
// older than src/): `node --import tsx scripts/gandyn-src.mjs <args>`. The sweep tests
// give it to `gandyn sweep slurm --gandyn` so that Slurm tasks run the same code as the
// test process; an installed package runs bin/gandyn.js (dist/) instead.
const { main } = await import(new URL('../src/cli/main.ts', import.meta.url).href);
const { theorems } = await import(new URL('../proofs/index.ts', import.meta.url).href);
process.exitCode = await main(process.argv.slice(2), undefined, { theorems });
