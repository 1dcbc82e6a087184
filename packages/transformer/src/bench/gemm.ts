// GEMM throughput at the model's shapes: our wasm kernels against TF.js's own matMul on the same backend
// (XNNPACK for a·w + b; for aᵀ·b its transposeA path), measured alternately in one process.
import * as tf from '@tensorflow/tfjs-core';
import { matMulNN, matMulTN, setFusedKernels } from '../internal/kernels.js';
import { SIZE_PRESETS } from '../config.js';

export interface GemmResult {
  readonly op: string;
  readonly shape: readonly [number, number, number];
  readonly oursGmacPerSec: number;
  readonly tfjsGmacPerSec: number;
}

/** Milliseconds per call of `f`, the best of two ~`ms`-long runs. */
function time(f: () => void, ms: number): number {
  f();
  let best = Infinity;
  for (let rep = 0; rep < 2; rep++) {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms) {
      f();
      n++;
    }
    best = Math.min(best, (performance.now() - t0) / n);
  }
  return best;
}

/** a·w + b ([B·T, d] × [d, 4d], the MLP's first layer) and aᵀ·b (its weight gradient) for every size. */
export function gemmBench(ms = 300): GemmResult[] {
  const out: GemmResult[] = [];
  for (const p of SIZE_PRESETS) {
    const d = p.config.dModel, h = p.config.mlpRatio * d, rows = 256 * p.config.contextLength;
    const a = tf.randomNormal([rows, d]) as tf.Tensor2D, w = tf.randomNormal([d, h]) as tf.Tensor2D;
    const b = tf.randomNormal([h]) as tf.Tensor1D, g = tf.randomNormal([rows, h]) as tf.Tensor2D;
    const cases: [string, () => tf.Tensor, [number, number, number]][] = [
      ['a·w + b', () => matMulNN(a, w, b), [rows, d, h]],
      ['aᵀ·b', () => matMulTN(a, g), [d, rows, h]],
    ];
    for (const [op, f, shape] of cases) {
      const run = (fused: boolean): number => {
        setFusedKernels(fused);
        return time(() => tf.dispose(f()), ms);
      };
      const xnn = run(false), ours = run(true);
      const gmac = (shape[0] * shape[1] * shape[2]) / 1e6;
      out.push({ op, shape, oursGmacPerSec: gmac / ours, tfjsGmacPerSec: gmac / xnn });
    }
    tf.dispose([a, w, b, g]);
  }
  setFusedKernels(true);
  return out;
}
