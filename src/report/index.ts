// The edge below the CLI: output files (checked, atomic) and the theorem runner.
export * from './files.ts';
export * from './verify.ts';
