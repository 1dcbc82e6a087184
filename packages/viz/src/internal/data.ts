/** Pure helpers shared by the figure builders: orderings, aggregation over seeds, fits, theory curves. */
import { klB } from '@optimpact/impact-theory';
import type { Est, ModelRow, TaskScoreRow } from '../types.js';

/** Rules in display order: the original's "positive" first, then the working ones, then any other, alphabetically. */
const RULE_ORDER = ['positive', 'reinforce', 'exact'];

/** The distinct rules of `rows`, in display order. */
export function orderRules(rules: Iterable<string>): string[] {
  const rank = (r: string): number => {
    const i = RULE_ORDER.indexOf(r);
    return i < 0 ? RULE_ORDER.length : i;
  };
  return [...new Set(rules)].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** Distinct numbers, ascending. */
export function sortedUnique(xs: Iterable<number>): number[] {
  return [...new Set(xs)].sort((a, b) => a - b);
}

/** Compact parameter count: 18234 → "18.2k". */
export function shortCount(n: number): string {
  if (n >= 1e6) return `${Number((n / 1e6).toPrecision(3))}M`;
  if (n >= 1e3) return `${Number((n / 1e3).toPrecision(3))}k`;
  return String(n);
}

/** A size preset with its parameter count and axis label, e.g. `{size: "xs", params: 18234, label: "xs (18.2k)"}`. */
export interface SizeInfo {
  /** Size preset name. */
  readonly size: string;
  /** Parameter count. */
  readonly params: number;
  /** Axis label, e.g. "xs (18.3k)". */
  readonly label: string;
}

/** The distinct sizes of `rows`, ordered by parameter count (the smallest count seen for a size). */
export function orderSizes(rows: Iterable<{ readonly size: string; readonly params: number }>): SizeInfo[] {
  const params = new Map<string, number>();
  for (const r of rows) params.set(r.size, Math.min(params.get(r.size) ?? Infinity, r.params));
  return [...params].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)).map(([size, p]) => ({ size, params: p, label: `${size} (${shortCount(p)})` }));
}

/** The model's scores on task `nGood`, if measured. */
export function scoreOn(m: ModelRow, nGood: number): TaskScoreRow | undefined {
  return m.scores.find((s) => s.nGood === nGood);
}

/**
 * The good set of task `nGood` as the models' scores record it, e.g. "{0,2,4,5,6,7}"; undefined when no
 * record names it (written before good sets were recorded). Records that disagree (directories of studies
 * with different good sets merged) show every set, joined by " or ".
 */
export function goodSetOf(models: readonly ModelRow[], nGood: number): string | undefined {
  const sets = new Set<string>();
  for (const m of models) {
    const good = scoreOn(m, nGood)?.good;
    if (good !== undefined) sets.add(`{${[...good].sort((a, b) => a - b).join(',')}}`);
  }
  return sets.size === 0 ? undefined : [...sets].sort().join(' or ');
}

/** Task `nGood` named with its good set when the records give it: "n_good = 6: {0,2,4,5,6,7}", else "n_good = 6". */
export function taskLabel(models: readonly ModelRow[], nGood: number): string {
  const good = goodSetOf(models, nGood);
  return good === undefined ? `n_good = ${nGood}` : `n_good = ${nGood}: ${good}`;
}

/** The sentence naming the good set of each of `tasks` (for a caption), or "" when the records name none. */
export function goodSetsSentence(models: readonly ModelRow[], tasks: readonly number[]): string {
  const named = tasks.filter((k) => goodSetOf(models, k) !== undefined);
  return named.length === 0 ? '' : ` Good sets G (the outcomes counted as success): ${named.map((k) => taskLabel(models, k)).join('; ')}.`;
}

/** A finite mean, or null. */
export function val(e: Est | null | undefined): number | null {
  return e != null && e.mean !== null && Number.isFinite(e.mean) ? e.mean : null;
}

/** A finite standard error, or null. */
export function se(e: Est | null | undefined): number | null {
  return e != null && e.se !== null && Number.isFinite(e.se) ? e.se : null;
}

/** Mean ± s.e. of a group of models' means: s.e. across the group when n ≥ 2, else the one model's own s.e. */
export function meanOver(ests: readonly Est[]): { mean: number; se: number | null; n: number } | null {
  const means = ests.map(val).filter((x): x is number => x !== null);
  const n = means.length;
  if (n === 0) return null;
  const mean = means.reduce((a, x) => a + x, 0) / n;
  if (n === 1) {
    const only = ests.find((e) => val(e) !== null);
    return { mean, se: se(only), n };
  }
  const variance = means.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1);
  return { mean, se: Math.sqrt(variance / n), n };
}

/** One group of models (same rule, trained task and size) aggregated over seeds. */
export interface SeedGroup {
  readonly rule: string;
  readonly task: number;
  readonly size: string;
  readonly params: number;
  readonly n: number;
  readonly mean: number;
  readonly se: number | null;
}

/** Aggregates `value(model)` over seeds within (rule, task, size); sorted by rule, task, size. */
export function overSeeds(models: readonly ModelRow[], value: (m: ModelRow) => Est | null | undefined): SeedGroup[] {
  const groups = new Map<string, ModelRow[]>();
  for (const m of models) {
    const key = JSON.stringify([m.rule, m.task, m.size]);
    const g = groups.get(key);
    if (g) g.push(m);
    else groups.set(key, [m]);
  }
  const rules = orderRules(models.map((m) => m.rule));
  const sizes = orderSizes(models).map((s) => s.size);
  const out: SeedGroup[] = [];
  for (const g of groups.values()) {
    const first = g[0]!;
    const ests = g.map(value).filter((e): e is Est => e != null);
    const agg = meanOver(ests);
    if (agg === null) continue;
    out.push({ rule: first.rule, task: first.task, size: first.size, params: Math.min(...g.map((m) => m.params)), ...agg });
  }
  return out.sort((a, b) => rules.indexOf(a.rule) - rules.indexOf(b.rule) || a.task - b.task || sizes.indexOf(a.size) - sizes.indexOf(b.size));
}

/** Ordinary least squares `y = intercept + slope·x`, and Pearson's correlation `r` (NaN if every y is equal); null with fewer than two distinct x. */
export function fitLine(points: readonly { x: number; y: number }[]): { slope: number; intercept: number; r: number; n: number } | null {
  const n = points.length;
  if (n < 2) return null;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const p of points) {
    sxx += (p.x - mx) ** 2;
    sxy += (p.x - mx) * (p.y - my);
    syy += (p.y - my) ** 2;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, r: sxy / Math.sqrt(sxx * syy), n };
}

/** Points of the theory curve `Op_pred(s) = KL_B(s ‖ f)` for s on a grid of [0, 1] (nats). */
export function theoryCurve(f: number, steps = 200): { s: number; op: number }[] {
  const out: { s: number; op: number }[] = [];
  for (let i = 0; i <= steps; i++) {
    const s = i / steps;
    out.push({ s, op: klB(s, f) });
  }
  return out;
}
