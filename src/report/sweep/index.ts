// Sharded, resumable parameter sweeps over any registered theory, on one machine or as
// a Slurm job array, merged to the same bytes whatever the sharding.
export * from './canonical.ts';
export * from './spec.ts';
export * from './point.ts';
export * from './plan.ts';
export * from './shard.ts';
export * from './merge.ts';
export * from './figure.ts';
export * from './slurm.ts';
