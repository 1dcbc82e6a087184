/**
 * Save and load in the standard TF.js format: `model.json` with a `weightsManifest` pointing at one binary
 * shard `weights.bin` (float32, little-endian, in manifest order), readable by any TF.js runtime
 * (`tf.io.decodeWeights`). The config lives in `userDefinedMetadata.optimpact`, so `loadModel(dir)` needs
 * nothing else. Writes are atomic: each file goes to a temporary name first and is renamed; model.json is
 * written last, so a directory with a model.json is complete. Optimizer state is not saved.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { deriveSeed } from '@optimpact/core';
import { writeFileAtomic } from '@optimpact/records';
import { validateConfig, type TransformerConfig } from './config.js';
import { paramSpecs, Transformer } from './model.js';

/** Version of the layout under `userDefinedMetadata.optimpact`. */
export const MODEL_FORMAT_VERSION = 1;

/** What optimpact stores in model.json besides the weights manifest. */
export interface ModelMetadata {
  /** {@link MODEL_FORMAT_VERSION} when written. */
  readonly formatVersion: number;
  /** The model family. */
  readonly kind: 'transformer';
  /** Its architecture. */
  readonly config: TransformerConfig;
  /** Trainable parameter count, checked against the weights on load. */
  readonly params: number;
  /** Free-form provenance from the caller (seed, steps, backend…). */
  readonly info?: Readonly<Record<string, unknown>>;
}

/** Writes `model.json` and `weights.bin` into `dir` (created if needed). */
export async function saveModel(model: Transformer, dir: string, info?: Readonly<Record<string, unknown>>): Promise<void> {
  const named = model.specs.map((s) => ({ name: s.name, tensor: tf.tensor(model.flat.slice(s.offset, s.offset + s.size), [...s.shape]) }));
  let encoded: { data: ArrayBuffer; specs: tf.io.WeightsManifestEntry[] };
  try {
    encoded = await tf.io.encodeWeights(named);
  } finally {
    tf.dispose(named.map((n) => n.tensor));
  }
  const meta: ModelMetadata = {
    formatVersion: MODEL_FORMAT_VERSION,
    kind: 'transformer',
    config: model.config,
    params: model.params,
    ...(info !== undefined ? { info } : {}),
  };
  const json = {
    format: 'optimpact-transformer',
    generatedBy: '@optimpact/transformer',
    convertedBy: null,
    weightsManifest: [{ paths: ['weights.bin'], weights: encoded.specs }],
    userDefinedMetadata: { optimpact: meta },
  };
  writeFileAtomic(join(dir, 'weights.bin'), new Uint8Array(encoded.data));
  writeFileAtomic(join(dir, 'model.json'), `${JSON.stringify(json, null, 2)}\n`);
}

/** The metadata of a saved model, without loading its weights. */
export async function readModelMetadata(dir: string): Promise<ModelMetadata> {
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as { userDefinedMetadata?: { optimpact?: ModelMetadata } };
  const meta = json.userDefinedMetadata?.optimpact;
  if (meta === undefined || meta.kind !== 'transformer') throw new Error(`${dir}/model.json holds no optimpact transformer metadata`);
  if (meta.formatVersion !== MODEL_FORMAT_VERSION)
    throw new Error(`${dir}/model.json has format version ${meta.formatVersion}, this build reads ${MODEL_FORMAT_VERSION}`);
  const v = validateConfig(meta.config);
  if (v._tag === 'Invalid') throw new Error(`${dir}/model.json: invalid config: ${v.errors.join('; ')}`);
  return meta;
}

/**
 * Loads a model saved by `saveModel`. Its dropout stream starts from `dropoutSeed` (default
 * `deriveSeed(0, 'dropout', 'loaded')`); its optimizer starts fresh.
 */
export async function loadModel(dir: string, options: { readonly dropoutSeed?: number } = {}): Promise<Transformer> {
  const meta = await readModelMetadata(dir);
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as { weightsManifest: tf.io.WeightsManifestConfig };
  const buffers: ArrayBuffer[] = [];
  const specs: tf.io.WeightsManifestEntry[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) {
      const b = await readFile(join(dir, p));
      buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    }
    specs.push(...group.weights);
  }
  const total = buffers.reduce((a, b) => a + b.byteLength, 0);
  // Exactly the bytes the manifest describes: a truncated or extended weights file is a broken model.
  const odd = specs.find((w) => w.dtype !== 'float32');
  if (odd !== undefined) throw new Error(`${dir}: weight ${odd.name} is ${odd.dtype}, expected float32`);
  const expected = specs.reduce((a, w) => a + w.shape.reduce((n, d) => n * d, 1) * 4, 0);
  if (total !== expected) throw new Error(`${dir}: the weight files hold ${total} bytes, the manifest's weights need ${expected}`);
  const joined = new Uint8Array(total);
  let off = 0;
  for (const b of buffers) {
    joined.set(new Uint8Array(b), off);
    off += b.byteLength;
  }
  const tensors = tf.io.decodeWeights(joined.buffer, specs);
  const flat = new Float32Array(meta.params);
  try {
    for (const s of paramSpecs(meta.config)) {
      const t = tensors[s.name];
      if (t === undefined) throw new Error(`${dir}: weight ${s.name} missing`);
      if (t.shape.join() !== s.shape.join()) throw new Error(`${dir}: weight ${s.name} has shape [${t.shape.join()}], expected [${s.shape.join()}]`);
      const values = t.dataSync();
      const bad = values.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) throw new Error(`${dir}: weight ${s.name} holds ${values[bad]} at index ${bad}`);
      flat.set(values, s.offset);
    }
  } finally {
    tf.dispose(Object.values(tensors));
  }
  return new Transformer(meta.config, flat, { dropoutSeed: options.dropoutSeed ?? deriveSeed(0, 'dropout', 'loaded') });
}
