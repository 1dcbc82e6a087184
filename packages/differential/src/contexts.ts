/**
 * The contexts the differential measures average over: independent draws from the environment, so that
 * the standard error over them covers the sampling of contexts.
 */
import type { Environment, Windows } from '@optimpact/core';
import { actionWindows, deriveSeed, generateSequences, makeRng, packWindows } from '@optimpact/core';

/** What the standard error of a differential measure covers, as reported beside it. */
export const SE_COVERS =
  'the sampling of contexts: sd/√n over n contexts, each an action window of its own independently generated sequence (the Jacobians are exact at each context)';

/**
 * `n` action windows, window `i` from its own sequence of `sequenceLength` tokens (stream
 * `deriveSeed(seed, 'sequence', i)`), at one of that sequence's action positions drawn uniformly (stream
 * `deriveSeed(seed, 'position')`): independent draws from the distribution of an action window of a
 * random sequence, the distribution the split-history measurements' contexts come from. (Windows of one
 * sequence overlap and are dependent: their mean's spread is not sd/√n.)
 *
 * @throws RangeError when a sequence of `sequenceLength` tokens holds no action window.
 */
export function independentContexts(env: Environment, n: number, seed: number, sequenceLength = 1000): Windows {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`the number of contexts must be a non-negative integer, got ${n}`);
  const rng = makeRng(deriveSeed(seed, 'position'));
  const picks = generateSequences(env, n, sequenceLength, seed).map((seq): [Int32Array, number] => {
    const positions = actionWindows(env, [seq]).positions;
    if (positions.length === 0) throw new RangeError(`sequences of ${sequenceLength} tokens hold no action window of ${env.contextLength}`);
    return [seq, positions[rng.int(positions.length)]!];
  });
  return packWindows(env.contextLength, picks);
}
