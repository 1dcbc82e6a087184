/** The git commit of the checkout the code runs from, for provenance and `--version`. */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function git(...args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** The commit (null outside a checkout) and whether tracked files differ from it. */
export function gitState(): { commit: string | null; dirty: boolean } {
  return { commit: git('rev-parse', 'HEAD'), dirty: (git('status', '--porcelain', '--untracked-files=no') ?? '') !== '' };
}
