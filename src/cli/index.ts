// The edge: the `gandyn` command as a function (argv in, exit code out).
export { main, buildProgram, packageVersion, type Registry } from './main.ts';
export type { Io } from './io.ts';
export { processIo, progressPrinter } from './io.ts';
