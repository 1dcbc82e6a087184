import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flagsIn, helpHasFlag, namedCommands, repoRoot, runCli } from './cli.js';
import { brokenLinks, markdownFiles, parseMarkdown } from './markdown.js';

const root = repoRoot();
// The log records what was run at its commit: its commands may name flags the CLI has since dropped.
const LOG = 'docs/log';
// docs/api is TypeDoc's output (`pnpm run docs`, ignored by git).
const files = markdownFiles(root, ['docs/api']);
const current = files.filter((f) => !f.startsWith(`${LOG}/`));

describe('the markdown reader', () => {
  it('makes the anchors GitHub makes', () => {
    const d = parseMarkdown("# A\n## Points on y = x\n## At or above the generator's Op\n## `Op_pred` and s′\n## A\n");
    expect([...d.anchors]).toEqual(['a', 'points-on-y--x', 'at-or-above-the-generators-op', 'op_pred-and-s', 'a-1']);
  });

  it('finds links and images outside code, and code blocks and spans with their lines', () => {
    const d = parseMarkdown('see [m](docs/method.md#theory) and ![f](x.png)\n\n```sh\n[not](a.md)\n```\n`optimpact measure --json`\n');
    expect(d.links).toEqual([
      { href: 'docs/method.md#theory', line: 1 },
      { href: 'x.png', line: 1 },
    ]);
    expect(d.blocks).toEqual([{ info: 'sh', content: '[not](a.md)\n', line: 3 }]);
    expect(d.spans).toEqual([{ content: 'optimpact measure --json', line: 6 }]);
  });

  it('reports a missing file, a missing anchor and an absolute path, and passes good links', () => {
    const dir = mkdtempSync(join(tmpdir(), 'docs-check-'));
    writeFileSync(join(dir, 'b.md'), '# Only heading\n');
    writeFileSync(join(dir, 'a.md'), '[ok](b.md#only-heading) [self](#top) [gone](c.md) [bad](b.md#nope) [abs](/b.md) [web](https://x.org/#y)\n# Top\n');
    expect(brokenLinks(dir, 'a.md')).toEqual([
      'a.md:1: c.md — no such file',
      'a.md:1: b.md#nope — no heading makes the anchor #nope',
      'a.md:1: /b.md — an absolute path does not resolve in a clone',
    ]);
  });

  it('reads the commands and flags a line names', () => {
    expect(namedCommands('pnpm optimpact study --preset paper --jobs 2   # the faithful run --not-a-flag\nnode x.js --y')).toEqual([
      { command: 'study', flags: ['--preset', '--jobs'], line: 1 },
    ]);
    expect(flagsIn('--p/--a/--f SITE [--p-pos all]')).toEqual(['--p', '--a', '--f', '--p-pos']);
    expect(helpHasFlag('[--self-eval] [--seed S]', '--self')).toBe(false);
    expect(helpHasFlag('[--self-eval] [--seed S]', '--seed')).toBe(true);
  });
});

describe('every markdown file of the repository', () => {
  it('is found', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', 'docs/method.md', 'docs/results.md', 'docs/extending.md']));
  });

  it.each(files)('%s: every relative link and anchor resolves', (file) => {
    expect(brokenLinks(root, file)).toEqual([]);
  });
});

describe('the repository paths the docs name', () => {
  it.each(current)('%s: every `packages/…`, `apps/…`, `tooling/…`, `docs/…`, `experiments/…` or `scripts/…` in code exists', (file) => {
    const doc = parseMarkdown(readFileSync(join(root, file), 'utf8'));
    const missing = doc.spans
      .filter((s) => /^(packages|apps|tooling|docs|experiments|scripts)\/[\w./-]+$/.test(s.content) && !s.content.startsWith('docs/api'))
      .filter((s) => !existsSync(join(root, s.content)))
      .map((s) => `${file}:${s.line}: ${s.content}`);
    expect(missing).toEqual([]);
  });
});

describe('the commands the docs name', () => {
  const help = new Map<string, { status: number | null; text: string }>();
  const helpOf = (command: string) => {
    if (!help.has(command)) help.set(command, runCli(root, [command, '--help']));
    return help.get(command)!;
  };
  const top = runCli(root, ['--help']);

  it('the CLI prints its help', () => {
    expect(top.status).toBe(0);
    expect(top.text).toMatch(/optimpact/);
  });

  it.each(current)('%s: every optimpact command exists and takes the flags shown', (file) => {
    const doc = parseMarkdown(readFileSync(join(root, file), 'utf8'));
    const problems: string[] = [];
    const named = [...doc.blocks.flatMap((b) => namedCommands(b.content, b.line + 1)), ...doc.spans.flatMap((s) => namedCommands(s.content, s.line))];
    for (const { command, flags, line } of named) {
      const h = helpOf(command);
      if (h.status !== 0 || !new RegExp(`\\b${command}\\b`).test(top.text)) {
        problems.push(`${file}:${line}: optimpact ${command} — not a command of the CLI`);
        continue;
      }
      for (const flag of flags) if (!helpHasFlag(h.text, flag)) problems.push(`${file}:${line}: optimpact ${command} ${flag} — not in its --help`);
    }
    // A flag named alone in prose (`--jobs K`) must belong to some command.
    const all = [
      top.text,
      ...['study', 'measure', 'pretrain', 'finetune', 'report', 'differential']
        .filter((c) => new RegExp(`\\b${c}\\b`).test(top.text))
        .map((c) => helpOf(c).text),
    ].join('\n');
    for (const span of doc.spans) {
      if (!span.content.startsWith('--') || /\boptimpact\b/.test(span.content)) continue;
      for (const flag of flagsIn(span.content).slice(0, 1))
        if (!helpHasFlag(all, flag)) problems.push(`${file}:${span.line}: ${flag} — no command's --help names it`);
    }
    expect(problems).toEqual([]);
  });

  it('README.md shows every command of the CLI on its own line', () => {
    const doc = parseMarkdown(readFileSync(join(root, 'README.md'), 'utf8'));
    const shown = new Set(doc.blocks.flatMap((b) => namedCommands(b.content)).map((c) => c.command));
    // Commands as the help lists them: `optimpact <command>` (usage lines) or an indented `<command> …` (a Commands: section).
    const words = [...top.text.matchAll(/\boptimpact\s+([a-z][a-z-]+)\b/g), ...top.text.matchAll(/^\s{2,}([a-z][a-z-]+)\b/gm)].map((m) => m[1]!);
    const listed = words.filter((c) => c !== 'help' && c !== 'optimpact' && helpOf(c).status === 0);
    expect(listed.length).toBeGreaterThan(0);
    expect([...new Set(listed)].filter((c) => !shown.has(c))).toEqual([]);
  });
});
