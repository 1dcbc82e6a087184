/**
 * Stage-by-stage progress: bars with elapsed time and ETA on a TTY, plain lines (at most one per unit
 * every 15 s, and at every stage change) when stdout is not a TTY or `CI` is set.
 */
import cliProgress from 'cli-progress';
import type { UnitProgress } from './run-unit.js';

export interface Progress {
  update(p: UnitProgress): void;
  finish(id: string, outcome: string): void;
  log(line: string): void;
  stop(): void;
}

const clock = (s: number): string => `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;

/** Progress over `totalUnits`, of which `done` were finished before this run (they count, but not towards the ETA's rate). */
export function progress(totalUnits: number, done = 0): Progress {
  const t0 = Date.now();
  let finished = done;
  if (process.stdout.isTTY && !process.env['CI']) {
    const multi = new cliProgress.MultiBar(
      {
        format: '{id} {stage} |{bar}| {value}/{total} · {duration_formatted} · ETA {eta_formatted}',
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    const overall = multi.create(totalUnits, done, { id: 'study'.padEnd(22), stage: 'units'.padEnd(8) });
    const bars = new Map<string, ReturnType<typeof multi.create>>();
    return {
      update(p) {
        let bar = bars.get(p.id);
        if (!bar) bars.set(p.id, (bar = multi.create(p.total, 0, { id: p.id.padEnd(22), stage: p.stage.padEnd(8) })));
        bar.setTotal(p.total);
        bar.update(p.done, { stage: p.stage.padEnd(8) });
      },
      finish(id) {
        const bar = bars.get(id);
        if (bar) {
          multi.remove(bar);
          bars.delete(id);
        }
        overall.update(++finished);
      },
      log: (line) => multi.log(`${line}\n`),
      stop: () => multi.stop(),
    };
  }
  const last = new Map<string, { stage: string; at: number }>();
  const line = (s: string): void => void process.stdout.write(`[${clock((Date.now() - t0) / 1000)}] ${s}\n`);
  return {
    update(p) {
      const prev = last.get(p.id);
      if (prev && prev.stage === p.stage && Date.now() - prev.at < 15_000 && p.done < p.total) return;
      last.set(p.id, { stage: p.stage, at: Date.now() });
      line(`${p.id}: ${p.stage} ${p.done}/${p.total}`);
    },
    finish(id, outcome) {
      finished++;
      const elapsed = (Date.now() - t0) / 1000;
      line(`${id}: ${outcome} (${finished}/${totalUnits} units; ETA ${clock((elapsed / (finished - done)) * (totalUnits - finished))})`);
    },
    log: line,
    stop: () => undefined,
  };
}
