// node:path in the browser bundle: the two helpers the layers use, for '/'-separated paths.
export function dirname(p: string): string {
  const i = p.replace(/\/+$/, '').lastIndexOf('/');
  return i < 0 ? '.' : i === 0 ? '/' : p.slice(0, i);
}
export function join(...parts: string[]): string {
  return parts.filter((s) => s !== '').join('/').replace(/\/+/g, '/');
}
export default { dirname, join };
