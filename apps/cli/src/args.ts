/**
 * Command-line flags, decoded with io-ts at the boundary: `--key value`, `--key=value` and bare
 * boolean flags become a record of strings that a command's codec turns into its typed options.
 * Every failure is one line naming the flag and the value (exit code 2, nothing written).
 */
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

import type { UsageError } from '@optimpact/study';
import { usageError } from '@optimpact/study';

export type { UsageError };
export { usageError };

/**
 * Splits argv into flags. `booleans` take no value; `repeatable` flags collect their values in an
 * array. Positional arguments are rejected.
 */
export function parseFlags(argv: readonly string[], booleans: readonly string[], repeatable: readonly string[] = []): E.Either<UsageError, Record<string, string | true | string[]>> {
  const flags: Record<string, string | true | string[]> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) return E.left(usageError(`unexpected argument "${arg}" (flags start with --)`));
    const eq = arg.indexOf('=');
    const key = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    if (key in flags && !repeatable.includes(key)) return E.left(usageError(`--${key} given twice`));
    if (booleans.includes(key)) {
      if (eq >= 0) return E.left(usageError(`--${key} takes no value, got "${arg.slice(eq + 1)}"`));
      flags[key] = true;
    } else if (eq >= 0 && repeatable.includes(key)) {
      flags[key] = [...((flags[key] as string[] | undefined) ?? []), arg.slice(eq + 1)];
    } else if (eq >= 0) {
      flags[key] = arg.slice(eq + 1);
    } else {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) return E.left(usageError(`--${key} needs a value`));
      i++;
      if (repeatable.includes(key)) flags[key] = [...((flags[key] as string[] | undefined) ?? []), value];
      else flags[key] = value;
    }
  }
  return E.right(flags);
}

/** An integer in [min, max] written as a decimal string. */
export const intString = (min: number, max: number): t.Type<number, string, unknown> =>
  new t.Type<number, string, unknown>(
    `an integer in [${min}, ${max}]`,
    (u): u is number => typeof u === 'number' && Number.isInteger(u) && u >= min && u <= max,
    (u, c) => {
      if (typeof u !== 'string' || !/^-?\d+$/.test(u.trim())) return t.failure(u, c);
      const n = Number(u);
      return Number.isSafeInteger(n) && n >= min && n <= max ? t.success(n) : t.failure(u, c);
    },
    String,
  );

/**
 * Decodes flags with a codec of `t.partial`/`t.type` props, rejecting unknown flags (io-ts `exact`
 * would only strip them) and reporting the first error as `--key: expected …, got "value"`.
 */
export function decodeFlags<P extends t.Props, A>(flags: Record<string, unknown>, props: P, codec: t.Decoder<unknown, A>): E.Either<UsageError, A> {
  const unknown = Object.keys(flags).filter((k) => !(k in props));
  if (unknown.length > 0) return E.left(usageError(`unknown flag --${unknown[0]} (known: ${Object.keys(props).map((k) => `--${k}`).join(', ')})`));
  const r = codec.decode(flags);
  if (E.isRight(r)) return r;
  const err = r.left[0]!;
  const key = err.context.map((c) => c.key).filter((k) => k !== '' && !/^\d+$/.test(k)).join('.');
  const expected = err.context[err.context.length - 1]?.type.name ?? 'a valid value';
  const got = err.value === undefined ? 'nothing' : JSON.stringify(err.value);
  return E.left(usageError(`--${key}: expected ${expected}, got ${got}`));
}
