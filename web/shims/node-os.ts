// node:os in the browser bundle: the compile layer asks only how many cores to thread over.
export function availableParallelism(): number {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return typeof n === 'number' && n >= 1 ? n : 1;
}
export default { availableParallelism };
