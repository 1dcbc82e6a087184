#!/usr/bin/env node
// `pnpm optimpact …`: builds what the CLI needs (turbo, cached; its output is shown only if the build
// fails, so that stdout carries only the command's own output), then runs it.
import './require-node.mjs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

process.env.TURBO_TELEMETRY_DISABLED ??= '1';

const build = spawnSync('turbo', ['run', 'build', '--filter=@optimpact/cli...', '--output-logs=errors-only'], { encoding: 'utf8' });
if (build.status !== 0) {
  process.stderr.write(`${build.stdout ?? ''}${build.stderr ?? ''}${build.error ? String(build.error) : ''}\nbuild failed\n`);
  process.exit(build.status ?? 1);
}
const run = spawnSync(process.execPath, [fileURLToPath(new URL('../apps/cli/dist/main.js', import.meta.url)), ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(run.status ?? 1);
