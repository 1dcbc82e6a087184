import * as tf from '@tensorflow/tfjs-core';
import { generateSequences } from '@optimpact/core';
import { specEnv } from '@optimpact/sequence-env';
import { setBackend } from './backend.js';
import { createModel } from './model.js';
import { cosineLearningRate, evalLoss, exactTargets, labeledWindows, pretrain } from './pretrain.js';

const env = specEnv;
let backend = '';

beforeAll(async () => {
  backend = await setBackend('wasm');
});

describe('pretrain', () => {
  it('runs on wasm under jest', () => {
    expect(backend).toBe('wasm');
  });

  it('the smallest model beats the unigram baseline ln 8 on test loss, with both test losses reported', async () => {
    const m = createModel('xs', 1);
    const test = labeledWindows(generateSequences(env, 20, 100, 999), env.contextLength);
    const random = test.windows; // reuse positions; exact-law targets make this a second evaluation set
    const n0 = tf.memory().numTensors;
    const progress: number[] = [];
    const curves = await pretrain(m, {
      env,
      steps: 150,
      batchSize: 256,
      learningRate: 3e-3,
      seed: 1,
      testWindows: test.windows,
      testTargets: test.targets,
      evalSets: { exact: { windows: random, targets: exactTargets(env, random) } },
      evalEvery: 50,
      onProgress: (p) => progress.push(p.step),
    });
    expect(tf.memory().numTensors).toBe(n0);
    expect(progress).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    expect(curves.train).toHaveLength(150);
    const t = curves.evals.test!;
    expect(t.map((p) => p.step)).toEqual([0, 50, 100, 150]);
    const first = t[0]!.loss,
      last = t[t.length - 1]!.loss;
    expect(first).toBeGreaterThan(2.5); // ≈ ln 16 at initialisation
    expect(last).toBeLessThan(Math.log(8));
    expect(evalLoss(m, test.windows, test.targets)).toBeCloseTo(last, 5);
    expect(curves.evals.exact!.length).toBe(4);
    m.dispose();
  }, 300_000);

  it('cycles a finite training set in epochs, deterministically', async () => {
    const seqs = generateSequences(env, 4, 40, 7); // 4 × 20 = 80 windows
    const run = async (): Promise<number[]> => {
      const m = createModel({ vocabSize: 16, contextLength: 20, dModel: 8, nLayers: 1, nHeads: 2, mlpRatio: 4, dropout: 0.1 }, 5);
      const c = await pretrain(m, { env, trainSequences: seqs, steps: 10, batchSize: 32, seed: 3 });
      m.dispose();
      expect(c.epochs).toBeCloseTo(4, 10); // 320 windows drawn from a set of 80
      return c.train.map((p) => p.loss);
    };
    const a = await run();
    expect(await run()).toEqual(a);
    expect(a[9]!).toBeLessThan(a[0]!);
  });

  it('the cosine schedule starts at the learning rate, passes their mean halfway and ends at the final rate', () => {
    expect(cosineLearningRate(1e-3, 1e-4, 1, 101)).toBe(1e-3);
    expect(cosineLearningRate(1e-3, 1e-4, 51, 101)).toBeCloseTo(5.5e-4, 15);
    expect(cosineLearningRate(1e-3, 1e-4, 101, 101)).toBeCloseTo(1e-4, 15);
    for (let k = 2; k <= 101; k++) expect(cosineLearningRate(1e-3, 1e-4, k, 101)).toBeLessThan(cosineLearningRate(1e-3, 1e-4, k - 1, 101));
  });

  it('a final learning rate equal to the first trains as the constant rate does; a lower one moves later steps, not the first', async () => {
    const seqs = generateSequences(env, 4, 40, 7);
    const run = async (finalLearningRate?: number): Promise<number[]> => {
      const m = createModel({ vocabSize: 16, contextLength: 20, dModel: 8, nLayers: 1, nHeads: 2, mlpRatio: 4, dropout: 0.1 }, 5);
      const c = await pretrain(m, {
        env,
        trainSequences: seqs,
        steps: 10,
        batchSize: 32,
        seed: 3,
        learningRate: 1e-2,
        ...(finalLearningRate !== undefined ? { finalLearningRate } : {}),
      });
      m.dispose();
      return c.train.map((p) => p.loss);
    };
    const constant = await run();
    expect(await run(1e-2)).toEqual(constant);
    const decayed = await run(1e-4);
    // a step's loss is computed before its update, and step 1 updates at the full rate
    expect(decayed.slice(0, 2)).toEqual(constant.slice(0, 2));
    expect(decayed[2]).not.toBe(constant[2]);
  });
});
