/**
 * Fused multi-head attention kernels for the wasm backend (kernels/attention.c, SIMD, compiled to a tiny
 * module that imports the TF.js heap and reads and writes its tensors in place). Falls back to TF.js ops on
 * other backends. Instantiated lazily on first use: importing this file has no effect.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ATTENTION_WASM } from './attention-wasm.js';

// lib ES2022 has no WebAssembly types (they come with the DOM lib): the little used here.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
};
type WasmMemory = object;

type Ptr = number;
interface Kernels {
  readonly fwd: (q: Ptr, k: Ptr, v: Ptr, P: Ptr, o: Ptr, B: number, T: number, H: number, dh: number, qRows: number, scratch: Ptr) => void;
  readonly bwd: (q: Ptr, k: Ptr, v: Ptr, P: Ptr, dO: Ptr, dq: Ptr, dk: Ptr, dv: Ptr, B: number, T: number, H: number, dh: number, qRows: number, scratch: Ptr) => void;
}

/** The parts of tfjs-backend-wasm's BackendWasm this file uses. */
interface WasmBackend {
  readonly wasm: { readonly asm?: { readonly memory?: WasmMemory }; _malloc(bytes: number): Ptr; _free(p: Ptr): void };
  readonly dataIdMap: { get(id: object): { memoryOffset: Ptr } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

interface State { backend: WasmBackend; kernels: Kernels; scratch: Ptr; scratchFloats: number }
let state: State | null = null;
let enabled = true;

/** Turns the fused kernels off (true TF.js ops everywhere) or back on; for tests and measurements. */
export function setFusedAttention(on: boolean): void {
  enabled = on;
}

function kernels(): State | null {
  if (!enabled || tf.getBackend() !== 'wasm') return null;
  const backend = tf.backend() as unknown as WasmBackend;
  if (state !== null && state.backend === backend) return state;
  const memory = backend.wasm?.asm?.memory;
  if (memory === undefined) return null;
  const module = new WebAssembly.Module(Buffer.from(ATTENTION_WASM, 'base64'));
  const inst = new WebAssembly.Instance(module, { env: { memory } });
  const ex = inst.exports as unknown as { attn_fwd: Kernels['fwd']; attn_bwd: Kernels['bwd'] };
  state = { backend, kernels: { fwd: ex.attn_fwd, bwd: ex.attn_bwd }, scratch: 0, scratchFloats: 0 };
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

function output(s: State, shape: number[]): tf.Tensor {
  const info = s.backend.makeOutput(shape, 'float32');
  return tf.engine().makeTensorFromTensorInfo(info);
}

/** What the backward pass needs from the forward. */
export interface AttentionSaved {
  readonly fused: boolean;
  readonly q: tf.Tensor; readonly k: tf.Tensor; readonly v: tf.Tensor; readonly P: tf.Tensor;
  readonly B: number; readonly T: number; readonly H: number; readonly qRows: number;
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
export function attention(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, B: number, T: number, H: number, qRows: number): { o: tf.Tensor2D; saved: AttentionSaved } {
  const d = q.shape[1], dh = d / H;
  const s = kernels();
  if (s !== null) {
    const P = output(s, [B * H, qRows, T]), o = output(s, [B * qRows, d]);
    s.kernels.fwd(ptr(s, q), ptr(s, k), ptr(s, v), ptr(s, P), ptr(s, o), B, T, H, dh, qRows, scratch(s, 5 * T * dh + 2 * T));
    return { o: o as tf.Tensor2D, saved: { fused: true, q, k, v, P, B, T, H, qRows } };
  }
  const qh = toHeads(q, B, qRows, H), kh = toHeads(k, B, T, H), vh = toHeads(v, B, T, H);
  const P = tf.softmax(tf.matMul(qh, kh, false, true)) as tf.Tensor3D; // [B·H, qRows, T]
  const o = fromHeads(tf.matMul(P, vh), B, H);
  return { o, saved: { fused: false, q: qh, k: kh, v: vh, P, B, T, H, qRows } };
}

/** Gradients of `attention` with respect to q, k and v, from dO (shaped like o). Must run inside tf.tidy. */
export function attentionBack(a: AttentionSaved, dO: tf.Tensor2D): { dq: tf.Tensor2D; dk: tf.Tensor2D; dv: tf.Tensor2D } {
  const { B, T, H, qRows } = a;
  const d = dO.shape[1], dh = d / H;
  if (a.fused) {
    const s = kernels();
    if (s === null) throw new Error('fused attention state lost between forward and backward');
    const dq = output(s, [B * qRows, d]), dk = output(s, [B * T, d]), dv = output(s, [B * T, d]);
    s.kernels.bwd(ptr(s, a.q), ptr(s, a.k), ptr(s, a.v), ptr(s, a.P), ptr(s, dO), ptr(s, dq), ptr(s, dk), ptr(s, dv),
      B, T, H, dh, qRows, scratch(s, 5 * T * dh + 2 * T));
    return { dq: dq as tf.Tensor2D, dk: dk as tf.Tensor2D, dv: dv as tf.Tensor2D };
  }
  const qh = a.q as tf.Tensor3D, kh = a.k as tf.Tensor3D, vh = a.v as tf.Tensor3D, P = a.P as tf.Tensor3D;
  const dOh = toHeads(dO, B, qRows, H);
  const dP = tf.matMul(dOh, vh, false, true);
  const dvh = tf.matMul(P, dOh, true, false);
  const dS = tf.mul(P, tf.sub(dP, tf.sum(tf.mul(dP, P), -1, true))) as tf.Tensor3D;
  const dqh = tf.matMul(dS, kh);
  const dkh = tf.matMul(dS, qh, true, false);
  return { dq: fromHeads(dqh, B, H), dk: fromHeads(dkh, B, H), dv: fromHeads(dvh, B, H) };
}
