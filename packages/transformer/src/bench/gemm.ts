// GEMM throughput at the model's shapes: our wasm kernels (both builds) against TF.js's own matMul on the
// same backend (XNNPACK for a·w + b; for aᵀ·b its transposeA path), measured alternately in one process.
import * as tf from '@tensorflow/tfjs-core';
import { matMulNN, matMulTN, setFusedKernels, setKernelVariant, type KernelVariant } from '../internal/kernels.js';
import { SIZE_PRESETS } from '../config.js';

export interface GemmResult {
  readonly op: string;
  /** [rows, reduction, columns] */
  readonly shape: readonly [number, number, number];
  readonly oursGmacPerSec: Readonly<Record<KernelVariant, number>>;
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

/**
 * a·w + b ([B·T, d] × [d, 4d], the MLP's first layer) and aᵀ·b (its weight gradient) for every size, then
 * a·w at [1024, 64] × [64, 64] (w stays in L1): the micro-kernel's own rate, the ceiling the others approach.
 * `variants` are the builds of ours to time (the fma build only where the runtime supports it).
 */
export function gemmBench(variants: readonly KernelVariant[], ms = 300): GemmResult[] {
  const out: GemmResult[] = [];
  const shapes: [string, number, number, number][] = SIZE_PRESETS.flatMap((p): [string, number, number, number][] => {
    const d = p.config.dModel,
      h = p.config.mlpRatio * d,
      rows = 256 * p.config.contextLength;
    return [
      ['a·w + b', rows, d, h],
      ['aᵀ·b', d, rows, h],
    ];
  });
  shapes.push(['a·w (w in L1)', 1024, 64, 64]);
  for (const [op, m, k, n] of shapes) {
    const tn = op === 'aᵀ·b';
    const a = tf.randomNormal<tf.Rank.R2>(tn ? [k, m] : [m, k]),
      w = tf.randomNormal<tf.Rank.R2>([k, n]);
    const b = tf.randomNormal<tf.Rank.R1>([n]);
    const f = (): tf.Tensor => (tn ? matMulTN(a, w) : matMulNN(a, w, op === 'a·w + b' ? b : null));
    const gmac = (m * k * n) / 1e6;
    setFusedKernels(false);
    const tfjs = gmac / time(() => tf.dispose(f()), ms);
    setFusedKernels(true);
    const ours = {} as Record<KernelVariant, number>;
    for (const v of variants) {
      setKernelVariant(v);
      ours[v] = gmac / time(() => tf.dispose(f()), ms);
    }
    out.push({ op, shape: [m, k, n], oursGmacPerSec: ours, tfjsGmacPerSec: tfjs });
    tf.dispose([a, w, b]);
  }
  setKernelVariant();
  return out;
}
