/**
 * Contracts of @optimpact/differential: a differentiable computation whose intermediate values pass
 * through named sites, references to (a position of) a site, the P/A/F trio (docs/method.md#differential-measures), the Jacobians
 * between them, and the one error union of the package.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Matrix } from '@optimpact/impact-theory';

// -------------------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------------------

/** One named activation of a {@link SiteFunction}. */
export interface Site {
  /** Stable dotted name, e.g. `embed`, `blocks.0.mlp.out`, `logits`. */
  readonly name: string;
  /** Shape of the value for one copy of the computation (no batch axis), e.g. `[T, d]` or `[V]`. */
  readonly shape: readonly number[];
  /**
   * True when the first axis of `shape` is the token position, so that a single position can be picked
   * (`position: 'last' | t`). Sites that exist only at the output position are not positional.
   */
  readonly positional: boolean;
}

/**
 * Called with each site's value `[copies, ...shape]` in forward order; the computation continues with the
 * tensor it returns (same shape). The identity hook runs the computation unchanged.
 */
export type SiteHook = (name: string, value: tf.Tensor) => tf.Tensor;

/**
 * A differentiable computation on one fixed context (one input), run as a batch of identical copies
 * whose every named intermediate value passes through a hook — the TransformerLens "hook point" design.
 *
 * Contract: `run(copies, hook)` builds `copies` identical copies of the computation from the context,
 * calls `hook` exactly once per site, in the order of `sites`, with that site's value
 * `[copies, ...site.shape]`, and uses the returned tensor downstream; copies never mix (row `i` of every
 * site depends on row `i` of earlier sites only). It is called inside `tf.tidy` / `tf.grad`, so it may
 * create tensors freely, and must be differentiable wherever a hook replaces a value.
 */
export interface SiteFunction {
  /** Every site, in forward order. */
  readonly sites: readonly Site[];
  /** Builds `copies` copies of the computation, passing every site's value through `hook` (see above). */
  run(copies: number, hook: SiteHook): void;
}

/**
 * Which entries of a site: `'all'` (the whole site, e.g. the whole window of 20·d values), `'last'`
 * (the output position, i.e. the last index of a positional site's first axis; the whole site for a
 * non-positional one, which exists only at the output position), or a position index `t ≥ 0`.
 */
export type Position = 'all' | 'last' | number;

/** A site and the entries of it that take part. */
export interface SiteRef {
  /** The site's name. */
  readonly site: string;
  /** Which positions of a positional site: all, the last, or one index. */
  readonly position: Position;
}

/**
 * The three activations (docs/method.md#differential-measures): `P` early (the "past"), `A` intermediate (the "action"), `F` late (the
 * "future"), with `P` before `A` before `F` in forward order.
 */
export interface Trio {
  /** The early activation P (the "past"). */
  readonly p: SiteRef;
  /** The intermediate activation A (the "action"). */
  readonly a: SiteRef;
  /** The late activation F (the "future"). */
  readonly f: SiteRef;
}

/**
 * The Jacobians of a trio at one context, float32 autodiff values in float64 matrices:
 * - `J = dF/dP`, `A` varying (total derivative), `dim F × dim P`;
 * - `B = ∂F/∂P` with `A` held fixed: `A`'s value is still computed from `P` but enters the rest of the
 *   graph through a stop-gradient copy, so no derivative flows through it, `dim F × dim P`;
 * - `CK = C·K`, `dim F × dim P`: the product of the factors when they were computed, else `J − B`
 *   (equal by the chain rule `J = B + CK`, exact for any differentiable computation);
 * - `C = ∂F/∂A` (`P` held at its value, `A` varied), `dim F × dim A`, and `K = dA/dP`, `dim A × dim P`,
 *   when asked for (`K` takes `dim A` backward rows).
 */
export interface Jacobians {
  /** `dF/dP` with A varying, `dim F × dim P`. */
  readonly J: Matrix;
  /** `∂F/∂P` with A held fixed, `dim F × dim P`. */
  readonly B: Matrix;
  /** `C·K = J − B`, `dim F × dim P`. */
  readonly CK: Matrix;
  /** `∂F/∂A`, `dim F × dim A`, when the factors were asked for. */
  readonly C?: Matrix;
  /** `dA/dP`, `dim A × dim P`, when the factors were asked for. */
  readonly K?: Matrix;
  /** Dimensions of P, A and F. */
  readonly dims: { readonly p: number; readonly a: number; readonly f: number };
}

/**
 * What can go wrong with a request (bad input, not a broken invariant):
 * - `UnknownSite`: a name not among `valid` (the sites the computation exposes);
 * - `BadPosition`: a position the site does not have;
 * - `BadOrder`: the trio is not `P` before `A` before `F` in forward order.
 */
export type DifferentialError =
  | { readonly _tag: 'UnknownSite'; readonly role: 'p' | 'a' | 'f'; readonly name: string; readonly valid: readonly string[] }
  | { readonly _tag: 'BadPosition'; readonly role: 'p' | 'a' | 'f'; readonly site: string; readonly position: Position; readonly reason: string }
  | { readonly _tag: 'BadOrder'; readonly reason: string };

// -------------------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------------------

/** One line describing a {@link DifferentialError}; `UnknownSite` lists every valid site. */
export function describeError(e: DifferentialError): string {
  switch (e._tag) {
    case 'UnknownSite':
      return `--${e.role}: unknown site "${e.name}" (valid sites: ${e.valid.join(', ')})`;
    case 'BadPosition':
      return `--${e.role}: site "${e.site}" has no position ${String(e.position)} (${e.reason})`;
    case 'BadOrder':
      return e.reason;
  }
}
