import * as E from 'fp-ts/lib/Either.js';
import { PRESETS, resolveConfig } from './config.js';

describe('the shipped presets', () => {
  it.each(PRESETS)('%s decodes and passes the study checks', (preset) => {
    const r = resolveConfig({ preset });
    expect(E.isRight(r) ? 'valid' : r.left.message).toBe('valid');
  });
});
