/**
 * `optimpact differential`'s work: a saved model's differential Op and Imp between three sites P → A → F over
 * test contexts drawn apart from the training data's (docs/method.md#differential-measures).
 */
import { deriveSeed } from '@optimpact/core';
import type { DifferentialInfo, SiteRef, Trio, TrioMeasurement } from '@optimpact/differential';
import { describeError, differential, independentContexts, parsePosition } from '@optimpact/differential';
import type { BackendName } from '@optimpact/transformer';
import { currentBackend } from '@optimpact/transformer';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { unitEnvironment } from './environment.js';
import type { UsageError } from './errors.js';
import { usageError } from './errors.js';
import { environmentMisfit, loadModelDir } from './models.js';

/** The sites P, A, F with their positions as given on the command line (all, last or an index). */
export type TrioFlags = Record<keyof Trio, { readonly site: string; readonly position: string }>;

/** `trio`'s positions read, or a usage error naming the first unreadable one (`--p-pos` …). */
function parseTrio(trio: TrioFlags): E.Either<UsageError, Trio> {
  const ref = (role: keyof Trio): E.Either<UsageError, SiteRef> => {
    const position = parsePosition(trio[role].position.trim());
    return position === undefined
      ? E.left(usageError(`--${role}-pos: expected all|last|a position index, got ${JSON.stringify(trio[role].position)}`))
      : E.right({ site: trio[role].site, position });
  };
  return pipe(E.Do, E.apS('p', ref('p')), E.apS('a', ref('a')), E.apS('f', ref('f')));
}

/**
 * Measures `trio` of the model in `modelDir` on its environment (the one its unit's record names, changed by
 * `--env` and `--set`: `unitEnvironment`); an unreadable position, a misfit environment or an unknown site is a usage error.
 */
export async function measureModelTrio(
  modelDir: string,
  trioFlags: TrioFlags,
  o: { contexts: number; seed: number; factors: boolean; backend?: BackendName; env?: string; set?: readonly string[] },
): Promise<E.Either<UsageError, { measurement: TrioMeasurement; info: DifferentialInfo }>> {
  const trioE = parseTrio(trioFlags);
  if (E.isLeft(trioE)) return trioE;
  const trio = trioE.right;
  const envE = await unitEnvironment(modelDir, '--model', o);
  if (E.isLeft(envE)) return envE;
  const env = envE.right;
  // wasm unless asked: the differential measures' gradients are checked on it
  const model = await loadModelDir(modelDir, { flag: '--model', expected: 'a model directory', backend: o.backend ?? 'wasm' });
  if (E.isLeft(model)) return model;
  const m = model.right;
  try {
    const misfit = environmentMisfit(m, env);
    if (misfit) return E.left(usageError(`--model: the model in "${modelDir}" ${misfit} (give --env the environment it was trained on)`));
    // test contexts from their own stream, apart from the training data's, each from its own sequence
    const windows = independentContexts(env, o.contexts, deriveSeed(o.seed, 'test'));
    const r = differential(m, windows, trio, { factors: o.factors });
    if (E.isLeft(r)) return E.left(usageError(describeError(r.left)));
    return E.right({ measurement: r.right, info: { model: modelDir, env: env.name, seed: o.seed, backend: currentBackend() } });
  } finally {
    m.dispose();
  }
}
