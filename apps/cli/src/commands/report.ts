/**
 * `optimpact report --runs DIR… --out FILE`: the static HTML report rebuilt from run records alone
 * (several directories: the shards of one study). The study calls the same code at its end.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { nonEmpty, usageError, writablePath } from '../args.js';
import { command } from '../program.js';

const isDir = (p: string): boolean => {
  try {
    return statSync(p, { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    return false; // cannot be looked at (permission, a symlink loop): not a directory we can read
  }
};

export const report = command({
  name: 'report',
  summary: "a study's HTML report, rebuilt from its records alone",
  description: 'The static HTML report of a study, rebuilt from the run records under its output directories (several: the shards of one study).',
  props: { runs: t.array(nonEmpty('a directory')), out: nonEmpty('a file') },
  required: ['runs', 'out'],
  flags: {
    runs: { value: '<dir...>', about: "study output directories (a study's --out; several for its shards)" },
    out: { value: '<file>', about: 'the HTML file to write (replaced if it exists)' },
  },
  run: async (o) => {
    const runs = o.runs.map((r) => resolve(r));
    const bad = o.runs.find((r, i) => !isDir(runs[i]!) || runs.indexOf(runs[i]!) !== i);
    if (bad !== undefined) return E.left(usageError(`--runs: "${bad}" is ${isDir(resolve(bad)) ? 'given twice' : 'not a directory'}`));
    const out = writablePath('--out', o.out, 'file');
    if (E.isLeft(out)) return out;
    const written = await (await import('@optimpact/study')).writeStudyReport(runs, out.right);
    if (E.isLeft(written)) return written;
    process.stdout.write(`report: ${written.right}\n`);
    return E.right(undefined);
  },
});
