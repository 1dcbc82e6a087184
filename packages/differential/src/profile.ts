/**
 * Differential optimization and impact inside the study's transformer (docs/method.md#differential-measures), averaged over contexts.
 *
 * What the measures say. Linearise the network at a context and put Gaussian noise on the early activation
 * `P` (the embeddings). `Op_diff` (nats) is how much less the late activation `F` (the logits) spreads when
 * the intermediate activation `A` (a block's attention or MLP branch) responds to `P` than when it is held
 * at its value: positive when `A` cancels part of the variation that reaches `F` by other paths, i.e. it
 * "optimizes" `F` against noise in `P`; negative when it amplifies it. `Imp_diff ≥ 0` (nats) is the mean KL
 * from the real future to the split-history one in which `A` comes from another, independent `P''`: how
 * much `A`'s response to `P` changes `F`'s distribution, 0 exactly when `A` has no effect on `F`.
 *
 * What they do not say. They are local (first order at each context), for isotropic Gaussian noise in
 * embedding coordinates, which is not the distribution of real contexts (tokens are discrete; the
 * embedding scale and LayerNorm make them depend on the parametrisation), and they compare derivatives, not
 * outcomes: they are not the split-history Op and Imp (docs/method.md#split-history) in other units, and a large value is not by
 * itself evidence that the model pursues the task. Values are comparable across blocks and models measured
 * the same way (same P, A, F, positions); their spread across contexts is large, so read them with their
 * standard errors and rank-deficient counts.
 */
import type { Environment, Estimate, Windows } from '@optimpact/core';
import { estimate, windowOf } from '@optimpact/core';
import * as E from 'fp-ts/lib/Either.js';
import { chainResidual, jacobiansShared, resolveTrio } from './jacobian.js';
import { contextMeasures, summarize, type ContextMeasures, type DifferentialSummary } from './measures.js';
import { differentiableTransformer, type ModelParams } from './transformer.js';
import type { DifferentialError, Position, SiteRef, Trio } from './types.js';

// -------------------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------------------

/** Which activation of block `l` is `A` in a profile. */
export type Branch = 'attn' | 'mlp' | 'resid';

/** Options of {@link differentialProfile}. */
export interface ProfileOptions {
  /**
   * `A` per block: `attn` = `blocks.l.attn.out`, `mlp` = `blocks.l.mlp.out` (the branch outputs before they
   * are added to the residual stream), `resid` = `blocks.l.resid`. Default `['attn', 'mlp']`. (`resid` over
   * the whole window is a bottleneck: `F` depends on `P` only through it, so `B = 0` and every context is
   * rank deficient; at `aPosition: 'last'` it is so for the last block.)
   */
  readonly branches?: readonly Branch[];
  /** Which positions of `A` are held fixed: default `'all'` (the branch frozen at every position). */
  readonly aPosition?: Position;
  /** `P`: default `{ site: 'embed', position: 'all' }` (the embeddings of the whole window, 20·d values). */
  readonly p?: SiteRef;
  /** `F`: default `{ site: 'logits', position: 'last' }` (the V = 16 logits at the output position). */
  readonly f?: SiteRef;
  /** Singularity tolerance of the closed forms (impact-theory's `relTol`, default 1e-10). */
  readonly relTol?: number;
  /** Copies per backward pass (default 64). */
  readonly chunk?: number;
  /** Called after each context. */
  readonly onContext?: (done: number, total: number) => void;
}

/** Options of {@link differential} (one trio). */
export interface TrioOptions {
  /** Compute `C` and `K` explicitly (cost: `dim A` backward rows) and report the chain-rule residual. */
  readonly factors?: boolean;
  /** Singularity tolerance of the closed forms (default 1e-10). */
  readonly relTol?: number;
  /** Copies per backward pass (default 64). */
  readonly chunk?: number;
  /** Called after each context. */
  readonly onContext?: (done: number, total: number) => void;
}

/** The measures of one trio over contexts. */
export interface TrioMeasurement extends DifferentialSummary {
  /** The sites measured. */
  readonly trio: Trio;
  /** `dim P`, `dim A`, `dim F`. */
  readonly dims: { readonly p: number; readonly a: number; readonly f: number };
  /** Contexts measured. */
  readonly contexts: number;
  /** With `factors`: `‖J − B − CK‖_F / ‖J‖_F` over contexts (float32 round-off, ~1e-6). */
  readonly chainResidual?: Estimate;
  /** Wall time per context, ms. */
  readonly msPerContext: number;
}

// -------------------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------------------

const siteOf = (l: number, b: Branch): string => (b === 'resid' ? `blocks.${l}.resid` : `blocks.${l}.${b}.out`);

function checkWindows(model: ModelParams, windows: Windows): void {
  if (windows.length !== model.config.contextLength) {
    throw new RangeError(`windows have length ${windows.length}, the model reads ${model.config.contextLength}`);
  }
  if (windows.n < 1) throw new RangeError('no windows to measure');
}

/**
 * The differential profile of a transformer: for each block `l` and branch (default the attention and the
 * MLP branch), `Op_diff` and `Imp_diff` in nats with `P` = the embeddings of the whole window, `A` = the
 * branch's output at every position (held fixed by a stop-gradient copy for `B`), `F` = the logits at the
 * output position; mean ± s.e. over `windows`, rank-deficient contexts counted. Rows in order
 * `blocks.0.attn.out`, `blocks.0.mlp.out`, `blocks.1.attn.out`, ….
 *
 * `env` is checked against the model (context length, vocabulary); `windows` are its action windows, drawn
 * independently (`independentContexts(env, n, seed)`) for the s.e. to cover the sampling of contexts. Uses `CK = J − B` (exact by the chain rule), so each context costs
 * one backward pass of `dim F` copies for `J` plus one per row. Needs a backend set.
 *
 * @throws RangeError when windows, env and model do not fit (a programming error).
 */
export function differentialProfile(
  model: ModelParams,
  env: Pick<Environment, 'contextLength' | 'vocabSize'>,
  windows: Windows,
  options: ProfileOptions = {},
): DifferentialSummary[] {
  const c = model.config;
  if (env.contextLength !== c.contextLength || env.vocabSize !== c.vocabSize) {
    throw new RangeError(
      `environment (context ${env.contextLength}, vocabulary ${env.vocabSize}) does not fit the model (context ${c.contextLength}, vocabulary ${c.vocabSize})`,
    );
  }
  checkWindows(model, windows);
  const branches = options.branches ?? ['attn', 'mlp'];
  const aNames: string[] = [];
  for (let l = 0; l < c.nLayers; l++) for (const b of branches) aNames.push(siteOf(l, b));
  const net = differentiableTransformer(model);
  try {
    const sites = net.sites;
    const pRef = options.p ?? { site: 'embed', position: 'all' };
    const fRef = options.f ?? { site: 'logits', position: 'last' };
    const resolved = aNames.map((a) => resolveTrio(sites, { p: pRef, a: { site: a, position: options.aPosition ?? 'all' }, f: fRef }));
    const bad = resolved.find(E.isLeft);
    if (bad !== undefined && E.isLeft(bad)) throw new RangeError(`differentialProfile: ${JSON.stringify(bad.left)}`);
    const trios = resolved.flatMap((r) => (E.isRight(r) ? [r.right] : []));
    const p = trios[0]!.p,
      f = trios[0]!.f,
      as = trios.map((t) => t.a);
    const per: ContextMeasures[][] = aNames.map(() => []);
    const relTol = options.relTol !== undefined ? { relTol: options.relTol } : {};
    for (let i = 0; i < windows.n; i++) {
      const js = jacobiansShared(net.at(windowOf(windows, i)), p, f, as, options.chunk !== undefined ? { chunk: options.chunk } : {});
      js.forEach((j, k) => per[k]!.push(contextMeasures(j, relTol)));
      options.onContext?.(i + 1, windows.n);
    }
    return aNames.map((a, k) => summarize(a, per[k]!));
  } finally {
    net.dispose();
  }
}

/**
 * `Op_diff` and `Imp_diff` (nats) of one trio of named sites over `windows` (drawn independently, e.g. by
 * `independentContexts`), mean ± s.e., rank-deficient contexts counted. `Left` when a site is unknown (listing the valid ones), a position does not exist, or
 * the trio is out of forward order. Needs a backend set.
 */
export function differential(model: ModelParams, windows: Windows, trio: Trio, options: TrioOptions = {}): E.Either<DifferentialError, TrioMeasurement> {
  checkWindows(model, windows);
  const net = differentiableTransformer(model);
  try {
    const r = resolveTrio(net.sites, trio);
    if (E.isLeft(r)) return r;
    const { p, a, f } = r.right;
    const ms: ContextMeasures[] = [],
      residuals: number[] = [];
    const relTol = options.relTol !== undefined ? { relTol: options.relTol } : {};
    const t0 = performance.now();
    for (let i = 0; i < windows.n; i++) {
      const [j] = jacobiansShared(net.at(windowOf(windows, i)), p, f, [a], {
        factors: options.factors === true,
        ...(options.chunk !== undefined ? { chunk: options.chunk } : {}),
      });
      ms.push(contextMeasures(j!, relTol));
      if (options.factors === true) residuals.push(chainResidual(j!));
      options.onContext?.(i + 1, windows.n);
    }
    const msPerContext = (performance.now() - t0) / windows.n;
    return E.right({
      ...summarize(a.site.name, ms),
      trio,
      dims: { p: p.size, a: a.size, f: f.size },
      contexts: windows.n,
      ...(residuals.length > 0 ? { chainResidual: estimate(residuals) } : {}),
      msPerContext,
    });
  } finally {
    net.dispose();
  }
}
