/** `optimpact study`: the flags of `@optimpact/study`'s `runStudy`, and its tables printed at the end. */
import { BACKENDS } from '@optimpact/transformer';
import { oneOf } from '@optimpact/core';
import { PRESETS, resolveConfig, runStudy, seedTable, summaryTable } from '@optimpact/study';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { join, resolve } from 'node:path';
import type { UsageError } from '../args.js';
import { decodeFlags, intString, parseFlags, usageError } from '../args.js';

const props = {
  preset: oneOf(PRESETS),
  config: t.string,
  out: t.string,
  backend: oneOf(BACKENDS),
  jobs: intString(1, 64),
  shard: t.string,
  set: t.array(t.string),
};
const Flags = t.partial(props);

export const studyUsage = `optimpact study [--preset ${PRESETS.join('|')}] [--config FILE] [--set path=value …] [--out DIR]
                  [--backend ${BACKENDS.join('|')}] [--jobs K] [--shard i/n]`;

function parseShard(s: string | undefined): E.Either<UsageError, { index: number; count: number } | undefined> {
  if (s === undefined) return E.right(undefined);
  const m = /^(\d+)\/(\d+)$/.exec(s);
  const index = Number(m?.[1]), count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) return E.left(usageError(`--shard: expected i/n with 1 ≤ i ≤ n, got "${s}"`));
  return E.right({ index, count });
}

/** Runs `study`. */
export async function study(argv: readonly string[]): Promise<E.Either<UsageError, void>> {
  const flags = parseFlags(argv, [], ['set']);
  if (E.isLeft(flags)) return flags;
  const decoded = decodeFlags(flags.right, props, Flags);
  if (E.isLeft(decoded)) return decoded;
  const o = decoded.right;
  const resolved = resolveConfig(o);
  if (E.isLeft(resolved)) return resolved;
  const { config, preset } = resolved.right;
  const shard = parseShard(o.shard);
  if (E.isLeft(shard)) return shard;
  const out = resolve(o.out ?? join('runs', preset));
  const r = await runStudy({ config, preset, out, ...(o.backend ? { backend: o.backend } : {}), ...(o.jobs ? { jobs: o.jobs } : {}), ...(shard.right ? { shard: shard.right } : {}) });
  if (E.isLeft(r)) return r;
  const { records, failed, summary, report } = r.right;
  process.stdout.write(`\n${summaryTable(records)}\n`);
  const bySeed = seedTable(records);
  if (bySeed !== undefined) process.stdout.write(`\n${bySeed}\n`);
  if (failed.length > 0) {
    process.stderr.write(`${failed.length} unit(s) failed or were skipped: ${failed.join(', ')} (their records hold the errors; run again to retry)\n`);
    process.exitCode = 1;
  } else if (summary !== undefined) {
    process.stdout.write(`\nsummary: ${summary}\nreport:  ${report}\n`);
  } else {
    process.stdout.write(`\nshard ${o.shard} finished; merge the shards with: optimpact report --runs DIR…\n`);
  }
  return E.right(undefined);
}
