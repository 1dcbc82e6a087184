import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { makeRng, type Windows } from '@optimpact/core';
import { setBackend } from './backend.js';
import { loadModel, readModelMetadata, saveModel } from './io.js';
import { createModel } from './model.js';

const cfg = { vocabSize: 16, contextLength: 20, dModel: 8, nLayers: 2, nHeads: 2, mlpRatio: 4, dropout: 0.1 };

let dir = '';
beforeAll(async () => {
  await setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'optimpact-transformer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function windows(n: number): Windows {
  const rng = makeRng(5),
    tokens = new Int32Array(n * 20);
  for (let i = 0; i < tokens.length; i++) tokens[i] = rng.int(16);
  return { tokens, positions: new Int32Array(n).fill(20), n, length: 20 };
}

describe('saveModel / loadModel', () => {
  it('round-trips to identical logits in the TF.js format', async () => {
    const m = createModel(cfg, 3);
    const w = windows(7);
    m.stepTargets(w, new Int32Array(7).fill(4), 'pre', 1e-2); // move away from the initialisation
    const out = join(dir, 'a');
    await saveModel(m, out, { seed: 3 });
    expect((await readdir(out)).sort()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(await readFile(join(out, 'model.json'), 'utf8'));
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(json.weightsManifest[0].weights[0]).toEqual({ name: 'wte', shape: [16, 8], dtype: 'float32' });
    // any TF.js runtime can decode the shard with the manifest alone
    const buf = await readFile(join(out, 'weights.bin'));
    const decoded = tf.io.decodeWeights(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength), json.weightsManifest[0].weights);
    expect(Object.keys(decoded)).toHaveLength(m.specs.length);
    tf.dispose(Object.values(decoded));

    const meta = await readModelMetadata(out);
    expect(meta.config).toEqual(cfg);
    expect(meta.info).toEqual({ seed: 3 });
    const l = await loadModel(out);
    expect(l.params).toBe(m.params);
    expect(Array.from(await l.logits(w))).toEqual(Array.from(await m.logits(w)));
    m.dispose();
    l.dispose();
  });

  it('fails clearly on a directory without a model', async () => {
    await expect(loadModel(join(dir, 'missing'))).rejects.toThrow(/ENOENT/);
  });
});
