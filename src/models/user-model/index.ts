// The user-model theory's public API (docs/user-models.md).
export { userModel, readModelFile, defaultInitial, specFromModel, type UserModelSpec } from './theory.ts';
export { parseModel, parseModelText, ModelFileError, MAX_MODEL_BYTES, type UserModel } from './model-file.ts';
export { modelStep, deriveModelOde, deriveModelSde, coordinateName, foldSquareRoots } from './derive.ts';
export { simulateModel, simulationCost, type SimulationResult } from './simulate.ts';
export { checkRate, rateTheorem, logLogSlope, type RateResult } from './rate.ts';
export { modelRateTheorem, specRateTheorem, rateTheoremId, rateCost, RATE_DEFAULTS, SLOPE_INTERVAL, type RateTheorem, type ModelRateInput, type RateOptions } from './rate.ts';
export { perceptronModel, PERCEPTRON_MODEL } from './builtin.ts';
