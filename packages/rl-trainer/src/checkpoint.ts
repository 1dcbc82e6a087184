/**
 * Fine-tuning checkpoints on disk (records' checkpoint files): the arrays file holds the model's state
 * (float32 parameters, then each optimizer slot's moments); `state.json` the round, the curve, the rule's
 * random stream, the optimizer step counts and dropout stream, the run's settings and the caller's `meta`.
 */
import * as t from 'io-ts';
import { CurvePoint } from '@optimpact/core';
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
import type { FinetuneCheckpoint } from './finetune.js';

const StateJson = t.type({
  meta: t.UnknownRecord,
  round: Count,
  rounds: Count,
  seconds: t.number,
  run: t.UnknownRecord,
  model: ModelStateJson,
  rng: RngStateJson,
  curve: t.array(CurvePoint),
  envSamples: Count,
});

const FINETUNE: CheckpointFormat<t.TypeOf<typeof StateJson>> = {
  format: 'optimpact-finetune-checkpoint',
  name: 'fine-tuning checkpoint',
  version: 1,
  state: StateJson,
  bytes: (s) => modelStateBytes(s.model),
};

/** Saves `c` with the caller's `meta` (what a run must match to go on from it) in `dir`, in place of the checkpoint there. */
export function saveFinetuneCheckpoint(dir: string, c: FinetuneCheckpoint, meta: Readonly<Record<string, unknown>>): void {
  const model = modelStateParts(c.model);
  saveCheckpointFiles(
    dir,
    FINETUNE,
    c.round,
    { ...c, meta: { ...meta }, run: { ...c.run }, model: model.json, rng: rngStateJson(c.rng), curve: c.curve.map((p) => ({ ...p })) },
    model.arrays,
  );
}

/**
 * The checkpoint in `dir` with the `meta` it was saved with; `undefined` when there is none; `{ why }`
 * when there is one that cannot be trusted (incomplete, corrupted, another format).
 */
export function loadFinetuneCheckpoint(
  dir: string,
): { readonly checkpoint: FinetuneCheckpoint; readonly meta: Readonly<Record<string, unknown>> } | { readonly why: string } | undefined {
  const files = loadCheckpointFiles(dir, FINETUNE);
  if (files === undefined || 'why' in files) return files;
  const { meta, model, ...rest } = files.state;
  return { meta, checkpoint: { ...rest, model: modelStateFrom(model, files.arrays) } };
}
