/**
 * The encoder-only transformer (docs/method.md#model), read top to bottom: embed → blocks → final norm → head.
 *
 * Written for the TF.js wasm backend (docs/development.md#the-webassembly-backend): the forward and backward passes are explicit; dense layers
 * (a·W + b, ReLU fused) and weight gradients (aᵀ·b) are SIMD GEMM kernels of our own (faster than XNNPACK
 * at these shapes, see internal/kernels.ts); a kernel adds each token's and position's embedding rows (the
 * gradient is one-hotᵀ · dx: `gather`'s gradient is missing on wasm),
 * Q/K/V are separate projections, dropout masks come from a counter-based hash (a SIMD kernel on wasm),
 * 1/√d_head is folded into the query weights, the LayerNorm backward is hand-written, the MLP uses ReLU
 * (as torch.nn.TransformerEncoderLayer does) and the last block is computed only at the output position.
 * Parameters live in one flat Float32Array updated by AdamW in JS; their tensors are re-uploaded after
 * each step.
 *
 * The output position is the last token of the window: its final state feeds the head.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Coefficients, ModelState, StepOptions, TrainableModel, Windows } from '@optimpact/core';
import { deriveSeed, makeRng, restoreRng, type Rng } from '@optimpact/core';
import { countParams, queryScale, SIZE_PRESETS, sizePreset, validateConfig, type SizeName, type SizePreset, type TransformerConfig } from './config.js';
import { AdamW, ADAMW_DEFAULTS, type AdamWOptions } from './internal/adamw.js';
import {
  attention,
  attentionBack,
  dropoutMask,
  embed,
  layerNorm,
  layerNormBack,
  matMulNN,
  matMulTN,
  sumRows,
  windowRows,
  type AttentionSaved,
  type LnCache,
} from './internal/kernels.js';

// ---------------------------------------------------------------------------------------------------
// model: parameters

/** One named parameter tensor, stored at `offset` in the flat parameter array. */
export interface ParamSpec {
  /** Stable dotted name, e.g. `blocks.0.attn.wq` (also the name in model.json). */
  /** Stable dotted name, e.g. `blocks.0.attn.wq` (also the name in model.json). */
  readonly name: string;
  /** Tensor shape. */
  readonly shape: readonly number[];
  /** Start in the flat parameter array. */
  readonly offset: number;
  /** Number of values (the product of `shape`). */
  readonly size: number;
  /** Initialisation: N(0, 0.02), N(0, 0.02/√(2L)) for residual projections, zeros or ones. */
  readonly init: 'normal' | 'residual' | 'zeros' | 'ones';
}

/** The parameter layout of a config, in flat-array order. `wte` and `wpe` are adjacent on purpose. */
export function paramSpecs(c: TransformerConfig): ParamSpec[] {
  const d = c.dModel,
    h = c.mlpRatio * d;
  const specs: ParamSpec[] = [];
  let offset = 0;
  const add = (name: string, shape: number[], init: ParamSpec['init']): void => {
    const size = shape.reduce((a, b) => a * b, 1);
    specs.push({ name, shape, offset, size, init });
    offset += size;
  };
  add('wte', [c.vocabSize, d], 'normal');
  add('wpe', [c.contextLength, d], 'normal');
  for (let l = 0; l < c.nLayers; l++) {
    const p = `blocks.${l}`;
    add(`${p}.ln1.gamma`, [d], 'ones');
    add(`${p}.ln1.beta`, [d], 'zeros');
    add(`${p}.attn.wq`, [d, d], 'normal');
    add(`${p}.attn.bq`, [d], 'zeros');
    add(`${p}.attn.wk`, [d, d], 'normal');
    add(`${p}.attn.bk`, [d], 'zeros');
    add(`${p}.attn.wv`, [d, d], 'normal');
    add(`${p}.attn.bv`, [d], 'zeros');
    add(`${p}.attn.wo`, [d, d], 'residual');
    add(`${p}.attn.bo`, [d], 'zeros');
    add(`${p}.ln2.gamma`, [d], 'ones');
    add(`${p}.ln2.beta`, [d], 'zeros');
    add(`${p}.mlp.w1`, [d, h], 'normal');
    add(`${p}.mlp.b1`, [h], 'zeros');
    add(`${p}.mlp.w2`, [h, d], 'residual');
    add(`${p}.mlp.b2`, [d], 'zeros');
  }
  add('lnf.gamma', [d], 'ones');
  add('lnf.beta', [d], 'zeros');
  add('head.w', [d, c.vocabSize], 'normal');
  add('head.b', [c.vocabSize], 'zeros');
  return specs;
}

/**
 * Seeded initialisation as in GPT-2/nanoGPT: N(0, 0.02) for matrices and embeddings, N(0, 0.02/√(2L)) for
 * the two residual projections, zero biases, unit LayerNorm gains.
 */
export function initParams(c: TransformerConfig, rng: Rng): Float32Array {
  const specs = paramSpecs(c);
  const last = specs[specs.length - 1]!;
  const out = new Float32Array(last.offset + last.size);
  const gauss = (): number => {
    // Box–Muller; 1 − u keeps the log finite.
    const u = 1 - rng.next(),
      v = rng.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  for (const s of specs) {
    const std = s.init === 'normal' ? 0.02 : s.init === 'residual' ? 0.02 / Math.sqrt(2 * c.nLayers) : 0;
    for (let i = 0; i < s.size; i++) out[s.offset + i] = s.init === 'ones' ? 1 : std === 0 ? 0 : std * gauss();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// model: tensors of one parameter version

interface BlockTensors {
  ln1g: tf.Tensor1D;
  ln1b: tf.Tensor1D;
  wq: tf.Tensor2D;
  bq: tf.Tensor1D;
  wk: tf.Tensor2D;
  bk: tf.Tensor1D;
  wv: tf.Tensor2D;
  bv: tf.Tensor1D;
  wo: tf.Tensor2D;
  bo: tf.Tensor1D;
  ln2g: tf.Tensor1D;
  ln2b: tf.Tensor1D;
  w1: tf.Tensor2D;
  b1: tf.Tensor1D;
  w2: tf.Tensor2D;
  b2: tf.Tensor1D;
  // transposed copies for the backward pass (uploaded from JS, so no transpose kernels)
  wqT: tf.Tensor2D;
  wkT: tf.Tensor2D;
  wvT: tf.Tensor2D;
  woT: tf.Tensor2D;
  w1T: tf.Tensor2D;
  w2T: tf.Tensor2D;
}

interface Tensors {
  emb: tf.Tensor2D; // [V + T, d]: wte then wpe
  blocks: BlockTensors[];
  lnfg: tf.Tensor1D;
  lnfb: tf.Tensor1D;
  headW: tf.Tensor2D;
  headB: tf.Tensor1D;
  headWT: tf.Tensor2D;
}

// ---------------------------------------------------------------------------------------------------
// utils: dense layers and elementwise ops

/** Elementwise ops typed by their first operand (broadcasting the second). */
function mul<R extends tf.Tensor>(a: R, b: tf.Tensor | number): R {
  return tf.mul<R>(a, b);
}
function add<R extends tf.Tensor>(a: R, b: tf.Tensor | number): R {
  return tf.add<R>(a, b);
}

/** a·w (+ bias, then ReLU if asked): one GEMM kernel. */
const mm = matMulNN;

/** ReLU'(u)·g with u the ReLU output. */
function reluBack(g: tf.Tensor2D, u: tf.Tensor2D): tf.Tensor2D {
  return mul(g, tf.step(u, 0));
}

/** Scatters [B, d] rows into zeros [B·T, d] at the last position of each window. */
function scatterLast(x: tf.Tensor2D, T: number): tf.Tensor2D {
  const [B, d] = x.shape;
  return tf.reshape(
    tf.pad(tf.reshape(x, [B, 1, d]), [
      [0, 0],
      [T - 1, 0],
      [0, 0],
    ]),
    [B * T, d],
  );
}

// ---------------------------------------------------------------------------------------------------
// forward / backward caches

interface FullBlockCache {
  ln1: LnCache;
  h: tf.Tensor2D;
  att: AttentionSaved;
  o: tf.Tensor2D;
  m1: tf.Tensor2D | null;
  ln2: LnCache;
  h2: tf.Tensor2D;
  u: tf.Tensor2D;
  m2: tf.Tensor2D | null;
}

/** The last block also keeps h's rows at the output position: its queries come from them alone. */
interface LastBlockCache extends FullBlockCache {
  hl: tf.Tensor2D;
}

interface ForwardCache {
  B: number;
  oneHot: tf.Tensor2D | null;
  m0: tf.Tensor2D | null; // oneHot: in training only
  full: FullBlockCache[];
  last: LastBlockCache;
  lnf: LnCache;
  hf: tf.Tensor2D;
}

// ---------------------------------------------------------------------------------------------------
// constructors

/** Options of `Transformer` beyond its config. */
export interface TransformerOptions {
  /** Seed of the dropout masks' stream. */
  readonly dropoutSeed: number;
  /** Optimizer hyper-parameters ({@link ADAMW_DEFAULTS} when omitted). */
  readonly adamw?: AdamWOptions;
}

/**
 * The transformer: a `TrainableModel` (core) whose parameters live in a flat Float32Array. Use
 * `createModel` to build one from a preset and a seed.
 */
export class Transformer implements TrainableModel {
  /** Size of the next-token softmax. */
  readonly vocabSize: number;
  /** Tokens of a window. */
  readonly contextLength: number;
  /** Number of trainable parameters. */
  readonly params: number;
  /** The parameter layout, in flat-array order. */
  readonly specs: readonly ParamSpec[];
  /** Flat parameters in `specs` order. Mutating it requires `syncParams()`. */
  readonly flat: Float32Array;
  private readonly grad: Float32Array;
  private readonly opt: AdamW;
  private dropRng: Rng;
  private t: Tensors | null = null;
  private readonly qScale: number;
  private readonly scaled: Set<string>;

  /**
   * @param config the architecture (validated)
   * @param params initial flat parameters in {@link paramSpecs} order
   * @param options optimizer settings and the dropout seed
   */
  constructor(
    /** The architecture. */
    readonly config: TransformerConfig,
    params: Float32Array,
    options: TransformerOptions,
  ) {
    this.vocabSize = config.vocabSize;
    this.contextLength = config.contextLength;
    this.specs = paramSpecs(config);
    this.params = countParams(config);
    if (params.length !== this.params) {
      throw new Error(`parameter array has ${params.length} values, config needs ${this.params}`);
    }
    this.flat = params;
    this.grad = new Float32Array(this.params);
    this.opt = new AdamW(this.params, new Uint8Array(this.params).fill(1), options.adamw ?? ADAMW_DEFAULTS);
    this.dropRng = makeRng(options.dropoutSeed);
    this.qScale = queryScale(config);
    this.scaled = new Set<string>();
    for (let l = 0; l < config.nLayers; l++) this.scaled.add(`blocks.${l}.attn.wq`).add(`blocks.${l}.attn.bq`);
    this.syncParams();
  }

  /** Re-uploads the parameter tensors from `flat` (after an update or an external edit). */
  syncParams(): void {
    const old = this.t;
    this.t = this.upload();
    if (old !== null) disposeTensors(old);
  }

  /** Restarts the dropout stream from `seed`. */
  reseedDropout(seed: number): void {
    this.dropRng = makeRng(seed);
  }

  private upload(): Tensors {
    const c = this.config,
      d = c.dModel,
      flat = this.flat;
    const byName = new Map(this.specs.map((s) => [s.name, s] as const));
    const view = (name: string): Float32Array => {
      const s = byName.get(name);
      if (s === undefined) throw new Error(`no parameter ${name}`);
      const v = flat.subarray(s.offset, s.offset + s.size);
      if (!this.scaled.has(name)) return v.slice(); // a copy: the cpu backend would alias the array
      const out = new Float32Array(v.length);
      for (let i = 0; i < v.length; i++) out[i] = v[i]! * this.qScale;
      return out;
    };
    const vec = (name: string): tf.Tensor1D => tf.tensor1d(view(name));
    const mat = (name: string, r: number, k: number): tf.Tensor2D => tf.tensor2d(view(name), [r, k]);
    const matT = (name: string, r: number, k: number): tf.Tensor2D => {
      const v = view(name),
        out = new Float32Array(v.length);
      for (let i = 0; i < r; i++) for (let j = 0; j < k; j++) out[j * r + i] = v[i * k + j]!;
      return tf.tensor2d(out, [k, r]);
    };
    const h = c.mlpRatio * d;
    const wte = byName.get('wte')!;
    const blocks: BlockTensors[] = [];
    for (let l = 0; l < c.nLayers; l++) {
      const p = `blocks.${l}`;
      blocks.push({
        ln1g: vec(`${p}.ln1.gamma`),
        ln1b: vec(`${p}.ln1.beta`),
        wq: mat(`${p}.attn.wq`, d, d),
        bq: vec(`${p}.attn.bq`),
        wk: mat(`${p}.attn.wk`, d, d),
        bk: vec(`${p}.attn.bk`),
        wv: mat(`${p}.attn.wv`, d, d),
        bv: vec(`${p}.attn.bv`),
        wo: mat(`${p}.attn.wo`, d, d),
        bo: vec(`${p}.attn.bo`),
        ln2g: vec(`${p}.ln2.gamma`),
        ln2b: vec(`${p}.ln2.beta`),
        w1: mat(`${p}.mlp.w1`, d, h),
        b1: vec(`${p}.mlp.b1`),
        w2: mat(`${p}.mlp.w2`, h, d),
        b2: vec(`${p}.mlp.b2`),
        wqT: matT(`${p}.attn.wq`, d, d),
        wkT: matT(`${p}.attn.wk`, d, d),
        wvT: matT(`${p}.attn.wv`, d, d),
        woT: matT(`${p}.attn.wo`, d, d),
        w1T: matT(`${p}.mlp.w1`, d, h),
        w2T: matT(`${p}.mlp.w2`, h, d),
      });
    }
    return {
      emb: tf.tensor2d(flat.slice(wte.offset, wte.offset + (c.vocabSize + c.contextLength) * d), [c.vocabSize + c.contextLength, d]),
      blocks,
      lnfg: vec('lnf.gamma'),
      lnfb: vec('lnf.beta'),
      headW: mat('head.w', d, c.vocabSize),
      headB: vec('head.b'),
      headWT: matT('head.w', d, c.vocabSize),
    };
  }

  private tensors(): Tensors {
    if (this.t === null) throw new Error('model was disposed');
    return this.t;
  }

  // -------------------------------------------------------------------------------------------------
  // forward

  /** A dropout mask [rows, cols] with entries 0 or 1/(1 − p) keyed by two draws, or null when dropout is off. */
  private mask(rows: number, cols: number, train: boolean): tf.Tensor2D | null {
    const p = this.config.dropout;
    if (!train || p === 0) return null;
    const key = (): number => Math.floor(this.dropRng.next() * 2 ** 32);
    return dropoutMask(rows, cols, p, key(), key());
  }

  /** The one-hot rows [B·T, V + T] (token, position), built in JS: the embedding's gradient is oneHotᵀ·dx. */
  private oneHot(tokens: Int32Array, B: number): tf.Tensor2D {
    const { vocabSize: V, contextLength: T } = this.config;
    const W = V + T,
      N = B * T;
    const x = new Float32Array(N * W);
    for (let r = 0; r < N; r++) {
      x[r * W + tokens[r]!] = 1;
      x[r * W + V + (r % T)] = 1;
    }
    return tf.tensor2d(x, [N, W]);
  }

  /**
   * Token + position embeddings [B·T, d]: wte[token] + wpe[position], one rounding, as one-hot · [wte; wpe]
   * sums them (its other terms are exact zeros), without that GEMM or the one-hot rows.
   */
  private embed(tokens: Int32Array, B: number): tf.Tensor2D {
    const { vocabSize: V, contextLength: T } = this.config;
    for (let r = 0; r < B * T; r++) {
      const tok = tokens[r]!;
      if (!(tok >= 0 && tok < V)) throw new RangeError(`token ${tok} at row ${r} outside vocabulary 0..${V - 1}`);
    }
    return embed(tf.tensor1d(tokens.subarray(0, B * T), 'int32'), this.tensors().emb, T);
  }

  /**
   * Forward pass over B windows: logits [B, V] and, in training mode, every activation the backward
   * pass needs. Must run inside tf.tidy.
   */
  private forward(tokens: Int32Array, B: number, train: boolean): { logits: tf.Tensor2D; cache: ForwardCache } {
    const c = this.config,
      t = this.tensors();
    const T = c.contextLength,
      d = c.dModel,
      H = c.nHeads,
      N = B * T,
      L = c.nLayers;
    let x = this.embed(tokens, B); // [N, d]
    const oneHot = train ? this.oneHot(tokens, B) : null;
    const m0 = this.mask(N, d, train);
    if (m0 !== null) x = mul(x, m0);

    const full: FullBlockCache[] = [];
    for (let l = 0; l < L - 1; l++) {
      const w = t.blocks[l]!;
      const { y: h, cache: ln1 } = layerNorm(x, w.ln1g, w.ln1b);
      const q = mm(h, w.wq, w.bq); // [N, d], already scaled by 1/√dh
      const { o, saved: att } = attention(q, mm(h, w.wk, w.bk), mm(h, w.wv, w.bv), B, T, H, T); // [N, d]
      let a = mm(o, w.wo, w.bo);
      const m1 = this.mask(N, d, train);
      if (m1 !== null) a = mul(a, m1);
      x = add(x, a);
      const { y: h2, cache: ln2 } = layerNorm(x, w.ln2g, w.ln2b);
      const u = mm(h2, w.w1, w.b1, true); // [N, 4d]
      let y = mm(u, w.w2, w.b2);
      const m2 = this.mask(N, d, train);
      if (m2 !== null) y = mul(y, m2);
      x = add(x, y);
      full.push({ ln1, h, att, o, m1, ln2, h2, u, m2 });
    }

    // Last block: keys and values at every position, everything else only at the output position.
    const w = t.blocks[L - 1]!;
    const { y: h, cache: ln1 } = layerNorm(x, w.ln1g, w.ln1b);
    const hl = windowRows(h, T, T - 1); // [B, d]
    let xl = windowRows(x, T, T - 1); // [B, d]
    const ql = mm(hl, w.wq, w.bq); // [B, d]
    const { o, saved: att } = attention(ql, mm(h, w.wk, w.bk), mm(h, w.wv, w.bv), B, T, H, 1); // [B, d]
    let a = mm(o, w.wo, w.bo);
    const m1 = this.mask(B, d, train);
    if (m1 !== null) a = mul(a, m1);
    xl = add(xl, a);
    const { y: h2, cache: ln2 } = layerNorm(xl, w.ln2g, w.ln2b);
    const u = mm(h2, w.w1, w.b1, true);
    let y = mm(u, w.w2, w.b2);
    const m2 = this.mask(B, d, train);
    if (m2 !== null) y = mul(y, m2);
    xl = add(xl, y);

    const { y: hf, cache: lnf } = layerNorm(xl, t.lnfg, t.lnfb);
    const logits = mm(hf, t.headW, t.headB); // [B, V]
    return {
      logits,
      cache: { B, oneHot, m0, full, last: { ln1, h, hl, att, o, m1, ln2, h2, u, m2 }, lnf, hf },
    };
  }

  // -------------------------------------------------------------------------------------------------
  // backward

  /** Gradients of every parameter from dL/dlogits, written into `this.grad`. Must run inside tf.tidy. */
  private backward(cache: ForwardCache, dlogits: tf.Tensor2D): void {
    const c = this.config,
      t = this.tensors();
    const T = c.contextLength,
      L = c.nLayers;
    const out: [string, tf.Tensor][] = [];
    let dx: tf.Tensor2D;

    out.push(['head.w', matMulTN(cache.hf, dlogits)], ['head.b', sumRows(dlogits)]);
    const f = layerNormBack(mm(dlogits, t.headWT), t.lnfg, cache.lnf);
    out.push(['lnf.gamma', f.dg], ['lnf.beta', f.db]);
    let dxl = f.dx; // [B, d]

    // last block
    {
      const w = t.blocks[L - 1]!,
        k = cache.last,
        p = `blocks.${L - 1}`;
      const dy = k.m2 !== null ? mul(dxl, k.m2) : dxl;
      out.push([`${p}.mlp.w2`, matMulTN(k.u, dy)], [`${p}.mlp.b2`, sumRows(dy)]);
      const du = reluBack(mm(dy, w.w2T), k.u);
      out.push([`${p}.mlp.w1`, matMulTN(k.h2, du)], [`${p}.mlp.b1`, sumRows(du)]);
      const n2 = layerNormBack(mm(du, w.w1T), w.ln2g, k.ln2);
      out.push([`${p}.ln2.gamma`, n2.dg], [`${p}.ln2.beta`, n2.db]);
      dxl = add(dxl, n2.dx);
      const da = k.m1 !== null ? mul(dxl, k.m1) : dxl;
      out.push([`${p}.attn.wo`, matMulTN(k.o, da)], [`${p}.attn.bo`, sumRows(da)]);
      const { dq: dql, dk, dv } = attentionBack(k.att, mm(da, w.woT));
      out.push([`${p}.attn.wq`, matMulTN(k.hl, dql)], [`${p}.attn.bq`, sumRows(dql)]);
      out.push([`${p}.attn.wk`, matMulTN(k.h, dk)], [`${p}.attn.bk`, sumRows(dk)]);
      out.push([`${p}.attn.wv`, matMulTN(k.h, dv)], [`${p}.attn.bv`, sumRows(dv)]);
      const dh_ = add(add(mm(dk, w.wkT), mm(dv, w.wvT)), scatterLast(mm(dql, w.wqT), T));
      const n1 = layerNormBack(dh_, w.ln1g, k.ln1);
      out.push([`${p}.ln1.gamma`, n1.dg], [`${p}.ln1.beta`, n1.db]);
      dx = add(n1.dx, scatterLast(dxl, T));
    }

    for (let l = L - 2; l >= 0; l--) {
      const w = t.blocks[l]!,
        k = cache.full[l]!,
        p = `blocks.${l}`;
      const dy = k.m2 !== null ? mul(dx, k.m2) : dx;
      out.push([`${p}.mlp.w2`, matMulTN(k.u, dy)], [`${p}.mlp.b2`, sumRows(dy)]);
      const du = reluBack(mm(dy, w.w2T), k.u);
      out.push([`${p}.mlp.w1`, matMulTN(k.h2, du)], [`${p}.mlp.b1`, sumRows(du)]);
      const n2 = layerNormBack(mm(du, w.w1T), w.ln2g, k.ln2);
      out.push([`${p}.ln2.gamma`, n2.dg], [`${p}.ln2.beta`, n2.db]);
      dx = add(dx, n2.dx);
      const da = k.m1 !== null ? mul(dx, k.m1) : dx;
      out.push([`${p}.attn.wo`, matMulTN(k.o, da)], [`${p}.attn.bo`, sumRows(da)]);
      const { dq, dk, dv } = attentionBack(k.att, mm(da, w.woT));
      out.push([`${p}.attn.wq`, matMulTN(k.h, dq)], [`${p}.attn.bq`, sumRows(dq)]);
      out.push([`${p}.attn.wk`, matMulTN(k.h, dk)], [`${p}.attn.bk`, sumRows(dk)]);
      out.push([`${p}.attn.wv`, matMulTN(k.h, dv)], [`${p}.attn.bv`, sumRows(dv)]);
      const dh_ = add(add(mm(dq, w.wqT), mm(dk, w.wkT)), mm(dv, w.wvT));
      const n1 = layerNormBack(dh_, w.ln1g, k.ln1);
      out.push([`${p}.ln1.gamma`, n1.dg], [`${p}.ln1.beta`, n1.db]);
      dx = add(dx, n1.dx);
    }

    const dx0 = cache.m0 !== null ? mul(dx, cache.m0) : dx;
    if (cache.oneHot === null) throw new Error('backward after a forward pass in eval mode');
    out.push(['wte', matMulTN(cache.oneHot, dx0)]); // [V + T, d]: wte and wpe together

    const byName = new Map(this.specs.map((s) => [s.name, s] as const));
    for (const [name, g] of out) {
      const s = byName.get(name)!;
      const vals = g.dataSync() as Float32Array;
      if (name === 'wte') {
        this.grad.set(vals, s.offset); // spans wpe too
      } else if (this.scaled.has(name)) {
        for (let i = 0; i < vals.length; i++) this.grad[s.offset + i] = vals[i]! * this.qScale;
      } else {
        this.grad.set(vals, s.offset);
      }
    }
  }

  // -------------------------------------------------------------------------------------------------
  // TrainableModel

  /** Next-token logits in eval mode, synchronously: [n × V]. Windows go through in chunks of 1024. */
  logitsSync(windows: Windows, chunk = 1024): Float32Array {
    this.checkWindows(windows);
    const V = this.vocabSize,
      T = this.contextLength,
      out = new Float32Array(windows.n * V);
    for (let i = 0; i < windows.n; i += chunk) {
      const B = Math.min(chunk, windows.n - i);
      const tokens = windows.tokens.subarray(i * T, (i + B) * T);
      // read after the scope: tidy walks a returned typed array element by element
      const logits = tf.tidy(() => this.forward(tokens, B, false).logits);
      out.set(logits.dataSync(), i * V);
      logits.dispose();
    }
    return out;
  }

  /** Next-token logits in eval mode (no dropout): [n × V]. */
  async logits(windows: Windows): Promise<Float32Array> {
    return this.logitsSync(windows);
  }

  /**
   * One AdamW step on L = −(1/n) Σ_i Σ_k coef[i·K + k] · ln p_i(support[k]) (see core `TrainableModel`),
   * synchronously. Returns L in nats.
   */
  stepSync(windows: Windows, coefficients: Coefficients, opts: StepOptions): number {
    this.checkWindows(windows);
    const V = this.vocabSize,
      n = windows.n;
    const support = opts.support ?? null;
    const K = support === null ? V : support.length;
    const checkLength = (c: Float32Array): Float32Array => {
      if (c.length !== n * K) throw new Error(`coef has ${c.length} values, expected n·K = ${n}·${K}`);
      return c;
    };
    if (typeof coefficients !== 'function') checkLength(coefficients);
    if (support !== null) {
      for (const s of support) if (!(Number.isInteger(s) && s >= 0 && s < V)) throw new RangeError(`support token ${s} outside 0..${V - 1}`);
    }
    let loss = 0;
    tf.tidy(() => {
      const { logits, cache } = this.forward(windows.tokens, n, true);
      const z = logits.dataSync() as Float32Array;
      const coef = typeof coefficients === 'function' ? checkLength(coefficients(z)) : coefficients;
      const dz = new Float32Array(n * V);
      const p = new Float64Array(K);
      for (let i = 0; i < n; i++) {
        let mx = -Infinity;
        for (let k = 0; k < K; k++) mx = Math.max(mx, z[i * V + (support === null ? k : support[k]!)]!);
        let sum = 0;
        for (let k = 0; k < K; k++) {
          p[k] = Math.exp(z[i * V + (support === null ? k : support[k]!)]! - mx);
          sum += p[k]!;
        }
        const logSum = Math.log(sum);
        let csum = 0;
        for (let k = 0; k < K; k++) {
          const ck = coef[i * K + k]!;
          csum += ck;
          if (ck !== 0) loss -= ck * (z[i * V + (support === null ? k : support[k]!)]! - mx - logSum);
        }
        for (let k = 0; k < K; k++) {
          const v = support === null ? k : support[k]!;
          dz[i * V + v] = -(coef[i * K + k]! - (csum * p[k]!) / sum) / n;
        }
      }
      this.backward(cache, tf.tensor2d(dz, [n, V]));
    });
    this.opt.update(this.flat, this.grad, opts.slot, opts.learningRate);
    this.syncParams();
    return loss / n;
  }

  /** One AdamW step (core `TrainableModel.step`). */
  async step(windows: Windows, coef: Coefficients, opts: StepOptions): Promise<number> {
    return this.stepSync(windows, coef, opts);
  }

  /** Cross-entropy step on target tokens (pretraining), synchronously: a one-hot `coef` over the vocabulary. */
  stepTargets(windows: Windows, targets: Int32Array, slot: string, learningRate: number): number {
    const V = this.vocabSize,
      coef = new Float32Array(windows.n * V);
    for (let i = 0; i < windows.n; i++) coef[i * V + targets[i]!] = 1;
    return this.stepSync(windows, coef, { slot, learningRate });
  }

  /** The gradient of the last step (flat, `specs` order); for tests. */
  lastGradient(): Float32Array {
    return this.grad;
  }

  /** Names of the optimizer slots that hold state. */
  optimizerSlots(): string[] {
    return this.opt.slotNames();
  }

  /** What training carries from one step to the next: the parameters, optimizer moments and the dropout stream (copies). */
  trainingState(): ModelState {
    return { params: this.flat.slice(), optimizer: this.opt.state(), dropout: this.dropRng.state() };
  }

  /** Continues training from `state` (as `trainingState` gave it): the next step is the one that would have followed. */
  restoreTrainingState(state: ModelState): void {
    if (state.params.length !== this.params) throw new Error(`the state holds ${state.params.length} parameters, the model has ${this.params}`);
    this.opt.restore(state.optimizer);
    this.dropRng = restoreRng(state.dropout);
    this.flat.set(state.params);
    this.syncParams();
  }

  dispose(): void {
    if (this.t !== null) disposeTensors(this.t);
    this.t = null;
  }

  private checkWindows(w: Windows): void {
    if (w.length !== this.contextLength) {
      throw new Error(`windows have length ${w.length}, the model reads ${this.contextLength}`);
    }
    if (w.tokens.length < w.n * w.length) throw new Error(`windows hold ${w.tokens.length} tokens, need ${w.n * w.length}`);
  }
}

function disposeTensors(t: Tensors): void {
  tf.dispose([t.emb, t.lnfg, t.lnfb, t.headW, t.headB, t.headWT]);
  for (const b of t.blocks) tf.dispose(Object.values(b));
}

// ---------------------------------------------------------------------------------------------------
// constructors

/**
 * A fresh model: a preset (by name or value) or a config, initialised from `seed` (through
 * `deriveSeed(seed, 'init')`; dropout draws from `deriveSeed(seed, 'dropout')`). Needs a backend set
 * (see `setBackend`).
 */
export function createModel(spec: SizeName | SizePreset | TransformerConfig, seed: number, options: { readonly adamw?: AdamWOptions } = {}): Transformer {
  const config = resolveConfig(spec);
  const params = initParams(config, makeRng(deriveSeed(seed, 'init')));
  return new Transformer(config, params, { dropoutSeed: deriveSeed(seed, 'dropout'), ...options });
}

/** The config of a preset name, a preset, or a config (validated). */
export function resolveConfig(spec: SizeName | SizePreset | TransformerConfig): TransformerConfig {
  let config: TransformerConfig;
  if (typeof spec === 'string') {
    const p = sizePreset(spec);
    if (p === undefined) throw new Error(`unknown size preset '${spec}' (known: ${SIZE_PRESETS.map((x) => x.name).join(', ')})`);
    config = p.config;
  } else {
    config = 'config' in spec ? spec.config : spec;
  }
  const v = validateConfig(config);
  if (v._tag === 'Invalid') throw new Error(`invalid transformer config: ${v.errors.join('; ')}`);
  return config;
}
