// The edge below the CLI: output files (checked, atomic) and the theorem runner.
export * from './files.ts';
export * from './verify.ts';
export * from './html.ts'; export * from './png.ts'; // HTML reports (KaTeX) and PNG figures
export * from './sweep/index.ts';
