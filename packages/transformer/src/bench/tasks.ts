// Throughput measurements run by the bench, in the main thread or in worker threads (runInWorkers).
import { currentBackend, setBackend } from '../backend.js';
import { sizePreset } from '../config.js';
import { setFusedKernels, startKernelProfile, stopKernelProfile } from '../internal/kernels.js';
import { createModel } from '../model.js';
import { makeRng, type Windows } from '@optimpact/core';

export interface Throughput {
  readonly size: string;
  readonly backend: string;
  readonly trainExPerSec: number;
  readonly inferExPerSec: number;
  readonly stepMs: number;
}

/**
 * Trains `size` on random windows (batch `batch`, 20 tokens) for about `seconds`, then times inference for
 * about `inferSeconds` (at least three passes either way). `fused = false` measures the same model on plain
 * TF.js ops (the baseline of our wasm kernels).
 */
export async function measure(
  size: string,
  seconds: number,
  batch = 256,
  backend?: 'wasm' | 'cpu',
  fused = true,
  inferSeconds = seconds / 2,
): Promise<Throughput> {
  if (backend !== undefined) await setBackend(backend);
  setFusedKernels(fused);
  const { m, windows, targets } = benchModel(size, batch);
  for (let i = 0; i < 2; i++) m.stepTargets(windows, targets, 'bench', 1e-3);
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000 || n < 3) {
    m.stepTargets(windows, targets, 'bench', 1e-3);
    n++;
  }
  const trainMs = (performance.now() - t0) / n;
  m.logitsSync(windows);
  let k = 0;
  const t1 = performance.now();
  while (performance.now() - t1 < inferSeconds * 1000 || k < 3) {
    m.logitsSync(windows);
    k++;
  }
  const inferMs = (performance.now() - t1) / k;
  m.dispose();
  setFusedKernels(true);
  return { size, backend: currentBackend(), trainExPerSec: (batch / trainMs) * 1000, inferExPerSec: (batch / inferMs) * 1000, stepMs: trainMs };
}

/** A model of preset `size` (seed 1) and a fixed random batch of windows and targets. */
function benchModel(size: string, batch: number): { m: ReturnType<typeof createModel>; windows: Windows; targets: Int32Array } {
  const p = sizePreset(size);
  if (p === undefined) throw new Error(`unknown size ${size}`);
  const T = p.config.contextLength,
    rng = makeRng(1);
  const tokens = new Int32Array(batch * T).map(() => rng.int(16));
  const windows = { tokens, positions: new Int32Array(batch).fill(T), n: batch, length: T };
  const targets = new Int32Array(batch).map(() => rng.int(16));
  return { m: createModel(p, 1), windows, targets };
}

/** Where a training step's time goes: per wasm kernel ms and multiply-adds per step; the rest is TF.js ops and JS. */
export interface StepProfile {
  readonly stepMs: number;
  readonly kernels: Record<string, { ms: number; macs: number; calls: number }>;
}

/** Profiles `steps` training steps of `size` (after two warm-up steps) on the backend in use. */
export function profileStep(size: string, steps: number, batch = 256): StepProfile {
  const { m, windows, targets } = benchModel(size, batch);
  for (let i = 0; i < 2; i++) m.stepTargets(windows, targets, 'bench', 1e-3);
  startKernelProfile();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) m.stepTargets(windows, targets, 'bench', 1e-3);
  const stepMs = (performance.now() - t0) / steps;
  const k = stopKernelProfile();
  m.dispose();
  const perStep = Object.fromEntries(Object.entries(k).map(([name, e]) => [name, { ms: e.ms / steps, macs: e.macs / steps, calls: e.calls / steps }]));
  return { stepMs, kernels: perStep };
}
