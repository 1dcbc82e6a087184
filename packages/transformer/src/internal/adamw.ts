/** AdamW on one flat Float32Array of parameters, with named state slots (torch.optim.AdamW semantics). */
import type { OptimizerSlotState } from '@optimpact/core';

/** Hyper-parameters other than the learning rate (PyTorch AdamW defaults, weight decay 0.01 as in docs/method.md#model). */
export interface AdamWOptions {
  /** Decay of the first-moment average (0.9). */
  readonly beta1: number;
  /** Decay of the second-moment average (0.999). */
  readonly beta2: number;
  /** Added to the root of the second moment (1e-8). */
  readonly eps: number;
  /** Decoupled weight decay, applied to every parameter (0.01). */
  readonly weightDecay: number;
}

/** torch.optim.AdamW's defaults with weight decay 0.01. */
export const ADAMW_DEFAULTS: AdamWOptions = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

interface SlotState {
  readonly m: Float32Array;
  readonly v: Float32Array;
  t: number;
}

/** Decoupled weight decay on parameters whose `decay[i]` is 1 (matrices and embeddings). */
export class AdamW {
  private readonly slots = new Map<string, SlotState>();

  constructor(
    private readonly size: number,
    private readonly decay: Uint8Array,
    readonly options: AdamWOptions = ADAMW_DEFAULTS,
  ) {}

  /** p ← p·(1 − lr·wd) − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε), exactly as torch.optim.AdamW. */
  update(params: Float32Array, grad: Float32Array, slot: string, lr: number): void {
    let s = this.slots.get(slot);
    if (s === undefined) {
      s = { m: new Float32Array(this.size), v: new Float32Array(this.size), t: 0 };
      this.slots.set(slot, s);
    }
    s.t += 1;
    const { beta1: b1, beta2: b2, eps, weightDecay: wd } = this.options;
    const stepSize = lr / (1 - powInt(b1, s.t));
    const bc2 = Math.sqrt(1 - powInt(b2, s.t));
    const shrink = 1 - lr * wd;
    const { m, v } = s;
    const decay = this.decay;
    for (let i = 0; i < this.size; i++) {
      const g = grad[i]!;
      const mi = b1 * m[i]! + (1 - b1) * g;
      const vi = b2 * v[i]! + (1 - b2) * g * g;
      m[i] = mi;
      v[i] = vi;
      const p = decay[i] === 1 ? params[i]! * shrink : params[i]!;
      params[i] = p - (stepSize * mi) / (Math.sqrt(vi) / bc2 + eps);
    }
  }

  /** Names of the slots that hold state. */
  slotNames(): string[] {
    return [...this.slots.keys()];
  }

  /** Every slot's state, copied. */
  state(): OptimizerSlotState[] {
    return [...this.slots].map(([slot, s]) => ({ slot, t: s.t, m: s.m.slice(), v: s.v.slice() }));
  }

  /** Replaces every slot's state by `slots` (as `state` gave it). */
  restore(slots: readonly OptimizerSlotState[]): void {
    for (const s of slots) {
      if (s.m.length !== this.size || s.v.length !== this.size)
        throw new Error(`optimizer slot ${s.slot} holds ${s.m.length} and ${s.v.length} moments, the model has ${this.size} parameters`);
    }
    this.slots.clear();
    for (const s of slots) this.slots.set(s.slot, { m: s.m.slice(), v: s.v.slice(), t: s.t });
  }
}

// Double-double arithmetic (Dekker): a value is hi + lo with |lo| ≤ ulp(hi)/2, every step exact IEEE
// double operations, so the same on every engine.
const SPLIT = 134217729; // 2^27 + 1

/** a·b as hi + lo exactly (Dekker's product; JS has no fused multiply-add). */
function twoProduct(a: number, b: number): [number, number] {
  const p = a * b;
  const ca = SPLIT * a,
    ah = ca - (ca - a),
    al = a - ah;
  const cb = SPLIT * b,
    bh = cb - (cb - b),
    bl = b - bh;
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

function ddMul(x: [number, number], y: [number, number]): [number, number] {
  const [p, e] = twoProduct(x[0], y[0]);
  const lo = e + (x[0] * y[1] + x[1] * y[0]);
  const hi = p + lo;
  return [hi, lo - (hi - p)];
}

/**
 * b^t for an integer t ≥ 0, correctly rounded but in the hardest cases (tested against exact BigInt
 * powers): by squaring in double-double, each product off by at most a few 2⁻¹⁰⁶. Not `b ** t`: V8's
 * pow changed between Node 20 and 24 (Node 20's is off by an ulp from t = 16 for β₂ = 0.999), and one ulp in
 * a bias correction can flip a float32 parameter's rounding and, many steps later, a run's result.
 */
export function powInt(b: number, t: number): number {
  if (!(Number.isInteger(t) && t >= 0)) throw new RangeError(`powInt: exponent must be an integer ≥ 0, got ${t}`);
  let r: [number, number] = [1, 0],
    x: [number, number] = [b, 0];
  for (let k = t; k > 0; k = Math.floor(k / 2)) {
    if (k % 2 === 1) r = ddMul(r, x);
    if (k > 1) x = ddMul(x, x);
  }
  return r[0] + r[1];
}
