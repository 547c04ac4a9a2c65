// node:worker_threads in the browser bundle: the NTK layer's threaded recursion is
// never asked for there (it threads only from Node); constructing a Worker says so.
export class Worker {
  constructor() {
    throw new Error('node:worker_threads is not available in the browser (use the single-threaded path)');
  }
}
export const isMainThread = true;
export default { Worker, isMainThread };
