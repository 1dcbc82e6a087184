import * as E from 'fp-ts/lib/Either.js';
import { PRESETS, resolveConfig } from './config.js';

describe('the shipped presets', () => {
  it.each(PRESETS)('%s decodes and passes the study checks', (preset) => {
    const r = resolveConfig({ preset });
    expect(E.isRight(r) ? 'valid' : r.left.message).toBe('valid');
  });
});

describe('resolveConfig', () => {
  it('records the preset and the --set overrides apart from the config they give', () => {
    const r = resolveConfig({ preset: 'tiny', set: ['seeds=[3,4]', 'measure.repeats=2'] });
    if (E.isLeft(r)) throw new Error(r.left.message);
    expect(r.right.source).toEqual({ preset: 'tiny', overrides: ['seeds=[3,4]', 'measure.repeats=2'] });
    expect(r.right.config.seeds).toEqual([3, 4]);
    expect(r.right.config.measure.repeats).toBe(2);
  });
});
