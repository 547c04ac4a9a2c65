// node:module in the browser bundle: the compile layer loads gpu.js with
// createRequire(...)('gpu.js'); here that is gpu.js's browser build (WebGL backends).
import * as gpujs from 'gpu.js';

export function createRequire(_from: string | URL): ((id: string) => unknown) & { resolve(id: string): string } {
  const req = (id: string) => {
    if (id === 'gpu.js') return (gpujs as { default?: unknown }).default ?? gpujs;
    throw new Error(`the browser bundle cannot require ${JSON.stringify(id)}`);
  };
  return Object.assign(req, {
    resolve: (id: string): string => { throw new Error(`the browser bundle cannot resolve ${JSON.stringify(id)}`); },
  });
}
export default { createRequire };
