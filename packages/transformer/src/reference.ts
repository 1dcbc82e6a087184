/**
 * The reference transformer: the study's encoder-only model written the plain way, in TF.js ops, read top
 * to bottom (embed → blocks → final LayerNorm → head), after nanoGPT's model.py
 * (https://github.com/karpathy/nanoGPT). It is the model a reader learns from, and the one that is
 * differentiated: every op's gradient comes from TF.js (`registerGradients`), so it differentiates with
 * respect to its weights and to any hooked activation. The fast `Transformer` (model.ts) is a backend that must agree with it: same
 * weights, same logits and gradients (model.test.ts).
 *
 * Where it differs from nanoGPT's GPT: no causal mask (encoder-only: every position attends to every
 * position), a ReLU MLP (as torch.nn.TransformerEncoderLayer), no dropout (eval mode), no weight tying,
 * biases everywhere, and the head reads the output position (the last token of the window) only.
 *
 * Hook sites, in forward order (`B` windows, `T` = context length, `C` = width, `V` = vocabulary; a
 * positional site has the token position as its second axis, the output position being `T − 1`):
 * - `embed` `[B, T, C]`: token + position embedding (the residual stream entering block 0);
 * - per block `l`: `blocks.l.attn.out` `[B, T, C]` (the attention branch after its output projection,
 *   before it is added to the residual stream), `blocks.l.mlp.out` `[B, T, C]` (the MLP branch, likewise),
 *   `blocks.l.resid` `[B, T, C]` (the residual stream after the block);
 * - `lnf` `[B, C]`: the final LayerNorm at the output position;
 * - `logits` `[B, V]`: next-token logits at the output position.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Windows } from '@optimpact/core';
import { LAYER_NORM_EPS, queryScale, type TransformerConfig } from './config.js';
import { registerGradients } from './gradients.js';
import { paramSpecs } from './model.js';

export { registerGradients };

// ---------------------------------------------------------------------------------------------------
// model

/** The weights by parameter name and shape of `paramSpecs` (e.g. `blocks.0.attn.wq` `[C, C]`). */
export type ReferenceWeights = Readonly<Record<string, tf.Tensor>>;

/** One hook site: its name and the shape of one window's value (no batch axis). */
export interface HookSite {
  /** Stable dotted name, e.g. `embed`, `blocks.0.mlp.out`, `logits`. */
  readonly name: string;
  readonly shape: readonly number[];
  /** True when the first axis of `shape` is the token position; false for sites at the output position only. */
  readonly positional: boolean;
}

/**
 * Called with each hook site's value `[B, ...shape]`, in forward order; the forward pass continues with
 * the tensor it returns (same shape). The default returns the value unchanged.
 */
export type Hook = (name: string, value: tf.Tensor) => tf.Tensor;

/** The hook sites of a config, in forward order (see the module header). */
export function hookSites(c: TransformerConfig): HookSite[] {
  const T = c.contextLength,
    C = c.dModel;
  const sites: HookSite[] = [{ name: 'embed', shape: [T, C], positional: true }];
  for (let l = 0; l < c.nLayers; l++) {
    for (const name of [`blocks.${l}.attn.out`, `blocks.${l}.mlp.out`, `blocks.${l}.resid`]) sites.push({ name, shape: [T, C], positional: true });
  }
  sites.push({ name: 'lnf', shape: [C], positional: false }, { name: 'logits', shape: [c.vocabSize], positional: false });
  return sites;
}

// ---------------------------------------------------------------------------------------------------
// layers

/**
 * `x·w + b` over the last axis: `[..., in] → [..., out]`. Its derivative is written out (dx = dy·wᵀ,
 * dw = xᵀ·dy, db = Σ dy over rows) with every transpose explicit, so that each product is a plain 2-D
 * matMul: on the wasm backend the transposed matMuls autodiff of `x·w` would use are ~10× slower. Only
 * `tf.Variable` weights get a derivative (as `tf.variableGrads` wants); other weights are constants, so
 * derivatives with respect to activations (the differential measures) cost no weight gradients.
 */
function linear(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const [nIn, nOut] = w.shape as [number, number];
  const x2 = tf.reshape(x, [-1, nIn]);
  const y = w instanceof tf.Variable || b instanceof tf.Variable ? denseTrainable(x2, w, b) : denseConstant(w, b)(x2);
  return tf.reshape(y, [...x.shape.slice(0, -1), nOut]);
}

const tensors = (args: (tf.Tensor | tf.GradSaveFunc)[]): tf.Tensor2D[] => args.filter((a): a is tf.Tensor2D => a instanceof tf.Tensor);

const denseTrainable = tf.customGrad((...args) => {
  const [x, w, b] = tensors(args) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor];
  (args[3] as tf.GradSaveFunc)([x, w]);
  return {
    value: tf.add(tf.matMul(x, w), b),
    gradFunc: (dy: tf.Tensor, [xs, ws]: tf.Tensor[]) => [
      tf.matMul(dy, tf.transpose(ws as tf.Tensor2D)),
      tf.matMul(tf.transpose(xs as tf.Tensor2D), dy),
      tf.reshape(tf.matMul(tf.ones([1, dy.shape[0]]), dy as tf.Tensor2D), b.shape), // column sums as a plain matMul
    ],
  };
});

const denseConstant = (w: tf.Tensor, b: tf.Tensor) =>
  tf.customGrad((...args) => {
    const [x] = tensors(args) as [tf.Tensor2D];
    return { value: tf.add(tf.matMul(x, w as tf.Tensor2D), b), gradFunc: (dy: tf.Tensor) => tf.matMul(dy, tf.transpose(w as tf.Tensor2D)) };
  });

/** LayerNorm over the last axis: `(x − mean) / √(var + ε) · g + b`, biased variance, ε = `LAYER_NORM_EPS`. */
function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, LAYER_NORM_EPS))), g), b);
}

/** Multi-head self-attention over all positions (no mask), before the output projection's residual add. */
function selfAttention(c: TransformerConfig, w: (name: string) => tf.Tensor, p: string, x: tf.Tensor): tf.Tensor {
  const [B, T, C] = x.shape as [number, number, number];
  const nh = c.nHeads,
    hs = C / nh;
  const heads = (t: tf.Tensor): tf.Tensor3D => tf.reshape(tf.transpose(tf.reshape(t, [B, T, nh, hs]), [0, 2, 1, 3]), [B * nh, T, hs]);
  const q = heads(linear(x, w(`${p}.wq`), w(`${p}.bq`))); // (B·nh, T, hs)
  const k = heads(linear(x, w(`${p}.wk`), w(`${p}.bk`)));
  const v = heads(linear(x, w(`${p}.wv`), w(`${p}.bv`)));
  const att = tf.softmax(tf.mul(tf.matMul(q, k, false, true), queryScale(c))); // (B·nh, T, T)
  const y = tf.reshape(tf.transpose(tf.reshape(tf.matMul(att, v), [B, nh, T, hs]), [0, 2, 1, 3]), [B, T, C]); // heads side by side
  return linear(y, w(`${p}.wo`), w(`${p}.bo`));
}

/** The MLP branch: `relu(x·W1 + b1)·W2 + b2`, hidden width `mlpRatio·C`. */
function mlp(w: (name: string) => tf.Tensor, p: string, x: tf.Tensor): tf.Tensor {
  return linear(tf.relu(linear(x, w(`${p}.w1`), w(`${p}.b1`))), w(`${p}.w2`), w(`${p}.b2`));
}

// ---------------------------------------------------------------------------------------------------
// forward

const identity: Hook = (_, value) => value;

/**
 * Next-token logits `[B, V]` of `windows` (each `contextLength` tokens), every hook site passing through
 * `hook`. Creates tensors: run inside `tf.tidy` (or `tf.grad`). Registers every kernel gradient on first
 * use (`registerGradients`), so that it can be differentiated.
 *
 * @throws Error when a weight is missing or a window does not fit the config (a programming error).
 */
export function referenceLogits(c: TransformerConfig, weights: ReferenceWeights, windows: Windows, hook: Hook = identity): tf.Tensor2D {
  registerGradients();
  const B = windows.n,
    T = c.contextLength,
    C = c.dModel,
    V = c.vocabSize;
  if (windows.length !== T) throw new Error(`windows have length ${windows.length}, the model reads ${T}`);
  const tokens = windows.tokens.subarray(0, B * T);
  tokens.forEach((tok, r) => {
    if (!(tok >= 0 && tok < V)) throw new RangeError(`token ${tok} at row ${r} outside vocabulary 0..${V - 1}`);
  });
  const w = (name: string): tf.Tensor => {
    const t = weights[name];
    if (t === undefined) throw new Error(`reference weights have no ${name}`);
    return t;
  };

  // token embeddings: one-hot rows × wte picks rows of wte, and (unlike gather) differentiates on every backend
  const tok = tf.reshape(linear(tf.oneHot(tf.tensor1d(tokens, 'int32'), V), w('wte'), tf.zeros([C])), [B, T, C]);
  let x = hook('embed', tf.add(tok, w('wpe'))); // + position embeddings [T, C], broadcast over B
  for (let l = 0; l < c.nLayers; l++) {
    const p = `blocks.${l}`;
    const a = hook(`${p}.attn.out`, selfAttention(c, w, `${p}.attn`, layerNorm(x, w(`${p}.ln1.gamma`), w(`${p}.ln1.beta`))));
    x = tf.add(x, a);
    const m = hook(`${p}.mlp.out`, mlp(w, `${p}.mlp`, layerNorm(x, w(`${p}.ln2.gamma`), w(`${p}.ln2.beta`))));
    x = hook(`${p}.resid`, tf.add(x, m));
  }
  const last = tf.reshape(tf.slice(x, [0, T - 1, 0], [B, 1, C]), [B, C]); // the output position
  const h = hook('lnf', layerNorm(last, w('lnf.gamma'), w('lnf.beta')));
  return hook('logits', linear(h, w('head.w'), w('head.b'))) as tf.Tensor2D;
}

// ---------------------------------------------------------------------------------------------------
// constructors

/**
 * The weights of a flat parameter array in `paramSpecs(c)` order (a `Transformer`'s `flat`), as tensors
 * of their own (later edits of `flat` are not seen). The caller disposes them (`tf.dispose(Object.values(w))`).
 */
export function referenceWeights(c: TransformerConfig, flat: Float32Array): Record<string, tf.Tensor> {
  const specs = paramSpecs(c);
  const last = specs[specs.length - 1]!;
  if (flat.length !== last.offset + last.size) throw new Error(`parameter array has ${flat.length} values, config needs ${last.offset + last.size}`);
  return Object.fromEntries(specs.map((s) => [s.name, tf.tensor(flat.slice(s.offset, s.offset + s.size), [...s.shape])]));
}
