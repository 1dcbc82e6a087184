export { predictedOutcomeLaws, lawPredictor } from './self-eval.js';
