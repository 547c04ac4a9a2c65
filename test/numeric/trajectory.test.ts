// The named-series view shared by every integrator result and the models' simulators.
import { describe, expect, it } from 'vitest';
import { Trajectory, namedSeries, type NamedSeries } from '../../src/numeric/index.ts';
import { rk4 } from '../../src/numeric/index.ts';

describe('Trajectory: named series', () => {
  const decay = (_t: number, y: Float64Array, out: Float64Array) => { for (let i = 0; i < y.length; i++) out[i] = -(i % 2 + 1) * y[i]; };

  it('named(member) gives times and one array per variable; fromNamed inverts it', () => {
    const traj = rk4(decay, [1, 2, 3, 4], { t0: 0, t1: 1, steps: 10, batch: 2, names: ['a', 'b'], record: [0, 0.5, 1] });
    const one = traj.named(1);
    expect(one.t).toEqual([0, 0.5, 1]);
    expect(Object.keys(one.series)).toEqual(['a', 'b']);
    expect(one.series.a).toEqual(Array.from(traj.series('a', 1)));
    expect(one.series.b).toEqual(Array.from(traj.series('b', 1)));
    expect(JSON.parse(JSON.stringify(one))).toEqual(one);
    const back = Trajectory.fromNamed(one);
    expect(back.batch).toBe(1);
    expect(back.names).toEqual(['a', 'b']);
    expect(back.named()).toEqual(one);
    expect(() => traj.named(2)).toThrow(/batch member 2/);
    expect(() => Trajectory.fromNamed({ t: [0, 1], series: { a: [1] } })).toThrow(/series a has 1 values for 2 times/);
  });

  it('unnamed components are y[i]; namedSeries takes either shape', () => {
    const traj = rk4(decay, [1, 1], { t0: 0, t1: 1, steps: 4, record: 'final' });
    expect(Object.keys(traj.named().series)).toEqual(['y[0]', 'y[1]']);
    const plain: NamedSeries = { t: [0], series: { x: [1] } };
    expect(namedSeries(plain)).toBe(plain);
    expect(namedSeries(traj)).toEqual(traj.named());
  });
});
