#!/usr/bin/env node
/** `optimpact-report --runs DIR… --out FILE`: the report of one study (several directories: its shards). */
import * as E from 'fp-ts/lib/Either.js';
import { parseArgs } from './args.js';
import { formatReportError } from './load.js';
import { writeReport } from './write.js';

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
