import { makeRng, type Windows } from '@optimpact/core';
import { setBackend } from './backend.js';
import { setFusedKernels } from './internal/kernels.js';
import { createModel } from './model.js';

beforeAll(async () => {
  await setBackend('wasm');
});
afterAll(() => setFusedKernels(true));

function windows(n: number): Windows {
  const rng = makeRng(4), tokens = new Int32Array(n * 20);
  for (let i = 0; i < tokens.length; i++) tokens[i] = rng.int(16);
  return { tokens, positions: new Int32Array(n).fill(20), n, length: 20 };
}

describe('fused wasm kernels', () => {
  it.each([[26, 2, 2], [24, 3, 1], [32, 1, 4]])('match the TF.js-op path (d=%i, layers=%i, heads=%i)', (dModel, nLayers, nHeads) => {
    const cfg = { vocabSize: 16, contextLength: 20, dModel, nLayers, nHeads, mlpRatio: 4, dropout: 0 };
    const w = windows(12);
    const targets = new Int32Array(12).map((_, i) => i);
    const run = (fused: boolean): { z: Float32Array; g: Float32Array; loss: number } => {
      setFusedKernels(fused);
      const m = createModel(cfg, 3);
      for (let i = 0; i < m.flat.length; i++) m.flat[i] = m.flat[i]! + 0.2 * Math.sin(i * 1.7);
      m.syncParams();
      const z = m.logitsSync(w);
      const loss = m.stepTargets(w, targets, 'x', 1e-3);
      const g = m.lastGradient().slice();
      m.dispose();
      return { z, g, loss };
    };
    const a = run(false), b = run(true);
    expect(b.loss).toBeCloseTo(a.loss, 5);
    for (let i = 0; i < a.z.length; i++) expect(Math.abs(a.z[i]! - b.z[i]!)).toBeLessThan(1e-5);
    for (let i = 0; i < a.g.length; i++) expect(Math.abs(a.g[i]! - b.g[i]!)).toBeLessThan(5e-5 + 1e-3 * Math.abs(a.g[i]!)); // summation order differs
  });
});
