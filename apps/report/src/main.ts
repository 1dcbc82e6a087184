#!/usr/bin/env node
/** `optimpact-report --runs DIR… --out FILE`: the report of one study (several directories: its shards). */
import * as E from 'fp-ts/lib/Either.js';
import { formatReportError } from './load.js';
import { writeReport } from './write.js';

/** Parses `--runs DIR… --out FILE`; a message naming the bad flag on error. */
export function parseArgs(argv: readonly string[]): E.Either<string, { runs: string[]; out: string }> {
  const runs: string[] = [];
  let out: string | undefined;
  let mode: 'runs' | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--runs') mode = 'runs';
    else if (a === '--out') {
      const v = argv[++i];
      if (v === undefined) return E.left('--out needs a file');
      out = v;
      mode = null;
    } else if (a.startsWith('--')) return E.left(`unknown flag ${a}`);
    else if (mode === 'runs') runs.push(a);
    else return E.left(`unexpected argument ${a} (directories follow --runs)`);
  }
  if (runs.length === 0) return E.left('--runs needs at least one directory');
  if (out === undefined) return E.left('--out FILE is required');
  return E.right({ runs, out });
}

const args = parseArgs(process.argv.slice(2));
if (E.isLeft(args)) {
  console.error(`optimpact-report: ${args.left}\nusage: optimpact-report --runs DIR… --out FILE`);
  process.exit(2);
}
const r = writeReport(args.right.runs, args.right.out);
if (E.isLeft(r)) {
  console.error(`optimpact-report: ${formatReportError(r.left)}`);
  process.exit(1);
}
console.log(`wrote ${r.right.file} (${r.right.records} records, ${r.right.bytes} bytes)`);
