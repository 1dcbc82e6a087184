#!/usr/bin/env node
// `pnpm optimpact …`: builds what the CLI needs (turbo, cached; its output is shown only if the build
// fails, so that stdout carries only the command's own output), then runs it. OPTIMPACT_SKIP_BUILD=1 skips
// the build: even a cached one rewrites every dist/ file, under the feet of tests running beside it.
import './require-node.mjs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

process.env.TURBO_TELEMETRY_DISABLED ??= '1';

const root = fileURLToPath(new URL('..', import.meta.url));
// pnpm runs a script at the workspace root and puts the directory the user typed the command in into
// INIT_CWD: the CLI runs there, so that relative paths (--config, --env, --out, --policy …) are the user's.
// Only when pnpm started this script itself: an INIT_CWD inherited from another script (a test) is stale.
const fromPnpm = ['optimpact', 'start'].includes(process.env.npm_lifecycle_event ?? '') && process.env.INIT_CWD;
const cwd = fromPnpm ? process.env.INIT_CWD : process.cwd();

const build =
  process.env.OPTIMPACT_SKIP_BUILD === '1'
    ? { status: 0 }
    : spawnSync('turbo', ['run', 'build', '--filter=@optimpact/cli...', '--output-logs=errors-only'], { cwd: root, encoding: 'utf8' });
if (build.status !== 0) {
  process.stderr.write(`${build.stdout ?? ''}${build.stderr ?? ''}${build.error ? String(build.error) : ''}\nbuild failed\n`);
  process.exit(build.status ?? 1);
}
const run = spawnSync(process.execPath, [fileURLToPath(new URL('../apps/cli/dist/main.js', import.meta.url)), ...process.argv.slice(2)], {
  cwd,
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
