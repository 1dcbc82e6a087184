// The records of each study directory given to a docs-table script, read through @optimpact/records by the
// study's one validity rule: every run.json whole (its .sha256 present and matching), decoded, its model
// matching the checksum in it. Anything else is refused with one line naming the file (exit 1); no
// directory given is a usage error (exit 2).
// Also what those tables share: the sizes in order, and two number formats.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** core's `estimate` (mean and standard error), loaded by `loadStudies` once the packages are built. */
let estimate;

/** `{ out, summaries, pretrain, finetune, baselines }` per directory, successful records only, sorted by id; `packages` (and what they import) are built first. */
export async function loadStudies(usage, dirs, packages = ['@optimpact/records']) {
  if (dirs.length === 0) {
    console.error(`usage: ${usage}`);
    process.exit(2);
  }
  // Built first (turbo, cached), as `pnpm optimpact` does, so that the reader is the current one.
  const turbo = fileURLToPath(new URL('../node_modules/.bin/turbo', import.meta.url));
  const build = spawnSync(turbo, ['run', 'build', ...packages.map((p) => `--filter=${p}...`), '--output-logs=errors-only'], {
    encoding: 'utf8',
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
  });
  if (build.status !== 0) {
    console.error(`${build.stdout ?? ''}${build.stderr ?? ''}${build.error ? String(build.error) : ''}\nbuild failed`);
    process.exit(1);
  }
  const { loadRecords, formatRecordsError } = await import('../packages/records/dist/index.js');
  ({ estimate } = await import('../packages/core/dist/index.js'));
  return dirs.map((out) => {
    const r = loadRecords([out]);
    if (r._tag === 'Left') fail(formatRecordsError(r.left));
    // A record without its checksum is unfinished for the study; a table without it would be silently short.
    if (r.right.unfinished.length > 0) fail(`${r.right.unfinished[0]} has no .sha256 (its write did not finish): finish or rerun the study first`);
    const ok = (x) => x.status === 'success';
    return {
      out,
      summaries: r.right.summaries,
      pretrain: r.right.pretrain.filter(ok),
      finetune: r.right.finetune.filter(ok),
      baselines: r.right.baselines.filter(ok),
    };
  });
}

/** The sizes the records (or summary models) name, fewest parameters first; records come sorted by id, l before m. */
export const sizesOf = (records) => [...new Map([...records].sort((a, b) => a.params - b.params).map((r) => [r.size, r])).keys()];

/** A number to 3 decimals, or — when there is none. */
export const fmt = (x) => (Number.isFinite(x) ? x.toFixed(3) : '—');

/** `mean ± s.e.` over the finite values given (one s.e. of the mean over them); after `loadStudies`. */
export function est(xs) {
  const v = xs.filter(Number.isFinite);
  if (v.length === 0) return '—';
  const e = estimate(v);
  return v.length < 2 ? `${fmt(e.mean)} (n=1)` : `${fmt(e.mean)} ± ${fmt(e.se)}`;
}

function fail(line) {
  console.error(line);
  process.exit(1);
}
