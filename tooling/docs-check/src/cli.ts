/**
 * The commands and flags a text names, checked against the CLI's own help output (not its source), so
 * the check holds whatever parses the command line.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A command line the docs show: `optimpact <command> …` and the flags on it. */
export interface NamedCommand {
  readonly command: string;
  readonly flags: readonly string[];
  readonly line: number;
}

const FLAG = /(?<![\w-])--[a-z][a-z0-9-]*/g;

/** The flags (`--name`) in `text`. */
export function flagsIn(text: string): string[] {
  return [...text.matchAll(FLAG)].map((m) => m[0]);
}

/** Every `optimpact <command> …` in `text` (code, one per line), with the flags that follow it on its line. */
export function namedCommands(text: string, line = 1): NamedCommand[] {
  return text.split('\n').flatMap((l, i) =>
    [...l.matchAll(/(?<![\w/@-])optimpact\s+([a-z][a-z-]*)([^\n]*)/g)].map((m) => ({
      command: m[1]!,
      flags: flagsIn(m[2]!.split(/\s#\s/)[0]!),
      line: line + i,
    })),
  );
}

/** Whether `help` names `flag` as a whole word. */
export function helpHasFlag(help: string, flag: string): boolean {
  return new RegExp(`(?<![\\w-])${flag}(?![\\w-])`).test(help);
}

/** The repository root: the nearest directory up from `from` holding pnpm-workspace.yaml. */
export function repoRoot(from: string = process.cwd()): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no pnpm-workspace.yaml above ${from}`);
  }
}

/** Runs the built CLI (apps/cli's `bin`) with `args`: its exit status and everything it printed. */
export function runCli(root: string, args: readonly string[]): { status: number | null; text: string } {
  const pkg = JSON.parse(readFileSync(join(root, 'apps/cli/package.json'), 'utf8')) as { bin: Record<string, string> };
  const main = join(root, 'apps/cli', pkg.bin['optimpact']!);
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, text: `${r.stdout}${r.stderr}` };
}
