/**
 * Pretraining checkpoints on disk, in one directory: `arrays-<step>.bin` (float32 parameters, each optimizer
 * slot's moments, then the int32 data order; little-endian) and `state.json` (step, curves, the data's
 * place, optimizer step counts, random streams, the run's options, the caller's `meta`, the arrays file's
 * name and checksum, and its own checksum). A save writes the new arrays file, then replaces `state.json`
 * by an atomic rename, then removes the old arrays: a run killed at any point leaves a whole checkpoint.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { makeDir, sha256, writeFileAtomic, writing } from '@optimpact/records';
import type { PretrainCheckpoint } from './pretrain.js';

/** Version of the checkpoint layout; a checkpoint of another version is not read. */
export const CHECKPOINT_FORMAT_VERSION = 2;

const Count = t.refinement(t.number, (n) => Number.isSafeInteger(n) && n >= 0, 'a count');
const Point = t.type({ step: t.number, examples: t.number, loss: t.number });
const Words = t.tuple([Count, Count, Count, Count]);
const RngStateJson = t.type({ seed: Count, words: Words });
const StateJson = t.type({
  format: t.literal('optimpact-pretrain-checkpoint'),
  formatVersion: t.number,
  meta: t.UnknownRecord,
  step: Count,
  steps: Count,
  seconds: t.number,
  run: t.UnknownRecord,
  params: Count,
  slots: t.array(t.type({ slot: t.string, t: Count })),
  dropout: RngStateJson,
  data: t.type({ orderLength: Count, cursor: Count, passes: Count, rng: RngStateJson }),
  train: t.array(Point),
  evals: t.record(t.string, t.array(Point)),
  arrays: t.string,
  arraysSha256: t.string,
});
type State = t.TypeOf<typeof StateJson>;

/** `state.json`'s text: the state and, last, the SHA-256 of the state's own JSON. */
const stateText = (state: State): string => {
  const body = JSON.stringify(state);
  return `${body.slice(0, -1)},"checksum":"${sha256(body)}"}\n`;
};

const bytes = (a: Float32Array | Int32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Saves `c` with the caller's `meta` (what a run must match to go on from it) in `dir`, in place of the checkpoint there. */
export function saveCheckpoint(dir: string, c: PretrainCheckpoint, meta: Readonly<Record<string, unknown>>): void {
  const parts = [c.params, ...c.training.optimizer.flatMap((s) => [s.m, s.v]), c.data.order].map(bytes);
  const arrays = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    arrays.set(p, off);
    off += p.length;
  }
  const name = `arrays-${c.step}.bin`;
  const state: State = {
    format: 'optimpact-pretrain-checkpoint',
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    meta: { ...meta },
    step: c.step,
    steps: c.steps,
    seconds: c.seconds,
    run: { ...c.run },
    params: c.params.length,
    slots: c.training.optimizer.map((s) => ({ slot: s.slot, t: s.t })),
    dropout: { seed: c.training.dropout.seed, words: [...c.training.dropout.words] },
    data: { orderLength: c.data.order.length, cursor: c.data.cursor, passes: c.data.passes, rng: { seed: c.data.rng.seed, words: [...c.data.rng.words] } },
    train: [...c.train],
    evals: Object.fromEntries(Object.entries(c.evals).map(([k, v]) => [k, [...v]])),
    arrays: name,
    arraysSha256: sha256(arrays),
  };
  makeDir(dir);
  writeFileAtomic(join(dir, name), arrays);
  writeFileAtomic(join(dir, 'state.json'), stateText(state));
  // what the new state.json does not name: the previous arrays, leftovers of a save that was killed
  for (const f of readdirSync(dir))
    if (f !== 'state.json' && f !== name && isCheckpointFile(f)) writing(join(dir, f), () => rmSync(join(dir, f), { force: true }));
}

/** A name a checkpoint's save can leave: its state, its arrays, their temporaries. */
const isCheckpointFile = (f: string): boolean => f === 'state.json' || /^arrays-\d+\.bin(\.tmp-.*)?$/.test(f) || /^state\.json\.tmp-/.test(f);

/** Whether `dir` holds a checkpoint (whole or not) and nothing else: what may be removed. */
export function isCheckpointDir(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).every(isCheckpointFile);
}

/**
 * The checkpoint in `dir` with the `meta` it was saved with; `undefined` when there is none; `{ why }`
 * when there is one that cannot be trusted (incomplete, corrupted, another format).
 */
export function loadCheckpoint(
  dir: string,
): { readonly checkpoint: PretrainCheckpoint; readonly meta: Readonly<Record<string, unknown>> } | { readonly why: string } | undefined {
  if (!existsSync(dir)) return undefined;
  if (!isCheckpointDir(dir)) return { why: `${dir} holds files a checkpoint does not` };
  const file = join(dir, 'state.json');
  if (!existsSync(file)) return { why: 'its state.json is missing' };
  const text = readFileSync(file, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { why: 'its state.json is not valid JSON' };
  }
  if (typeof json !== 'object' || json === null) return { why: 'its state.json is not a pretraining checkpoint' };
  const { checksum, ...body } = json as { checksum?: unknown };
  if (checksum !== sha256(JSON.stringify(body))) return { why: 'its state.json does not match its checksum' };
  const decoded = StateJson.decode(body);
  if (E.isLeft(decoded)) return { why: 'its state.json is not a pretraining checkpoint' };
  const s = decoded.right;
  if (s.formatVersion !== CHECKPOINT_FORMAT_VERSION) return { why: `it has format version ${s.formatVersion}, this build reads ${CHECKPOINT_FORMAT_VERSION}` };
  const binFile = join(dir, s.arrays);
  if (!/^arrays-\d+\.bin$/.test(s.arrays) || !existsSync(binFile)) return { why: `its ${s.arrays} is missing` };
  const bin = readFileSync(binFile);
  if (sha256(bin) !== s.arraysSha256) return { why: `its ${s.arrays} does not match the checksum in state.json` };
  const floats = s.params * (1 + 2 * s.slots.length);
  if (bin.byteLength !== 4 * (floats + s.data.orderLength))
    return { why: `its ${s.arrays} holds ${bin.byteLength} bytes, state.json describes ${4 * (floats + s.data.orderLength)}` };
  // copy into aligned buffers (a Buffer's offset need not be a multiple of 4)
  const f32 = new Float32Array(floats);
  new Uint8Array(f32.buffer).set(bin.subarray(0, 4 * floats));
  const order = new Int32Array(s.data.orderLength);
  new Uint8Array(order.buffer).set(bin.subarray(4 * floats));
  const at = (k: number): Float32Array => f32.slice(k * s.params, (k + 1) * s.params);
  return {
    meta: s.meta,
    checkpoint: {
      step: s.step,
      steps: s.steps,
      run: s.run,
      params: at(0),
      training: { optimizer: s.slots.map((o, i) => ({ slot: o.slot, t: o.t, m: at(1 + 2 * i), v: at(2 + 2 * i) })), dropout: s.dropout },
      data: { order, cursor: s.data.cursor, passes: s.data.passes, rng: s.data.rng },
      train: s.train,
      evals: s.evals,
      seconds: s.seconds,
    },
  };
}
