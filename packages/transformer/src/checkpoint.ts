/**
 * Pretraining checkpoints on disk: `state.json` (with its `.sha256`: step, curves, data order's place,
 * optimizer step counts, random streams, the caller's `meta`, and the checksum of the arrays) and
 * `arrays.bin` (float32 parameters, each optimizer slot's moments, then the int32 data order; little-endian).
 * The directory is written atomically, so a run killed while saving leaves the previous checkpoint or none.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { readChecked, sha256, writeDirAtomic, writeFileAtomic, writeVerified } from '@optimpact/records';
import type { PretrainCheckpoint } from './pretrain.js';

/** Version of the checkpoint layout; a checkpoint of another version is not read. */
export const CHECKPOINT_FORMAT_VERSION = 1;

const Point = t.type({ step: t.number, examples: t.number, loss: t.number });
const Words = t.tuple([t.number, t.number, t.number, t.number]);
const RngStateJson = t.type({ seed: t.number, words: Words });
const StateJson = t.type({
  format: t.literal('optimpact-pretrain-checkpoint'),
  formatVersion: t.number,
  meta: t.UnknownRecord,
  step: t.number,
  steps: t.number,
  seconds: t.number,
  params: t.number,
  slots: t.array(t.type({ slot: t.string, t: t.number })),
  dropout: RngStateJson,
  data: t.type({ orderLength: t.number, cursor: t.number, passes: t.number, rng: RngStateJson }),
  train: t.array(Point),
  evals: t.record(t.string, t.array(Point)),
  arraysSha256: t.string,
});

const bytes = (a: Float32Array | Int32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Writes `c` with the caller's `meta` (what the run must match to go on from it) into `dir`, replacing what was there. */
export async function saveCheckpoint(dir: string, c: PretrainCheckpoint, meta: Readonly<Record<string, unknown>>): Promise<void> {
  const parts = [c.params, ...c.training.optimizer.flatMap((s) => [s.m, s.v]), c.data.order].map(bytes);
  const arrays = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    arrays.set(p, off);
    off += p.length;
  }
  const state: t.TypeOf<typeof StateJson> = {
    format: 'optimpact-pretrain-checkpoint',
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    meta: { ...meta },
    step: c.step,
    steps: c.steps,
    seconds: c.seconds,
    params: c.params.length,
    slots: c.training.optimizer.map((s) => ({ slot: s.slot, t: s.t })),
    dropout: { seed: c.training.dropout.seed, words: [...c.training.dropout.words] },
    data: { orderLength: c.data.order.length, cursor: c.data.cursor, passes: c.data.passes, rng: { seed: c.data.rng.seed, words: [...c.data.rng.words] } },
    train: [...c.train],
    evals: Object.fromEntries(Object.entries(c.evals).map(([k, v]) => [k, [...v]])),
    arraysSha256: sha256(arrays),
  };
  await writeDirAtomic(dir, async (tmp) => {
    writeFileAtomic(join(tmp, 'arrays.bin'), arrays);
    writeVerified(join(tmp, 'state.json'), `${JSON.stringify(state)}\n`);
  });
}

/**
 * The checkpoint in `dir` with the `meta` it was saved with; `undefined` when there is none; `{ why }`
 * when there is one that cannot be trusted (incomplete, corrupted, another format).
 */
export function loadCheckpoint(
  dir: string,
): { readonly checkpoint: PretrainCheckpoint; readonly meta: Readonly<Record<string, unknown>> } | { readonly why: string } | undefined {
  if (!existsSync(dir)) return undefined;
  const file = join(dir, 'state.json');
  const checked = readChecked(file, true);
  if (checked === 'missing') return { why: 'its state.json or state.json.sha256 is missing' };
  if (checked === 'mismatch') return { why: 'its state.json does not match its .sha256' };
  let json: unknown;
  try {
    json = JSON.parse(checked.data.toString('utf8'));
  } catch {
    return { why: 'its state.json is not valid JSON' };
  }
  const decoded = StateJson.decode(json);
  if (E.isLeft(decoded)) return { why: 'its state.json is not a pretraining checkpoint' };
  const s = decoded.right;
  if (s.formatVersion !== CHECKPOINT_FORMAT_VERSION) return { why: `it has format version ${s.formatVersion}, this build reads ${CHECKPOINT_FORMAT_VERSION}` };
  const binFile = join(dir, 'arrays.bin');
  if (!existsSync(binFile)) return { why: 'its arrays.bin is missing' };
  const bin = readFileSync(binFile);
  if (sha256(bin) !== s.arraysSha256) return { why: 'its arrays.bin does not match the checksum in state.json' };
  const floats = s.params * (1 + 2 * s.slots.length);
  if (bin.byteLength !== 4 * (floats + s.data.orderLength))
    return { why: `its arrays.bin holds ${bin.byteLength} bytes, state.json describes ${4 * (floats + s.data.orderLength)}` };
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
      params: at(0),
      training: { optimizer: s.slots.map((o, i) => ({ slot: o.slot, t: o.t, m: at(1 + 2 * i), v: at(2 + 2 * i) })), dropout: s.dropout },
      data: { order, cursor: s.data.cursor, passes: s.data.passes, rng: s.data.rng },
      train: s.train,
      evals: s.evals,
      seconds: s.seconds,
    },
  };
}
