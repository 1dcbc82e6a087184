/**
 * The gradients of TF.js kernels, for autodiff (`tf.grad`, `tf.variableGrads`). tfjs-core's Node bundle
 * registers none; the `@tensorflow/tfjs` union package's Node build registers every one when it loads,
 * into the registry tfjs-core shares. It is loaded on first use rather than on import, because loading it
 * costs ~0.6 s of CPU, which commands that never differentiate should not pay.
 */
import { createRequire } from 'node:module';

let registered = false;

/** Registers the gradient of every TF.js kernel, once; later calls do nothing. */
export function registerGradients(): void {
  if (registered) return;
  createRequire(import.meta.url)('@tensorflow/tfjs');
  registered = true;
}
