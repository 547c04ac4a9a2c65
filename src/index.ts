// The package root, `import … from 'gan-dynamics'`.
//
// Every layer is here as a namespace (`symbolic`, `numeric`, `compiler`, `ntk`,
// `models`); the most-used names are also re-exported flat, with the registered
// theories (`theories`, `findTheory`, `solvableGan`, `ntkGan`, `quadraticCritic`).
// The layers' flat APIs cannot all be merged into one (`BatchRhs` is both
// numeric's and the compile layer's, `identity` both numeric's matrix and ntk's
// activation), so the full flat API of a layer is its subpath:
// 'gan-dynamics/symbolic', 'gan-dynamics/numeric', 'gan-dynamics/compile',
// 'gan-dynamics/ntk', 'gan-dynamics/models' (the registry and the theory
// contract), 'gan-dynamics/models/ntk-gan' (losses, kernel discriminators,
// particle flows, distances). The compile layer's namespace is `compiler`
// because `compile` is its main function.

// ── namespaces ──────────────────────────────────────────────────────────────
export * as symbolic from './symbolic/index.ts';
export * as numeric from './numeric/index.ts';
export * as compiler from './compile/index.ts';
export * as ntk from './ntk/index.ts';
export * as models from './models/index.ts';

// ── errors: the toolkit's one hierarchy ─────────────────────────────────────
export { GandynError, InputError, ArgumentError, IntegrationError } from './core/errors.ts';

// ── symbolic: expressions, parsing, printing, calculus, Gaussian expectations ─
export {
  type Expr, type System, type Env,
  num, sym, constant, add, mul, pow, call, neg, sub, div,
  freeSymbols, equal,
  parse, parseMatrix, ParseError,
  print, latex, latexSystem,
  evaluate, UnknownSymbolError,
  diff, gradient, jacobian,
  expand, NotPolynomialError,
  substitute, simplify, equivalent, isZero,
  gaussianExpectation, GaussianExpectationError,
  type GaussianExpectationOptions, type GaussianExpectationResult,
} from './symbolic/index.ts';

// ── numeric: random numbers, integrators, linear algebra, statistics ─────────
export {
  Rng, Trajectory,
  rk4, dopri5, eulerMaruyama, milstein,
  findFixedPoints, newton,
  solve, symmetricEigen, cholesky,
  erf, normalPdf, normalCdf, lambertW0,
  moments, ksTest,
  DivergenceError, StepLimitError, SingularMatrixError,
} from './numeric/index.ts';

// ── compile: Expr → f64 twin / GPU.js kernel; compiled dynamics ─────────────
export {
  compile, compileRhs, compilePairwise, CompileError,
  type CompileOptions, type Kernel,
} from './compile/index.ts';
export {
  integrate, fixedPoints, systemJacobian, systemLatex,
  type IntegrateOptions, type ParamValues,
} from './compile/dynamics.ts';

// ── ntk: architectures, closed-form NNGP/NTK, finite networks, predictions ──
export {
  kernels, kernelsAsync, parseArchitecture, dense, serial, relu, erfAct,
  finiteNetwork, empiricalNtk, predictFromKernels, kernelRecursion, ntkRecursionLatex,
  type Architecture, type KernelResult, type KernelOptions, type Matrix,
} from './ntk/index.ts';

// ── models: the registry of theories and their theorem checks ───────────────
export {
  theories, findTheory, theoremsOf, solvableGan, ntkGan, quadraticCritic,
  specValuesFromJson, specValuesFromFlags, SpecError,
  type Theory, type Derivation, type Verb, type SpecValues,
} from './models/index.ts';
export type { Theorem, Verdict, CheckOptions } from './core/theorem.ts';

// ── the NTK view of GANs (full API: 'gan-dynamics/models/ntk-gan') ───────────
export {
  dataset, infiniteDiscriminator, finiteDiscriminator, runParticleFlow, mmd2, sinkhornDivergence,
} from './models/ntk-gan/index.ts';
