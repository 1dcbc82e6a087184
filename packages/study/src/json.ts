/**
 * JSON from users (config files, `--set` values), checked before it is parsed: nesting depth (deep
 * nesting overflows the stack of whatever walks the value next), duplicate keys (JSON.parse silently
 * keeps the last) and the keys that reach Object.prototype when a path is followed (`__proto__`,
 * `constructor`, `prototype`). One linear pass over the text; no library checks all three.
 */

/** Deeper than any config needs (a preset nests 4 levels). */
export const MAX_JSON_DEPTH = 32;
/** Keys that a path walk would resolve on Object.prototype. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** What is wrong with `text` as user JSON (beyond its syntax, which JSON.parse checks), or undefined. */
export function jsonProblem(text: string): string | undefined {
  const keys: (Set<string> | null)[] = []; // per open container: an object's keys so far, null for an array
  const path: string[] = [];
  let pendingKey: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const raw = text.slice(i, j + 1);
      i = j;
      let k = j + 1;
      while (k < text.length && ' \t\r\n'.includes(text[k]!)) k++;
      const container = keys[keys.length - 1];
      if (text[k] === ':' && container) {
        let key: string;
        try {
          key = JSON.parse(raw) as string;
        } catch {
          return undefined;
        } // a syntax error: JSON.parse names it
        const at = path.some(Boolean) ? ` in ${path.filter(Boolean).join('.')}` : '';
        if (RESERVED_KEYS.has(key)) return `key "${key}"${at} is not allowed`;
        if (container.has(key)) return `key "${key}"${at} is given twice`;
        container.add(key);
        pendingKey = key;
      }
    } else if (ch === '{' || ch === '[') {
      if (keys.length >= MAX_JSON_DEPTH) return `nests deeper than ${MAX_JSON_DEPTH} levels`;
      path.push(pendingKey ?? (keys.length === 0 ? '' : '[]'));
      keys.push(ch === '{' ? new Set() : null);
      pendingKey = undefined;
    } else if (ch === '}' || ch === ']') {
      keys.pop();
      path.pop();
    } else if (ch === ',') {
      pendingKey = undefined;
    }
  }
  return undefined;
}
