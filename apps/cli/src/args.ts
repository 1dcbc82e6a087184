/**
 * Flags after commander has parsed them (see program.ts): a record of strings (`true` for a switch, an
 * array for a repeatable flag) that io-ts decodes into a command's typed options. Every failure is one
 * line naming the flag and the value; paths to write are checked before anything runs.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { UsageError } from '@optimpact/study/flags';
import { usageError, writablePath } from '@optimpact/study/flags';

export type { UsageError };
export { usageError, writablePath };

/** A run that started and failed (exit code 1), as opposed to a usage error (exit code 2). */
export interface RunFailed {
  readonly _tag: 'RunFailed';
  readonly message: string;
}
export const runFailed = (message: string): RunFailed => ({ _tag: 'RunFailed', message });
/** Every error a command reports: one line, its exit code from its tag. */
export type CliError = UsageError | RunFailed | { readonly _tag: string; readonly message: string };
export type Result = Promise<E.Either<CliError, void>>;

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

/** A string that is not empty (`--out=` must not mean the current directory). */
export const nonEmpty = (name: string) => t.refinement(t.string, (s) => s.trim() !== '', name);

/** Decodes flags with `codec`, reporting the first error as `--key: expected …, got "value"`. */
export function decodeFlags<A>(flags: Record<string, unknown>, codec: t.Decoder<unknown, A>): E.Either<UsageError, A> {
  const r = codec.decode(flags);
  if (E.isRight(r)) return r;
  const err = r.left[0]!;
  const key = err.context
    .map((c) => c.key)
    .filter((k) => k !== '' && !/^\d+$/.test(k))
    .join('.');
  if (err.value === undefined) return E.left(usageError(`--${key} is required (see optimpact help)`));
  const expected = err.context[err.context.length - 1]?.type.name ?? 'a valid value';
  const got = JSON.stringify(err.value);
  return E.left(usageError(`--${key}: expected ${expected}, got ${got.length > 200 ? `${got.slice(0, 200)}…` : got}`));
}
