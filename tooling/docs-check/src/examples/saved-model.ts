// tooling/docs-check/src/examples/saved-model.ts
import { actionWindowPool, modelPolicy } from '@optimpact/core';
import { specEnv } from '@optimpact/sequence-env';
import { measurePolicy } from '@optimpact/split-history';
import { createModel, loadModel, saveModel, setBackend } from '@optimpact/transformer';

/**
 * A model in the TF.js format (model.json + weights) as a greedy policy: what
 * `optimpact measure --policy DIR` does. Here the model is an untrained xs, saved to `dir` first.
 */
export async function measureSavedModel(dir: string) {
  await setBackend(); // tfjs-node if installed, else wasm
  const model = createModel('xs', 1);
  await saveModel(model, dir);
  model.dispose();

  const loaded = await loadModel(dir);
  const policy = modelPolicy(loaded, specEnv, 0, 'xs-untrained'); // temperature 0: greedy, ties to the lowest action
  const pool = actionWindowPool(specEnv, 5000, 7);
  const measurement = await measurePolicy(specEnv, policy, pool, specEnv.tasks, { contexts: 200, repeats: 2, seed: 1 });
  loaded.dispose();
  return measurement;
}
