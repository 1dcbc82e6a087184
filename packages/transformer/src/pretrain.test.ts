import * as tf from '@tensorflow/tfjs-core';
import { generateSequences } from '@optimpact/core';
import { specEnv } from '@optimpact/sequence-env';
import { setBackend } from './backend.js';
import { createModel } from './model.js';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPretrainCheckpoint, savePretrainCheckpoint } from './checkpoint.js';
import type { PretrainCheckpoint, PretrainOptions } from './pretrain.js';
import { CheckpointMismatch } from '@optimpact/records';
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

  describe('stopped at a checkpoint and resumed from disk, it ends bit for bit where it would have without stopping', () => {
    const tiny = { vocabSize: 16, contextLength: 20, dModel: 8, nLayers: 1, nHeads: 2, mlpRatio: 4, dropout: 0.1 };
    const test = labeledWindows(generateSequences(env, 3, 40, 99), env.contextLength);
    const base = {
      env,
      steps: 80,
      batchSize: 32,
      seed: 3,
      learningRate: 1e-2,
      finalLearningRate: 1e-3,
      evalEvery: 5,
      testWindows: test.windows,
      testTargets: test.targets,
    };
    const cases: [string, Partial<PretrainOptions>][] = [
      ['a fixed set cycled in epochs', { trainSequences: generateSequences(env, 4, 40, 7) }],
      ['an exploratory stream', { streamSequenceLength: 40, streamExplore: { epsilon: 0.5 } }],
    ];
    it.each(cases)('%s', async (_, data) => {
      const whole = createModel(tiny, 5);
      const straight = await pretrain(whole, { ...base, ...data });
      const dir = join(mkdtempSync(join(tmpdir(), 'optimpact-ckpt-')), 'checkpoint');
      const saved: number[] = [];
      // the first leg saves at steps 7 and 46 (the second replacing the first; mid-pass in the fixed set's 19th pass
      // of 2.5 steps, in a stream's second chunk, which starts at step 33), then stops, as a killed run would
      const first = createModel(tiny, 5);
      await expect(
        pretrain(first, {
          ...base,
          ...data,
          checkpoint: {
            due: (step) => step === 7 || step === 46,
            save: (c: PretrainCheckpoint) => {
              savePretrainCheckpoint(dir, c, { run: 'test' });
              saved.push(c.step);
              if (c.step === 46) throw new Error('stopped');
            },
          },
        }),
      ).rejects.toThrow('stopped');
      expect(saved).toEqual([7, 46]);
      expect(readdirSync(dir).sort()).toEqual(['arrays-46.bin', 'state.json']);
      const loaded = loadPretrainCheckpoint(dir);
      if (loaded === undefined || 'why' in loaded) throw new Error(`no checkpoint: ${JSON.stringify(loaded)}`);
      expect(loaded.meta).toEqual({ run: 'test' });
      expect(loaded.checkpoint.step).toBe(46);
      expect(loaded.checkpoint.data.cursor % loaded.checkpoint.data.order.length).not.toBe(0);
      // a fresh model of another seed: everything it needs comes from the checkpoint
      const second = createModel(tiny, 6);
      const progress: number[] = [];
      const resumed = await pretrain(second, { ...base, ...data, resume: loaded.checkpoint, onProgress: (p) => progress.push(p.step) });
      expect(progress).toEqual(Array.from({ length: 34 }, (_, i) => 47 + i));
      expect(Buffer.from(second.flat.buffer).equals(Buffer.from(whole.flat.buffer))).toBe(true);
      expect(resumed.train).toEqual(straight.train);
      expect(resumed.evals).toEqual(straight.evals);
      expect(resumed.epochs).toBe(straight.epochs);
      for (const m of [whole, first, second]) m.dispose();
    });

    it('refuses a checkpoint of another run, naming what differs, and names what is wrong with a damaged one', async () => {
      const m = createModel(tiny, 5);
      const dir = join(mkdtempSync(join(tmpdir(), 'optimpact-ckpt-')), 'checkpoint');
      const fixedSet = { trainSequences: generateSequences(env, 4, 40, 7) };
      await pretrain(m, { ...base, ...fixedSet, checkpoint: { due: (step) => step === 4, save: (c) => savePretrainCheckpoint(dir, c, {}) } });
      const ok = loadPretrainCheckpoint(dir);
      if (ok === undefined || 'why' in ok) throw new Error('no checkpoint');
      await expect(pretrain(m, { ...base, ...fixedSet, steps: 30, resume: ok.checkpoint })).rejects.toThrow(
        'the checkpoint is of a run of 80 steps at step 4 with 1320 parameters; this run has 30 steps and 1320 parameters',
      );
      await expect(pretrain(m, { ...base, ...fixedSet, batchSize: 16, resume: ok.checkpoint })).rejects.toThrow(
        'the checkpoint is of a run with batchSize 32; this run has 16',
      );
      await expect(pretrain(m, { ...base, resume: ok.checkpoint })).rejects.toThrow('the checkpoint is of a run with data fixed set; this run has stream');
      const otherData = pretrain(m, { ...base, trainSequences: generateSequences(env, 5, 40, 7), resume: ok.checkpoint });
      await expect(otherData).rejects.toThrow(CheckpointMismatch);
      await expect(otherData).rejects.toThrow("the checkpoint's data order covers 80 windows, the training data hold 100");
      expect(loadPretrainCheckpoint(join(dir, 'none'))).toBeUndefined();
      const bin = join(dir, 'arrays-4.bin'),
        bytes = readFileSync(bin);
      bytes[10] = bytes[10]! ^ 1;
      writeFileSync(bin, bytes);
      expect(loadPretrainCheckpoint(dir)).toEqual({ why: 'its arrays-4.bin does not match the checksum in state.json' });
      const state = readFileSync(join(dir, 'state.json'), 'utf8');
      writeFileSync(join(dir, 'state.json'), state.replace('"step":4,', '"step":5,'));
      expect(loadPretrainCheckpoint(dir)).toEqual({ why: 'its state.json does not match its checksum' });
      writeFileSync(join(dir, 'notes.txt'), 'mine');
      expect(loadPretrainCheckpoint(dir)).toEqual({ why: `${dir} holds files a checkpoint does not` });
      m.dispose();
    });
  });
});
