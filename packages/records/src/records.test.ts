import { FORMAT_VERSION } from '@optimpact/core';
import type { RunRecord } from '@optimpact/core';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finishedRecord, finishedRecords, hashDir, readChecked, readVerified, removeTemporaries, sha256, unitDir, writeDirAtomic, writeRecord, writeVerified } from './index.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'optimpact-records-'));

const record = (id: string, status: 'success' | 'error' = 'success'): RunRecord => ({
  formatVersion: FORMAT_VERSION, id, status, seed: 1, config: {}, timings: {},
  provenance: { created: '2026-01-01T00:00:00Z', git: { commit: null, dirty: false }, packages: {}, node: 'v0', backend: 'none', platform: 'x' },
  kind: 'failed', unit: {}, error: { message: 'm', stack: '' },
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

  test('a directory written atomically replaces the old one; leftovers are removed', async () => {
    const out = tmp(), dir = join(unitDir(out, 'u'), 'model');
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
