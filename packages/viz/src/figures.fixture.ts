/**
 * Fixed, seeded rows for the figure snapshot tests: 2 sizes × 2 seeds × 3 tasks with rule "exact", and
 * 2 sizes × 1 seed × 3 tasks with rule "positive". Not built into dist.
 */
import { klB } from '@optimpact/impact-theory';
import type { BaselineRow, CurveRow, DifferentialRow, Est, ModelRow, PretrainRow, TaskScoreRow } from './types.js';

/** A small linear congruential generator (deterministic across platforms). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const r6 = (x: number): number => Number(x.toFixed(6));

/**
 * The fixture rows, the same on every call: by default the sequence environment's tasks (n_good 2, 4, 6
 * of 8 outcomes, its nested good sets recorded); `tasks` and `outcomes` give another environment's (the
 * additive one: 1, 2, 3 of 6), `good` the good sets recorded (none: records from before they were).
 */
export function fixtureRows(
  env: { tasks: readonly number[]; outcomes: number; good?: Readonly<Record<number, readonly number[]>> } = {
    tasks: [2, 4, 6],
    outcomes: 8,
    good: { 2: [0, 1], 4: [0, 1, 2, 3], 6: [0, 1, 2, 3, 4, 5] },
  },
): { pretrain: PretrainRow[]; models: ModelRow[]; generator: BaselineRow; curves: CurveRow[] } {
  const { tasks, outcomes } = env;
  const best = new Map([
    [2, 0.26],
    [4, 0.52],
    [6, 0.77],
  ]);
  const rnd = lcg(42);
  const noise = (scale: number): number => r6((rnd() - 0.5) * 2 * scale);
  const est = (mean: number, se: number): Est => ({ mean: r6(mean), se: r6(se) });
  const sizes = [
    { size: 'xs', params: 18234, skill: 0.55 },
    { size: 's', params: 59786, skill: 0.75 },
  ];
  const pretrain: PretrainRow[] = [];
  const models: ModelRow[] = [];
  const curves: CurveRow[] = [];
  for (const { size, params, skill } of sizes) {
    for (const seed of [1, 2]) {
      const id = `${size}-s${seed}/pretrain`;
      pretrain.push({
        id,
        size,
        params,
        seed,
        testLoss: r6(0.38 - skill * 0.05 + noise(0.01)),
        randomContextLoss: r6(2.05 + noise(0.02)),
        unigramLoss: 2.0794,
        floorLoss: 0.122,
        lossPositions: 'all positions',
      });
      for (let i = 0; i < 6; i++) {
        const v = 0.35 + 1.7 * Math.exp(-i / 2);
        curves.push({ run: id, stage: 'pretrain', size, params, seed, task: null, rule: null, step: i * 500, metric: 'testLoss', value: r6(v + noise(0.01)) });
        curves.push({
          run: id,
          stage: 'pretrain',
          size,
          params,
          seed,
          task: null,
          rule: null,
          step: i * 500,
          metric: 'trainLoss',
          value: r6(v - 0.01 + noise(0.01)),
        });
      }
    }
  }
  for (const rule of ['exact', 'positive']) {
    for (const { size, params, skill } of sizes) {
      for (const seed of rule === 'exact' ? [1, 2] : [1]) {
        for (const task of tasks) {
          const a = rule === 'exact' ? skill * (0.9 + 0.1 * rnd()) : 0.05 + 0.05 * rnd();
          const scores: TaskScoreRow[] = tasks.map((k) => {
            const f = k / outcomes;
            const s = Math.min(0.99, a * (Math.min(task, k) / task) + (1 - a) * f + noise(0.005));
            const sp = f + noise(0.01);
            return {
              nGood: k,
              ...(env.good?.[k] ? { good: env.good[k] } : {}),
              chance: f,
              bestConstant: outcomes === 8 ? best.get(k)! : r6(f + 0.03),
              s: est(s, 0.007),
              sPrime: est(sp, 0.006),
              opPred: est(klB(s, f), 0.012),
              impMin: est(klB(s, sp), 0.01),
            };
          });
          const own = scores.find((x) => x.nGood === task)!;
          const op = (own.opPred.mean ?? 0) + noise(0.02);
          const imp = Math.max(op, own.impMin.mean ?? 0) + 0.03 + Math.abs(noise(0.02));
          const id = `${size}-s${seed}/finetune-n${task}-${rule}`;
          models.push({
            id,
            size,
            params,
            seed,
            task,
            rule,
            op: est(op, 0.015),
            imp: est(imp, 0.015),
            nullOp: est(noise(0.01), 0.01),
            nullImp: est(0.03 + noise(0.004), 0.004),
            scores,
            references: [
              { name: 'fixed(8)', op: est(op - 0.3, 0.02), imp: est(imp + 0.6, 0.03) },
              { name: 'uniform', op: est(op + noise(0.01), 0.015), imp: est(imp + 0.02, 0.015) },
              { name: 'pretrained', op: est(op - 0.04, 0.02), imp: est(imp - 0.02, 0.02) },
            ],
            self: { op: est(0.7 * op + 0.08, 0.02), imp: est(0.6 * imp + 0.1, 0.02) },
            outcomeFit: { generatorActions: r6(0.3 + 0.2 * op), allActions: r6(4.5 - op) }, // no draws: the other figures keep their data
            maintenanceLoss: r6(0.37 + noise(0.01)),
            oddPositionLoss: r6(2.3 + noise(0.1)),
          });
          for (let i = 0; i < 5; i++) {
            const frac = 1 - Math.exp(-i / 2);
            curves.push({
              run: id,
              stage: 'rl',
              size,
              params,
              seed,
              task,
              rule,
              step: i * 50,
              metric: 'success',
              value: r6(task / outcomes + ((own.s.mean ?? 0) - task / outcomes) * frac),
            });
            curves.push({ run: id, stage: 'rl', size, params, seed, task, rule, step: i * 50, metric: 'maintenanceLoss', value: r6(0.36 + 0.02 * frac) });
          }
        }
      }
    }
  }
  const generator: BaselineRow = { name: 'generator', op: est(0.031, 0.006), imp: est(0.058, 0.006), nullOp: est(0.001, 0.01), nullImp: est(0.03, 0.004) };
  return { pretrain, models, generator, curves };
}

/** Seeded differential-profile rows (figure 18) for the fixture models: two blocks, two branches, before and after RL. */
export function fixtureDifferential(models: readonly ModelRow[]): DifferentialRow[] {
  const rnd = lcg(7);
  const sites = ['blocks.0.attn.out', 'blocks.0.mlp.out', 'blocks.1.attn.out', 'blocks.1.mlp.out'];
  return models.flatMap((m) =>
    sites.flatMap((site, i) =>
      (['before RL', 'after RL'] as const).map((stage) => {
        const base = i % 2 === 1 ? -1 - 0.5 * rnd() : -0.1 * rnd();
        const shift = stage === 'after RL' ? 0.05 * m.task * rnd() : 0;
        return {
          id: m.id,
          rule: m.rule,
          task: m.task,
          size: m.size,
          params: m.params,
          seed: m.seed,
          site,
          stage,
          op: { mean: r6(base + shift), se: r6(0.05 + 0.05 * rnd()) },
          imp: { mean: r6(-base * 5 + shift), se: r6(0.2 + 0.2 * rnd()) },
          rankDeficient: 0,
        };
      }),
    ),
  );
}
