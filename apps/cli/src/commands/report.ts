/**
 * `optimpact report --runs DIR… --out FILE`: the static HTML report rebuilt from run records alone
 * (several directories: the shards of one study). The study calls the same code at its end.
 */
import { writeStudyReport } from '@optimpact/study';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { resolve } from 'node:path';
import type { UsageError } from '../args.js';
import { decodeFlags, parseFlags } from '../args.js';

const props = { runs: t.array(t.string), out: t.string };

export const reportUsage = 'optimpact report --runs DIR [--runs DIR …] --out FILE';

/** True when the nearest flag before position i is --runs. */
function runsFlagBefore(argv: readonly string[], i: number): boolean {
  for (let j = i - 1; j >= 0; j--) if (argv[j]!.startsWith('--')) return argv[j] === '--runs';
  return false;
}

/** Runs `report`. */
export async function report(argv: readonly string[]): Promise<E.Either<UsageError, void>> {
  // --runs takes several directories: `--runs a b c` as well as `--runs a --runs b`
  const normalized = argv.flatMap((arg, i) => (i > 0 && !arg.startsWith('--') && !argv[i - 1]!.startsWith('--') && runsFlagBefore(argv, i) ? ['--runs', arg] : [arg]));
  const flags = parseFlags(normalized, [], ['runs']);
  if (E.isLeft(flags)) return flags;
  const d = decodeFlags(flags.right, props, t.type(props));
  if (E.isLeft(d)) return d;
  const written = await writeStudyReport(d.right.runs.map((r) => resolve(r)), resolve(d.right.out));
  if (E.isLeft(written)) return written;
  process.stdout.write(`report: ${written.right}\n`);
  return E.right(undefined);
}
