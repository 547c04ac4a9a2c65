// The method-of-moments theory (Li & Dou): see theory.ts and docs/method-of-moments.md.
export { moments } from './theory.ts';
export type { MomentsSpec } from './theory.ts';
export { parseGenerator, sampleGenerator, gram, describeGenerator, type TwoLayerGenerator } from './generator.ts';
export { parseActivation, type MomentActivation } from './activation.ts';
export { UnitMoments, patternFormula, patternLatex } from './unit-moments.ts';
export { generatorMoments, monteCarloMoments, sampleMoments } from './moments.ts';
export { momentDiscrepancies, momentDistance, witnessTensors, evaluateOnSamples, type IpmBall } from './distance.ts';
export { trainMoments, crossingSteps, PolynomialCritic, type TrainingConfig, type TrainingRun } from './training.ts';
export { runExperiment, initialGenerator } from './experiment.ts';
export { recoveryCurve, recoveryTarget } from './recovery-action.ts';
export { recoverFromSamples, tensorPowerIteration, columnMatchError, slicedW1, unitCumulants } from './recovery.ts';
export { experimentFigures } from './experiment.ts';
export { lowDegreeConfig, kendallTauWithDegree, signTestPValue, necessityPair } from './training-theorems.ts';
