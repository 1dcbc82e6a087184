/**
 * Fused kernels for the wasm backend (kernels/kernels.c, SIMD, compiled to a tiny module that imports the
 * TF.js heap and reads and writes its tensors in place): GEMMs a·w (+ bias, ReLU) and aᵀ·b, multi-head
 * attention forward/backward, LayerNorm forward/backward, column sums and dropout masks. Other backends
 * get TF.js ops. Instantiated lazily on first use: importing this file has no effect.
 *
 * The GEMMs replace XNNPACK's: at these shapes (K or N of 16–512, the reduction over B·T = 5,120 rows for
 * weight gradients) a 4×8 register tile of our own runs 1.2–1.6× XNNPACK's rate and needs no transposed
 * copy of the activations (`pnpm bench` measures both).
 *
 * Two builds of the same source (kernels/build.sh): 'simd' multiplies and adds in separate wasm SIMD
 * instructions, rounded each, so it gives the same numbers on every CPU: the default. 'fma' uses relaxed
 * SIMD's f32x4.relaxed_madd (Node ≥ 24), which the CPU may fuse into one rounding or not: faster, but its
 * numbers may differ between CPUs (never between runs on one machine), so records name the build in use.
 * `OPTIMPACT_KERNELS` = simd | fma | auto (fma where the runtime validates it, else simd) chooses.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LAYER_NORM_EPS } from '../config.js';
import { KERNELS_WASM_FMA, KERNELS_WASM_SIMD } from './kernels-wasm.js';

// lib ES2022 has no WebAssembly types (they come with the DOM lib): the little used here.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
  validate(bytes: Uint8Array): boolean;
};

/** A build of kernels.c: 'simd' (the same numbers on every CPU) or 'fma' (relaxed multiply-add). */
export type KernelVariant = 'simd' | 'fma';
const BUILDS: Record<KernelVariant, string> = { simd: KERNELS_WASM_SIMD, fma: KERNELS_WASM_FMA };
const bytes = (v: KernelVariant): Uint8Array => Buffer.from(BUILDS[v], 'base64');

/** Whether this runtime's WebAssembly validates the relaxed-SIMD build (Node ≥ 24 does, Node 20 does not). */
export function relaxedSimdSupported(): boolean {
  return WebAssembly.validate(bytes('fma'));
}

let variant: KernelVariant | null = null;

/**
 * Chooses the build the wasm kernels run: a variant, 'auto' (fma where supported, else simd), or, without
 * an argument, `OPTIMPACT_KERNELS` (default simd). Throws, naming the value, on an unknown one or on 'fma'
 * where relaxed SIMD is unsupported. Returns the build chosen.
 */
export function setKernelVariant(choice: string | undefined = process.env.OPTIMPACT_KERNELS): KernelVariant {
  const c = choice === undefined || choice === '' ? 'simd' : choice;
  if (c !== 'simd' && c !== 'fma' && c !== 'auto') throw new Error(`OPTIMPACT_KERNELS=${c}: expected simd, fma or auto`);
  if (c === 'fma' && !relaxedSimdSupported()) {
    throw new Error(`OPTIMPACT_KERNELS=fma: this runtime (Node ${process.version}) does not support relaxed SIMD; use simd or auto`);
  }
  variant = c === 'auto' ? (relaxedSimdSupported() ? 'fma' : 'simd') : c;
  return variant;
}

/** The build the wasm kernels run, or null when they do not run (another backend, or turned off). */
export function kernelVariant(): KernelVariant | null {
  if (!enabled || tf.getBackend() !== 'wasm') return null;
  return variant ?? setKernelVariant();
}
type WasmMemory = object;

type Ptr = number;
interface Kernels {
  readonly colsum: (x: Ptr, out: Ptr, R: number, C: number) => void;
  readonly matmulTN: (a: Ptr, b: Ptr, out: Ptr, R: number, M: number, N: number, scratch: Ptr) => void;
  readonly matmulNN: (a: Ptr, w: Ptr, bias: Ptr, out: Ptr, M: number, K: number, N: number, relu: number, scratch: Ptr) => void;
  readonly lnFwd: (x: Ptr, g: Ptr, b: Ptr, y: Ptr, xhat: Ptr, rstd: Ptr, R: number, C: number, eps: number) => void;
  readonly lnBwd: (dy: Ptr, g: Ptr, xhat: Ptr, rstd: Ptr, dx: Ptr, dg: Ptr, db: Ptr, R: number, C: number) => void;
  readonly fwd: (q: Ptr, k: Ptr, v: Ptr, P: Ptr, o: Ptr, B: number, T: number, H: number, dh: number, qRows: number, scratch: Ptr) => void;
  readonly bwd: (
    q: Ptr,
    k: Ptr,
    v: Ptr,
    P: Ptr,
    dO: Ptr,
    dq: Ptr,
    dk: Ptr,
    dv: Ptr,
    B: number,
    T: number,
    H: number,
    dh: number,
    qRows: number,
    scratch: Ptr,
  ) => void;
  readonly dropout: (out: Ptr, n: number, k1: number, k2: number, drop: number, keep: number) => void;
  readonly embed: (tokens: Ptr, emb: Ptr, out: Ptr, N: number, T: number, V: number, d: number) => void;
  readonly windowRows: (x: Ptr, out: Ptr, B: number, T: number, t: number, d: number) => void;
}

/** The parts of tfjs-backend-wasm's BackendWasm this file uses. */
interface WasmBackend {
  readonly wasm: { readonly asm?: { readonly memory?: WasmMemory }; _malloc(bytes: number): Ptr; _free(p: Ptr): void };
  readonly dataIdMap: { get(id: object): { memoryOffset: Ptr } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

interface State {
  backend: WasmBackend;
  variant: KernelVariant;
  kernels: Kernels;
  scratch: Ptr;
  scratchFloats: number;
}
let state: State | null = null;
let enabled = true;

/** Turns the fused kernels off (plain TF.js ops everywhere) or back on; for tests and measurements. */
export function setFusedKernels(on: boolean): void {
  enabled = on;
}

// Per-kernel time and multiply-adds while a profile runs (`pnpm bench`'s breakdown of a training step).
let profile: Map<string, { ms: number; macs: number; calls: number }> | null = null;

/** Starts timing every call of the wasm kernels (from zero). */
export function startKernelProfile(): void {
  profile = new Map();
}

/** Stops the profile: per kernel, total milliseconds, multiply-adds (GEMMs only) and calls since the start. */
export function stopKernelProfile(): Record<string, { ms: number; macs: number; calls: number }> {
  const out = Object.fromEntries(profile ?? []);
  profile = null;
  return out;
}

function timed<A extends unknown[]>(name: string, f: (...a: A) => void, macs: (...a: A) => number = () => 0): (...a: A) => void {
  return (...a) => {
    if (profile === null) return f(...a);
    const t0 = performance.now();
    f(...a);
    const e = profile.get(name) ?? { ms: 0, macs: 0, calls: 0 };
    profile.set(name, { ms: e.ms + performance.now() - t0, macs: e.macs + macs(...a), calls: e.calls + 1 });
  };
}

function kernels(): State | null {
  const v = kernelVariant();
  if (v === null) return null;
  const backend = tf.backend() as unknown as WasmBackend;
  if (state !== null && state.backend === backend && state.variant === v) return state;
  const memory = backend.wasm?.asm?.memory;
  if (memory === undefined) return null;
  if (state !== null && state.backend === backend && state.scratch !== 0) backend.wasm._free(state.scratch);
  const module = new WebAssembly.Module(bytes(v));
  const inst = new WebAssembly.Instance(module, { env: { memory } });
  const ex = inst.exports as {
    attn_fwd: Kernels['fwd'];
    attn_bwd: Kernels['bwd'];
    colsum: Kernels['colsum'];
    matmul_tn: Kernels['matmulTN'];
    matmul_nn: Kernels['matmulNN'];
    layernorm_fwd: Kernels['lnFwd'];
    layernorm_bwd: Kernels['lnBwd'];
    dropout_mask: Kernels['dropout'];
    embed: Kernels['embed'];
    window_rows: Kernels['windowRows'];
  };
  state = {
    backend,
    variant: v,
    scratch: 0,
    scratchFloats: 0,
    kernels: {
      fwd: timed('attention forward', ex.attn_fwd),
      bwd: timed('attention backward', ex.attn_bwd),
      colsum: timed('column sums', ex.colsum),
      matmulTN: timed('GEMM aᵀ·b', ex.matmul_tn, (_a, _b, _o, R, M, N) => R * M * N),
      matmulNN: timed('GEMM a·w', ex.matmul_nn, (_a, _w, _b, _o, M, K, N) => M * K * N),
      lnFwd: timed('LayerNorm forward', ex.layernorm_fwd),
      lnBwd: timed('LayerNorm backward', ex.layernorm_bwd),
      dropout: timed('dropout masks', ex.dropout_mask),
      embed: timed('embeddings', ex.embed),
      windowRows: timed('window rows', ex.window_rows),
    },
  };
  return state;
}

function scratch(s: State, floats: number): Ptr {
  if (s.scratchFloats < floats) {
    if (s.scratch !== 0) s.backend.wasm._free(s.scratch);
    s.scratch = s.backend.wasm._malloc(floats * 4);
    s.scratchFloats = floats;
  }
  return s.scratch;
}

function ptr(s: State, t: tf.Tensor): Ptr {
  const info = s.backend.dataIdMap.get(t.dataId);
  if (info === undefined) throw new Error('tensor is not on the wasm backend');
  return info.memoryOffset;
}

/** x rounded up to a multiple of 8 (the kernels pad rows to whole 8-wide tiles). */
const up8 = (x: number): number => (x + 7) & ~7;

function output(s: State, shape: number[]): tf.Tensor {
  const info = s.backend.makeOutput(shape, 'float32');
  return tf.engine().makeTensorFromTensorInfo(info);
}

/** What the backward pass needs from the forward. */
export interface AttentionSaved {
  readonly fused: boolean;
  readonly q: tf.Tensor;
  readonly k: tf.Tensor;
  readonly v: tf.Tensor;
  readonly P: tf.Tensor;
  readonly B: number;
  readonly T: number;
  readonly H: number;
  readonly qRows: number;
}

/** Rows [B·T, d] → heads [B·H, T, dh]. */
function toHeads(x: tf.Tensor, B: number, T: number, H: number): tf.Tensor3D {
  const dh = x.shape[1]! / H;
  if (T === 1) return tf.reshape(x, [B * H, 1, dh]);
  if (H === 1) return tf.reshape(x, [B, T, dh]);
  return tf.reshape(tf.transpose(tf.reshape(x, [B, T, H, dh]), [0, 2, 1, 3]), [B * H, T, dh]);
}

/** Heads [B·H, T, dh] → rows [B·T, d]. */
function fromHeads(x: tf.Tensor, B: number, H: number): tf.Tensor2D {
  const [, T, dh] = x.shape as [number, number, number];
  if (T === 1 || H === 1) return tf.reshape(x, [B * T, H * dh]);
  return tf.reshape(tf.transpose(tf.reshape(x, [B, H, T, dh]), [0, 2, 1, 3]), [B * T, H * dh]);
}

/**
 * softmax(q·kᵀ)·v per window and head, no mask. q: [B·qRows, d] (already scaled by 1/√dh), k and v:
 * [B·T, d]; qRows is T, or 1 for the output position only. Returns o like q. Must run inside tf.tidy.
 */
export function attention(
  q: tf.Tensor2D,
  k: tf.Tensor2D,
  v: tf.Tensor2D,
  B: number,
  T: number,
  H: number,
  qRows: number,
): { o: tf.Tensor2D; saved: AttentionSaved } {
  const d = q.shape[1],
    dh = d / H;
  const s = kernels();
  if (s !== null) {
    const P = output(s, [B * H, qRows, T]),
      o = output(s, [B * qRows, d]);
    s.kernels.fwd(ptr(s, q), ptr(s, k), ptr(s, v), ptr(s, P), ptr(s, o), B, T, H, dh, qRows, scratch(s, dh * up8(T) + T * up8(dh)));
    return { o: o as tf.Tensor2D, saved: { fused: true, q, k, v, P, B, T, H, qRows } };
  }
  const qh = toHeads(q, B, qRows, H),
    kh = toHeads(k, B, T, H),
    vh = toHeads(v, B, T, H);
  const P = tf.softmax(tf.matMul(qh, kh, false, true)) as tf.Tensor3D; // [B·H, qRows, T]
  const o = fromHeads(tf.matMul(P, vh), B, H);
  return { o, saved: { fused: false, q: qh, k: kh, v: vh, P, B, T, H, qRows } };
}

/** Gradients of `attention` with respect to q, k and v, from dO (shaped like o). Must run inside tf.tidy. */
export function attentionBack(a: AttentionSaved, dO: tf.Tensor2D): { dq: tf.Tensor2D; dk: tf.Tensor2D; dv: tf.Tensor2D } {
  const { B, T, H, qRows } = a;
  const d = dO.shape[1],
    dh = d / H;
  if (a.fused) {
    const s = kernels();
    if (s === null) throw new Error('fused attention state lost between forward and backward');
    const dq = output(s, [B * qRows, d]),
      dk = output(s, [B * T, d]),
      dv = output(s, [B * T, d]);
    s.kernels.bwd(
      ptr(s, a.q),
      ptr(s, a.k),
      ptr(s, a.v),
      ptr(s, a.P),
      ptr(s, dO),
      ptr(s, dq),
      ptr(s, dk),
      ptr(s, dv),
      B,
      T,
      H,
      dh,
      qRows,
      scratch(s, dh * up8(T) + 3 * T * up8(dh) + 8 * up8(dh) + 4 * T),
    );
    return { dq: dq as tf.Tensor2D, dk: dk as tf.Tensor2D, dv: dv as tf.Tensor2D };
  }
  const qh = a.q as tf.Tensor3D,
    kh = a.k as tf.Tensor3D,
    vh = a.v as tf.Tensor3D,
    P = a.P as tf.Tensor3D;
  const dOh = toHeads(dO, B, qRows, H);
  const dP = tf.matMul(dOh, vh, false, true);
  const dvh = tf.matMul(P, dOh, true, false);
  const dS = tf.mul<tf.Tensor3D>(P, tf.sub(dP, tf.sum(tf.mul(dP, P), -1, true)));
  const dqh = tf.matMul(dS, kh);
  const dkh = tf.matMul(dS, qh, true, false);
  return { dq: fromHeads(dqh, B, H), dk: fromHeads(dkh, B, H), dv: fromHeads(dvh, B, H) };
}

// ---------------------------------------------------------------------------------------------------
// LayerNorm, column sums, aᵀ·b, dropout masks (each falls back to TF.js ops or JS off wasm)

/** What the LayerNorm backward needs: x̂ [R, C] and 1/σ [R, 1]. */
export interface LnCache {
  readonly xhat: tf.Tensor2D;
  readonly rstd: tf.Tensor2D;
}

/** LayerNorm over the last axis (ε = LAYER_NORM_EPS). Must run inside tf.tidy. */
export function layerNorm(x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D): { y: tf.Tensor2D; cache: LnCache } {
  const [R, C] = x.shape;
  const s = kernels();
  if (s !== null) {
    const y = output(s, [R, C]) as tf.Tensor2D,
      xhat = output(s, [R, C]) as tf.Tensor2D,
      rstd = output(s, [R, 1]) as tf.Tensor2D;
    s.kernels.lnFwd(ptr(s, x), ptr(s, g), ptr(s, b), ptr(s, y), ptr(s, xhat), ptr(s, rstd), R, C, LAYER_NORM_EPS);
    return { y, cache: { xhat, rstd } };
  }
  const mu = tf.mean(x, -1, true);
  const xc = tf.sub(x, mu);
  const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(xc), -1, true), LAYER_NORM_EPS)) as tf.Tensor2D;
  const xhat = tf.mul<tf.Tensor2D>(xc, rstd);
  return { y: tf.add<tf.Tensor2D>(tf.mul(xhat, g), b), cache: { xhat, rstd } };
}

/** Hand-written LayerNorm backward: dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)), dx̂ = dy·γ. */
export function layerNormBack(dy: tf.Tensor2D, g: tf.Tensor1D, c: LnCache): { dx: tf.Tensor2D; dg: tf.Tensor2D; db: tf.Tensor2D } {
  const [R, C] = dy.shape;
  const s = kernels();
  if (s !== null) {
    const dx = output(s, [R, C]) as tf.Tensor2D,
      dg = output(s, [1, C]) as tf.Tensor2D,
      db = output(s, [1, C]) as tf.Tensor2D;
    s.kernels.lnBwd(ptr(s, dy), ptr(s, g), ptr(s, c.xhat), ptr(s, c.rstd), ptr(s, dx), ptr(s, dg), ptr(s, db), R, C);
    return { dx, dg, db };
  }
  const dg = sumRows(tf.mul<tf.Tensor2D>(dy, c.xhat));
  const db = sumRows(dy);
  const dxhat = tf.mul<tf.Tensor2D>(dy, g);
  const m1 = tf.mean(dxhat, -1, true);
  const m2 = tf.mean(tf.mul(dxhat, c.xhat), -1, true);
  const dx = tf.mul<tf.Tensor2D>(tf.sub(tf.sub(dxhat, m1), tf.mul(c.xhat, m2)), c.rstd);
  return { dx, dg, db };
}

/** Column sums of [R, C] as [1, C] (off wasm: a [1, R]·[R, C] plain matMul; Sum over axis 0 transposes first). */
export function sumRows(x: tf.Tensor2D): tf.Tensor2D {
  const [R, C] = x.shape;
  const s = kernels();
  if (s !== null) {
    const out = output(s, [1, C]) as tf.Tensor2D;
    s.kernels.colsum(ptr(s, x), ptr(s, out), R, C);
    return out;
  }
  return tf.matMul<tf.Tensor2D>(tf.ones([1, R]), x);
}

/** aᵀ·b for a [R, M] and b [R, N] (weight gradients); off wasm a transposed TF.js matMul. */
export function matMulTN(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  const [R, M] = a.shape,
    N = b.shape[1];
  if (b.shape[0] !== R) throw new Error(`matMulTN: a has ${R} rows, b has ${b.shape[0]}`);
  const s = kernels();
  if (s !== null) {
    const out = output(s, [M, N]) as tf.Tensor2D;
    s.kernels.matmulTN(ptr(s, a), ptr(s, b), ptr(s, out), R, M, N, scratch(s, 64 * 8));
    return out;
  }
  return tf.matMul<tf.Tensor2D>(a, b, true, false);
}

/** a·w (+ bias) (then ReLU) for a [M, K], w [K, N]; off wasm TF.js's fused matMul. */
export function matMulNN(a: tf.Tensor2D, w: tf.Tensor2D, bias: tf.Tensor1D | null = null, relu = false): tf.Tensor2D {
  const [M, K] = a.shape,
    N = w.shape[1];
  if (w.shape[0] !== K) throw new Error(`matMulNN: a has ${K} columns, w has ${w.shape[0]} rows`);
  const s = kernels();
  if (s !== null) {
    const out = output(s, [M, N]) as tf.Tensor2D;
    s.kernels.matmulNN(ptr(s, a), ptr(s, w), bias === null ? 0 : ptr(s, bias), ptr(s, out), M, K, N, relu ? 1 : 0, scratch(s, 8 * K));
    return out;
  }
  return tf.fused.matMul({ a, b: w, bias: bias ?? undefined, activation: relu ? 'relu' : 'linear' }) as tf.Tensor2D;
}

/**
 * Token + position embeddings [N, d] of `tokens` (int32 [N], windows of T): emb[token] + emb[V + position]
 * for emb = [wte; wpe] ([V + T, d]). Off wasm a gather, a slice and an add.
 */
export function embed(tokens: tf.Tensor1D, emb: tf.Tensor2D, T: number): tf.Tensor2D {
  const N = tokens.shape[0],
    [VT, d] = emb.shape,
    V = VT - T;
  const s = kernels();
  if (s !== null) {
    const out = output(s, [N, d]) as tf.Tensor2D;
    s.kernels.embed(ptr(s, tokens), ptr(s, emb), ptr(s, out), N, T, V, d);
    return out;
  }
  const x = tf.reshape(tf.gather(emb, tokens), [N / T, T, d]);
  return tf.reshape(tf.add(x, tf.slice(emb, [V, 0], [T, d])), [N, d]);
}

/** Row t of every window of T rows of x [B·T, d]: [B, d]. Off wasm a gather. */
export function windowRows(x: tf.Tensor2D, T: number, t: number): tf.Tensor2D {
  const [N, d] = x.shape,
    B = N / T;
  const s = kernels();
  if (s !== null) {
    const out = output(s, [B, d]) as tf.Tensor2D;
    s.kernels.windowRows(ptr(s, x), ptr(s, out), B, T, t, d);
    return out;
  }
  return tf.gather(x, tf.range(t, N, T, 'int32'));
}

/** lowbias32 (C. Wellons), as `mix32` in kernels.c. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * A dropout mask [R, C]: 0 with probability p, else 1/(1 − p), a function of the keys k1, k2 (uint32)
 * alone — entry i is dropped when mix32(mix32(i ⊕ k1) + k2) < p·2³². The same numbers on every backend;
 * on wasm drawn by the SIMD kernel (drawing masks in JS took a fifth of a training step).
 */
export function dropoutMask(R: number, C: number, p: number, k1: number, k2: number): tf.Tensor2D {
  const n = R * C,
    drop = Math.min(Math.round(p * 2 ** 32), 2 ** 32 - 1),
    keep = 1 / (1 - p);
  const s = kernels();
  if (s !== null) {
    const out = output(s, [R, C]) as tf.Tensor2D;
    s.kernels.dropout(ptr(s, out), n, k1 | 0, k2 | 0, drop | 0, keep);
    return out;
  }
  const m = new Float32Array(n);
  for (let i = 0; i < n; i++) m[i] = mix32((mix32(i ^ k1) + k2) >>> 0) < drop ? 0 : keep;
  return tf.tensor2d(m, [R, C]);
}
