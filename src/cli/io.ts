// Where the CLI writes: stdout for results, stderr for progress and errors.

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** True once stdout has been closed by its reader (`| head`): later output is dropped. */
let stdoutClosed = false;

/** The process's stdout/stderr; a closed stdout ends the program quietly with exit 0. */
export function processIo(): Io {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') {
      stdoutClosed = true;
      process.exit(0);
    }
    process.stderr.write(`gandyn: cannot write to standard output (${err.code ?? err.message})\n`);
    process.exit(1);
  });
  return {
    out: (s) => { if (!stdoutClosed) process.stdout.write(s); },
    err: (s) => { process.stderr.write(s); },
  };
}

/** A progress callback that prints one stderr line per 10 % with the elapsed time and an ETA. */
export function progressPrinter(io: Io, label: string): (fraction: number, what: string) => void {
  const start = performance.now();
  let shown = -1;
  return (fraction, what) => {
    const pct = Math.min(100, Math.floor(fraction * 10) * 10);
    if (pct <= shown) return;
    shown = pct;
    const elapsed = (performance.now() - start) / 1000;
    const eta = fraction > 0 && fraction < 1 ? `, about ${(elapsed * (1 - fraction) / fraction).toFixed(0)} s left` : '';
    io.err(`${label}: ${what} (${pct}%, ${elapsed.toFixed(1)} s${eta})\n`);
  };
}
