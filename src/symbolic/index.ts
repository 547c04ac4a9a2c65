// The symbolic layer's public API.
//
// Name clash resolved here: expr.ts's `isZero` (is the node the literal number 0)
// is re-exported as `isLiteralZero`; `isZero` is simplify.ts's (identically zero,
// decided symbolically or numerically). gaussian.ts also exports a `substitute`;
// substitute.ts's (simultaneous, Record or Map, numbers allowed) is the one exported.

export * from './expr.ts';
export { isZero as isLiteralZero } from './expr.ts';
export * from './parse.ts';
export * from './print.ts';
export * from './evaluate.ts';
export * from './system.ts';
export * from './poly.ts';
export * from './diff.ts';
export * from './substitute.ts';
export { substitute } from './substitute.ts';
export * from './simplify.ts';
export { isZero } from './simplify.ts';
export * from './latex.ts';
export * from './gaussian.ts';
export * from './highdim.ts';
export * from './exact-rational.ts';
export * from './gaussian-exact.ts';
export * from './export.ts';
export * from './linearize.ts';
export { ACTIVATION_FUNCTIONS, type ActKind, hermiteHeExpr, hermiteHExpr } from './gaussian-table.ts';
export { kinkPoints } from './gaussian-hermite.ts';
export * from './online.ts';
export { univariateClosure } from './closure.ts';
export * from './gaussian-numeric.ts';
