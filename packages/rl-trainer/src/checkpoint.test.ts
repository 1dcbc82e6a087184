/**
 * Fine-tuning checkpoints: a run stopped after a saved checkpoint and gone on from the files gives, bit for
 * bit, the unbroken run's model and curve; a checkpoint of another run is refused, a damaged one named.
 */
import type { Environment } from '@optimpact/core';
import { actionWindowPool, generateSequences, windowsWhere } from '@optimpact/core';
import { createEnvironment } from '@optimpact/additive-env';
import { CheckpointMismatch } from '@optimpact/records';
import { asPredictor, createModel, setBackend } from '@optimpact/transformer';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FinetuneCheckpoint, RLConfig, RLData } from './index.js';
import { finetune, loadFinetuneCheckpoint, RULES, saveFinetuneCheckpoint } from './index.js';

const env: Environment = createEnvironment();
const config = { vocabSize: env.vocabSize, contextLength: env.contextLength, dModel: 16, nLayers: 1, nHeads: 2, mlpRatio: 2, dropout: 0.1 };
const train = generateSequences(env, 40, 200, 1),
  test = generateSequences(env, 5, 200, 2);
const nonAction = (t: number) => !env.isActionPosition(t);
const d: RLData = {
  train: windowsWhere(env, train, (t) => env.isActionPosition(t)).windows,
  eval: actionWindowPool(env, 200, 3),
  maintenance: windowsWhere(env, train, nonAction),
  maintenanceEval: windowsWhere(env, test, nonAction),
};
const cfg = (rule: RLConfig['rule']): RLConfig => ({
  rule,
  samples: 3,
  rounds: 12,
  batchSize: 32,
  learningRate: 3e-3,
  updatesPerRound: 2,
  temperature: rule === 'positive' ? 1 : 4,
  epsilon: rule === 'reinforce' ? 0.1 : 0,
  maintenanceSteps: 1,
  maintenanceBatchSize: 16,
  maintenanceLearningRate: 3e-4,
  evalEvery: 4,
});
const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

beforeAll(async () => {
  await setBackend('wasm');
});

describe('fine-tuning checkpoints', () => {
  // every rule: the exact and model rules draw nothing of their own; the others sample actions or outcomes from the rule's stream
  it.each(RULES)(
    'a run stopped after its checkpoint at round 8 and gone on from the files equals the unbroken run (%s)',
    async (rule) => {
      const task = env.tasks[1]!;
      const whole = createModel(config, 5);
      const straight = await finetune(whole, env, task, d, cfg(rule), 7, undefined, { worldModel: asPredictor(whole) });
      const dir = join(mkdtempSync(join(tmpdir(), 'optimpact-rl-ckpt-')), 'checkpoint');
      const saved: number[] = [];
      const first = createModel(config, 5);
      await expect(
        finetune(first, env, task, d, cfg(rule), 7, undefined, {
          worldModel: asPredictor(first),
          checkpoint: {
            due: (round) => round >= 4,
            save: (c: FinetuneCheckpoint) => {
              saveFinetuneCheckpoint(dir, c, { run: 'test' });
              saved.push(c.round);
              if (c.round === 8) throw new Error('stopped');
            },
          },
        }),
      ).rejects.toThrow('stopped');
      // after evaluations only
      expect(saved).toEqual([4, 8]);
      expect(readdirSync(dir).sort()).toEqual(['arrays-8.bin', 'state.json']);
      const loaded = loadFinetuneCheckpoint(dir);
      if (loaded === undefined || 'why' in loaded) throw new Error(`no checkpoint: ${JSON.stringify(loaded)}`);
      expect(loaded.meta).toEqual({ run: 'test' });
      // a model of another seed: everything it needs comes from the checkpoint
      const second = createModel(config, 6);
      const rounds: number[] = [];
      const last: number[] = [];
      const resumed = await finetune(second, env, task, d, cfg(rule), 7, (p) => rounds.push(p.step), {
        worldModel: asPredictor(second),
        resume: loaded.checkpoint,
        checkpoint: { due: () => false, save: (c) => (saveFinetuneCheckpoint(dir, c, {}), last.push(c.round)) },
      });
      expect(rounds).toEqual([12]);
      expect(bits(second.flat).equals(bits(whole.flat))).toBe(true);
      expect(resumed).toEqual(straight);
      // after the last round a checkpoint is saved whatever `due` says; going on from it trains no more
      expect(last).toEqual([12]);
      const done = loadFinetuneCheckpoint(dir);
      if (done === undefined || 'why' in done) throw new Error('no final checkpoint');
      const third = createModel(config, 6);
      expect(
        await finetune(third, env, task, d, cfg(rule), 7, (p) => rounds.push(p.step), { worldModel: asPredictor(third), resume: done.checkpoint }),
      ).toEqual(straight);
      expect(rounds).toEqual([12]);
      expect(bits(third.flat).equals(bits(whole.flat))).toBe(true);
      for (const m of [whole, first, second, third]) m.dispose();
    },
    60_000,
  );

  it('refuses a checkpoint of another run, naming what differs, and names what is wrong with a damaged one', async () => {
    const task = env.tasks[0]!;
    const m = createModel(config, 5);
    const dir = join(mkdtempSync(join(tmpdir(), 'optimpact-rl-ckpt-')), 'checkpoint');
    await finetune(m, env, task, d, cfg('rloo'), 7, undefined, {
      checkpoint: { due: () => false, save: (c) => saveFinetuneCheckpoint(dir, c, {}) },
    });
    const ok = loadFinetuneCheckpoint(dir);
    if (ok === undefined || 'why' in ok) throw new Error('no checkpoint');
    const resume = { resume: ok.checkpoint };
    await expect(finetune(m, env, task, d, { ...cfg('rloo'), rounds: 20 }, 7, undefined, resume)).rejects.toThrow(
      new CheckpointMismatch('the checkpoint is of a run of 12 rounds at round 12; this run has 20 rounds'),
    );
    await expect(finetune(m, env, task, d, { ...cfg('rloo'), learningRate: 1e-3 }, 7, undefined, resume)).rejects.toThrow(
      'the checkpoint is of a run with learningRate 0.003; this run has 0.001',
    );
    await expect(finetune(m, env, task, d, cfg('rloo'), 8, undefined, resume)).rejects.toThrow('the checkpoint is of a run with seed 7; this run has 8');
    await expect(finetune(m, env, env.tasks[1]!, d, cfg('rloo'), 7, undefined, resume)).rejects.toThrow(
      `the checkpoint is of a run with good ${task.good.join(' ')}; this run has ${env.tasks[1]!.good.join(' ')}`,
    );
    const other = createModel({ ...config, dModel: 8 }, 5);
    await expect(finetune(other, env, task, d, cfg('rloo'), 7, undefined, resume)).rejects.toThrow(CheckpointMismatch);
    // a TrainableModel that cannot be checkpointed
    const bare = {
      vocabSize: m.vocabSize,
      contextLength: m.contextLength,
      params: m.params,
      logits: m.logits.bind(m),
      step: m.step.bind(m),
      dispose: () => {},
    };
    await expect(finetune(bare, env, task, d, cfg('rloo'), 7, undefined, resume)).rejects.toThrow(
      'checkpoints need a model with trainingState and restoreTrainingState',
    );
    expect(loadFinetuneCheckpoint(join(dir, 'none'))).toBeUndefined();
    const bin = join(dir, 'arrays-12.bin'),
      bytes = readFileSync(bin);
    bytes[10] = bytes[10]! ^ 1;
    writeFileSync(bin, bytes);
    expect(loadFinetuneCheckpoint(dir)).toEqual({ why: 'its arrays-12.bin does not match the checksum in state.json' });
    const state = readFileSync(join(dir, 'state.json'), 'utf8');
    writeFileSync(join(dir, 'state.json'), state.replace('"round":12,', '"round":11,'));
    expect(loadFinetuneCheckpoint(dir)).toEqual({ why: 'its state.json does not match its checksum' });
    for (const x of [m, other]) x.dispose();
  }, 60_000);
});
