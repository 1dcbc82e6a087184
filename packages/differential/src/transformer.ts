/**
 * The study's transformer as a {@link SiteFunction}: the reference transformer of
 * `@optimpact/transformer/reference` (plain TF.js ops, autodiff through every op) on one window, run as
 * identical copies, its hook sites being the sites: `embed`, `blocks.l.attn.out`, `blocks.l.mlp.out`,
 * `blocks.l.resid` (`[T, d]`, positional), `lnf` `[d]` and `logits` `[V]` (output position only). `lnf`
 * has rank ≤ d − 1 as a function of its input (its features have zero mean), so as `F` it makes every
 * context rank deficient.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TransformerConfig } from '@optimpact/transformer';
import { hookSites, referenceLogits, referenceWeights } from '@optimpact/transformer/reference';
import type { Site, SiteFunction } from './types.js';

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
  /** Every site, in forward order. */
  readonly sites: readonly Site[];
  /** The computation on one window of `contextLength` tokens. */
  at(window: Int32Array): SiteFunction;
  /** Frees the weight tensors. */
  dispose(): void;
}

// -------------------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------------------

/** The site names of a config, in forward order. */
export function transformerSiteNames(c: TransformerConfig): string[] {
  return hookSites(c).map((s) => s.name);
}

/**
 * The differentiable forward pass of a model (a `Transformer` of @optimpact/transformer, or anything with
 * its `config` and `flat` parameters). Reads the parameters once: later edits of `flat` are not seen.
 * Needs a backend set; call `dispose()` when done.
 */
export function differentiableTransformer(model: ModelParams): DifferentiableTransformer {
  const c = model.config,
    T = c.contextLength;
  const weights = referenceWeights(c, model.flat);
  const sites = hookSites(c);
  return {
    config: c,
    sites,
    at(window: Int32Array): SiteFunction {
      if (window.length !== T) throw new RangeError(`window has ${window.length} tokens, the model reads ${T}`);
      return {
        sites,
        run(copies, hook): void {
          const tokens = new Int32Array(copies * T);
          for (let i = 0; i < copies; i++) tokens.set(window, i * T);
          referenceLogits(c, weights, { tokens, positions: new Int32Array(copies).fill(T), n: copies, length: T }, hook);
        },
      };
    },
    dispose(): void {
      tf.dispose(Object.values(weights));
    },
  };
}
