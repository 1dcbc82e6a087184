import { FORMAT_VERSION } from '@optimpact/core';
import type { RunRecord } from '@optimpact/core';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  acquireLock,
  describeHolder,
  finishedRecord,
  finishedRecords,
  hashDir,
  lockFile,
  modelProblem,
  readChecked,
  readVerified,
  removeTemporaries,
  sha256,
  unitDir,
  unitState,
  writeDirAtomic,
  writeFileAtomic,
  WriteError,
  writeRecord,
  writeVerified,
} from './index.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'optimpact-records-'));

const record = (id: string, status: 'success' | 'error' = 'success'): RunRecord => ({
  formatVersion: FORMAT_VERSION,
  id,
  status,
  seed: 1,
  config: {},
  timings: {},
  provenance: { created: '2026-01-01T00:00:00Z', git: { commit: null, dirty: false }, packages: {}, node: 'v0', backend: 'none', platform: 'x' },
  kind: 'failed',
  unit: {},
  error: { message: 'm', stack: '' },
});

describe('verified files', () => {
  test('a file reads back only while it matches its .sha256', () => {
    const f = join(tmp(), 'a', 'x.json');
    writeVerified(f, 'hello\n');
    expect(readVerified(f)?.toString()).toBe('hello\n');
    writeFileSync(f, 'hellO\n');
    expect(readVerified(f)).toBeUndefined();
    expect(readChecked(f, false)).toBe('mismatch');
  });

  test('no checksum: missing when required, read as is otherwise', () => {
    const f = join(tmp(), 'y.json');
    writeFileSync(f, '{}');
    expect(readChecked(f, true)).toBe('missing');
    expect(readChecked(f, false)).toEqual({ data: Buffer.from('{}') });
  });

  test('the checksum is SHA-256 of the bytes (known vector)', () => {
    expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('run records', () => {
  test('only whole, successful records count as finished', () => {
    const out = tmp();
    writeRecord(unitDir(out, 'a'), record('a'));
    writeRecord(unitDir(out, 'b'), record('b', 'error'));
    writeRecord(unitDir(out, 'c'), record('c'));
    writeFileSync(join(unitDir(out, 'c'), 'run.json'), '{"edited": true}\n');
    expect(finishedRecord(unitDir(out, 'a'))?.id).toBe('a');
    expect(finishedRecords([out]).map((r) => r.id)).toEqual(['a']);
  });

  test('a record that would not decode is not written: a NaN number fails the unit, naming the field', () => {
    const dir = unitDir(tmp(), 'nan');
    expect(() => writeRecord(dir, { ...record('nan'), seed: Number.NaN })).toThrow(
      /^nan: its record is not valid, so it was not written: seed: expected number, got null \(a NaN or infinite number is null in JSON\)$/,
    );
    expect(existsSync(join(dir, 'run.json'))).toBe(false);
  });

  test('a directory written atomically replaces the old one; leftovers are removed', async () => {
    const out = tmp(),
      dir = join(unitDir(out, 'u'), 'model');
    await writeDirAtomic(dir, async (t) => writeFileSync(join(t, 'w.bin'), 'one'));
    const first = hashDir(dir);
    await writeDirAtomic(dir, async (t) => writeFileSync(join(t, 'w.bin'), 'two'));
    expect(hashDir(dir)).not.toBe(first);
    writeFileSync(join(unitDir(out, 'u'), 'run.json.tmp-1-ab'), 'partial');
    removeTemporaries(out);
    expect(readdirSync(unitDir(out, 'u'))).toEqual(['model']);
    expect(existsSync(join(dir, 'w.bin'))).toBe(true);
  });
});

describe('the lock of an output directory', () => {
  test('a second taker is refused, naming the holder; released, it can be taken again', () => {
    const dir = tmp();
    const first = acquireLock(dir);
    expect(first.held).toBe(true);
    const second = acquireLock(dir);
    expect(second.held).toBe(false);
    if (!second.held) expect(second.holder).toMatchObject({ pid: process.pid, host: hostname() });
    if (first.held) first.release();
    const third = acquireLock(dir);
    expect(third.held && third.replaced === undefined).toBe(true);
  });

  test('an empty lock is being written while young, and taken over once old, leaving no takeover file behind', () => {
    const dir = tmp();
    writeFileSync(lockFile(dir), '');
    expect(acquireLock(dir)).toEqual({ held: false, holder: undefined });
    const old = (Date.now() - 60_000) / 1000;
    utimesSync(lockFile(dir), old, old);
    const taken = acquireLock(dir);
    expect(taken.held && taken.replaced === undefined).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['.lock']);
    if (taken.held) taken.release();
  });

  test('a lock left by a process that is gone is taken over, and says whose it was', () => {
    const dir = tmp();
    const gone = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid;
    writeFileSync(lockFile(dir), JSON.stringify({ pid: gone, host: hostname(), started: '2026-01-01T00:00:00.000Z' }));
    const r = acquireLock(dir);
    expect(r.held).toBe(true);
    if (r.held) expect(r.replaced).toMatchObject({ pid: gone });
  });

  test('a lock held from another host is never taken over', () => {
    const dir = tmp();
    writeFileSync(lockFile(dir), JSON.stringify({ pid: 1, host: 'elsewhere', started: '2026-01-01T00:00:00.000Z' }));
    const r = acquireLock(dir);
    expect(r.held).toBe(false);
    if (!r.held) expect(describeHolder(r.holder!)).toBe('pid 1 on elsewhere, started 2026-01-01T00:00:00.000Z');
  });
});

describe('unit state: one validity rule', () => {
  const ok = (dir: string) => {
    writeRecord(dir, { ...record('u'), status: 'success', kind: 'failed' } as RunRecord);
  };
  test('says why a unit cannot be trusted', () => {
    const dir = join(tmp(), 'u');
    expect(unitState(dir)).toEqual({ why: undefined });
    ok(dir);
    expect('record' in unitState(dir)).toBe(true);
    rmSync(join(dir, 'run.json.sha256'));
    expect(unitState(dir)).toEqual({ why: 'run.json has no .sha256 (its write did not finish)' });
    writeRecord(dir, record('u', 'error'));
    expect(unitState(dir)).toEqual({ why: 'failed before: m' });
  });

  test('a model directory that does not match the checksum in the record is corrupt', async () => {
    const dir = join(tmp(), 'p');
    await writeDirAtomic(join(dir, 'model'), async (t) => writeFileSync(join(t, 'weights.bin'), 'abcd'));
    const sha = hashDir(join(dir, 'model'));
    writeRecord(dir, { ...record('p'), status: 'success', modelDir: 'model', modelSha256: sha } as unknown as RunRecord);
    expect(modelProblem(join(dir, 'model'), sha)).toBeUndefined();
    writeFileSync(join(dir, 'model', 'weights.bin'), 'abcD');
    expect(modelProblem(join(dir, 'model'), sha)).toBe('model/ does not match the checksum in run.json (corrupted or edited)');
  });
});

describe('write errors', () => {
  test('name the path and the cause in one line', () => {
    const file = join(tmp(), 'f');
    writeFileSync(file, 'x');
    expect(() => writeFileAtomic(join(file, 'under-a-file.json'), '{}')).toThrow(WriteError);
    expect(() => writeFileAtomic(join(file, 'under-a-file.json'), '{}')).toThrow(`cannot write ${file}: file already exists (EEXIST)`);
  });
});
