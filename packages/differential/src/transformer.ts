/**
 * The study's transformer (docs/method.md#model) as a {@link SiteFunction}: a textbook TF.js-ops forward pass (autodiff
 * through every op, no hand-written backward) built from a model's flat parameters and `paramSpecs`, with
 * named sites. It computes the same logits as `Transformer.logits` (tested to ~1e-5), in eval mode (no
 * dropout), with the last block at every position (the fast model computes it only at the output position;
 * the output is the same).
 *
 * Sites, in forward order (`T` = context length, `d` = width, `V` = vocabulary; positional sites have the
 * token position as first axis, the output position being `T − 1`):
 * - `embed` `[T, d]`: token + position embedding (the residual stream entering block 0);
 * - per block `l`: `blocks.l.attn.out` `[T, d]` (the attention branch after its output projection, before
 *   it is added to the residual stream), `blocks.l.mlp.out` `[T, d]` (the MLP branch, likewise) and
 *   `blocks.l.resid` `[T, d]` (the residual stream after the block);
 * - `lnf` `[d]`: the final LayerNorm at the output position (rank ≤ d − 1 as a function of its input:
 *   its output has zero mean over features, so it makes a rank-deficient `F`);
 * - `logits` `[V]`: next-token logits at the output position.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Windows } from '@optimpact/core';
import { paramSpecs, type TransformerConfig } from '@optimpact/transformer';
import { ensureGradients } from './internal/gradients.js';
import type { Site, SiteFunction, SiteHook } from './types.js';

// -------------------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------------------

/** What is read from a model: its config and its flat parameters in `paramSpecs(config)` order. */
export interface ModelParams {
  /** The architecture. */
  readonly config: TransformerConfig;
  /** Flat parameters in `paramSpecs` order (a `Transformer`'s `flat`). */
  readonly flat: Float32Array;
}

/** A transformer's differentiable forward pass with named sites; holds weight tensors until `dispose()`. */
export interface DifferentiableTransformer {
  /** The architecture. */
  readonly config: TransformerConfig;
  /** Every site, in forward order (see the module header). */
  readonly sites: readonly Site[];
  /** The computation on one window of `contextLength` tokens. */
  at(window: Int32Array): SiteFunction;
  /** Next-token logits `[n × V]` of many windows (identity hooks), to check against `Transformer.logits`. */
  logits(windows: Windows): Float32Array;
  /** Frees the weight tensors. */
  dispose(): void;
}

type Dense = (x: tf.Tensor) => tf.Tensor;

interface BlockWeights {
  ln1g: tf.Tensor; ln1b: tf.Tensor; q: Dense; k: Dense; v: Dense; o: Dense;
  ln2g: tf.Tensor; ln2b: tf.Tensor; m1: Dense; m2: Dense;
}

// -------------------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------------------

const LN_EPS = 1e-5; // as the model (and PyTorch)

function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const mu = tf.mean(x, -1, true);
  const xc = tf.sub(x, mu);
  const variance = tf.mean(tf.square(xc), -1, true);
  return tf.add(tf.mul(tf.mul(xc, tf.rsqrt(tf.add(variance, LN_EPS))), g), b);
}

/**
 * `x·W + b` as a plain 2-D matMul whose derivative with respect to `x` is `dy·Wᵀ`, also a plain matMul with
 * the transposed weights uploaded once (docs/development.md#the-webassembly-backend: on wasm only plain 2-D matMuls reach XNNPACK; the
 * transposed one autodiff would use is many times slower). The weights are constants here: no derivative.
 */
function denseOp(w: tf.Tensor2D, wT: tf.Tensor2D, b: tf.Tensor): (x: tf.Tensor) => tf.Tensor {
  const op = tf.customGrad((...inputs) => {
    const x = inputs[0];
    if (!(x instanceof tf.Tensor)) throw new TypeError('dense: expected a tensor');
    return { value: tf.add(tf.matMul(x as tf.Tensor2D, w), b), gradFunc: (dy: tf.Tensor) => tf.matMul(dy as tf.Tensor2D, wT) };
  });
  return (x) => op(x);
}

/** The site names of a config, in forward order. */
export function transformerSiteNames(c: TransformerConfig): string[] {
  const names = ['embed'];
  for (let l = 0; l < c.nLayers; l++) names.push(`blocks.${l}.attn.out`, `blocks.${l}.mlp.out`, `blocks.${l}.resid`);
  names.push('lnf', 'logits');
  return names;
}

function sitesOf(c: TransformerConfig): Site[] {
  const T = c.contextLength, d = c.dModel;
  return transformerSiteNames(c).map((name): Site => {
    if (name === 'lnf') return { name, shape: [d], positional: false };
    if (name === 'logits') return { name, shape: [c.vocabSize], positional: false };
    return { name, shape: [T, d], positional: true };
  });
}

// -------------------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------------------

/**
 * The differentiable forward pass of a model (a `Transformer` of @optimpact/transformer, or anything
 * with its `config` and `flat` parameters). Reads the parameters once: later edits of `flat` are not seen.
 * Needs a backend set; call `dispose()` when done.
 */
export function differentiableTransformer(model: ModelParams): DifferentiableTransformer {
  ensureGradients();
  const c = model.config, flat = model.flat;
  const T = c.contextLength, d = c.dModel, H = c.nHeads, dh = d / H, V = c.vocabSize, hidden = c.mlpRatio * d;
  const specs = new Map(paramSpecs(c).map((s) => [s.name, s] as const));
  const view = (name: string): Float32Array => {
    const s = specs.get(name);
    if (s === undefined) throw new Error(`no parameter ${name} in the layout of this config`);
    if (s.offset + s.size > flat.length) throw new Error(`parameter ${name} lies beyond the ${flat.length} values given`);
    return flat.slice(s.offset, s.offset + s.size);
  };
  const wte = view('wte'), wpe = view('wpe');
  const qScale = 1 / Math.sqrt(dh); // folded into the query projection, as the model does
  const scaled = (v: Float32Array): Float32Array => v.map((x) => x * qScale);
  const all: tf.Tensor[] = [];
  const keep = <R extends tf.Tensor>(t: R): R => {
    all.push(t);
    return t;
  };
  const vec = (v: Float32Array): tf.Tensor => keep(tf.tensor1d(v));
  /** The dense layer of weights `v` ([r, k], row-major) and bias `bias`. */
  const lin = (v: Float32Array, r: number, k: number, bias: Float32Array): Dense => {
    const vT = new Float32Array(v.length);
    for (let i = 0; i < r; i++) for (let j = 0; j < k; j++) vT[j * r + i] = v[i * k + j]!;
    return denseOp(keep(tf.tensor2d(v, [r, k])), keep(tf.tensor2d(vT, [k, r])), vec(bias));
  };
  const blocks: BlockWeights[] = [];
  for (let l = 0; l < c.nLayers; l++) {
    const p = `blocks.${l}`;
    blocks.push({
      ln1g: vec(view(`${p}.ln1.gamma`)), ln1b: vec(view(`${p}.ln1.beta`)),
      q: lin(scaled(view(`${p}.attn.wq`)), d, d, scaled(view(`${p}.attn.bq`))),
      k: lin(view(`${p}.attn.wk`), d, d, view(`${p}.attn.bk`)),
      v: lin(view(`${p}.attn.wv`), d, d, view(`${p}.attn.bv`)),
      o: lin(view(`${p}.attn.wo`), d, d, view(`${p}.attn.bo`)),
      ln2g: vec(view(`${p}.ln2.gamma`)), ln2b: vec(view(`${p}.ln2.beta`)),
      m1: lin(view(`${p}.mlp.w1`), d, hidden, view(`${p}.mlp.b1`)),
      m2: lin(view(`${p}.mlp.w2`), hidden, d, view(`${p}.mlp.b2`)),
    });
  }
  const lnfg = vec(view('lnf.gamma')), lnfb = vec(view('lnf.beta'));
  const head = lin(view('head.w'), d, V, view('head.b'));
  const sites = sitesOf(c);

  /** Token + position embeddings of `n` windows (`tokens` [n·T]), computed in JS: [n·T·d]. */
  const embed = (tokens: Int32Array, n: number): Float32Array => {
    const out = new Float32Array(n * T * d);
    for (let r = 0; r < n * T; r++) {
      const tok = tokens[r]!;
      if (!(Number.isInteger(tok) && tok >= 0 && tok < V)) throw new RangeError(`token ${tok} at row ${r} outside vocabulary 0..${V - 1}`);
      const t = r % T;
      for (let k = 0; k < d; k++) out[r * d + k] = wte[tok * d + k]! + wpe[t * d + k]!;
    }
    return out;
  };

  /** The forward pass of `n` windows given their embeddings; every site goes through `hook`. */
  const forward = (emb: Float32Array, n: number, hook: SiteHook): void => {
    const heads = (t: tf.Tensor): tf.Tensor3D => tf.reshape(tf.transpose(tf.reshape(t, [n, T, H, dh]), [0, 2, 1, 3]), [n * H, T, dh]);
    let x = hook('embed', tf.tensor3d(emb, [n, T, d])); // [n, T, d]
    for (let l = 0; l < c.nLayers; l++) {
      const w = blocks[l]!, p = `blocks.${l}`;
      const h = layerNorm(tf.reshape(x, [n * T, d]), w.ln1g, w.ln1b); // [n·T, d]
      const q = heads(w.q(h)), k = heads(w.k(h)), v = heads(w.v(h)); // [n·H, T, dh]
      const att = tf.softmax(tf.matMul(q, k, false, true)); // [n·H, T, T], no mask
      const o = tf.reshape(tf.transpose(tf.reshape(tf.matMul(att, v), [n, H, T, dh]), [0, 2, 1, 3]), [n * T, d]);
      const a = hook(`${p}.attn.out`, tf.reshape(w.o(o), [n, T, d]));
      x = tf.add(x, a);
      const h2 = layerNorm(tf.reshape(x, [n * T, d]), w.ln2g, w.ln2b);
      const y = hook(`${p}.mlp.out`, tf.reshape(w.m2(tf.relu(w.m1(h2))), [n, T, d]));
      x = hook(`${p}.resid`, tf.add(x, y));
    }
    const last = tf.reshape(tf.slice(x, [0, T - 1, 0], [n, 1, d]), [n, d]); // the output position
    const hf = hook('lnf', layerNorm(last, lnfg, lnfb));
    hook('logits', head(hf)); // [n, V]
  };

  return {
    config: c,
    sites,
    at(window: Int32Array): SiteFunction {
      if (window.length !== T) throw new RangeError(`window has ${window.length} tokens, the model reads ${T}`);
      const one = embed(window, 1);
      return {
        sites,
        run(copies: number, hook: SiteHook): void {
          const emb = new Float32Array(copies * T * d);
          for (let i = 0; i < copies; i++) emb.set(one, i * T * d);
          forward(emb, copies, hook);
        },
      };
    },
    logits(windows: Windows): Float32Array {
      if (windows.length !== T) throw new RangeError(`windows have length ${windows.length}, the model reads ${T}`);
      const out = new Float32Array(windows.n * V), chunk = 256;
      for (let i = 0; i < windows.n; i += chunk) {
        const n = Math.min(chunk, windows.n - i);
        const emb = embed(windows.tokens.subarray(i * T, (i + n) * T), n);
        out.set(
          tf.tidy(() => {
            const got: { z?: tf.Tensor } = {};
            forward(emb, n, (name, value) => {
              if (name === 'logits') got.z = value;
              return value;
            });
            if (got.z === undefined) throw new Error('forward pass reached no logits');
            return got.z.dataSync() as Float32Array;
          }),
          i * V,
        );
      }
      return out;
    },
    dispose(): void {
      tf.dispose(all);
      all.length = 0;
    },
  };
}
