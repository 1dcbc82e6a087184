/**
 * Objective identification (docs/method.md#objective-identification): for each fine-tuned model, the task whose predicted optimization
 * `Op_pred = KL_B(s_k ‖ f_k)` — computed from the model's success rate `s_k` on task k — best explains its
 * measured `Op`, i.e. the k minimising `|Op − Op_pred,k|` (nats).
 */

// -------------------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------------------

/** One candidate objective of a model: a task (its n_good) and `Op_pred` from the model's score on it. */
export interface Candidate {
  /** n_good of the task. */
  readonly task: number;
  /** `Op_pred` from the model's pooled success rate on this task, nats; null where undefined (skipped). */
  readonly opPred: number | null;
}

/** What identification needs of one model. */
export interface IdentifyInput {
  /** The model's id. */
  readonly id: string;
  /** n_good of the task the model was trained on. */
  readonly trainedTask: number;
  /** Measured split-history Op, nats; null when undefined (the model is then unidentified). */
  readonly op: number | null;
  /** One per task the model was scored on (cross-objective scores). */
  readonly candidates: readonly Candidate[];
}

/** The verdict on one model. */
export interface Identification {
  /** The model's id. */
  readonly id: string;
  /** n_good of the task it was trained on. */
  readonly trainedTask: number;
  /** The task whose `Op_pred` is closest to Op; null when no candidate has a defined `Op_pred` (or Op is null). */
  readonly identifiedTask: number | null;
  /** `|Op − Op_pred|` of the identified task, nats; null when unidentified. */
  readonly distance: number | null;
  /** Whether the identified task is the trained one. */
  readonly correct: boolean;
}

/** Identification over a set of models. */
export interface ObjectiveIdentification {
  /** The verdict on each model, in the order given. */
  readonly models: readonly Identification[];
  /** Models identified correctly. */
  readonly correct: number;
  /** All models (unidentified ones count as wrong). */
  readonly total: number;
  /** correct / total; 0 when there are no models. */
  readonly accuracy: number;
  /**
   * `confusion[trained][identified]`: counts keyed by n_good as a string (the shape of `summary.json`). Every
   * trained and every candidate task has a row and a column (zeros included); unidentified models are
   * counted in the column `"none"`, which exists only when there are some.
   */
  readonly confusion: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

// -------------------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------------------

/**
 * The task whose `Op_pred` is closest to `op` (`argmin_k |op − opPred_k|`). Ties go to the smallest n_good,
 * so the result does not depend on the order of `candidates`. Candidates with null or NaN `Op_pred` are
 * skipped; returns null when none is left or `op` is null/NaN.
 *
 * @example
 * identifyTask(0.6, [{ task: 2, opPred: 1.2 }, { task: 4, opPred: 0.62 }, { task: 6, opPred: 0.25 }]); // 4
 */
export function identifyTask(op: number | null, candidates: readonly Candidate[]): { task: number; distance: number } | null {
  if (op === null || Number.isNaN(op)) return null;
  let best: { task: number; distance: number } | null = null;
  for (const c of candidates) {
    if (c.opPred === null || Number.isNaN(c.opPred)) continue;
    const distance = Math.abs(op - c.opPred);
    if (best === null || distance < best.distance || (distance === best.distance && c.task < best.task)) {
      best = { task: c.task, distance };
    }
  }
  return best;
}

/**
 * Identifies the objective of every model, with the accuracy over all models and the confusion matrix of
 * trained vs identified task. Pure and order-independent up to the order of `models` in the result (kept).
 *
 * @example
 * const r = identifyObjective([
 *   { id: 'a', trainedTask: 2, op: 1.1, candidates: [{ task: 2, opPred: 1.0 }, { task: 4, opPred: 0.3 }] },
 *   { id: 'b', trainedTask: 4, op: 0.9, candidates: [{ task: 2, opPred: 1.0 }, { task: 4, opPred: 0.3 }] },
 * ]);
 * // r.accuracy === 0.5; r.confusion === { '2': { '2': 1, '4': 0 }, '4': { '2': 1, '4': 0 } }
 */
export function identifyObjective(models: readonly IdentifyInput[]): ObjectiveIdentification {
  const tasks = new Set<number>();
  for (const m of models) {
    tasks.add(m.trainedTask);
    for (const c of m.candidates) tasks.add(c.task);
  }
  const keys = [...tasks].sort((a, b) => a - b).map(String);
  const results = models.map((m): Identification => {
    const best = identifyTask(m.op, m.candidates);
    return {
      id: m.id,
      trainedTask: m.trainedTask,
      identifiedTask: best?.task ?? null,
      distance: best?.distance ?? null,
      correct: best !== null && best.task === m.trainedTask,
    };
  });
  const anyNone = results.some((r) => r.identifiedTask === null);
  const columns = anyNone ? [...keys, 'none'] : keys;
  const confusion: Record<string, Record<string, number>> = {};
  for (const row of keys) confusion[row] = Object.fromEntries(columns.map((c) => [c, 0]));
  for (const r of results) {
    const row = confusion[String(r.trainedTask)];
    const col = r.identifiedTask === null ? 'none' : String(r.identifiedTask);
    if (row !== undefined) row[col] = (row[col] ?? 0) + 1;
  }
  const correct = results.filter((r) => r.correct).length;
  return {
    models: results,
    correct,
    total: results.length,
    accuracy: results.length === 0 ? 0 : correct / results.length,
    confusion,
  };
}
