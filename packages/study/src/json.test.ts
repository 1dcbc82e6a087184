import { jsonProblem, MAX_JSON_DEPTH } from './json.js';
import { applyOverrides, decodeConfig, presetPath, readJsonFile } from './config.js';
import * as E from 'fp-ts/lib/Either.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const nested = (n: number): string => `${'['.repeat(n)}${']'.repeat(n)}`;

describe('jsonProblem', () => {
  it('passes every preset and plain JSON, whatever its strings hold', () => {
    for (const p of ['quick', 'tiny', 'paper']) expect(E.isRight(readJsonFile(presetPath(p), '--preset'))).toBe(true);
    expect(jsonProblem('{"a": "{[{[ \\"constructor\\": ", "b": [1, {"a": 2}]}')).toBeUndefined();
    expect(jsonProblem(nested(MAX_JSON_DEPTH))).toBeUndefined();
  });

  it('finds nesting past the limit, duplicate keys and prototype keys, naming where', () => {
    expect(jsonProblem(nested(MAX_JSON_DEPTH + 1))).toMatch(/deeper than 32/);
    expect(jsonProblem(nested(100_000))).toMatch(/deeper than 32/);
    expect(jsonProblem('{"data": {"a": 1, "b": 2, "a": 3}}')).toBe('key "a" in data is given twice');
    expect(jsonProblem('{"x": {"__proto__": {"polluted": 1}}}')).toBe('key "__proto__" in x is not allowed');
    expect(jsonProblem('{"\\u005f_proto__": 1}')).toBe('key "__proto__" is not allowed'); // escapes are decoded
    expect(jsonProblem('[{"a": 1}, {"a": 2}]')).toBeUndefined(); // one key per object
    expect(jsonProblem('{"constructor": {"prototype": {}}}')).toMatch(/"constructor"/);
  });
});

describe('config input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'optimpact-json-'));
  it('refuses a file too large or not regular before reading it', () => {
    const big = join(dir, 'big.json');
    writeFileSync(big, `{"pad": "${'x'.repeat(2 << 20)}"}`);
    expect(readJsonFile(big, '--config')).toEqual(
      E.left(expect.objectContaining({ message: expect.stringMatching(/--config: ".*big\.json" has \d+ bytes, more than the 1048576/) })),
    );
    expect(readJsonFile(dir, '--config')).toEqual(E.left(expect.objectContaining({ message: expect.stringMatching(/is not a regular file/) })));
  });

  it('never walks a --set path through Object.prototype', () => {
    for (const set of ['__proto__.polluted=1', 'constructor.prototype.polluted=1', 'a.__proto__.polluted=1']) {
      expect(E.isLeft(applyOverrides({}, [set]))).toBe(true);
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(applyOverrides({}, ['a..b=1'])).toEqual(E.left(expect.objectContaining({ message: expect.stringMatching(/empty key/) })));
  });

  it('refuses repeated and empty lists, and per-size keys that are not sizes', () => {
    const tiny = (readJsonFile(presetPath('tiny'), '--preset') as E.Right<Record<string, unknown>>).right;
    const with_ = (set: string) => decodeConfig((applyOverrides(tiny, [set]) as E.Right<unknown>).right, 'preset tiny');
    expect(E.isRight(with_('seeds=[1,2]'))).toBe(true);
    for (const [set, message] of [
      ['seeds=[1,2,1]', /seeds: expected a non-empty list of distinct/],
      ['tasks=[]', /tasks: expected a non-empty list/],
      ['sizes=["xs","xs"]', /sizes: /],
      ['measure.references=["uniform","uniform"]', /measure\.references: expected a list of distinct/],
      ['pretrain.steps={"xs":3,"xl":4}', /pretrain\.steps: .*"xl"/],
    ] as const) {
      expect(with_(set)).toEqual(E.left(expect.objectContaining({ message: expect.stringMatching(message) })));
    }
  });
});
