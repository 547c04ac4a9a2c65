// Output files: checked before any work starts, written atomically, and only over
// regular files (never over a device, a symlink, a FIFO or a directory).

import { accessSync, constants, lstatSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, basename, resolve, sep } from 'node:path';
import { InputError } from '../core/index.ts';

/** Pseudo file systems whose entries are never results. */
const SPECIAL_ROOTS = ['/proc', '/sys', '/dev'];

function code(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}

function nearestExisting(path: string): string {
  let p = path;
  for (;;) {
    try {
      lstatSync(p);
      return p;
    } catch {
      const up = dirname(p);
      if (up === p) return p;
      p = up;
    }
  }
}

/**
 * Refuses (InputError naming `flag`) a path that must not be written: empty, under
 * /proc, /sys or /dev, an existing non-regular file (directory, symlink, device,
 * FIFO, socket), or in a folder that is missing-and-uncreatable or not writable.
 * With `directory`, the path is a folder of results (missing or an existing folder).
 */
export function checkOutputPath(path: string, flag: string, opts: { directory?: boolean } = {}): void {
  if (path.trim() === '') throw new InputError(`${flag}: empty path`);
  const abs = resolve(path);
  if (SPECIAL_ROOTS.some((r) => abs === r || abs.startsWith(r + sep))) throw new InputError(`${flag} ${path}: refusing to write under ${abs.split(sep).slice(0, 2).join(sep)}`);
  let st: ReturnType<typeof lstatSync> | undefined;
  try {
    st = lstatSync(abs);
  } catch (err) {
    if (code(err) !== 'ENOENT' && code(err) !== 'ENOTDIR') throw new InputError(`${flag} ${path}: cannot inspect (${code(err)})`);
  }
  if (st) {
    if (opts.directory) {
      if (!st.isDirectory()) throw new InputError(`${flag} ${path}: exists and is not a folder`);
      try { accessSync(abs, constants.W_OK); } catch { throw new InputError(`${flag} ${path}: folder is not writable`); }
      return;
    }
    if (st.isSymbolicLink()) throw new InputError(`${flag} ${path}: is a symbolic link (refusing to replace it)`);
    if (st.isDirectory()) throw new InputError(`${flag} ${path}: is a folder, not a file`);
    if (!st.isFile()) throw new InputError(`${flag} ${path}: is not a regular file (device, FIFO or socket)`);
  }
  const folder = opts.directory && !st ? abs : dirname(abs);
  const existing = nearestExisting(folder);
  let est;
  try { est = statSync(existing); } catch (err) { throw new InputError(`${flag} ${path}: cannot inspect ${existing} (${code(err)})`); }
  if (!est.isDirectory()) throw new InputError(`${flag} ${path}: ${existing} is not a folder`);
  try { accessSync(existing, constants.W_OK); } catch { throw new InputError(`${flag} ${path}: ${existing} is not writable`); }
}

/**
 * Writes a file atomically: a temporary file in the same folder, then a rename. The
 * target must be missing or a regular file (checked again here, just before the rename).
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  checkOutputPath(path, 'output');
  mkdirSync(dirname(path), { recursive: true });
  // the name's first 40 characters only: a long (up to 255-byte) target name must leave room for the suffix
  const tmp = join(dirname(path), `.${Array.from(basename(path)).slice(0, 40).join('')}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, data, { flag: 'wx' });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new InputError(`cannot write ${path} (${code(err)})`);
  }
}
