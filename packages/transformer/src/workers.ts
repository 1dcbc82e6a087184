/**
 * Two cores: independent models train side by side, one per worker thread, each on its own
 * single-threaded wasm instance (docs/development.md#the-webassembly-backend: two such workers gave 1.6–1.95× one). A task names an ES
 * module and one of its exported async functions; the worker selects the backend, imports the module,
 * calls the function with the (structured-clonable) arguments and posts back its result. Each task gets
 * a fresh worker, so its wasm heap (which never shrinks) is freed when it ends.
 */
import { Worker } from 'node:worker_threads';
import { cpus } from 'node:os';
import type { BackendName } from './backend.js';

/** A function to run in a worker: `(await import(module))[fn](...args)`. */
export interface WorkerTask {
  /** Absolute file URL or path of an ES module (e.g. `new URL('./cell.js', import.meta.url).href`). */
  readonly module: string;
  /** Name of an exported function; its result must be structured-clonable. */
  readonly fn: string;
  /** Its arguments; they must be structured-clonable. */
  readonly args: readonly unknown[];
}

/** Options of `runInWorkers`. */
export interface WorkerOptions {
  /** Tasks running at once (default: the number of cores). */
  readonly concurrency?: number;
  /** Backend each worker selects before running its task (default: `setBackend()`'s choice). */
  readonly backend?: BackendName;
  /** Called with each task's index and result as it finishes. */
  readonly onResult?: (index: number, result: unknown) => void;
}

/** Runs every task in its own worker thread, at most `concurrency` at once; results in task order. */
export async function runInWorkers<R = unknown>(tasks: readonly WorkerTask[], options: WorkerOptions = {}): Promise<R[]> {
  const concurrency = Math.max(1, options.concurrency ?? cpus().length);
  const entry = new URL('./internal/worker-entry.js', import.meta.url);
  const results: R[] = new Array<R>(tasks.length);
  let next = 0;
  const runOne = (i: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const w = new Worker(entry, { workerData: { task: tasks[i], backend: options.backend ?? null } });
      let done = false;
      w.once('message', (m: { ok: true; result: R } | { ok: false; error: string }) => {
        done = true;
        if (m.ok) {
          results[i] = m.result;
          options.onResult?.(i, m.result);
          resolve();
        } else reject(new Error(`worker task ${i} (${tasks[i]!.fn}) failed: ${m.error}`));
      });
      // A worker may throw any value, not only an Error.
      w.once('error', (e: unknown) => reject(e instanceof Error ? e : new Error(`worker task ${i} threw ${String(e)}`)));
      w.once('exit', (code) => {
        if (!done) reject(new Error(`worker task ${i} exited with code ${code} before reporting`));
      });
    });
  const lanes = Array.from({ length: Math.min(concurrency, tasks.length) }, async () => {
    while (next < tasks.length) await runOne(next++);
  });
  await Promise.all(lanes);
  return results;
}
