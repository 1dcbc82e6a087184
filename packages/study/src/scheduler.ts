/**
 * Running the units of a study: each in a fresh worker thread, at most `jobs` at a time, each after the
 * units it depends on.
 */
import type { ConfigSource } from '@optimpact/core';
import type { BackendName } from '@optimpact/transformer';
import { Worker } from 'node:worker_threads';
import type { StudyConfig } from './config.js';
import type { Unit } from './plan.js';
import type { Progress } from './progress.js';

/** Runs one unit in a fresh worker thread (its wasm heap is freed when it ends); resolves with an error message or undefined. */
export function runInWorker(
  out: string,
  config: StudyConfig,
  source: ConfigSource | undefined,
  backend: BackendName | undefined,
  unit: Unit,
  bar: Progress,
  checkpointSeconds: number,
): Promise<{ message: string; stack: string } | undefined> {
  return new Promise((done) => {
    const w = new Worker(new URL('./worker.js', import.meta.url), { workerData: { out, config, source, backend: backend ?? null, unit, checkpointSeconds } });
    let reported = false;
    w.on(
      'message',
      (
        m:
          | { type: 'progress'; id: string; stage: string; done: number; total: number }
          | { type: 'log'; line: string }
          | { type: 'done' }
          | { type: 'error'; message: string; stack: string },
      ) => {
        if (m.type === 'progress') bar.update(m);
        else if (m.type === 'log') bar.log(m.line);
        else {
          reported = true;
          done(m.type === 'done' ? undefined : { message: m.message, stack: m.stack });
        }
      },
    );
    // A worker may throw any value, not only an Error.
    w.on('error', (e: unknown) => {
      reported = true;
      done(e instanceof Error ? { message: e.message, stack: e.stack ?? '' } : { message: String(e), stack: '' });
    });
    w.on('exit', (code) => {
      if (!reported) done({ message: `worker exited with code ${code}`, stack: '' });
    });
  });
}

/** Runs `units` at most `jobs` at a time, each after its dependencies; returns the ids that failed. */
export async function schedule(units: readonly Unit[], finished: Set<string>, jobs: number, run: (u: Unit) => Promise<boolean>): Promise<Set<string>> {
  const failed = new Set<string>();
  const pending = units.filter((u) => !finished.has(u.id));
  let running = 0;
  await new Promise<void>((resolveAll) => {
    const pump = (): void => {
      for (let i = pending.length - 1; i >= 0; i--) if (pending[i]!.after.some((d) => failed.has(d))) failed.add(pending.splice(i, 1)[0]!.id);
      while (running < jobs) {
        // Pretraining first: each one unlocks a chain of fine-tunings, so no core idles at the end.
        const ready = (u: Unit): boolean => u.after.every((d) => finished.has(d));
        const first = pending.findIndex((u) => u.kind === 'pretrain' && ready(u));
        const i = first >= 0 ? first : pending.findIndex(ready);
        if (i < 0) break;
        const u = pending.splice(i, 1)[0]!;
        running++;
        void run(u).then((ok) => {
          running--;
          (ok ? finished : failed).add(u.id);
          pump();
        });
      }
      if (running === 0) resolveAll();
    };
    pump();
  });
  return failed;
}
