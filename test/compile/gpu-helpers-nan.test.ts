// The GPU.js helper sources (src/compile/emit.ts GPU_HELPER_SOURCES) propagate NaN
// like the f64 functions (issue 15: gd_relu gave 0 and gd_step 0.5 for NaN). The
// sources are plain JavaScript, so they are run here as functions; their values at
// defined points are unchanged.
import { describe, expect, it } from 'vitest';
import { GPU_HELPER_SOURCES } from '../../src/compile/emit.ts';
import { F64_FUNCTIONS } from '../../src/symbolic/index.ts';

function helper(name: 'relu' | 'step' | 'sigmoid' | 'softplus' | 'erf'): (x: number) => number {
  const pre = name === 'softplus' ? GPU_HELPER_SOURCES.log1p : '';
  return new Function(`${pre}\n${GPU_HELPER_SOURCES[name]}\nreturn gd_${name};`)() as (x: number) => number;
}

describe('GPU.js helpers: NaN in, NaN out', () => {
  for (const name of ['relu', 'step', 'sigmoid', 'softplus', 'erf'] as const) {
    it(`gd_${name}(NaN) is NaN`, () => {
      expect(helper(name)(NaN)).toBeNaN();
    });
  }

  it('gd_relu and gd_step agree with the f64 functions at 0, ±0, ±1, ±Infinity and tiny values', () => {
    const relu = helper('relu'), step = helper('step');
    for (const x of [0, -0, 1, -1, Infinity, -Infinity, 1e-300, -1e-300, 2.5]) {
      expect(Object.is(relu(x), F64_FUNCTIONS.relu(x)) || relu(x) === F64_FUNCTIONS.relu(x), `relu(${x})`).toBe(true);
      expect(step(x), `step(${x})`).toBe(F64_FUNCTIONS.step(x));
    }
  });
});
