export type { RLConfig, Rule } from './config.js';
export { RULES } from './config.js';
export type { FinetuneCheckpoint, FinetuneOptions, RLData, RLResult } from './finetune.js';
export { exactCoefficients, finetune, greedySuccess, nextTokenLoss, predictedSuccessRates, rlooCoefficients, sampledSuccessRates } from './finetune.js';
export { saveFinetuneCheckpoint, loadFinetuneCheckpoint } from './checkpoint.js';
