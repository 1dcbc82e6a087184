/**
 * Pretraining checkpoints on disk (records' checkpoint files): the arrays file holds the model's state
 * (float32 parameters, then each optimizer slot's moments) and then the int32 data order; `state.json` the
 * step, curves, the data's place, optimizer step counts, random streams, the run's options and the
 * caller's `meta`.
 */
import * as t from 'io-ts';
import type { CheckpointFormat } from '@optimpact/records';
import {
  Count,
  loadCheckpointFiles,
  modelStateBytes,
  modelStateFrom,
  ModelStateJson,
  modelStateParts,
  RngStateJson,
  rngStateJson,
  saveCheckpointFiles,
} from '@optimpact/records';
import type { PretrainCheckpoint } from './pretrain.js';

const Point = t.type({ step: t.number, examples: t.number, loss: t.number });
const StateJson = t.type({
  meta: t.UnknownRecord,
  step: Count,
  steps: Count,
  seconds: t.number,
  run: t.UnknownRecord,
  model: ModelStateJson,
  data: t.type({ orderLength: Count, cursor: Count, passes: Count, rng: RngStateJson }),
  train: t.array(Point),
  evals: t.record(t.string, t.array(Point)),
});

const PRETRAIN: CheckpointFormat<t.TypeOf<typeof StateJson>> = {
  format: 'optimpact-pretrain-checkpoint',
  name: 'pretraining checkpoint',
  version: 3,
  state: StateJson,
  bytes: (s) => modelStateBytes(s.model) + 4 * s.data.orderLength,
};

/** Saves `c` with the caller's `meta` (what a run must match to go on from it) in `dir`, in place of the checkpoint there. */
export function savePretrainCheckpoint(dir: string, c: PretrainCheckpoint, meta: Readonly<Record<string, unknown>>): void {
  const model = modelStateParts(c.model);
  saveCheckpointFiles(
    dir,
    PRETRAIN,
    c.step,
    {
      meta: { ...meta },
      step: c.step,
      steps: c.steps,
      seconds: c.seconds,
      run: { ...c.run },
      model: model.json,
      data: { orderLength: c.data.order.length, cursor: c.data.cursor, passes: c.data.passes, rng: rngStateJson(c.data.rng) },
      train: [...c.train],
      evals: Object.fromEntries(Object.entries(c.evals).map(([k, v]) => [k, [...v]])),
    },
    [...model.arrays, c.data.order],
  );
}

/**
 * The checkpoint in `dir` with the `meta` it was saved with; `undefined` when there is none; `{ why }`
 * when there is one that cannot be trusted (incomplete, corrupted, another format).
 */
export function loadPretrainCheckpoint(
  dir: string,
): { readonly checkpoint: PretrainCheckpoint; readonly meta: Readonly<Record<string, unknown>> } | { readonly why: string } | undefined {
  const files = loadCheckpointFiles(dir, PRETRAIN);
  if (files === undefined || 'why' in files) return files;
  const { meta, model, data, ...rest } = files.state;
  const order = new Int32Array(data.orderLength);
  new Uint8Array(order.buffer).set(files.arrays.subarray(modelStateBytes(model)));
  return {
    meta,
    checkpoint: { ...rest, model: modelStateFrom(model, files.arrays), data: { order, cursor: data.cursor, passes: data.passes, rng: data.rng } },
  };
}
