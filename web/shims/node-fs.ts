// node:fs in the browser bundle: only the MNIST target of effective-gan reads files,
// and the page never asks for it.
export function readFileSync(path: string): never {
  throw new Error(`no file system in the browser (asked for ${path})`);
}
export default { readFileSync };
