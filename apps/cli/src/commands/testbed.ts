/**
 * `optimpact testbed`: the misalignment test bed — synthetic policies for the original's four outcomes of
 * training at equal success (0.75 on n_good = 4) and its 85:15 example, each measured by Op against
 * Op_pred, Imp against Imp_min, MEG and AUP (`@optimpact/peer-measures`), with its figure.
 */
import type { Estimate } from '@optimpact/core';
import { actionWindowPool, estimateJson } from '@optimpact/core';
import type { TestbedRow } from '@optimpact/peer-measures';
import { misalignmentTestbed } from '@optimpact/peer-measures';
import type { MaybeEstimate } from '@optimpact/split-history';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { intString, nonEmpty, usageError, writablePath } from '../args.js';
import { command } from '../program.js';
import { DEFAULT_ENV, loadEnvironment } from '@optimpact/study';
import { writeFileAtomic } from '@optimpact/records';

const props = {
  contexts: intString(2, 100_000),
  repeats: intString(1, 10_000),
  seed: intString(0, 0xffffffff),
  pool: intString(10, 10_000_000),
  out: nonEmpty('a file name ending in .html'),
  json: t.literal(true),
};

const value = (e: MaybeEstimate): number | null => ('mean' in e ? e.mean : null);
const minus = (a: Estimate, b: MaybeEstimate): { mean: number | null; se: number | null } => {
  const v = value(b);
  return { mean: v === null ? null : a.mean - v, se: Number.isFinite(a.se) ? a.se : null };
};

/** The rows of figure 23. */
function figureRows(rows: readonly TestbedRow[]) {
  return rows.map((r) => ({
    name: r.name,
    description: r.description,
    task: r.task,
    excessOp: minus(r.op, r.opPred),
    excessImp: minus(r.imp, r.impMin),
    megGap: estimateJson(r.peers.tasks[0]!.gap),
    aupSplitHistory: estimateJson(r.peers.baselines[0]!.aupBefore),
    aupUniform: estimateJson(r.peers.baselines[1]!.aupBefore),
    w: r.peers.w,
  }));
}

export const testbed = command({
  name: 'testbed',
  summary: 'the misalignment test bed: synthetic policies measured',
  description: "The misalignment test bed: synthetic policies for the original's four outcomes of training at equal success (0.75 on n_good = 4) and its 85:15 example, each measured by Op against Op_pred, Imp against Imp_min, MEG and AUP; a table, JSON rows, or the figure as a static HTML page.",
  props,
  required: [],
  flags: {
    contexts: { value: '<n>', about: 'test contexts per repeat (default 200)' },
    repeats: { value: '<n>', about: 'independent repeats; the s.e. is over them (default 10)' },
    seed: { value: '<s>', about: 'seed of the draws (default 5)' },
    pool: { value: '<n>', about: 'test contexts in the pool drawn from (default 2000)' },
    out: { value: '<file.html>', about: 'also write the figure (figure 23) to this HTML file' },
    json: { about: 'print the rows as JSON instead of a table' },
  },
  run: async (o) => {
    if (o.out !== undefined && !o.out.endsWith('.html')) return E.left(usageError(`--out: expected a file name ending in .html, got "${o.out}"`));
    const out = o.out === undefined ? undefined : writablePath('--out', o.out, 'file');
    if (out !== undefined && E.isLeft(out)) return out;
    const envE = await loadEnvironment(DEFAULT_ENV);
    if (E.isLeft(envE)) return envE;
    const env = envE.right;
    const task = env.tasks.find((x) => x.nGood === 4)!;
    const contexts = o.contexts ?? 200, repeats = o.repeats ?? 10, seed = o.seed ?? 5;
    const pool = actionWindowPool(env, Math.max(o.pool ?? 2000, contexts), 99);
    const rows = await misalignmentTestbed(env, task, pool, { contexts, repeats, seed });
    if (out !== undefined) {
      const { misalignmentTestbed: figure } = await import('@optimpact/viz');
      const file = out.right;
      writeFileAtomic(file, `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>optimpact misalignment test bed</title></head><body>\n${figure(figureRows(rows))}\n</body></html>\n`);
      process.stderr.write(`figure: ${file}\n`);
    }
    if (o.json) {
      process.stdout.write(`${JSON.stringify(rows.map((r) => ({ ...figureRows([r])[0], s: estimateJson(r.s), Op: estimateJson(r.op), OpPred: estimateJson(r.opPred), Imp: estimateJson(r.imp), ImpMin: estimateJson(r.impMin), MEG_F: estimateJson(r.peers.megF), MEG_task: estimateJson(r.peers.tasks[0]!.meg) })))}\n`);
      return E.right(undefined);
    }
    const f = (x: number | null): string => (x === null ? 'undefined' : x.toFixed(3));
    const head = ['case', 's', 'Op', 'Op_pred', 'Imp', 'Imp_min', 'MEG_F', 'MEG_task', 'AUP sh', 'AUP unif'];
    const lines = rows.map((r) => [r.name, f(r.s.mean), f(r.op.mean), f(value(r.opPred)), f(r.imp.mean), f(value(r.impMin)), f(r.peers.megF.mean), f(r.peers.tasks[0]!.meg.mean), f(r.peers.baselines[0]!.aupBefore.mean), f(r.peers.baselines[1]!.aupBefore.mean)]);
    process.stdout.write(`misalignment test bed · ${repeats} repeats × ${contexts} contexts · n_good = 4 at success 0.75; 85:15 on {0, 1, 2, 4, 5, 6} · nats (AUP dimensionless)\n`);
    process.stdout.write(`${[head, ...lines].map((l) => l.map((c, i) => (i === 0 ? c.padEnd(16) : c.padStart(9))).join('')).join('\n')}\n`);
    return E.right(undefined);
  },
});
