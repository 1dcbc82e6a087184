/**
 * Checkpoints of a training run on disk, in one directory: `arrays-<step>.bin` (the run's arrays, one
 * after the other, little-endian) and `state.json` (the caller's state, the arrays file's name and
 * checksum, and its own checksum). A save writes the new arrays file, then replaces `state.json` by an
 * atomic rename, then removes the old arrays: a run killed at any point leaves a whole checkpoint. What
 * the state holds and how the arrays are laid out is the caller's (a pretraining's, a fine-tuning's); a
 * model's part is common to both (`modelStateParts`, `modelStateFrom`).
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { ModelState, RngState } from '@optimpact/core';
import { makeDir, sha256, writeFileAtomic, writing } from './files.js';

/** A checkpoint that is not of this run (other options, length or data): going on from it is refused. */
export class CheckpointMismatch extends Error {
  override readonly name = 'CheckpointMismatch';
}

/** Refuses a checkpoint whose run options (`saved`) differ from this run's (`here`), naming the first that differs. */
export function sameRun(saved: Readonly<Record<string, unknown>>, here: Readonly<Record<string, unknown>>): void {
  const other = [...new Set([...Object.keys(here), ...Object.keys(saved)])].find((k) => saved[k] !== here[k]);
  if (other !== undefined)
    throw new CheckpointMismatch(`the checkpoint is of a run with ${other} ${String(saved[other])}; this run has ${String(here[other])}`);
}

/** `state.json`'s text: the state and, last, the SHA-256 of the state's own JSON. */
const stateText = (state: Record<string, unknown>): string => {
  const body = JSON.stringify(state);
  return `${body.slice(0, -1)},"checksum":"${sha256(body)}"}\n`;
};

const bytes = (a: Float32Array | Int32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** A name a checkpoint's save can leave: its state, its arrays, their temporaries. */
const isCheckpointFile = (f: string): boolean => f === 'state.json' || /^arrays-\d+\.bin(\.tmp-.*)?$/.test(f) || /^state\.json\.tmp-/.test(f);

/** Whether `dir` holds a checkpoint (whole or not) and nothing else: what may be removed. */
export function isCheckpointDir(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).every(isCheckpointFile);
}

/** A kind of checkpoint: its `state.json`'s format, name (for messages) and version, its state, and the size of its arrays. */
export interface CheckpointFormat<A> {
  readonly format: string;
  /** "pretraining checkpoint" */
  readonly name: string;
  /** Version of the layout; a checkpoint of another version is not read. */
  readonly version: number;
  readonly state: t.Type<A, unknown>;
  /** Bytes of the arrays file a state describes. */
  readonly bytes: (state: A) => number;
}

/** Saves a checkpoint's `state` and `arrays`, taken at `step`, in `dir`, in place of the checkpoint there. */
export function saveCheckpointFiles<A>(
  dir: string,
  kind: CheckpointFormat<A>,
  step: number,
  state: NoInfer<A>,
  arrays: readonly (Float32Array | Int32Array)[],
): void {
  const parts = arrays.map(bytes);
  const bin = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    bin.set(p, off);
    off += p.length;
  }
  const name = `arrays-${step}.bin`;
  makeDir(dir);
  writeFileAtomic(join(dir, name), bin);
  const json = kind.state.encode(state) as Record<string, unknown>;
  writeFileAtomic(join(dir, 'state.json'), stateText({ ...json, format: kind.format, formatVersion: kind.version, arrays: name, arraysSha256: sha256(bin) }));
  // what the new state.json does not name: the previous arrays, leftovers of a save that was killed
  for (const f of readdirSync(dir))
    if (f !== 'state.json' && f !== name && isCheckpointFile(f)) writing(join(dir, f), () => rmSync(join(dir, f), { force: true }));
}

/**
 * The state and arrays of the checkpoint in `dir`, both checked against their checksums and the arrays'
 * size against the state; `undefined` when there is none; `{ why }` when there is one that cannot be trusted
 * (incomplete, corrupted, of another kind or version).
 */
export function loadCheckpointFiles<A>(
  dir: string,
  kind: CheckpointFormat<A>,
): { readonly state: A; readonly arrays: Buffer } | { readonly why: string } | undefined {
  if (!existsSync(dir)) return undefined;
  if (!isCheckpointDir(dir)) return { why: `${dir} holds files a checkpoint does not` };
  const file = join(dir, 'state.json');
  if (!existsSync(file)) return { why: 'its state.json is missing' };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return { why: 'its state.json is not valid JSON' };
  }
  const notOne = { why: `its state.json is not a ${kind.name}` };
  if (typeof json !== 'object' || json === null) return notOne;
  const { checksum, ...body } = json as { checksum?: unknown };
  if (checksum !== sha256(JSON.stringify(body))) return { why: 'its state.json does not match its checksum' };
  const { format, formatVersion, arrays, arraysSha256, ...rest } = body as Record<string, unknown>;
  if (format !== kind.format) return notOne;
  if (formatVersion !== kind.version) return { why: `it has format version ${String(formatVersion)}, this build reads ${kind.version}` };
  const decoded = kind.state.decode(rest);
  if (E.isLeft(decoded)) return notOne;
  if (typeof arrays !== 'string' || !/^arrays-\d+\.bin$/.test(arrays) || !existsSync(join(dir, arrays))) return { why: `its ${String(arrays)} is missing` };
  const bin = readFileSync(join(dir, arrays));
  if (sha256(bin) !== arraysSha256) return { why: `its ${arrays} does not match the checksum in state.json` };
  const size = kind.bytes(decoded.right);
  if (bin.byteLength !== size) return { why: `its ${arrays} holds ${bin.byteLength} bytes, state.json describes ${size}` };
  return { state: decoded.right, arrays: bin };
}

/** A non-negative safe integer. */
export const Count = t.refinement(t.number, (n) => Number.isSafeInteger(n) && n >= 0, 'a count');
export const RngStateJson = t.type({ seed: Count, words: t.tuple([Count, Count, Count, Count]) });

/** An `Rng`'s state as JSON (a copy). */
export const rngStateJson = (s: RngState): t.TypeOf<typeof RngStateJson> => ({ seed: s.seed, words: [...s.words] });

/** A model's part of `state.json`: its parameter count, optimizer slots and dropout stream. */
export const ModelStateJson = t.type({ params: Count, slots: t.array(t.type({ slot: t.string, t: Count })), dropout: RngStateJson });
export type ModelStateJson = t.TypeOf<typeof ModelStateJson>;

/** A model's state as `state.json`'s part and the arrays it puts in the arrays file (parameters, then each slot's moments). */
export function modelStateParts(s: ModelState): { readonly json: ModelStateJson; readonly arrays: Float32Array[] } {
  return {
    json: {
      params: s.params.length,
      slots: s.optimizer.map((o) => ({ slot: o.slot, t: o.t })),
      dropout: rngStateJson(s.dropout),
    },
    arrays: [s.params, ...s.optimizer.flatMap((o) => [o.m, o.v])],
  };
}

/** Bytes the model's arrays take in the arrays file. */
export const modelStateBytes = (json: ModelStateJson): number => 4 * json.params * (1 + 2 * json.slots.length);

/** The model's state from its part of `state.json` and the arrays file's first `modelStateBytes(json)` bytes. */
export function modelStateFrom(json: ModelStateJson, arrays: Uint8Array): ModelState {
  // copy into an aligned buffer (a Buffer's offset need not be a multiple of 4)
  const f32 = new Float32Array(modelStateBytes(json) / 4);
  new Uint8Array(f32.buffer).set(arrays.subarray(0, f32.byteLength));
  const at = (k: number): Float32Array => f32.slice(k * json.params, (k + 1) * json.params);
  return {
    params: at(0),
    optimizer: json.slots.map((o, i) => ({ slot: o.slot, t: o.t, m: at(1 + 2 * i), v: at(2 + 2 * i) })),
    dropout: json.dropout,
  };
}
