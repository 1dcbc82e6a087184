/** Worker-thread entry: selects the backend, runs one unit, posts progress and the outcome. */
import type { ConfigSource } from '@optimpact/core';
import { unitDir } from '@optimpact/records';
import type { BackendName } from '@optimpact/transformer';
import { setBackend } from '@optimpact/transformer';
import { parentPort, workerData } from 'node:worker_threads';
import type { StudyConfig } from './config.js';
import type { Unit } from './plan.js';
import { runUnit } from './run-unit.js';

interface Input {
  readonly out: string;
  readonly config: StudyConfig;
  readonly source?: ConfigSource;
  readonly backend: BackendName | null;
  readonly unit: Unit;
  readonly checkpointSeconds: number;
}

const input = workerData as Input;
const port = parentPort!;
try {
  const backend = await setBackend(input.backend ?? undefined);
  await runUnit(
    {
      dir: (id) => unitDir(input.out, id),
      config: input.config,
      ...(input.source ? { source: input.source } : {}),
      backend,
      onProgress: (p) => port.postMessage({ type: 'progress', ...p }),
      log: (line) => port.postMessage({ type: 'log', line }),
      checkpointSeconds: input.checkpointSeconds,
    },
    input.unit,
  );
  port.postMessage({ type: 'done' });
} catch (e) {
  port.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e), stack: e instanceof Error ? (e.stack ?? '') : '' });
}
