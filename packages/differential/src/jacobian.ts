/**
 * Jacobians between named sites of any differentiable computation, through TF.js reverse-mode autodiff
 * (docs/method.md#differential-measures): for a trio `P` (early), `A` (intermediate), `F` (late) of a {@link SiteFunction} at its context,
 *
 *   `J = dF/dP`  total derivative, `A` varying with `P`;
 *   `B = ∂F/∂P`  `A` held fixed: `A` is still computed from `P`, but the rest of the graph reads a
 *               stop-gradient copy of it (value unchanged, derivative 0), so only the paths from `P` to `F`
 *               that avoid `A` count;
 *   `C = ∂F/∂A`  `A`'s selected entries replaced by a free input at their value, `P` at its value;
 *   `K = dA/dP`.
 *
 * The chain rule gives `J = B + C·K` exactly, so `C·K` is also `J − B` (what the measures use unless the
 * factors are asked for; `K` alone costs `dim A` backward rows).
 *
 * How: row `i` of a Jacobian `dY/dX` is the gradient of `Y_i`. The computation is run as `r` identical
 * copies (one per row), the hook at `X` replaces the selected entries of copy `i` by row `i` of a tensor
 * `x` (their values), and `tf.grad` of `Σ_i Y_i[copy i]` with respect to `x` gives all `r` rows in one
 * backward pass. Rows go in chunks of `chunk` copies.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as E from 'fp-ts/lib/Either.js';
import { matrix, type Matrix } from '@optimpact/impact-theory';
import { registerGradients } from '@optimpact/transformer/reference';
import type { DifferentialError, Jacobians, Position, Site, SiteFunction, SiteRef, Trio } from './types.js';

// -------------------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------------------

/**
 * A site reference resolved against a computation: the entries `[start, start + size)` of the site's
 * flattened per-copy value (`total` entries), the site being number `index` in forward order.
 */
export interface ResolvedRef {
  /** The reference as given. */
  readonly ref: SiteRef;
  /** The site it names. */
  readonly site: Site;
  /** The site's number in forward order. */
  readonly index: number;
  /** First entry of the referenced part in the site's flattened value. */
  readonly start: number;
  /** Entries referenced. */
  readonly size: number;
  /** Entries of the site's whole flattened value. */
  readonly total: number;
}

/** A trio resolved against a computation's sites. */
export interface ResolvedTrio {
  /** The early activation P. */
  readonly p: ResolvedRef;
  /** The intermediate activation A. */
  readonly a: ResolvedRef;
  /** The late activation F. */
  readonly f: ResolvedRef;
}

/** Options of {@link jacobians}. */
export interface JacobianOptions {
  /**
   * Also compute the factors `C = ∂F/∂A` and `K = dA/dP` (then `CK = C·K`); default false (`CK = J − B`).
   * `K` costs `dim A` backward rows: 20·d for a whole-window site.
   */
  readonly factors?: boolean;
  /** Copies per backward pass (rows of a Jacobian computed at once); default 64. */
  readonly chunk?: number;
}

// -------------------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------------------

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Resolves one site reference (`role` names it in errors). */
export function resolveRef(sites: readonly Site[], ref: SiteRef, role: 'p' | 'a' | 'f'): E.Either<DifferentialError, ResolvedRef> {
  const index = sites.findIndex((s) => s.name === ref.site);
  const site = sites[index];
  if (site === undefined) return E.left({ _tag: 'UnknownSite', role, name: ref.site, valid: sites.map((s) => s.name) });
  const total = sizeOf(site.shape);
  const bad = (reason: string): E.Either<DifferentialError, ResolvedRef> =>
    E.left({ _tag: 'BadPosition', role, site: site.name, position: ref.position, reason });
  if (ref.position === 'all') return E.right({ ref, site, index, start: 0, size: total, total });
  if (!site.positional) {
    if (ref.position === 'last') return E.right({ ref, site, index, start: 0, size: total, total });
    return bad(`"${site.name}" exists only at the output position: use all or last`);
  }
  const T = site.shape[0] ?? 0,
    per = total / T;
  const t = ref.position === 'last' ? T - 1 : ref.position;
  if (!Number.isInteger(t) || t < 0 || t >= T) return bad(`positions are 0..${T - 1}, or last, or all`);
  return E.right({ ref, site, index, start: t * per, size: per, total });
}

/**
 * Resolves a trio against a computation's sites: every name must be a site (else `UnknownSite`, listing
 * the valid ones), every position must exist (`BadPosition`), and `P` must come before `A` before `F` in
 * forward order (`BadOrder`).
 */
export function resolveTrio(sites: readonly Site[], trio: Trio): E.Either<DifferentialError, ResolvedTrio> {
  const p = resolveRef(sites, trio.p, 'p');
  if (E.isLeft(p)) return p;
  const a = resolveRef(sites, trio.a, 'a');
  if (E.isLeft(a)) return a;
  const f = resolveRef(sites, trio.f, 'f');
  if (E.isLeft(f)) return f;
  if (!(p.right.index < a.right.index && a.right.index < f.right.index)) {
    const order = sites.map((s) => s.name).join(' → ');
    return E.left({
      _tag: 'BadOrder',
      reason: `sites must come in forward order P before A before F, got P=${trio.p.site}, A=${trio.a.site}, F=${trio.f.site} (order: ${order})`,
    });
  }
  return E.right({ p: p.right, a: a.right, f: f.right });
}

// -------------------------------------------------------------------------------------------------
// combinators: hooks
// -------------------------------------------------------------------------------------------------

/**
 * A stop-gradient copy: the same value, derivative 0 (TF.js has no `stopGradient` op). "A held fixed" is
 * `A` replaced by this copy.
 */
export function stopGradient(x: tf.Tensor): tf.Tensor {
  return stopGradientOp(x);
}

const stopGradientOp = tf.customGrad((...inputs) => {
  const x = inputs[0];
  if (!(x instanceof tf.Tensor)) throw new TypeError('stopGradient: expected a tensor');
  return { value: tf.clone(x), gradFunc: () => tf.zerosLike(x) };
});

/** The selected entries of a site's value: `[copies, size]`. */
function select(r: ResolvedRef, value: tf.Tensor): tf.Tensor2D {
  const copies = value.shape[0] ?? 1;
  const flat = tf.reshape<tf.Rank.R2>(value, [copies, r.total]);
  return r.size === r.total ? flat : tf.slice(flat, [0, r.start], [copies, r.size]);
}

/** The site's value with its selected entries replaced by `x` `[copies, size]` (others unchanged). */
function inject(r: ResolvedRef, value: tf.Tensor, x: tf.Tensor): tf.Tensor {
  if (r.size === r.total) return tf.reshape(x, value.shape);
  const copies = value.shape[0] ?? 1;
  const keep = new Float32Array(r.total).fill(1).fill(0, r.start, r.start + r.size);
  const rest = tf.mul(tf.reshape(value, [copies, r.total]), tf.tensor2d(keep, [1, r.total]));
  const placed = tf.pad(x, [
    [0, 0],
    [r.start, r.total - r.start - r.size],
  ]);
  return tf.reshape(tf.add(rest, placed), value.shape);
}

/** The site's value with its selected entries replaced by a stop-gradient copy. */
function freeze(r: ResolvedRef, value: tf.Tensor): tf.Tensor {
  return r.size === r.total ? stopGradient(value) : inject(r, value, stopGradient(select(r, value)));
}

// -------------------------------------------------------------------------------------------------
// combinators: Jacobians
// -------------------------------------------------------------------------------------------------

/** The selected entries of the given sites at the context (one identity-hooked copy), as float32. */
export function siteValues(fn: SiteFunction, refs: readonly ResolvedRef[]): Float32Array[] {
  registerGradients();
  const out: Float32Array[] = refs.map(() => new Float32Array(0));
  // nothing returned from the scope: tidy walks a returned typed array element by element
  tf.tidy(() => {
    fn.run(1, (name, value) => {
      refs.forEach((r, i) => {
        if (r.site.name === name) out[i] = select(r, value).dataSync() as Float32Array;
      });
      return value;
    });
  });
  return out;
}

/**
 * Rows `[from, to)` of `dY/dX` (Y = `out`, X = `wrt` with value `x0`), optionally with `frozen`'s entries
 * held fixed: `(to − from) × dim X`, row-major, float32.
 */
function gradRows(fn: SiteFunction, wrt: ResolvedRef, x0: Float32Array, out: ResolvedRef, from: number, to: number, frozen: ResolvedRef | null): Float32Array {
  const r = to - from,
    m = wrt.size;
  const g = tf.tidy(() => {
    const tiled = new Float32Array(r * m);
    for (let i = 0; i < r; i++) tiled.set(x0, i * m);
    const pick = new Float32Array(r * out.size);
    for (let i = 0; i < r; i++) pick[i * out.size + from + i] = 1;
    const picker = tf.tensor2d(pick, [r, out.size]);
    return tf.grad((x: tf.Tensor) => {
      const got: { y?: tf.Tensor2D } = {};
      fn.run(r, (name, value) => {
        let v = value;
        if (name === wrt.site.name) v = inject(wrt, v, x);
        if (frozen !== null && name === frozen.site.name) v = freeze(frozen, v);
        if (name === out.site.name) got.y = select(out, v);
        return v;
      });
      if (got.y === undefined) throw new Error(`site function never reached site "${out.site.name}"`);
      // + 0·Σx keeps x on the tape when Y does not depend on it (then every row is 0, not an error)
      return tf.add<tf.Scalar>(tf.sum(tf.mul(got.y, picker)), tf.mul(tf.sum(x), 0));
    })(tf.tensor2d(tiled, [r, m]));
  });
  // read after the scope: tidy walks a returned typed array element by element
  const rows = g.dataSync() as Float32Array;
  g.dispose();
  return rows;
}

/** The whole Jacobian `dY/dX` as a float64 matrix, in chunks of `chunk` rows. */
function jacobian(fn: SiteFunction, wrt: ResolvedRef, x0: Float32Array, out: ResolvedRef, frozen: ResolvedRef | null, chunk: number): Matrix {
  const data = new Float64Array(out.size * wrt.size);
  for (let from = 0; from < out.size; from += chunk) {
    const to = Math.min(out.size, from + chunk);
    data.set(gradRows(fn, wrt, x0, out, from, to, frozen), from * wrt.size);
  }
  return matrix(out.size, wrt.size, data);
}

/**
 * The Jacobians `J`, `B`, `CK` (and `C`, `K` with `factors`) of a trio at the computation's context; see
 * the module header for their definitions. Values are float32 autodiff results held in float64 matrices.
 * `Left` when a site name is unknown (the error lists the valid ones), a position does not exist, or the
 * trio is out of forward order. Leaks no tensors.
 *
 * Cost: `⌈dim F / chunk⌉` forward+backward passes of `min(chunk, dim F)` copies for each of `J` and `B`
 * (plus as many for `C`, and `⌈dim A / chunk⌉` for `K`, with `factors`).
 */
export function jacobians(fn: SiteFunction, trio: Trio, options: JacobianOptions = {}): E.Either<DifferentialError, Jacobians> {
  const resolved = resolveTrio(fn.sites, trio);
  if (E.isLeft(resolved)) return resolved;
  return E.right(jacobiansResolved(fn, resolved.right, options));
}

/** {@link jacobians} for a trio already resolved against `fn.sites` (no checks). */
export function jacobiansResolved(fn: SiteFunction, trio: ResolvedTrio, options: JacobianOptions = {}): Jacobians {
  return jacobiansShared(fn, trio.p, trio.f, [trio.a], options)[0]!;
}

/**
 * The Jacobians of the trios (P, A_i, F) for several intermediate sites `as` at once, `J` computed once and
 * shared (it does not depend on `A`): one `J` pass plus one `B` pass per site. Every `A_i` must lie
 * between `P` and `F` in forward order (not checked here; see {@link resolveTrio}).
 */
export function jacobiansShared(fn: SiteFunction, p: ResolvedRef, f: ResolvedRef, as: readonly ResolvedRef[], options: JacobianOptions = {}): Jacobians[] {
  const chunk = Math.max(1, Math.floor(options.chunk ?? 64));
  const values = siteValues(fn, [p, ...as]);
  const p0 = values[0]!;
  const J = jacobian(fn, p, p0, f, null, chunk);
  return as.map((a, i) => {
    const B = jacobian(fn, p, p0, f, a, chunk);
    const dims = { p: p.size, a: a.size, f: f.size };
    if (options.factors !== true) {
      const ck = new Float64Array(J.data.length);
      for (let k = 0; k < ck.length; k++) ck[k] = J.data[k]! - B.data[k]!;
      return { J, B, CK: matrix(J.rows, J.cols, ck), dims };
    }
    const C = jacobian(fn, a, values[i + 1]!, f, null, chunk);
    const K = jacobian(fn, p, p0, a, null, chunk);
    const CK = new Float64Array(f.size * p.size);
    for (let r = 0; r < f.size; r++) {
      for (let k = 0; k < a.size; k++) {
        const c = C.data[r * a.size + k]!;
        if (c === 0) continue;
        for (let j = 0; j < p.size; j++) CK[r * p.size + j]! += c * K.data[k * p.size + j]!;
      }
    }
    return { J, B, CK: matrix(f.size, p.size, CK), C, K, dims };
  });
}

/**
 * The chain-rule residual `‖J − B − CK‖_F / ‖J‖_F` (0 for exact derivatives; ~1e-6 in float32). Only
 * meaningful when `CK` came from the factors.
 */
export function chainResidual(j: Jacobians): number {
  let num = 0,
    den = 0;
  for (let i = 0; i < j.J.data.length; i++) {
    num += (j.J.data[i]! - j.B.data[i]! - j.CK.data[i]!) ** 2;
    den += j.J.data[i]! ** 2;
  }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}

/** Parses a position written on a command line: `all`, `last` or a non-negative integer; else undefined. */
export function parsePosition(s: string): Position | undefined {
  if (s === 'all' || s === 'last') return s;
  return /^\d+$/.test(s) ? Number(s) : undefined;
}
