/**
 * RL fine-tuning on a real (tiny) transformer. The additive environment is used because its rule reads
 * three recent tokens, so a short budget can show learning; the sequence environment (docs/method.md#the-sequence-environment) needs a pretrained
 * model (that is the study's end-to-end run).
 */
import type { Environment, Task } from '@optimpact/core';
import { actionWindowPool, deriveSeed, generateSequences, makeRng, modelPolicy, sliceWindows, windowsWhere } from '@optimpact/core';
import { createEnvironment } from '@optimpact/additive-env';
import { lawPredictor } from '@optimpact/self-eval';
import { futureLaw, massOn, measurePolicy, successRates } from '@optimpact/split-history';
import { asPredictor, createModel, loadModel, saveModel, setBackend } from '@optimpact/transformer';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RLConfig, RLData } from './index.js';
import { exactCoefficients, finetune, greedySuccess, nextTokenLoss, predictedSuccessRates, rlooCoefficients, sampledSuccessRates } from './index.js';

const env: Environment = createEnvironment();
const config = { vocabSize: env.vocabSize, contextLength: env.contextLength, dModel: 24, nLayers: 1, nHeads: 2, mlpRatio: 4, dropout: 0.1 };

function data(): RLData {
  const train = generateSequences(env, 100, 200, 1),
    test = generateSequences(env, 10, 200, 2);
  const nonAction = (t: number) => !env.isActionPosition(t);
  return {
    train: windowsWhere(env, train, (t) => env.isActionPosition(t)).windows,
    eval: actionWindowPool(env, 1000, 3),
    maintenance: windowsWhere(env, train, nonAction),
    maintenanceEval: windowsWhere(env, test, nonAction),
  };
}

function bestConstant(task: Task, d: RLData): number {
  const A = env.actions.length;
  return Math.max(
    ...env.actions.map((_, a) => {
      const pi = new Float64Array(d.eval.n * A);
      for (let k = 0; k < d.eval.n; k++) pi[k * A + a] = 1;
      return massOn(env, futureLaw(env, d.eval, pi), task.good);
    }),
  );
}

// A short budget: 30 rounds of 128 contexts, two updates each for the rules that are not the original's.
// The original's own settings for its rule (T = 1, one update, light maintenance); T = 4 and two
// maintenance steps for the others, as the presets in experiments/ give them.
const quick = (rule: RLConfig['rule']): RLConfig => ({
  rule,
  rounds: 30,
  batchSize: 128,
  learningRate: 3e-3,
  evalEvery: 10,
  epsilon: 0,
  maintenanceBatchSize: 64,
  ...(rule === 'positive'
    ? { updatesPerRound: 1, temperature: 1, maintenanceSteps: 1, maintenanceLearningRate: 1e-4 }
    : { updatesPerRound: 2, temperature: 4, maintenanceSteps: 2, maintenanceLearningRate: 3e-4 }),
});

beforeAll(async () => {
  await setBackend('wasm');
});

describe('finetune', () => {
  const d = data();

  it('with the default (exact) rule beats the best constant action clearly on every task', async () => {
    for (const task of env.tasks) {
      const model = createModel(config, deriveSeed(5, task.nGood));
      const before = await greedySuccess(model, env, task, d.eval);
      const r = await finetune(model, env, task, d, quick('exact'), 11);
      const floor = bestConstant(task, d);
      expect(r.finalSuccess).toBeGreaterThan(floor + 0.1);
      expect(r.finalSuccess).toBeGreaterThan(before);
      expect(r.curve.map((p) => p.step)).toEqual([0, 10, 20, 30]);
      model.dispose();
    }
  }, 120_000);

  it.each(['reinforce', 'exact', 'rloo', 'all-actions', 'model'] as const)(
    'is deterministic under a seed (%s)',
    async (rule) => {
      const run = async () => {
        const model = createModel(config, 3);
        const r = await finetune(model, env, env.tasks[1]!, d, { ...quick(rule), samples: 4, rounds: 5, evalEvery: 5 }, 4, undefined, {
          worldModel: asPredictor(model),
        });
        model.dispose();
        return r.curve;
      };
      const [a, b] = [await run(), await run()];
      expect(b).toEqual(a);
      expect(a.at(-1)!['success']).not.toEqual(a[0]!['success']);
    },
    60_000,
  );

  it('counts the environment samples of the rules that draw outcomes: K per context for rloo, M per action for all-actions, none for exact and model', async () => {
    for (const [rule, perRound] of [
      ['rloo', 128 * 3],
      ['all-actions', 128 * env.actions.length * 3],
      ['reinforce', 128],
      ['exact', 0],
      ['model', 0],
    ] as const) {
      const model = createModel(config, 3);
      const r = await finetune(model, env, env.tasks[0]!, d, { ...quick(rule), samples: 3, rounds: 4, evalEvery: 2 }, 4, undefined, {
        worldModel: asPredictor(model),
      });
      expect(r.curve.map((p) => p['envSamples'])).toEqual([0, 2 * perRound, 2 * perRound]);
      expect(r.envSamples).toBe(4 * perRound);
      model.dispose();
    }
  }, 60_000);

  it('trains the original positive-only rule on successes only, and counts them', async () => {
    const model = createModel(config, 8);
    const r = await finetune(model, env, env.tasks[0]!, d, { ...quick('positive'), rounds: 10, evalEvery: 5 }, 2);
    const positives = r.curve.slice(1).map((p) => p['positives']!);
    // about f·(batch·rounds) positives: each round of 128 contexts succeeds about 1/6 of the time
    const total = positives.reduce((a, x) => a + x, 0);
    expect(total).toBeGreaterThan((0.5 * (10 * 128)) / 6);
    expect(total).toBeLessThan(10 * 128);
    model.dispose();
  }, 60_000);

  it('keeps the maintenance (non-action) loss within 0.15 nats, where RL alone lets it drift', async () => {
    // pretrain briefly on non-action targets so there is a prediction to keep
    const pretrained = createModel(config, 21);
    const { windows, targets } = d.maintenance;
    for (let i = 0; i < 60; i++) {
      const coef = new Float32Array(256 * env.vocabSize);
      const w = { tokens: new Int32Array(256 * windows.length), positions: new Int32Array(256), n: 256, length: windows.length };
      for (let k = 0; k < 256; k++) {
        const j = (i * 256 + k) % windows.n;
        w.tokens.set(windows.tokens.subarray(j * windows.length, (j + 1) * windows.length), k * windows.length);
        coef[k * env.vocabSize + targets[j]!] = 1;
      }
      await pretrained.step(w, coef, { slot: 'pre', learningRate: 3e-3 });
    }
    const start = await nextTokenLoss(pretrained, d.maintenanceEval.windows, d.maintenanceEval.targets);
    const drift = async (maintenanceSteps: number): Promise<number> => {
      const model = createModel(config, 21);
      model.flat.set(pretrained.flat);
      model.syncParams();
      const r = await finetune(model, env, env.tasks[2]!, d, { ...quick('exact'), learningRate: 1e-3, maintenanceSteps, maintenanceLearningRate: 1e-3 }, 9);
      model.dispose();
      return Math.max(...r.curve.map((p) => p['maintenanceLoss']!)) - start;
    };
    const [alone, maintained] = [await drift(0), await drift(2)];
    expect(start).toBeLessThan(1.6);
    expect(maintained).toBeLessThan(0.15);
    expect(maintained).toBeLessThan(alone);
    pretrained.dispose();
  }, 120_000);

  it('gives the same measurements after the fine-tuned model is saved and reloaded', async () => {
    const model = createModel(config, 31);
    await finetune(model, env, env.tasks[1]!, d, { ...quick('exact'), rounds: 5, evalEvery: 5 }, 3);
    const dir = join(mkdtempSync(join(tmpdir(), 'optimpact-rl-')), 'model');
    await saveModel(model, dir);
    const reloaded = await loadModel(dir);
    const measure = (m: typeof model) => measurePolicy(env, modelPolicy(m, env, 0), d.eval, env.tasks, { contexts: 200, repeats: 3, seed: 5 });
    const [a, b] = [await measure(model), await measure(reloaded)];
    expect(b.op).toEqual(a.op);
    expect(b.imp).toEqual(a.imp);
    expect(b.tasks.map((t) => t.s)).toEqual(a.tasks.map((t) => t.s));
    expect(b.samples[0]!.actions).toEqual(a.samples[0]!.actions);
    model.dispose();
    reloaded.dispose();
  }, 60_000);
});

describe('the rules that need no outcome law', () => {
  // A few contexts and logits of an untrained model: the exact rule's coefficients are the truth here.
  const windows = sliceWindows(actionWindowPool(env, 6, 17), 0, 6);
  const task = env.tasks[1]!,
    A = env.actions.length,
    T = 2;

  it("rloo is unbiased for the exact rule's coefficients (the gradient on the action logits), to within 4.5 s.e.", async () => {
    const model = createModel(config, 41);
    const logits = await model.logits(windows);
    const exact = exactCoefficients(successRates(env, task, windows), logits, env.vocabSize, env.actions, T);
    const draws = 4000,
      sum = new Float64Array(6 * A),
      sq = new Float64Array(6 * A),
      rng = makeRng(9);
    for (let k = 0; k < draws; k++) {
      const { coef, samples } = rlooCoefficients(env, task, windows, logits, env.vocabSize, T, 4, rng);
      expect(samples).toBe(6 * 4);
      coef.forEach((c, j) => {
        sum[j]! += c;
        sq[j]! += c * c;
      });
    }
    let z2 = 0;
    for (let j = 0; j < 6 * A; j++) {
      const mean = sum[j]! / draws,
        se = Math.sqrt((sq[j]! / draws - mean * mean) / draws);
      const z = (mean - exact[j]!) / Math.max(se, 1e-9);
      expect(Math.abs(z)).toBeLessThan(4.5);
      z2 += z * z;
    }
    // and the spread is the s.e.'s, not a looser one: mean z² near 1
    expect(z2 / (6 * A)).toBeLessThan(2);
    // the exact coefficients are not trivially 0 here
    expect(Math.max(...exact.map(Math.abs))).toBeGreaterThan(0.02);
    model.dispose();
  }, 60_000);

  it.each([
    ['rloo', 4, 4],
    ['all-actions', 1, env.actions.length],
  ] as const)(
    '%s fine-tunes an environment that can only be sampled (its laws throw), draw for draw as on the full one, and counts its samples',
    async (rule, samples, perContext) => {
      let draws = 0;
      const sampledOnly: Environment = {
        ...env,
        nextTokenLaw: () => {
          throw new Error(`${rule} read the next-token law`);
        },
        outcomeLaw: () => {
          throw new Error(`${rule} read the outcome law`);
        },
        sampleNextToken: (w, t, rng) => {
          draws++;
          return env.sampleNextToken!(w, t, rng);
        },
      };
      const d = data(),
        cfg = { ...quick(rule), samples, rounds: 20 };
      const run = async (e: Environment) => {
        const model = createModel(config, 47);
        const r = await finetune(model, e, task, d, cfg, 6, undefined, { judge: env });
        model.dispose();
        return r;
      };
      const sampled = await run(sampledOnly);
      expect(draws).toBe(20 * 128 * perContext);
      expect(sampled.envSamples).toBe(draws);
      expect(sampled.finalSuccess).toBeGreaterThan(sampled.curve[0]!['success']! + 0.05);
      expect((await run(env)).curve).toEqual(sampled.curve);
      // scoring success is what needs a law: without a judge the evaluation reads it
      const unjudged = createModel(config, 47);
      await expect(finetune(unjudged, sampledOnly, task, d, { ...cfg, rounds: 1 }, 6)).rejects.toThrow(/outcome law/);
      unjudged.dispose();
    },
    120_000,
  );

  it("all-actions' success rates are unbiased for the exact ones (so are its coefficients, linear in them), to within 4.5 s.e.", () => {
    const R = successRates(env, task, windows);
    const draws = 3000,
      M = 2,
      sum = new Float64Array(6 * A),
      sq = new Float64Array(6 * A),
      rng = makeRng(10);
    for (let k = 0; k < draws; k++) {
      const { R: Rhat, samples, positives } = sampledSuccessRates(env, task, windows, M, rng);
      expect(samples).toBe(6 * A * M);
      expect(positives).toBe(Math.round(Rhat.reduce((x, r) => x + r * M, 0)));
      Rhat.forEach((r, j) => {
        sum[j]! += r;
        sq[j]! += r * r;
      });
    }
    let z2 = 0,
      informative = 0;
    for (let j = 0; j < 6 * A; j++) {
      const mean = sum[j]! / draws,
        se = Math.sqrt((sq[j]! / draws - mean * mean) / draws);
      // an action whose success is certain either way has no spread and must be drawn exactly
      if (se === 0) {
        expect(mean).toBe(R[j]!);
        continue;
      }
      const z = (mean - R[j]!) / se;
      expect(Math.abs(z)).toBeLessThan(4.5);
      z2 += z * z;
      informative++;
    }
    expect(informative).toBeGreaterThan(6);
    expect(z2 / informative).toBeLessThan(2);
  });

  it('all-actions with no sample per action is refused', () => {
    expect(() => sampledSuccessRates(env, task, windows, 0, makeRng(1))).toThrow(/at least 1/);
  });

  it('rloo with one sample per context is refused (it has no baseline)', () => {
    expect(() => rlooCoefficients(env, task, windows, new Float32Array(6 * env.vocabSize), env.vocabSize, 1, 1, makeRng(1))).toThrow(/at least 2/);
  });

  it("model with a world model equal to the exact law gives the exact rule's coefficients and run", async () => {
    const R = successRates(env, task, windows),
      Rhat = await predictedSuccessRates(lawPredictor(env), env, task, windows);
    Rhat.forEach((r, j) => expect(r).toBeCloseTo(R[j]!, 12));
    const model = createModel(config, 43);
    const logits = await model.logits(windows);
    const a = exactCoefficients(R, logits, env.vocabSize, env.actions, T),
      b = exactCoefficients(Rhat, logits, env.vocabSize, env.actions, T);
    b.forEach((c, j) => expect(c).toBeCloseTo(a[j]!, 6));
    model.dispose();
    const run = async (rule: 'exact' | 'model') => {
      const m = createModel(config, 44);
      const r = await finetune(m, env, task, data(), { ...quick(rule), rounds: 4, evalEvery: 2 }, 5, undefined, { worldModel: lawPredictor(env) });
      m.dispose();
      return r.curve;
    };
    const [exact, model_] = [await run('exact'), await run('model')];
    exact.forEach((p, i) => {
      expect(model_[i]!['success']).toBeCloseTo(p['success']!, 6);
      expect(model_[i]!['maintenanceLoss']).toBeCloseTo(p['maintenanceLoss']!, 6);
    });
    expect(exact.at(-1)!['success']).not.toEqual(exact[0]!['success']);
  }, 60_000);

  it('model needs a world model', async () => {
    const m = createModel(config, 45);
    await expect(finetune(m, env, task, data(), quick('model'), 1)).rejects.toThrow(/world model/);
    m.dispose();
  });
});
