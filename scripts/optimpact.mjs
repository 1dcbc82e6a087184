#!/usr/bin/env node
// `pnpm optimpact …`: builds what the CLI needs (turbo, cached; its output goes to stderr so that
// stdout carries only the command's own output), then runs it.
import { spawnSync } from 'node:child_process';

const build = spawnSync('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=@optimpact/cli...', '--output-logs=errors-only'], {
  stdio: ['ignore', process.stderr, process.stderr],
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
});
if (build.status !== 0) process.exit(build.status ?? 1);
const run = spawnSync(process.execPath, ['apps/cli/dist/main.js', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(run.status ?? 1);
