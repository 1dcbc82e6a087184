import type { Exploration } from './explore.js';
import { generateExploratory } from './explore.js';
import type { Environment, Windows } from './types.js';
import type { Rng } from './rng.js';
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

/**
 * Every position t of the sequences with a full window before it (and, for action positions, an outcome
 * after it) that `keep(t)` accepts, as one batch, with the token at t as the target.
 */
export function windowsWhere(env: Environment, sequences: readonly Int32Array[], keep: (t: number) => boolean): { windows: Windows; targets: Int32Array } {
  // Two passes (count, then copy) rather than a list of picks: this runs for every context measured.
  const L = env.contextLength;
  let n = 0;
  for (const seq of sequences) for (let t = L; t < seq.length - 1; t++) if (keep(t)) n++;
  const tokens = new Int32Array(n * L),
    positions = new Int32Array(n),
    targets = new Int32Array(n);
  let i = 0;
  for (const seq of sequences) {
    for (let t = L; t < seq.length - 1; t++) {
      if (!keep(t)) continue;
      for (let k = 0; k < L; k++) tokens[i * L + k] = seq[t - L + k]!;
      positions[i] = t;
      targets[i++] = seq[t]!;
    }
  }
  return { windows: { tokens, positions, n, length: L }, targets };
}

/** Every action position of the sequences with a full window before it, as one batch. */
export function actionWindows(env: Environment, sequences: readonly Int32Array[]): Windows {
  return windowsWhere(env, sequences, (t) => env.isActionPosition(t)).windows;
}

/**
 * `count` sequences of `length` tokens, sequence i drawn from the stream `deriveSeed(seed, 'sequence', i)`;
 * with `explore`, exploratory sequences (`generateExploratory`; ε = 0 is the same as none).
 */
export function generateSequences(env: Environment, count: number, length: number, seed: number, explore?: Exploration): Int32Array[] {
  return Array.from({ length: count }, (_, i) => {
    const rng = makeRng(deriveSeed(seed, 'sequence', i));
    return explore === undefined ? env.generate(length, rng) : generateExploratory(env, length, rng, explore);
  });
}

/** `n` distinct windows of `pool` drawn uniformly without replacement (partial Fisher–Yates), with their indices. */
export function sampleWindows(pool: Windows, n: number, rng: Rng): { windows: Windows; indices: Int32Array } {
  if (n > pool.n) throw new RangeError(`cannot draw ${n} distinct windows from a pool of ${pool.n}`);
  const perm = new Int32Array(pool.n);
  for (let i = 0; i < pool.n; i++) perm[i] = i;
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(pool.n - i);
    const x = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = x;
  }
  const indices = perm.slice(0, n);
  return { windows: selectWindows(pool, indices), indices };
}

/** The windows of `pool` at `indices`, in that order. */
export function selectWindows(pool: Windows, indices: Int32Array): Windows {
  const L = pool.length;
  const tokens = new Int32Array(indices.length * L);
  const positions = new Int32Array(indices.length);
  indices.forEach((k, i) => {
    tokens.set(pool.tokens.subarray(k * L, (k + 1) * L), i * L);
    positions[i] = pool.positions[k]!;
  });
  return { tokens, positions, n: indices.length, length: L };
}

/**
 * `size` action windows cut from sequences of `sequenceLength` tokens generated from `seed` (use a
 * seed apart from the training data's to get test contexts).
 */
export function actionWindowPool(env: Environment, size: number, seed: number, sequenceLength = 1000): Windows {
  const perSequence = actionWindows(env, generateSequences(env, 1, sequenceLength, seed)).n;
  if (perSequence === 0) throw new RangeError(`sequences of ${sequenceLength} tokens hold no action window of ${env.contextLength}`);
  const all = actionWindows(env, generateSequences(env, Math.ceil(size / perSequence), sequenceLength, seed));
  return sliceWindows(all, 0, size);
}
