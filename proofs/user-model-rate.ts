// The rate theorem of docs/user-models.md generated for any model file: the finite-n
// simulation of the file's update approaches the ODE derived from the same file,
// max_t |sim − ODE| ~ n^{-1/2}, checked as a fitted log-log slope in [−0.75, −0.25]
// (src/models/user-model/rate.ts). `gandyn verify --model FILE` builds the same theorem.
// The shipped examples (examples/models/*.json, in a source checkout) each get one here,
// id user-model-rate:<file name>; each check takes well under a second.

import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SpecValues } from '../src/models/index.ts';
import { readModelFile, specFromModel, specRateTheorem, type RateTheorem } from '../src/models/user-model/index.ts';

const NO_VALUES: SpecValues = { options: new Map(), set: new Map(), init: new Map() };

/**
 * The rate theorem for the model file at `path`, at the parameters and initial overlaps of
 * `values` (--set, --init; default: the file's). A bad file or value throws an InputError naming the key.
 * `shownAs` is the path its id and title name (default `path`).
 */
export function modelFileRateTheorem(path: string, values: SpecValues = NO_VALUES, shownAs = path): RateTheorem {
  return specRateTheorem(specFromModel(readModelFile(path), values, shownAs));
}

/** examples/models/ next to proofs/ (sources) or next to dist/ (a build in a checkout); null in an installed package, which ships no examples. */
function examplesFolder(): string | null {
  for (const rel of ['../examples/models/', '../../examples/models/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(dir)) return dir;
  }
  return null;
}

/** One rate theorem per shipped example model file, in file-name order (none when the folder is absent). */
export function exampleRateTheorems(): RateTheorem[] {
  const dir = examplesFolder();
  if (dir === null) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
    .map((f) => modelFileRateTheorem(`${dir}${f}`, NO_VALUES, `examples/models/${f}`));
}
