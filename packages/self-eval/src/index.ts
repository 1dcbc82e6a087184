export type { OutcomeFit } from './self-eval.js';
export { predictedOutcomeLaws, lawPredictor, outcomeFit } from './self-eval.js';
