export type { RLConfig } from './config.js';
export { ORIGINAL_RL, DEFAULT_RL } from './config.js';
export type { RLData, RLResult } from './finetune.js';
export { finetune, greedySuccess, nextTokenLoss } from './finetune.js';
