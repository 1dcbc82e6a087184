/** Test-only helpers (not exported from the package): unwrap an Either or fail with what it held. */
import * as E from 'fp-ts/lib/Either.js';

/** The Right value, or an error naming the Left. */
export const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(`expected Right, got Left ${JSON.stringify(e.left)}`);
  return e.right;
};

/** The Left's reason, or an error naming the Right. */
export const leftReason = (e: E.Either<{ readonly reason: string }, unknown>): string => {
  if (E.isRight(e)) throw new Error(`expected Left, got Right ${String(e.right)}`);
  return e.left.reason;
};
