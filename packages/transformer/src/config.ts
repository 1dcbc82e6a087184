/**
 * Model configuration: a readonly `TransformerConfig`, the four size presets (docs/method.md#model) and a validator
 * that reports every problem at once (the CLI decodes user input with its own io-ts codec, then calls this).
 */

/** Architecture and regularisation of one encoder-only transformer (docs/method.md#model). */
export interface TransformerConfig {
  /** Token vocabulary (16 in the sequence environment). */
  readonly vocabSize: number;
  /** Tokens read before the predicted one (20 in the sequence environment); also the number of learned positions. */
  readonly contextLength: number;
  /** Residual stream width `d`. */
  readonly dModel: number;
  /** Number of pre-LayerNorm blocks. */
  readonly nLayers: number;
  /** Attention heads; must divide `dModel`. */
  readonly nHeads: number;
  /** MLP hidden width as a multiple of `dModel` (4 in the study, docs/method.md#model). */
  readonly mlpRatio: number;
  /** Dropout probability on the embedding and on both residual branches of every block (0.1). */
  readonly dropout: number;
}

/** ε of every LayerNorm: added to the variance before the square root, as PyTorch's `nn.LayerNorm` default. */
export const LAYER_NORM_EPS = 1e-5;

/**
 * The attention scores' scale `1/√d_head` (Vaswani et al. 2017, "Attention is all you need", §3.2.1): the
 * reference multiplies the scores by it, the fast model folds it into the query weights.
 */
export function queryScale(c: Pick<TransformerConfig, 'dModel' | 'nHeads'>): number {
  return 1 / Math.sqrt(c.dModel / c.nHeads);
}

/** The backends optimpact can run on (here rather than in backend.ts, so that listing them loads no TF.js). */
export const BACKENDS = ['wasm', 'cpu', 'node'] as const;
/** A TF.js backend: wasm (the default), the pure-JS cpu fallback, or node (tfjs-node, when installed). */
export type BackendName = (typeof BACKENDS)[number];

/** Names of the size presets, smallest first. */
export const SIZE_NAMES = ['xs', 's', 'm', 'l'] as const;
export type SizeName = (typeof SIZE_NAMES)[number];

/** A named preset with its exact trainable parameter count. */
export interface SizePreset {
  /** Its name, smallest first: xs, s, m, l. */
  readonly name: SizeName;
  /** Its architecture, at the study's vocabulary and context length. */
  readonly config: TransformerConfig;
  /** Exact trainable parameter count ({@link countParams}). */
  readonly params: number;
}

const base = { vocabSize: 16, contextLength: 20, nLayers: 2, mlpRatio: 4, dropout: 0.1 } as const;

/**
 * Exact trainable parameter count: embeddings (V + T)·d, per block 12d² + 13d (LN 2d, Q/K/V/O 4d² + 4d,
 * MLP 2·r·d² + r·d + d with r = 4), final LayerNorm 2d, head d·V + V.
 */
export function countParams(c: TransformerConfig): number {
  const d = c.dModel,
    h = c.mlpRatio * d;
  const block = 4 * d + 4 * d * d + 4 * d + d * h + h + h * d + d;
  return (c.vocabSize + c.contextLength) * d + c.nLayers * block + 2 * d + d * c.vocabSize + c.vocabSize;
}

function preset(name: SizeName, dModel: number, nHeads: number): SizePreset {
  const config: TransformerConfig = { ...base, dModel, nHeads };
  return { name, config, params: countParams(config) };
}

/**
 * The four sizes of the study, spanning about 18k to about 403k parameters, all two blocks deep:
 * xs d=26 (18,320), s d=48 (59,152), m d=78 (152,272), l d=128 (403,472).
 */
export const SIZE_PRESETS: readonly SizePreset[] = [preset('xs', 26, 2), preset('s', 48, 4), preset('m', 78, 6), preset('l', 128, 8)];

/** The preset called `name`, or undefined. */
export function sizePreset(name: string): SizePreset | undefined {
  return SIZE_PRESETS.find((p) => p.name === name);
}

/** Outcome of `validateConfig`: the config, or every problem found. */
export type ConfigResult = { readonly _tag: 'Valid'; readonly config: TransformerConfig } | { readonly _tag: 'Invalid'; readonly errors: readonly string[] };

/** Checks ranges and divisibility; returns the (same) config or the list of problems. */
export function validateConfig(c: TransformerConfig): ConfigResult {
  const errors: string[] = [];
  const posInt = (k: keyof TransformerConfig): void => {
    const v = c[k];
    if (!Number.isInteger(v) || v < 1) errors.push(`${k} must be a positive integer, got ${String(v)}`);
  };
  posInt('vocabSize');
  posInt('contextLength');
  posInt('dModel');
  posInt('nLayers');
  posInt('nHeads');
  posInt('mlpRatio');
  if (!(c.dropout >= 0 && c.dropout < 1)) errors.push(`dropout must be in [0, 1), got ${String(c.dropout)}`);
  if (Number.isInteger(c.dModel) && Number.isInteger(c.nHeads) && c.nHeads > 0 && c.dModel % c.nHeads !== 0) {
    errors.push(`nHeads (${c.nHeads}) must divide dModel (${c.dModel})`);
  }
  return errors.length === 0 ? { _tag: 'Valid', config: c } : { _tag: 'Invalid', errors };
}
