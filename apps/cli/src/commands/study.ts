/** `optimpact study`: the flags of `@optimpact/study`'s `runStudy`, and its tables printed at the end. */
import { oneOf } from '@optimpact/core';
import { BACKENDS, CHECKPOINT_SECONDS, PRESETS } from '@optimpact/study/flags';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { join } from 'node:path';
import { intString, nonEmpty, runFailed, usageError, writablePath } from '../args.js';
import { command } from '../program.js';

export const SET_ABOUT = 'override one setting, e.g. seeds=[1,2] or rl.exact.rounds={"xs":40} (value as JSON, else a string); repeatable';
export const ENV_ABOUT = 'environment package, or a path to its module: short for --set environment.package=…';
/** `--env` and `--set` of the commands that read a saved model's environment from its unit's record (`flag` names the model). */
export const unitEnvFlags = (flag: string) =>
  ({
    env: {
      value: '<package>',
      about: `environment package, or a path to its module (default: the one in the record of ${flag}'s unit directory, else @optimpact/sequence-env)`,
    },
    set: {
      value: '<path=value>',
      about: `the environment's settings as in a study config: environment.package, environment.options (or one of them, environment.options.noise=0.1), goodSets (value as JSON, else a string; default: those in the record of ${flag}'s unit directory); repeatable`,
      repeat: true,
    },
  }) as const;

export const study = command({
  name: 'study',
  summary: 'the whole study: pretrain, fine-tune, measure, report',
  description: `The whole study for a grid of sizes × seeds: pretrain → fine-tune on each task with each RL rule → score on every task → measure → summary.json and report.html. Resumable: finished units (whole, checksummed records) are skipped, anything partial is redone. Shards (--shard i/n) split it across machines; optimpact report merges them.`,
  props: {
    preset: oneOf(PRESETS),
    config: nonEmpty('a config file'),
    set: t.array(t.string),
    out: nonEmpty('a directory'),
    backend: oneOf(BACKENDS),
    jobs: intString(1, 64),
    shard: t.string,
    env: nonEmpty('an environment package or module path'),
    'checkpoint-every': intString(0, 86_400),
  },
  required: [],
  flags: {
    preset: { value: '<name>', about: `settings from experiments/: ${PRESETS.join(', ')} (default quick)` },
    config: { value: '<file>', about: 'settings from a JSON file of the same form as a preset, instead of --preset' },
    set: { value: '<path=value>', about: SET_ABOUT, repeat: true },
    env: { value: '<package>', about: ENV_ABOUT },
    out: { value: '<dir>', about: 'the output directory (default runs/<preset>); a study resumes there' },
    backend: { value: '<name>', about: `TF.js backend: ${BACKENDS.join(', ')} (default: node if installed, else wasm, else cpu)` },
    jobs: { value: '<k>', about: 'units run at once, each in its own worker thread (default: 2, or 1 on one core)' },
    shard: { value: '<i/n>', about: 'run only shard i of n (whole size × seed chains; the baselines in shard 1)' },
    'checkpoint-every': {
      value: '<seconds>',
      about: `save a pretraining or fine-tuning where it stands this often, so a stopped study goes on from there (default ${CHECKPOINT_SECONDS}; 0: never)`,
    },
  },
  run: async (o) => {
    const { parseShard, resolveConfig, runStudy, seedTable, summaryTable } = await import('@optimpact/study');
    if (o.preset !== undefined && o.config !== undefined) return E.left(usageError(`--preset ${o.preset} and --config ${o.config}: give one of them`));
    const resolved = resolveConfig(o);
    if (E.isLeft(resolved)) return resolved;
    const { config, preset, source } = resolved.right;
    const shardE = o.shard === undefined ? E.right(undefined) : parseShard(o.shard, config);
    if (E.isLeft(shardE)) return shardE;
    const shard = shardE.right;
    const out = writablePath('--out', o.out ?? join('runs', preset), 'dir');
    if (E.isLeft(out)) return out;
    const r = await runStudy({
      config,
      preset,
      source,
      out: out.right,
      ...(o.backend ? { backend: o.backend } : {}),
      ...(o.jobs ? { jobs: o.jobs } : {}),
      ...(shard ? { shard } : {}),
      ...(o.env ? { env: o.env } : {}),
      ...(o['checkpoint-every'] !== undefined ? { checkpointSeconds: o['checkpoint-every'] } : {}),
    });
    if (E.isLeft(r)) return r;
    const { records, failed, summary, report, writeError } = r.right;
    process.stdout.write(`\n${summaryTable(records)}\n`);
    const bySeed = seedTable(records);
    if (bySeed !== undefined) process.stdout.write(`\n${bySeed}\n`);
    // Each failed unit on its own line, then the one line that fails the run (exit 1).
    for (const f of failed) process.stderr.write(`FAILED ${f.id}: ${f.reason}\n`);
    if (writeError !== undefined)
      return E.left(runFailed(failed.length > 0 ? `${failed.length} unit(s) failed or were skipped, and ${writeError}` : writeError));
    if (failed.length > 0) return E.left(runFailed(`${failed.length} unit(s) failed or were skipped (run again to retry them)`));
    process.stdout.write(
      summary !== undefined
        ? `\nsummary: ${summary}\nreport:  ${report}\n`
        : `\nshard ${o.shard} finished; merge the shards with: optimpact report --runs DIR…\n`,
    );
    return E.right(undefined);
  },
});
