// The registry of theories. A new theory is one folder under src/models/ plus one
// line in `theories` below; the CLI, `verify` and reports find it here.

import type { Theory } from './theory.ts';
import type { Theorem } from '../core/index.ts';
import { solvableGan } from './solvable-gan/theory.ts';
import { ntkGan } from './ntk-gan/theory.ts';
import { quadraticCritic } from './moment-matching/theory.ts';
import { approximability } from './approximability/theory.ts';
import { effectiveGan } from './effective-gan/theory.ts';
import { userModel } from './user-model/theory.ts';
import { moments } from './moments/theory.ts';

export const theories: readonly Theory[] = [solvableGan as Theory, ntkGan as Theory, quadraticCritic as Theory, effectiveGan as Theory, userModel as Theory, approximability as Theory, moments as Theory];

/** The theory with this id in `list` (default: the built-in registry), or undefined. */
export function findTheory(id: string, list: readonly Theory[] = theories): Theory | undefined {
  return new Map(list.map((t) => [t.id, t])).get(id);
}

/** Every theorem the theories in `list` carry, in registry order. */
export function theoremsOf(list: readonly Theory[] = theories): Theorem[] {
  return list.flatMap((t) => t.theorems);
}

export * from './theory.ts';
export * from './spec-input.ts';
export { solvableGan, ntkGan, quadraticCritic, effectiveGan, userModel, approximability, moments };
