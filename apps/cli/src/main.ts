#!/usr/bin/env node
/** The optimpact command line. Usage errors print one line and exit with code 2. */
import * as E from 'fp-ts/lib/Either.js';
import type { UsageError } from './args.js';
import { differential, differentialUsage } from './commands/differential.js';
import { measure, measureUsage } from './commands/measure.js';
import { report, reportUsage } from './commands/report.js';
import { study, studyUsage } from './commands/study.js';
import { testbed, testbedUsage } from './commands/testbed.js';
import { finetuneCommand, finetuneUsage, pretrainCommand, pretrainUsage } from './commands/train.js';

const commands: Record<string, { run: (argv: readonly string[]) => Promise<E.Either<UsageError, void>>; usage: string }> = {
  measure: { run: measure, usage: measureUsage },
  study: { run: study, usage: studyUsage },
  pretrain: { run: pretrainCommand, usage: pretrainUsage },
  finetune: { run: finetuneCommand, usage: finetuneUsage },
  report: { run: report, usage: reportUsage },
  differential: { run: differential, usage: differentialUsage },
  testbed: { run: testbed, usage: testbedUsage },
};

const usage = `usage:\n${Object.values(commands).map((c) => `  ${c.usage}`).join('\n')}`;

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === 'help') {
    process.stdout.write(`${usage}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`optimpact: unknown command "${name}" (commands: ${Object.keys(commands).join(', ')})\n`);
    return 2;
  }
  if (rest.includes('--help')) {
    process.stdout.write(`usage: ${command.usage}\n`);
    return 0;
  }
  const r = await command.run(rest);
  if (E.isLeft(r)) {
    process.stderr.write(`optimpact ${name}: ${r.left.message}\n`);
    return 2;
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    process.stderr.write(`optimpact: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
