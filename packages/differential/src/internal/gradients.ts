/**
 * Gradients of the TF.js kernels that site functions use, registered on demand.
 *
 * Why this file exists: `@tensorflow/tfjs-core` 4.22 ships its kernel gradients only as
 * `dist/register_all_gradients.js`, an ES module with extension-less imports that Node cannot load (a
 * bundler or jest can); its Node bundle `tf-core.node.js` holds none, and the `@tensorflow/tfjs` union
 * package that bundles them is not a dependency here. So `ensureGradients()` registers, for each kernel
 * below that has no gradient yet, the same derivative tfjs's own `gradients/*_grad.ts` defines, written with
 * public ops. Kernels that already have one (e.g. after importing tfjs's registry) are left alone, so the
 * official gradients win whenever they are present. Tested against them under jest
 * (`gradients.test.ts`) and against finite differences.
 *
 * Kernels covered: Add, Sub, Multiply, RealDiv, Neg, BatchMatMul, Reshape, Transpose, Softmax, Relu, Tanh, Exp,
 * Sqrt, Rsqrt, Square, Mean, Sum, Slice, PadV2, Identity. A site function using another kernel fails
 * with TF.js's own "gradient function not found" error.
 */
import * as tf from '@tensorflow/tfjs-core';

type Attrs = tf.NamedAttrMap;

// -------------------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------------------

function numbers(attrs: Attrs, key: string): number[] {
  const v = attrs[key];
  if (typeof v === 'number') return [v];
  if (Array.isArray(v) && v.every((x): x is number => typeof x === 'number')) return v;
  throw new Error(`gradient: attribute ${key} is not a number or number[] (${JSON.stringify(v)})`);
}

function bool(attrs: Attrs, key: string): boolean {
  const v = attrs[key];
  if (typeof v !== 'boolean') throw new Error(`gradient: attribute ${key} is not a boolean (${JSON.stringify(v)})`);
  return v;
}

function at<T>(xs: readonly T[], i: number, what: string): T {
  const x = xs[i];
  if (x === undefined) throw new Error(`gradient: ${what} has no entry ${i}`);
  return x;
}

/** Axes normalised to [0, rank). */
function axes(attrs: Attrs, rank: number): number[] {
  const v = attrs.axis;
  if (v === null || v === undefined) return Array.from({ length: rank }, (_, i) => i); // all axes
  return numbers(attrs, 'axis').map((a) => (a < 0 ? a + rank : a));
}

/**
 * Sums a gradient of the broadcast shape `dy.shape` back to an input's `shape` (right-aligned
 * broadcasting, as tfjs's `getReductionAxes`).
 */
function reduceTo(dy: tf.Tensor, shape: readonly number[]): tf.Tensor {
  const out = dy.shape, lead = out.length - shape.length;
  const sumAxes: number[] = [];
  for (let i = 0; i < out.length; i++) {
    const inDim = i < lead ? undefined : shape[i - lead];
    if (inDim === undefined || (inDim === 1 && out[i] !== 1)) sumAxes.push(i);
  }
  const summed = sumAxes.length > 0 ? tf.sum(dy, sumAxes) : dy;
  return tf.reshape(summed, [...shape]);
}

/** `dy` of a reduction over `ax` with keepDims or not, broadcast back to `shape`. */
function expandReduced(dy: tf.Tensor, shape: readonly number[], ax: readonly number[]): tf.Tensor {
  const expanded = shape.map((d, i) => (ax.includes(i) ? 1 : d));
  return tf.mul(tf.reshape(dy, expanded), tf.ones([...shape], 'float32'));
}

// -------------------------------------------------------------------------------------------------
// gradients
// -------------------------------------------------------------------------------------------------

const grads: tf.GradConfig[] = [
  {
    kernelName: 'Add',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved as tf.Tensor[];
      return { a: () => reduceTo(dy as tf.Tensor, a!.shape), b: () => reduceTo(dy as tf.Tensor, b!.shape) };
    },
  },
  {
    kernelName: 'Sub',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved as tf.Tensor[];
      return { a: () => reduceTo(dy as tf.Tensor, a!.shape), b: () => reduceTo(tf.neg(dy as tf.Tensor), b!.shape) };
    },
  },
  {
    kernelName: 'Multiply',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved as tf.Tensor[];
      return {
        a: () => reduceTo(tf.mul(dy as tf.Tensor, tf.cast(b!, 'float32')), a!.shape),
        b: () => reduceTo(tf.mul(dy as tf.Tensor, tf.cast(a!, 'float32')), b!.shape),
      };
    },
  },
  {
    kernelName: 'RealDiv',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved as tf.Tensor[];
      return {
        a: () => reduceTo(tf.div(dy as tf.Tensor, b!), a!.shape),
        b: () => reduceTo(tf.neg(tf.div(tf.mul(dy as tf.Tensor, a!), tf.square(b!))), b!.shape),
      };
    },
  },
  { kernelName: 'Neg', gradFunc: (dy) => ({ x: () => tf.neg(dy as tf.Tensor) }) },
  { kernelName: 'Identity', gradFunc: (dy) => ({ x: () => tf.clone(dy as tf.Tensor) }) },
  {
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved, attrs) => {
      const [a, b] = saved as tf.Tensor[];
      const g = dy as tf.Tensor;
      const tA = bool(attrs, 'transposeA'), tB = bool(attrs, 'transposeB');
      const m = (x: tf.Tensor, y: tf.Tensor, tx: boolean, ty: boolean): tf.Tensor => tf.matMul(x, y, tx, ty);
      let da: () => tf.Tensor, db: () => tf.Tensor;
      if (!tA && !tB) {
        da = () => m(g, b!, false, true);
        db = () => m(a!, g, true, false);
      } else if (!tA && tB) {
        da = () => m(g, b!, false, false);
        db = () => m(g, a!, true, false);
      } else if (tA && !tB) {
        da = () => m(b!, g, false, true);
        db = () => m(a!, g, false, false);
      } else {
        da = () => m(b!, g, true, true);
        db = () => m(g, a!, true, true);
      }
      return { a: () => reduceTo(da(), a!.shape), b: () => reduceTo(db(), b!.shape) };
    },
  },
  {
    kernelName: 'Reshape',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved as tf.Tensor[];
      return { x: () => tf.reshape(dy as tf.Tensor, x!.shape) };
    },
  },
  {
    kernelName: 'Transpose',
    gradFunc: (dy, _saved, attrs) => {
      const perm = numbers(attrs, 'perm');
      const inverse = new Array<number>(perm.length);
      perm.forEach((p, i) => (inverse[p] = i));
      return { x: () => tf.transpose(dy as tf.Tensor, inverse) };
    },
  },
  {
    kernelName: 'Softmax',
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [y] = saved as tf.Tensor[];
      const dim = at(numbers(attrs, 'dim'), 0, 'Softmax dim');
      return {
        logits: () => {
          const dyTimesY = tf.mul(dy as tf.Tensor, y!);
          return tf.sub(dyTimesY, tf.mul(tf.sum(dyTimesY, [dim], true), y!));
        },
      };
    },
  },
  {
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved as tf.Tensor[];
      return { x: () => tf.mul(dy as tf.Tensor, tf.step(tf.cast(x!, 'float32'))) };
    },
  },
  {
    kernelName: 'Tanh',
    outputsToSave: [true],
    gradFunc: (dy, saved) => {
      const [y] = saved as tf.Tensor[];
      return { x: () => tf.mul(dy as tf.Tensor, tf.sub(1, tf.square(y!))) };
    },
  },
  {
    kernelName: 'Exp',
    outputsToSave: [true],
    gradFunc: (dy, saved) => {
      const [y] = saved as tf.Tensor[];
      return { x: () => tf.mul(dy as tf.Tensor, y!) };
    },
  },
  {
    kernelName: 'Sqrt',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved as tf.Tensor[];
      return { x: () => tf.div(dy as tf.Tensor, tf.mul(tf.sqrt(tf.cast(x!, 'float32')), 2)) };
    },
  },
  {
    kernelName: 'Rsqrt',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved as tf.Tensor[];
      // d/dx x^(−½) = −½ x^(−3/2)
      return { x: () => tf.neg(tf.div(dy as tf.Tensor, tf.mul(tf.pow(x!, 1.5), 2))) };
    },
  },
  {
    kernelName: 'Square',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved as tf.Tensor[];
      return { x: () => tf.mul(dy as tf.Tensor, tf.mul(tf.cast(x!, 'float32'), 2)) };
    },
  },
  {
    kernelName: 'Sum',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as tf.Tensor[];
      return { x: () => expandReduced(dy as tf.Tensor, x!.shape, axes(attrs, x!.rank)) };
    },
  },
  {
    kernelName: 'Mean',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as tf.Tensor[];
      const ax = axes(attrs, x!.rank);
      const count = ax.reduce((p, a) => p * at(x!.shape, a, 'Mean shape'), 1);
      return { x: () => tf.div(expandReduced(dy as tf.Tensor, x!.shape, ax), count) };
    },
  },
  {
    kernelName: 'Slice',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as tf.Tensor[];
      const shape = x!.shape, rank = shape.length;
      const rawBegin = numbers(attrs, 'begin'), rawSize = numbers(attrs, 'size');
      const begin = shape.map((_, i) => rawBegin[i] ?? 0);
      const size = shape.map((d, i) => {
        const s = rawSize[i] ?? -1;
        return s === -1 ? d - begin[i]! : s;
      });
      const paddings: [number, number][] = [];
      for (let i = 0; i < rank; i++) paddings.push([begin[i]!, shape[i]! - begin[i]! - size[i]!]);
      return { x: () => tf.pad(dy as tf.Tensor, paddings) };
    },
  },
  {
    kernelName: 'PadV2',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as tf.Tensor[];
      return { x: () => tf.slice(dy as tf.Tensor, paddingsOf(attrs).map((p) => p[0]), x!.shape) };
    },
  },
];

/** PadV2's `paddings` attribute: `[before, after]` per axis. */
function paddingsOf(attrs: Attrs): [number, number][] {
  const v = attrs.paddings;
  if (!Array.isArray(v)) throw new Error(`gradient: PadV2 paddings missing (${JSON.stringify(v)})`);
  return v.map((p) => {
    if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'number' || typeof p[1] !== 'number') {
      throw new Error(`gradient: PadV2 padding ${JSON.stringify(p)} is not [before, after]`);
    }
    return [p[0], p[1]];
  });
}

// -------------------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------------------

/**
 * Registers the gradients above for every kernel that has none yet (idempotent, cheap after the first
 * call). Returns the kernel names it registered now.
 */
export function ensureGradients(): string[] {
  const added: string[] = [];
  for (const g of grads) {
    if (tf.getGradient(g.kernelName) === undefined) {
      tf.registerGradient(g);
      added.push(g.kernelName);
    }
  }
  return added;
}

/** Kernel names this module can supply a gradient for. */
export const GRADIENT_KERNELS: readonly string[] = grads.map((g) => g.kernelName);
