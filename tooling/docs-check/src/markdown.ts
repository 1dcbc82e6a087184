/**
 * Markdown read as data: the anchors a file's headings get (GitHub's slugs), the links it makes, and
 * its code (fenced blocks and inline spans), each with its line. Parsing is markdown-it's, slugs are
 * github-slugger's, so links and anchors resolve as they do on the repository's web pages.
 */
import GithubSlugger from 'github-slugger';
import MarkdownIt from 'markdown-it';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';

/** A link or image target, with the (1-based) line it is on. */
export interface Link {
  readonly href: string;
  readonly line: number;
}

/** A fenced code block: its info string (e.g. `ts`), its text and the line of its opening fence. */
export interface CodeBlock {
  readonly info: string;
  readonly content: string;
  readonly line: number;
}

/** What the checks need of one markdown file. */
export interface MarkdownDoc {
  /** Heading anchors, as GitHub makes them (`## Points on y = x` → `points-on-y--x`). */
  readonly anchors: ReadonlySet<string>;
  readonly links: readonly Link[];
  readonly blocks: readonly CodeBlock[];
  /** Inline code spans. */
  readonly spans: readonly { readonly content: string; readonly line: number }[];
}

const md = new MarkdownIt();

/** Parses markdown `text`. */
export function parseMarkdown(text: string): MarkdownDoc {
  const slugger = new GithubSlugger();
  const anchors = new Set<string>(),
    links: Link[] = [],
    blocks: CodeBlock[] = [],
    spans: { content: string; line: number }[] = [];
  const tokens = md.parse(text, {});
  tokens.forEach((tok, i) => {
    const line = (tok.map?.[0] ?? 0) + 1;
    if (tok.type === 'fence' || tok.type === 'code_block') blocks.push({ info: tok.info.trim(), content: tok.content, line });
    if (tok.type === 'heading_open') {
      const inline = tokens[i + 1]!;
      anchors.add(
        slugger.slug(
          (inline.children ?? [])
            .filter((c) => c.type === 'text' || c.type === 'code_inline')
            .map((c) => c.content)
            .join(''),
        ),
      );
    }
    if (tok.type !== 'inline') return;
    for (const c of tok.children ?? []) {
      if (c.type === 'link_open') links.push({ href: String(c.attrGet('href') ?? ''), line });
      if (c.type === 'image') links.push({ href: String(c.attrGet('src') ?? ''), line });
      if (c.type === 'code_inline') spans.push({ content: c.content, line });
    }
  });
  return { anchors, links, blocks, spans };
}

const SKIP = new Set(['node_modules', '.git', 'dist', '.turbo', 'runs', 'out']);

/** Every markdown file under `root` (relative paths, sorted), outside dependencies, build output and `skip`. */
export function markdownFiles(root: string, skip: readonly string[] = []): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name),
        rel = relative(root, path);
      if (SKIP.has(name) || skip.includes(rel)) continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (extname(name) === '.md') out.push(rel);
    }
  };
  walk(root);
  return out.sort();
}

/**
 * The links of `file` (relative to `root`) that do not resolve: a relative path that does not exist, or an
 * anchor that no heading of the target markdown file makes. Links with a scheme (`https:` …) are not
 * followed. Returns one line per problem, `file:line: href — why`.
 */
export function brokenLinks(root: string, file: string, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): string[] {
  const docs = new Map<string, MarkdownDoc>();
  const doc = (path: string): MarkdownDoc => {
    let d = docs.get(path);
    if (d === undefined) docs.set(path, (d = parseMarkdown(read(path))));
    return d;
  };
  const from = resolve(root, file);
  const problems: string[] = [];
  for (const { href, line } of doc(from).links) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//')) continue;
    const hash = href.indexOf('#');
    const path = decodeURIComponent(hash < 0 ? href : href.slice(0, hash));
    const anchor = hash < 0 ? undefined : decodeURIComponent(href.slice(hash + 1));
    const target = path === '' ? from : resolve(dirname(from), path);
    const where = `${file}:${line}: ${href}`;
    if (path.startsWith('/')) problems.push(`${where} — an absolute path does not resolve in a clone`);
    else if (!existsSync(target)) problems.push(`${where} — no such file`);
    else if (anchor !== undefined && extname(target) === '.md' && !doc(target).anchors.has(anchor)) {
      problems.push(`${where} — no heading makes the anchor #${anchor}`);
    }
  }
  return problems;
}
