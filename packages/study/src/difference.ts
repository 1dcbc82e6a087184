/** Where two JSON values part: the one comparison behind every "made with another config" message. */
import { isDeepStrictEqual } from 'node:util';

/** The first field (dotted path) at which two JSON values differ, and each side's value there (`absent` when missing). */
export function firstDifference(a: unknown, b: unknown, path = ''): { path: string; a: string; b: string } | undefined {
  if (isDeepStrictEqual(a, b)) return undefined;
  const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (isObject(a) && isObject(b)) {
    for (const k of [...new Set([...Object.keys(b), ...Object.keys(a)])]) {
      const d = firstDifference(a[k], b[k], path ? `${path}.${k}` : k);
      if (d !== undefined) return d;
    }
  }
  const show = (x: unknown) => {
    const text = x === undefined ? 'absent' : JSON.stringify(x);
    return text.length > 80 ? `${text.slice(0, 79)}…` : text;
  };
  return { path, a: show(a), b: show(b) };
}
