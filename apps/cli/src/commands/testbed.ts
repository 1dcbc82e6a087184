/**
 * `optimpact testbed`: the misalignment test bed — synthetic policies for the original's four outcomes of
 * training at equal success (0.75 on n_good = 4) and its 85:15 example, each measured by Op against
 * Op_pred, Imp against Imp_min, MEG and AUP (`@optimpact/peer-measures`), with its figure.
 */
import { actionWindowPool } from '@optimpact/core';
import { misalignmentTestbed, testbedFigureRows, testbedJson, testbedTable } from '@optimpact/peer-measures';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { intString, nonEmpty, usageError, writablePath } from '../args.js';
import { command } from '../program.js';
import { DEFAULT_ENV } from '@optimpact/study/flags';
import { writeFileAtomic } from '@optimpact/records';

const props = {
  contexts: intString(2, 100_000),
  repeats: intString(1, 10_000),
  seed: intString(0, 0xffffffff),
  pool: intString(10, 10_000_000),
  out: nonEmpty('a file name ending in .html'),
  json: t.literal(true),
};

export const testbed = command({
  name: 'testbed',
  summary: 'the misalignment test bed: synthetic policies measured',
  description:
    "The misalignment test bed: synthetic policies for the original's four outcomes of training at equal success (0.75 on n_good = 4) and its 85:15 example, each measured by Op against Op_pred, Imp against Imp_min, MEG and AUP; a table, JSON rows, or the figure as a static HTML page.",
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
    const envE = await (await import('@optimpact/study')).loadEnvironment(DEFAULT_ENV);
    if (E.isLeft(envE)) return envE;
    const env = envE.right;
    const task = env.tasks.find((x) => x.nGood === 4)!;
    const contexts = o.contexts ?? 200,
      repeats = o.repeats ?? 10,
      seed = o.seed ?? 5;
    const pool = actionWindowPool(env, Math.max(o.pool ?? 2000, contexts), 99);
    const rows = await misalignmentTestbed(env, task, pool, { contexts, repeats, seed });
    if (out !== undefined) {
      const { misalignmentTestbed: figure } = await import('@optimpact/viz');
      const file = out.right;
      writeFileAtomic(
        file,
        `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>optimpact misalignment test bed</title></head><body>\n${figure(testbedFigureRows(rows))}\n</body></html>\n`,
      );
      process.stderr.write(`figure: ${file}\n`);
    }
    process.stdout.write(`${o.json ? JSON.stringify(testbedJson(rows)) : testbedTable(rows, repeats, contexts)}\n`);
    return E.right(undefined);
  },
});
