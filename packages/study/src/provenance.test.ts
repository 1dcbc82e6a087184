import { Provenance } from '@optimpact/core';
import { setBackend, setKernelVariant } from '@optimpact/transformer';
import * as E from 'fp-ts/lib/Either.js';
import { provenance } from './provenance.js';

describe('provenance', () => {
  afterAll(() => setKernelVariant());

  it("names the wasm kernels' build in use, and decodes", async () => {
    await setBackend('wasm');
    for (const v of ['simd', 'fma'] as const) {
      setKernelVariant(v);
      const p = provenance('wasm');
      expect(p.kernels).toBe(v);
      expect(p.node).toBe(process.version);
      expect(E.isRight(Provenance.decode(JSON.parse(JSON.stringify(p))))).toBe(true);
    }
  });

  it('holds the environment fingerprint it is given, and decodes', () => {
    const p = provenance('wasm', 'f'.repeat(64));
    expect(p.environmentFingerprint).toBe('f'.repeat(64));
    expect(E.isRight(Provenance.decode(JSON.parse(JSON.stringify(p))))).toBe(true);
    expect('environmentFingerprint' in provenance('wasm')).toBe(false);
  });

  it('decodes records written before the fields existed', () => {
    const { kernels: _k, ...old } = provenance('wasm');
    expect(E.isRight(Provenance.decode(old))).toBe(true);
  });
});
