/** The arguments of `optimpact-report`. */
import * as E from 'fp-ts/lib/Either.js';

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
