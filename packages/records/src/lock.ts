/**
 * A lock on a study's output directory: one study writes there at a time. The lock is a file created
 * exclusively (`O_EXCL`) holding its holder's pid, host and start time. A lock whose holder is gone (a
 * killed run on this host: no such process, or the pid now belongs to a process started later) is stale
 * and is taken over; a lock held from another host is never guessed to be stale.
 */
import { closeSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** Who holds a lock. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** ISO time the holder took the lock. */
  readonly started: string;
  /** The holder's start time in clock ticks since boot (Linux /proc), to tell a reused pid apart. */
  readonly procStart?: number;
}

/** The lock file of an output directory. */
export const lockFile = (out: string): string => join(out, '.lock');

/** This process's start time in clock ticks since boot, or undefined where /proc is not available. */
function procStart(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22, counted after the command name, which is in parentheses and may hold spaces.
    const v = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** True when `holder` is certainly gone: on this host, and no process with its pid started when it did. */
function isStale(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
  const now = procStart(holder.pid);
  return holder.procStart !== undefined && now !== undefined && now !== holder.procStart;
}

export const describeHolder = (h: LockHolder): string => `pid ${h.pid} on ${h.host}, started ${h.started}`;

function readHolder(file: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
    return typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.started === 'string' ? h : undefined;
  } catch {
    return undefined;
  }
}

function ageSeconds(file: string): number {
  try {
    return (Date.now() - statSync(file).mtimeMs) / 1000;
  } catch {
    return 0;
  }
}

/** Creates `file` holding `holder` if it does not exist; false if it does. */
function createExclusive(file: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, `${JSON.stringify(holder)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** What taking a lock gave: held (with the stale holder it replaced, if any), or refused by a live holder. */
export type LockResult =
  { readonly held: true; readonly release: () => void; readonly replaced?: LockHolder } | { readonly held: false; readonly holder: LockHolder | undefined };

/**
 * Takes the lock of `out` (which must exist). Two processes that find the same stale lock cannot both
 * take it: the takeover itself goes through an exclusive file, and the stale lock is moved aside only
 * while it still holds the stale holder.
 */
export function acquireLock(out: string): LockResult {
  const file = lockFile(out);
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    started: new Date().toISOString(),
    ...(procStart(process.pid) !== undefined ? { procStart: procStart(process.pid)! } : {}),
  };
  const release = (): void => {
    if (readHolder(file)?.pid === me.pid && readHolder(file)?.started === me.started) rmSync(file, { force: true });
  };
  // Under the exclusive takeover file: if the lock is still what `still` expects, move it aside and take it.
  const takeOver = (still: () => boolean): boolean => {
    const takeover = `${file}.takeover`;
    const taker = readHolder(takeover);
    if (taker !== undefined && isStale(taker)) rmSync(takeover, { force: true });
    if (!createExclusive(takeover, me)) return false;
    try {
      if (!still()) return false;
      const aside = `${file}.stale-${process.pid}`;
      renameSync(file, aside);
      rmSync(aside, { force: true });
      return createExclusive(file, me);
    } finally {
      rmSync(takeover, { force: true });
    }
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createExclusive(file, me)) return { held: true, release };
    const holder = readHolder(file);
    if (holder === undefined) {
      // Being written this instant, or left empty by a crash between create and write (then old): taken
      // over like a stale one, so that two processes finding it cannot both remove it and both hold the lock.
      if (ageSeconds(file) >= 10 && takeOver(() => readHolder(file) === undefined && ageSeconds(file) >= 10)) return { held: true, release };
      continue;
    }
    if (!isStale(holder)) return { held: false, holder };
    const same = (h: LockHolder | undefined): boolean => h !== undefined && h.pid === holder.pid && h.started === holder.started;
    if (takeOver(() => same(readHolder(file)))) return { held: true, release, replaced: holder };
  }
  return { held: false, holder: readHolder(file) };
}
