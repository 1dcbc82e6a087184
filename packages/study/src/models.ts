/** Model directories as users name them: a TF.js model directory, or a unit directory holding `model/`. */
import type { BackendName, Transformer } from '@optimpact/transformer';
import { loadModel, setBackend } from '@optimpact/transformer';
import * as E from 'fp-ts/lib/Either.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { UsageError } from './errors.js';
import { usageError } from './errors.js';

type Shape = { readonly vocabSize: number; readonly contextLength: number };

/** How a model's vocabulary and context length differ from an environment's, or undefined when they fit. */
export const environmentMisfit = (model: Shape, env: Shape & { readonly name: string }): string | undefined =>
  model.vocabSize === env.vocabSize && model.contextLength === env.contextLength
    ? undefined
    : `reads ${model.vocabSize} tokens in windows of ${model.contextLength}, but ${env.name} has ${env.vocabSize} in windows of ${env.contextLength}`;

/** `dir` or its `model/`, whichever holds a model.json; undefined when neither does. */
export const findModelDir = (dir: string): string | undefined => [dir, join(dir, 'model')].find((d) => existsSync(join(d, 'model.json')));

/**
 * Loads the model of `dir` (see {@link findModelDir}) once `backend` is set (default: `setBackend`'s
 * choice); errors name `flag` and say what was `expected` there.
 */
export async function loadModelDir(
  dir: string,
  o: { readonly flag: string; readonly expected: string; readonly backend?: BackendName | undefined },
): Promise<E.Either<UsageError, Transformer>> {
  const found = findModelDir(dir);
  if (found === undefined) return E.left(usageError(`${o.flag}: expected ${o.expected}, got "${dir}" (no model.json there or in its model/)`));
  await setBackend(o.backend);
  try {
    return E.right(await loadModel(found));
  } catch (e) {
    return E.left(usageError(`${o.flag}: cannot load the model in "${found}" (${(e as Error).message})`));
  }
}
