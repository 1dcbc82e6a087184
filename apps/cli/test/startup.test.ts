/**
 * Listing names loads no TF.js: `--help`, `--version` and every command's help read their name lists
 * (rules, sizes, backends, policies, presets) from light modules. A resolve hook in the child reports
 * every `@tensorflow/*` module asked for; a command that does work is the control that the hook sees it.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const HOOK = `import { registerHooks } from 'node:module';
registerHooks({ resolve(s, c, next) { if (s.startsWith('@tensorflow/')) process.stderr.write('TFJS ' + s + '\\n'); return next(s, c); } });`;

/** The `@tensorflow/*` modules `optimpact ...args` asked for, and its exit code. */
function tfjsLoaded(...args: string[]): { modules: string[]; status: number | null } {
  const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(HOOK)}`, main, ...args], {
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });
  return { modules: r.stderr.split('\n').filter((l) => l.startsWith('TFJS ')), status: r.status };
}

describe('startup', () => {
  const lists = [
    ['--help'],
    ['--version'],
    ['help'],
    ...['measure', 'study', 'pretrain', 'finetune', 'report', 'differential', 'testbed'].map((c) => ['help', c]),
  ];
  it.each(lists.map((args) => [args.join(' '), args] as const))('optimpact %s loads no TF.js', (_name, args) => {
    expect(tfjsLoaded(...args)).toEqual({ modules: [], status: 0 });
  });

  it('a command that loads a model does load TF.js (the hook sees it)', () => {
    const r = tfjsLoaded('differential', '--model', 'no-such-dir', '--p', 'embed', '--a', 'lnf', '--f', 'logits');
    expect(r.status).toBe(2);
    expect(r.modules.length).toBeGreaterThan(0);
  });
});
