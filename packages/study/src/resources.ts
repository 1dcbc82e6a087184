/**
 * What a study's data needs in memory, estimated from its config before anything runs: a config whose
 * data would not fit is refused, naming the fields and the estimate, instead of dying minutes later.
 */
import type { Environment } from '@optimpact/core';
import * as E from 'fp-ts/lib/Either.js';
import { totalmem } from 'node:os';
import type { StudyConfig } from './config.js';
import type { UsageError } from './errors.js';
import { usageError } from './errors.js';

const BYTES_PER_TOKEN = 4; // Int32Array
// Streamed pretraining (no fixed training set) still draws a fixed set for RL (see data.ts).
const RL_STREAM_SEQUENCES = 500;

const UNITS = [
  ['PiB', 2 ** 50],
  ['TiB', 2 ** 40],
  ['GiB', 2 ** 30],
  ['MiB', 2 ** 20],
] as const;
const gb = (bytes: number): string => {
  const [unit, size] = UNITS.find(([, u]) => bytes >= u) ?? UNITS[3];
  return `${(bytes / size).toPrecision(3)} ${unit}`;
};

/**
 * Bytes one worker holds for the data of a unit: its training sequences and every window cut from them
 * (a window of `contextLength` tokens, its position and target per token), and the test contexts.
 */
export function dataBytes(config: StudyConfig, env: Environment): { readonly field: string; readonly bytes: number } {
  const L = env.contextLength;
  const sequences = config.data.trainSequences ?? RL_STREAM_SEQUENCES;
  const train = sequences * config.data.sequenceLength * BYTES_PER_TOKEN * (1 + L + 2);
  const test = config.data.testContexts * BYTES_PER_TOKEN * (L + 1);
  return train >= test
    ? { field: config.data.trainSequences === null ? 'data.sequenceLength' : 'data.trainSequences × data.sequenceLength', bytes: train }
    : { field: 'data.testContexts', bytes: test };
}

/** Refuses a config whose data, in `jobs` workers at once, would not fit in this machine's memory. */
export function checkMemory(config: StudyConfig, env: Environment, jobs: number, available = totalmem()): E.Either<UsageError, void> {
  const { field, bytes } = dataBytes(config, env);
  const need = bytes * jobs;
  if (need <= available / 2) return E.right(undefined);
  return E.left(
    usageError(
      `${field}: the data would need about ${gb(need)} of memory (${jobs} worker${jobs > 1 ? 's' : ''} × ${gb(bytes)}), more than half of this machine's ${gb(available)}; use fewer or shorter sequences`,
    ),
  );
}
