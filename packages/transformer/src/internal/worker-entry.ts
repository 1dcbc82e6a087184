// Entry of the worker threads started by `runInWorkers`: select the backend, run one task, post its result.
import { parentPort, workerData } from 'node:worker_threads';
import { setBackend, type BackendName } from '../backend.js';

interface Data {
  readonly task: { readonly module: string; readonly fn: string; readonly args: readonly unknown[] };
  readonly backend: BackendName | null;
}

const { task, backend } = workerData as Data;
try {
  await setBackend(backend ?? undefined);
  const mod = (await import(task.module)) as Record<string, unknown>;
  const fn = mod[task.fn];
  if (typeof fn !== 'function') throw new Error(`${task.module} exports no function ${task.fn}`);
  const result: unknown = await (fn as (...a: readonly unknown[]) => unknown)(...task.args);
  parentPort!.postMessage({ ok: true, result });
} catch (e) {
  parentPort!.postMessage({ ok: false, error: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) });
}
