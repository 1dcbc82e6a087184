import * as tf from '@tensorflow/tfjs-core';
import * as E from 'fp-ts/lib/Either.js';
import { actionWindowPool, windowOf } from '@optimpact/core';
import { specEnv } from '@optimpact/sequence-env';
import { createModel, setBackend } from '@optimpact/transformer';
import { ensureGradients, GRADIENT_KERNELS } from './internal/gradients.js';
import { jacobians } from './jacobian.js';
import { differentiableTransformer } from './transformer.js';
import type { Jacobians, Trio } from './types.js';

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(`expected Right, got Left ${JSON.stringify(e.left)}`);
  return e.right;
};

beforeAll(async () => {
  await setBackend('cpu');
});

describe("this package's kernel gradients", () => {
  it("give the same Jacobians as tfjs's own gradient registry (register_all_gradients, loadable under jest)", async () => {
    const added = ensureGradients();
    expect(added.sort()).toEqual([...GRADIENT_KERNELS].sort()); // none registered before in this context
    expect(ensureGradients()).toEqual([]); // idempotent
    const mine = tf.getGradient('Multiply');

    const model = createModel('xs', 3);
    const net = differentiableTransformer(model);
    const fn = net.at(windowOf(actionWindowPool(specEnv, 4, 9), 2));
    const trio: Trio = {
      p: { site: 'embed', position: 'all' },
      a: { site: 'blocks.0.attn.out', position: 'last' },
      f: { site: 'logits', position: 'last' },
    };
    const ours = right(jacobians(fn, trio, { factors: true }));

    const warn = console.warn; // tfjs warns about each gradient it overrides
    console.warn = () => undefined;
    try {
      await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
    } finally {
      console.warn = warn;
    }
    expect(tf.getGradient('Multiply')).not.toBe(mine);
    for (const k of GRADIENT_KERNELS) expect(tf.getGradient(k)).toBeDefined();
    const official = right(jacobians(fn, trio, { factors: true }));

    const rel = (x: Jacobians['J'], y: Jacobians['J']): number => {
      let num = 0, den = 0;
      x.data.forEach((v, i) => ((num += (v - y.data[i]!) ** 2), (den += y.data[i]! ** 2)));
      return Math.sqrt(num / den);
    };
    for (const key of ['J', 'B', 'C', 'K'] as const) expect(rel(ours[key]!, official[key]!)).toBeLessThan(1e-5);
    net.dispose();
    model.dispose();
  });
});
