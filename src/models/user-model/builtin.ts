// The perceptron teacher–student model as data (the same text as
// examples/models/perceptron.json; test/models/user-model checks that they agree), for
// the theory's own rate theorem, which must not read files.

import { type UserModel, parseModel } from './model-file.ts';

export const PERCEPTRON_MODEL = {
  title: 'Perceptron teacher-student, g = erf(z/sqrt(2))',
  parameters: { eta: 1 },
  vectors: { w: { learned: true }, v: {} },
  noises: ['x'],
  fields: { lambda: { vector: 'w', input: 'x' }, nu: { vector: 'v', input: 'x' } },
  functions: { g: 'erf(z/sqrt(2))' },
  scalars: { delta: 'g(nu) - g(lambda)' },
  updates: { w: { step: 'eta', terms: [{ vector: 'x', coefficient: "delta*g'(lambda)" }] } },
  overlaps: { Q: ['w', 'w'], R: ['w', 'v'], T: ['v', 'v'] },
  initial: { Q: 0.5, R: 0.1 },
} as const;

export function perceptronModel(): UserModel {
  return parseModel(JSON.parse(JSON.stringify(PERCEPTRON_MODEL)), 'perceptron');
}
