#!/usr/bin/env node
/**
 * The optimpact command line. Every error is one line, through `fail`: exit code 2 for a usage error
 * (before anything is written), 1 for a run that failed; 0 only on full success.
 */
import { CommanderError } from 'commander';
import * as E from 'fp-ts/lib/Either.js';
import { readFileSync } from 'node:fs';
import { gitState } from '@optimpact/study/flags';
import type { CliError } from './args.js';
import { differential } from './commands/differential.js';
import { measure } from './commands/measure.js';
import { report } from './commands/report.js';
import { study } from './commands/study.js';
import { testbed } from './commands/testbed.js';
import { finetune, pretrain } from './commands/train.js';
import { ParseError, program } from './program.js';

const COMMANDS = [measure, study, pretrain, finetune, report, differential, testbed];

function fail(code: 1 | 2, command: string | undefined, line: string): void {
  process.stderr.write(`optimpact${command === undefined ? '' : ` ${command}`}: ${line.trim().replace(/\s*\n\s*/g, ' ')}\n`);
  process.exitCode = code;
}

/** The package version, and the git commit when run from a checkout. */
function version(): string {
  const { version: v } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  const { commit, dirty } = gitState();
  return `optimpact ${v}${commit ? ` (commit ${commit.slice(0, 12)}${dirty ? ', with uncommitted changes' : ''})` : ''}`;
}

async function main(argv: readonly string[]): Promise<void> {
  const name = COMMANDS.find((c) => c.name === argv[0])?.name;
  const names = COMMANDS.map((c) => c.name).join(', ');
  if (argv.length === 0) return fail(2, undefined, `no command given (commands: ${names}; see optimpact --help)`);
  // before commander, which would answer `optimpact nonsense --help` with the program's help
  if (name === undefined && argv[0] !== 'help' && !argv[0]!.startsWith('-')) return fail(2, undefined, `unknown command "${argv[0]}" (commands: ${names})`);
  const outcome: { result?: E.Either<CliError, void> } = {};
  const v = argv.includes('--version') || argv.includes('-V') ? version() : '';
  try {
    await program(COMMANDS, v, outcome).parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError && e.exitCode === 0) return;
    if (e instanceof CommanderError || e instanceof ParseError) return fail(2, name, e.message.replace(/^error: /, ''));
    fail(1, name, e instanceof Error ? e.message : String(e));
    if (process.env['OPTIMPACT_DEBUG']) process.stderr.write(`${(e as Error).stack}\n`);
    return;
  }
  const r = outcome.result;
  if (r !== undefined && E.isLeft(r)) fail(r.left._tag === 'UsageError' ? 2 : 1, name, r.left.message);
}

void main(process.argv.slice(2));
