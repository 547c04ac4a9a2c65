// The bottom layer: the error hierarchy, the theorem/verdict types, SVG plots. Imports nothing.
export * from './errors.ts';
export * from './theorem.ts';
export * from './svg.ts';
