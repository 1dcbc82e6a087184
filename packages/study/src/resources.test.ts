import { specEnv } from '@optimpact/sequence-env';
import * as E from 'fp-ts/lib/Either.js';
import { PRESETS, resolveConfig } from './config.js';
import { checkMemory, dataBytes } from './resources.js';

const config = (preset: string) => {
  const r = resolveConfig({ preset });
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right.config;
};

describe("the memory a study's data needs", () => {
  it.each(PRESETS)('%s fits in 8 GiB with two workers', (preset) => {
    expect(E.isRight(checkMemory(config(preset), specEnv, 2, 8 * 2 ** 30))).toBe(true);
  });

  it('counts every token of the training windows: 10⁷ sequences of 10⁶ tokens are refused, naming the fields', () => {
    const c = config('tiny');
    const huge = { ...c, data: { ...c.data, trainSequences: 10_000_000, sequenceLength: 1_000_000 } };
    // 10¹³ tokens × 4 bytes × (1 + 20 window tokens + position + target)
    expect(dataBytes(huge, specEnv).bytes).toBe(1e13 * 4 * 23);
    const r = checkMemory(huge, specEnv, 2, 24 * 2 ** 30);
    expect(E.isLeft(r) && r.left.message).toMatch(
      /^data\.trainSequences × data\.sequenceLength: the data would need about 1\.63 PiB of memory \(2 workers × 837 TiB\), more than half of this machine's 24\.0 GiB/,
    );
  });
});
