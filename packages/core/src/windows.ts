import type { Environment, Windows } from './types.js';
import { deriveSeed, makeRng } from './rng.js';

/** The window ending just before position `t` of `seq` (needs t ≥ length). */
export function windowAt(seq: Int32Array, t: number, length: number): Int32Array {
  if (t < length || t > seq.length) throw new RangeError(`no window of ${length} before position ${t} in a sequence of ${seq.length}`);
  return seq.subarray(t - length, t);
}

/** Packs windows given as (sequence, position) pairs into one row-major batch. */
export function packWindows(length: number, picks: readonly (readonly [Int32Array, number])[]): Windows {
  const n = picks.length;
  const tokens = new Int32Array(n * length);
  const positions = new Int32Array(n);
  picks.forEach(([seq, t], i) => {
    tokens.set(windowAt(seq, t, length), i * length);
    positions[i] = t;
  });
  return { tokens, positions, n, length };
}

/** Window i of a batch, as a view. */
export function windowOf(w: Windows, i: number): Int32Array {
  return w.tokens.subarray(i * w.length, (i + 1) * w.length);
}

/** Windows [from, to) of a batch, as views. */
export function sliceWindows(w: Windows, from: number, to: number): Windows {
  return {
    tokens: w.tokens.subarray(from * w.length, to * w.length),
    positions: w.positions.subarray(from, to),
    n: to - from,
    length: w.length,
  };
}

/** Every action position of the sequences with a full window before it, as one batch. */
export function actionWindows(env: Environment, sequences: readonly Int32Array[]): Windows {
  const picks: [Int32Array, number][] = [];
  for (const seq of sequences) {
    for (let t = env.contextLength; t < seq.length - 1; t++) if (env.isActionPosition(t)) picks.push([seq, t]);
  }
  return packWindows(env.contextLength, picks);
}

/** `count` sequences of `length` tokens, sequence i drawn from the stream `deriveSeed(seed, 'sequence', i)`. */
export function generateSequences(env: Environment, count: number, length: number, seed: number): Int32Array[] {
  return Array.from({ length: count }, (_, i) => env.generate(length, makeRng(deriveSeed(seed, 'sequence', i))));
}
