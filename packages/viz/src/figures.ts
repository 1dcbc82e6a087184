/**
 * The study's figures (docs/method.md#the-study, numbered as there), one builder per figure. Each takes plain data rows
 * and returns one static HTML `<figure>`: a caption saying what to look for, the reference-line key,
 * the plot(s) as inline SVG (Observable Plot rendered in Node), and a collapsible data table with a CSV
 * copy and download link. No script anywhere; every string from the data is escaped.
 *
 * Conventions throughout: measures in nats (natural log); error bars are ± 1 standard error (over repeats
 * for one model; over seeds for a group of models, or the model's own when there is one seed); models
 * trained with different RL rules are never mixed: they get side-by-side panels.
 */
import * as Plot from '@observablehq/plot';
import { identifyObjective } from '@optimpact/impact-theory';
import type { ObjectiveIdentification } from '@optimpact/impact-theory';
import { dataBlock, escapeHtml, formatNumber, lineKey } from './internal/html.js';
import type { Cell, Column, DataTable, KeyItem } from './internal/html.js';
import {
  fitLine,
  goodSetOf,
  goodSetsSentence,
  meanOver,
  orderRules,
  orderSizes,
  overSeeds,
  scoreOn,
  se,
  sortedUnique,
  taskLabel,
  theoryCurve,
  val,
} from './internal/data.js';
import type { SeedGroup, SizeInfo } from './internal/data.js';
import { renderPlot } from './internal/render.js';
import type { BaselineRow, CurveRow, DifferentialRow, Est, ModelRow, PretrainRow } from './types.js';

// -------------------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------------------

/** The parts of a figure before rendering. */
export interface FigureParts {
  readonly number: number;
  /** Default: {@link FIGURE_TITLES}[number]. */
  readonly title?: string;
  /** Plain text (escaped here): what the figure shows and what to look for. */
  readonly caption: string;
  readonly key?: readonly KeyItem[];
  /** Rendered plots (SVG / Plot figure markup). */
  readonly plots: readonly string[];
  readonly table: DataTable;
  /** Shown instead of the plots when there is nothing to draw. */
  readonly empty?: string;
}

/** A scatter point: one model (or group) at (x ± xse, y ± yse). */
export interface Pt {
  readonly x: number | string;
  readonly y: number;
  readonly xse: number | null;
  readonly yse: number | null;
  readonly color: string;
  readonly fx: string;
  readonly fy?: string;
  readonly title: string;
}

// -------------------------------------------------------------------------------------------------
// constants
// -------------------------------------------------------------------------------------------------

/** The study's figures by number: the title each is drawn with and listed under in the report's contents. */
export const FIGURE_TITLES: Readonly<Record<number, string>> = {
  1: 'Pretraining and maintenance loss vs parameters; success rate vs parameters',
  2: 'Success rate vs size, per task',
  3: "Op vs size, per task, with the generator's self-optimization",
  4: 'Op vs success rate, per task, with the theoretical curves',
  5: 'Headline: predicted vs measured Op, all models',
  6: 'Cross-objective: measured Op vs score on another task',
  7: 'Predicted (from each task’s score) vs measured Op, one panel per task',
  8: 'Imp vs parameters, per task',
  9: 'Measured Imp vs Imp_min, with a fitted line',
  10: 'Success rate in F′ vs parameters',
  11: 'Cross-objective Imp vs Imp_min, one panel per task',
  12: 'Self-estimated vs measured Op',
  13: 'Self-estimated vs measured Imp',
  14: 'Impact ratio and excess impact vs Imp_min',
  15: 'Training curves: pretraining and RL',
  16: 'Reference futures: split history vs fixed action, uniform, untrained, pretrained',
  17: 'Objective identification: which task best explains each model’s Op',
  18: 'Differential optimization and impact inside the network, per block',
  19: 'MEG_F against Op',
  20: 'AUP against Imp, one panel per baseline',
  21: 'Objective identification by MEG against by Op',
  22: 'The utility over outcomes each model looks like it pursues (w*)',
  23: 'Misalignment test bed: which measure sees which misalignment',
};

/** Observable's categorical palette (observable10). */
export const PALETTE = ['#4269d0', '#efb118', '#ff725c', '#6cc5b0', '#3ca951', '#ff8ab7', '#a463f2', '#97bbf5', '#9c6b4e', '#9498a0'];
export const GREY = '#777777';
export const WIDTH = 760;
export const NATS = 'nats';

export const trainedName = (k: number): string => `trained on n_good = ${k}`;
export const ruleName = (r: string): string => `rule: ${r}`;

// -------------------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------------------

/** The file name (without .csv) of a figure's data: its number and title, e.g. `fig-05-headline-predicted-vs-measured-op-all-models`. */
export const csvStem = (number: number, title: string): string =>
  `fig-${String(number).padStart(2, '0')}-${title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')}`;

/** The HTML of a figure. */
export function figure(parts: FigureParts): string {
  const id = `fig-${String(parts.number).padStart(2, '0')}`;
  const title = parts.title ?? FIGURE_TITLES[parts.number] ?? `Figure ${parts.number}`;
  const body =
    parts.empty !== undefined ? `<p class="empty">${escapeHtml(parts.empty)}</p>` : parts.plots.map((p) => `<div class="plot">${p}</div>`).join('\n');
  return [
    `<figure class="study-figure" id="${id}" data-figure="${parts.number}">`,
    `<figcaption><strong>Figure ${parts.number}. ${escapeHtml(title)}</strong> ${escapeHtml(parts.caption)}</figcaption>`,
    parts.empty !== undefined ? '' : lineKey(parts.key ?? []),
    body,
    dataBlock(parts.table, csvStem(parts.number, title)),
    `</figure>`,
  ]
    .filter((s) => s !== '')
    .join('\n');
}

/** The colour scale of trained tasks (legend on), with the same colour for the same task in every figure. */
export function trainedColor(tasks: readonly number[]): Plot.ScaleOptions {
  return { type: 'ordinal', domain: tasks.map(trainedName), range: tasks.map((_, i) => PALETTE[i % PALETTE.length]!), legend: true };
}

/** The colour of task `k` among `tasks`. */
function taskColor(tasks: readonly number[], k: number): string {
  const i = tasks.indexOf(k);
  return PALETTE[(i < 0 ? 0 : i) % PALETTE.length]!;
}

/** Common options: width, grid, facet by rule on x. */
export function baseOptions(rules: readonly string[], extra: Plot.PlotOptions = {}): Plot.PlotOptions {
  return {
    width: WIDTH,
    height: 360,
    marginLeft: 60,
    marginRight: 20,
    marginBottom: 45,
    inset: 10,
    grid: true,
    fx: { domain: rules.map(ruleName), label: null },
    ...extra,
  };
}

/** Error bars (± 1 s.e. in y and in x) and dots for `points`; `dx` shifts them (dodging). */
export function scatter(points: readonly Pt[], options: { dx?: number; r?: number; fy?: boolean } = {}): Plot.Markish[] {
  const dx = options.dx ?? 0;
  const facets = options.fy ? { fx: 'fx', fy: 'fy' } : { fx: 'fx' };
  const ySe = points.filter((p) => p.yse !== null);
  const xSe = points.filter((p) => p.xse !== null && typeof p.x === 'number');
  return [
    Plot.ruleX(ySe, { x: 'x', y1: (p: Pt) => p.y - p.yse!, y2: (p: Pt) => p.y + p.yse!, stroke: 'color', strokeOpacity: 0.8, dx, ...facets }),
    Plot.ruleY(xSe, {
      y: 'y',
      x1: (p: Pt) => (p.x as number) - p.xse!,
      x2: (p: Pt) => (p.x as number) + p.xse!,
      stroke: 'color',
      strokeOpacity: 0.8,
      dx,
      ...facets,
    }),
    Plot.dot(points, { x: 'x', y: 'y', fill: 'color', stroke: 'white', strokeWidth: 0.5, r: options.r ?? 3.5, title: 'title', dx, ...facets }),
  ];
}

/** The y = x line over the joint range of `points` (drawn in every panel). */
export function identityLine(points: readonly { x: number | string; y: number; xse?: number | null; yse?: number | null }[]): Plot.Markish {
  const vs: number[] = [];
  for (const p of points) {
    if (typeof p.x === 'number') vs.push(p.x - (p.xse ?? 0), p.x + (p.xse ?? 0));
    vs.push(p.y - (p.yse ?? 0), p.y + (p.yse ?? 0));
  }
  const lo = Math.min(0, ...vs);
  const hi = Math.max(...vs, lo + 1e-6);
  return Plot.line(
    [
      [lo, lo],
      [hi, hi],
    ],
    { stroke: 'black', strokeWidth: 1, strokeDasharray: '2,3' },
  );
}

/** A model's scatter title (hover text): id, size, seed. */
export const modelTitle = (m: ModelRow): string => `${m.id} — size ${m.size} (${m.params} params), seed ${m.seed}, ${trainedName(m.task)}, rule ${m.rule}`;

/** Distinct tasks (trained and scored), rules and sizes of the models. */
export function context(models: readonly ModelRow[]): { tasks: number[]; rules: string[]; sizes: SizeInfo[] } {
  return {
    tasks: sortedUnique(models.flatMap((m) => [m.task, ...m.scores.map((s) => s.nGood)])),
    rules: orderRules(models.map((m) => m.rule)),
    sizes: orderSizes(models),
  };
}

/** The usual identifying columns of a per-model table. */
export const MODEL_COLUMNS: readonly Column[] = [
  { key: 'id', label: 'model (run id)' },
  { key: 'rule', label: 'RL rule' },
  { key: 'task', label: 'trained on (n_good)' },
  { key: 'size', label: 'size' },
  { key: 'params', label: 'parameters' },
  { key: 'seed', label: 'seed' },
];

export const modelCells = (m: ModelRow): Record<string, Cell> => ({ id: m.id, rule: m.rule, task: m.task, size: m.size, params: m.params, seed: m.seed });

/** Columns for a per-group (over seeds) table of one measure. */
function groupColumns(measure: string): Column[] {
  return [
    { key: 'rule', label: 'RL rule' },
    { key: 'task', label: 'trained on (n_good)' },
    { key: 'size', label: 'size' },
    { key: 'params', label: 'parameters' },
    { key: 'n', label: 'models (seeds)' },
    { key: 'mean', label: `${measure}, mean` },
    { key: 'se', label: `${measure}, s.e.` },
  ];
}

const groupCells = (g: SeedGroup): Record<string, Cell> => ({ rule: g.rule, task: g.task, size: g.size, params: g.params, n: g.n, mean: g.mean, se: g.se });

/** Points of per-seed groups on a size axis, dodged by task. */
function sizeMarks(groups: readonly SeedGroup[], tasks: readonly number[], sizes: readonly SizeInfo[]): Plot.Markish[] {
  const label = new Map(sizes.map((s) => [s.size, s.label]));
  const marks: Plot.Markish[] = [];
  const n = tasks.length;
  tasks.forEach((k, i) => {
    const dx = (i - (n - 1) / 2) * 7;
    const pts: Pt[] = groups
      .filter((g) => g.task === k)
      .map((g) => ({
        x: label.get(g.size) ?? g.size,
        y: g.mean,
        xse: null,
        yse: g.se,
        color: trainedName(k),
        fx: ruleName(g.rule),
        title: `${g.size}: ${g.n} models`,
      }));
    marks.push(Plot.line(pts, { x: 'x', y: 'y', stroke: 'color', fx: 'fx', dx, strokeOpacity: 0.6 }));
    marks.push(...scatter(pts, { dx }));
  });
  return marks;
}

/** Per-task horizontal reference lines (chance f, best constant action) drawn in every panel. */
function taskLevels(models: readonly ModelRow[], tasks: readonly number[], which: 'chance' | 'bestConstant'): { task: number; y: number; color: string }[] {
  return tasks.flatMap((k) => {
    const ys = models.map((m) => scoreOn(m, k)?.[which]).filter((y): y is number => y !== undefined && Number.isFinite(y));
    if (ys.length === 0) return [];
    return [{ task: k, y: ys.reduce((a, y) => a + y, 0) / ys.length, color: taskColor(tasks, k) }];
  });
}

function levelMarks(levels: readonly { y: number; color: string }[], dash: string): Plot.Markish {
  return Plot.ruleY(levels, { y: 'y', stroke: (d: { color: string }) => d.color, strokeDasharray: dash, strokeWidth: 1.2 });
}

/** Model m at (x, y) ± 1 s.e. in its rule's panel, coloured by its trained task; no point where either is missing. A number x (parameters) has no s.e. */
function modelPoint(m: ModelRow, x: Est | number | undefined, y: Est | undefined): Pt[] {
  const xv = typeof x === 'number' ? x : val(x);
  const yv = val(y);
  return xv === null || yv === null
    ? []
    : [{ x: xv, y: yv, xse: typeof x === 'number' ? null : se(x), yse: se(y), color: trainedName(m.task), fx: ruleName(m.rule), title: modelTitle(m) }];
}

/** The mean null-baseline level per rule, as a grey dotted line in that rule's panel. */
function nullLevels(models: readonly ModelRow[], rules: readonly string[], pick: (m: ModelRow) => Est): { fx: string; y: number; se: number | null }[] {
  return rules.flatMap((r) => {
    const agg = meanOver(models.filter((m) => m.rule === r).map(pick));
    return agg === null ? [] : [{ fx: ruleName(r), y: agg.mean, se: agg.se }];
  });
}

export const NO_MODELS = 'No fine-tuned models in these records.';

/** The chance rate f = n_good/|outcomes| of task `k`, as the records give it. */
const chanceOf = (models: readonly ModelRow[], k: number): number | undefined => models.map((m) => scoreOn(m, k)?.chance).find((c) => c !== undefined);

/** f of task `k` as a fraction `k/|outcomes|` (the outcome count read from the records' f). */
function chanceLabel(models: readonly ModelRow[], k: number): string {
  const f = chanceOf(models, k);
  if (f === undefined || f <= 0) return '—';
  const outcomes = Math.round(k / f);
  return Math.abs(k / outcomes - f) < 1e-9 ? `${k}/${outcomes}` : formatNumber(f);
}

// -------------------------------------------------------------------------------------------------
// figures
// -------------------------------------------------------------------------------------------------

/**
 * Figure 1: pretraining and maintenance loss vs parameters (nats per token), and success rate on the
 * trained task vs parameters.
 */
export function lossAndSuccessVsParams(pretrain: readonly PretrainRow[], models: readonly ModelRow[]): string {
  const { tasks, rules } = context(models);
  type L = { series: string; params: number; loss: number; id: string; size: string; seed: number };
  const losses: L[] = [
    ...pretrain.map((p) => ({ series: 'pretraining: test loss (generated data)', params: p.params, loss: p.testLoss, id: p.id, size: p.size, seed: p.seed })),
    ...pretrain.map((p) => ({ series: 'pretraining: random-context loss', params: p.params, loss: p.randomContextLoss, id: p.id, size: p.size, seed: p.seed })),
    ...models.map((m) => ({
      series: `after RL: maintenance loss (even positions)`,
      params: m.params,
      loss: m.maintenanceLoss,
      id: m.id,
      size: m.size,
      seed: m.seed,
    })),
    ...models.map((m) => ({ series: `after RL: odd-position loss`, params: m.params, loss: m.oddPositionLoss, id: m.id, size: m.size, seed: m.seed })),
  ].filter((l) => Number.isFinite(l.loss));
  const floor = meanOver(pretrain.map((p) => ({ mean: p.floorLoss, se: null })));
  const unigram = meanOver(pretrain.map((p) => ({ mean: p.unigramLoss, se: null })));
  const positions = [...new Set(pretrain.map((p) => p.lossPositions))].join('; ');
  const seriesDomain = [...new Set(losses.map((l) => l.series))];
  const plots: string[] = [];
  if (losses.length > 0) {
    plots.push(
      renderPlot({
        width: WIDTH,
        height: 320,
        marginLeft: 60,
        inset: 10,
        grid: true,
        x: { type: 'log', label: 'parameters (count, log scale) →' },
        y: { label: `↑ loss (${NATS} per token)`, zero: true },
        color: { type: 'ordinal', domain: seriesDomain, range: PALETTE.slice(4, 4 + seriesDomain.length), legend: true },
        marks: [
          floor ? Plot.ruleY([floor.mean], { stroke: 'black', strokeDasharray: '4,3' }) : null,
          unigram ? Plot.ruleY([unigram.mean], { stroke: GREY, strokeDasharray: '1,3' }) : null,
          Plot.dot(losses, { x: 'params', y: 'loss', stroke: 'series', r: 3.5, strokeWidth: 1.5, title: (l: L) => `${l.id}: ${l.series}` }),
        ],
      }),
    );
  }
  const success = models.flatMap((m) => modelPoint(m, m.params, scoreOn(m, m.task)?.s));
  if (success.length > 0) {
    plots.push(
      renderPlot(
        baseOptions(rules, {
          height: 320,
          x: { type: 'log', label: 'parameters (count, log scale) →' },
          y: { label: '↑ success rate s on the trained task (fraction)', domain: [0, 1] },
          color: trainedColor(tasks),
          marks: [Plot.frame({ stroke: '#ddd' }), levelMarks(taskLevels(models, tasks, 'chance'), '5,3'), ...scatter(success)],
        }),
      ),
    );
  }
  const rows: Record<string, Cell>[] = [
    ...losses.map((l) => ({ series: l.series, id: l.id, size: l.size, params: l.params, seed: l.seed, value: l.loss, se: null })),
    ...models.map((m) => {
      const s = scoreOn(m, m.task);
      return {
        series: `after RL: success rate on trained task (n_good = ${m.task}, rule ${m.rule})`,
        id: m.id,
        size: m.size,
        params: m.params,
        seed: m.seed,
        value: val(s?.s),
        se: se(s?.s),
      };
    }),
  ];
  return figure({
    number: 1,
    caption:
      `Top: losses in nats per token (pretraining losses cover ${positions || 'the positions in the records'}; maintenance loss covers even-position targets only, ` +
      `and the odd-position prediction is expected to be gone after RL). Look for test loss falling toward the floor with size while random-context loss stays near chance ` +
      `(the learnability check: the shortcut of generated data, not the rule). Bottom: success rate on the task each model was trained on, one panel per RL rule; ` +
      `look for success above the chance line f = n_good/|outcomes|, growing with size. Bars: ± 1 s.e. over repeats.`,
    key: [
      { label: `floor: entropy of the true next-token law${floor ? ` (${formatNumber(floor.mean)} ${NATS})` : ''}`, stroke: 'black', dash: '4,3' },
      { label: `unigram loss${unigram ? ` (${formatNumber(unigram.mean)} ${NATS})` : ''}`, stroke: GREY, dash: '1,3' },
      ...tasks.map((k) => ({ label: `chance f = ${chanceLabel(models, k)} (${taskLabel(models, k)})`, stroke: taskColor(tasks, k), dash: '5,3' })),
    ],
    plots,
    empty: plots.length === 0 ? 'No pretraining or fine-tuning records.' : undefined,
    table: {
      columns: [
        { key: 'series', label: 'series' },
        { key: 'id', label: 'run id' },
        { key: 'size', label: 'size' },
        { key: 'params', label: 'parameters' },
        { key: 'seed', label: 'seed' },
        { key: 'value', label: 'value (loss: nats/token; success: fraction)' },
        { key: 'se', label: 's.e.' },
      ],
      rows,
    },
  });
}

/** Figure 2: success rate vs size per trained task (mean ± s.e. over seeds), with chance and best-constant lines. */
export function successVsSize(models: readonly ModelRow[]): string {
  const { tasks, rules, sizes } = context(models);
  const groups = overSeeds(models, (m) => scoreOn(m, m.task)?.s);
  const plots =
    groups.length === 0
      ? []
      : [
          renderPlot(
            baseOptions(rules, {
              x: { type: 'point', domain: sizes.map((s) => s.label), label: 'model size (preset, parameters) →', padding: 0.4 },
              y: { label: '↑ success rate s on the trained task (fraction)', domain: [0, 1] },
              color: trainedColor(tasks),
              marks: [
                Plot.frame({ stroke: '#ddd' }),
                levelMarks(taskLevels(models, tasks, 'chance'), '5,3'),
                levelMarks(taskLevels(models, tasks, 'bestConstant'), '1,2'),
                ...sizeMarks(groups, tasks, sizes),
              ],
            }),
          ),
        ];
  return figure({
    number: 2,
    caption:
      'Mean success rate over seeds on the task each model was trained on, ± 1 s.e. over seeds, one panel per RL rule; points are offset ' +
      'horizontally by task so their bars do not overlap. Look for success above chance (dashed, f = n_good/|outcomes|) and above the best constant ' +
      'action (dotted, the right null), for every size and task, growing with size; compare the original rule ("positive") with the working ones.',
    key: tasks.flatMap((k) => [
      { label: `chance f = ${chanceLabel(models, k)}`, stroke: taskColor(tasks, k), dash: '5,3' },
      { label: `best constant action (${taskLabel(models, k)})`, stroke: taskColor(tasks, k), dash: '1,2' },
    ]),
    plots,
    empty: plots.length === 0 ? NO_MODELS : undefined,
    table: { columns: groupColumns('success rate s'), rows: groups.map(groupCells) },
  });
}

/** Figure 3: Op vs size per trained task (mean ± s.e. over seeds), with the generator's self-optimization and the null baseline. */
export function opVsSize(models: readonly ModelRow[], generator: BaselineRow | null): string {
  const { tasks, rules, sizes } = context(models);
  const groups = overSeeds(models, (m) => m.op);
  const nulls = nullLevels(models, rules, (m) => m.nullOp);
  const gen = val(generator?.op);
  const genSe = se(generator?.op);
  const plots =
    groups.length === 0
      ? []
      : [
          renderPlot(
            baseOptions(rules, {
              x: { type: 'point', domain: sizes.map((s) => s.label), label: 'model size (preset, parameters) →', padding: 0.4 },
              y: { label: `↑ Op, split-history optimization (${NATS})` },
              color: trainedColor(tasks),
              marks: [
                Plot.frame({ stroke: '#ddd' }),
                gen !== null && genSe !== null ? Plot.rect([{ y1: gen - genSe, y2: gen + genSe }], { y1: 'y1', y2: 'y2', fill: GREY, fillOpacity: 0.2 }) : null,
                gen !== null ? Plot.ruleY([gen], { stroke: GREY, strokeWidth: 1.5 }) : null,
                Plot.ruleY(nulls, { y: 'y', fx: 'fx', stroke: GREY, strokeDasharray: '1,3' }),
                Plot.ruleY([0], { stroke: 'black', strokeOpacity: 0.5 }),
                ...sizeMarks(groups, tasks, sizes),
              ],
            }),
          ),
        ];
  const rows: Record<string, Cell>[] = [
    ...groups.map((g) => ({ series: 'fine-tuned models', ...groupCells(g) })),
    ...(generator
      ? [{ series: `generator self-optimization (${generator.name})`, rule: null, task: null, size: null, params: null, n: 1, mean: gen, se: genSe }]
      : []),
    ...nulls.map((nl) => ({
      series: 'null baseline (actions shuffled), mean over models',
      rule: nl.fx.replace(/^rule: /, ''),
      task: null,
      size: null,
      params: null,
      n: null,
      mean: nl.y,
      se: nl.se,
    })),
  ];
  return figure({
    number: 3,
    caption:
      `Measured optimization Op (${NATS}), mean ± 1 s.e. over seeds, one panel per RL rule. The grey line (band ± 1 s.e.) is the generator's own ` +
      `self-optimization (about 0.03 ${NATS}): the floor every model should reach; the grey dotted line is the null baseline at the same N. ` +
      `Look for fine-tuned models well above both, with Op largest for the hardest task (n_good = 2) and growing with size.`,
    key: [
      { label: `generator self-optimization${gen !== null ? ` (${formatNumber(gen)} ${NATS})` : ' (not in these records)'}`, stroke: GREY, symbol: 'band' },
      { label: 'null baseline (context-blind, same N)', stroke: GREY, dash: '1,3' },
    ],
    plots,
    empty: plots.length === 0 ? NO_MODELS : undefined,
    table: { columns: [{ key: 'series', label: 'series' }, ...groupColumns(`Op (${NATS})`)], rows },
  });
}

/** Figure 4: Op vs success rate per trained task, with the theory curves `KL_B(s ‖ f)`. */
export function opVsSuccess(models: readonly ModelRow[]): string {
  const { tasks, rules } = context(models);
  const pts = models.flatMap((m) => modelPoint(m, scoreOn(m, m.task)?.s, m.op));
  const fLabel = (k: number): string => chanceLabel(models, k);
  const curves = tasks.flatMap((k) => theoryCurve(chanceOf(models, k) ?? 0).map((p) => ({ ...p, color: taskColor(tasks, k), k })));
  const plots =
    pts.length === 0
      ? []
      : [
          renderPlot(
            baseOptions(rules, {
              x: { label: 'success rate s on the trained task (fraction) →', domain: [0, 1] },
              y: { label: `↑ Op (${NATS})` },
              color: trainedColor(tasks),
              marks: [
                Plot.frame({ stroke: '#ddd' }),
                Plot.line(curves, { x: 's', y: 'op', z: 'k', stroke: (d: { color: string }) => d.color, strokeDasharray: '5,3', strokeWidth: 1.2 }),
                ...scatter(pts),
              ],
            }),
          ),
        ];
  return figure({
    number: 4,
    caption:
      `Each point is one model: its success rate on the task it was trained on and its measured Op (${NATS}), ± 1 s.e. both ways. Dashed curves: ` +
      `predicted optimization Op_pred = KL_B(s‖f) for f = n_good/|outcomes|, in the task's colour. Look for each task's points on its own curve.`,
    key: tasks.map((k) => ({ label: `KL_B(s‖${fLabel(k)})`, stroke: taskColor(tasks, k), dash: '5,3' })),
    plots,
    empty: plots.length === 0 ? NO_MODELS : undefined,
    table: {
      columns: [
        ...MODEL_COLUMNS,
        { key: 's', label: 's (fraction)' },
        { key: 'sSe', label: 's, s.e.' },
        { key: 'op', label: `Op (${NATS})` },
        { key: 'opSe', label: 'Op, s.e.' },
        { key: 'opPred', label: `Op_pred (${NATS})` },
      ],
      rows: models.map((m) => {
        const s = scoreOn(m, m.task);
        return { ...modelCells(m), s: val(s?.s), sSe: se(s?.s), op: val(m.op), opSe: se(m.op), opPred: val(s?.opPred) };
      }),
    },
  });
}

/** Figure 5 (headline): predicted vs measured Op for every model on its own task, with y = x. */
export function predictedVsMeasuredOp(models: readonly ModelRow[]): string {
  const { tasks, rules } = context(models);
  const pts = models.flatMap((m) => modelPoint(m, scoreOn(m, m.task)?.opPred, m.op));
  const nulls = nullLevels(models, rules, (m) => m.nullOp);
  const plots =
    pts.length === 0
      ? []
      : [
          renderPlot(
            baseOptions(rules, {
              height: 400,
              x: { label: `Op_pred = KL_B(s‖f) from the trained task's success rate (${NATS}) →` },
              y: { label: `↑ measured Op (${NATS})` },
              color: trainedColor(tasks),
              marks: [
                Plot.frame({ stroke: '#ddd' }),
                identityLine(pts),
                Plot.ruleY(nulls, { y: 'y', fx: 'fx', stroke: GREY, strokeDasharray: '1,3' }),
                ...scatter(pts, { r: 4 }),
              ],
            }),
          ),
        ];
  return figure({
    number: 5,
    caption:
      `Each point is one fine-tuned model: Op_pred computed from its success rate on the task it was trained on (x) against its measured ` +
      `split-history Op (y), both in ${NATS}, ± 1 s.e. both ways, one panel per RL rule. Look for the points on the dotted line y = x: the ` +
      `theory predicts a model's optimization from its score alone. The grey dotted line is the null baseline's Op.`,
    key: [
      { label: 'y = x', stroke: 'black', dash: '2,3', width: 1 },
      { label: 'null baseline Op (context-blind, same N)', stroke: GREY, dash: '1,3' },
    ],
    plots,
    empty: plots.length === 0 ? NO_MODELS : undefined,
    table: {
      columns: [
        ...MODEL_COLUMNS,
        { key: 'opPred', label: `Op_pred (${NATS})` },
        { key: 'opPredSe', label: 'Op_pred, s.e.' },
        { key: 'op', label: `Op (${NATS})` },
        { key: 'opSe', label: 'Op, s.e.' },
        { key: 'diff', label: `Op − Op_pred (${NATS})` },
      ],
      rows: models.map((m) => {
        const s = scoreOn(m, m.task);
        const x = val(s?.opPred);
        const y = val(m.op);
        return { ...modelCells(m), opPred: x, opPredSe: se(s?.opPred), op: y, opSe: se(m.op), diff: x !== null && y !== null ? y - x : null };
      }),
    },
  });
}

/**
 * Figure 6: cross-objective — measured Op vs the score on one task (default: the middle one of the tasks
 * scored, n_good = 4 of 2, 4, 6), points by trained task, with that task's theory curve.
 */
export function crossObjectiveOpVsScore(models: readonly ModelRow[], task?: number): string {
  const { tasks, rules } = context(models);
  const scored = sortedUnique(models.flatMap((m) => m.scores.map((s) => s.nGood)));
  const nGood = task ?? scored[Math.floor((scored.length - 1) / 2)] ?? 0;
  const scoredName = taskLabel(models, nGood);
  const pts = models.flatMap((m) => modelPoint(m, scoreOn(m, nGood)?.s, m.op));
  const f = chanceOf(models, nGood) ?? 0;
  const plots =
    pts.length === 0
      ? []
      : [
          renderPlot(
            baseOptions(rules, {
              x: { label: `success rate on task ${scoredName} (fraction) →`, domain: [0, 1] },
              y: { label: `↑ measured Op (${NATS})` },
              color: trainedColor(tasks),
              marks: [
                Plot.frame({ stroke: '#ddd' }),
                Plot.line(theoryCurve(f), { x: 's', y: 'op', stroke: 'black', strokeDasharray: '5,3', strokeWidth: 1.2 }),
                ...scatter(pts),
              ],
            }),
          ),
        ];
  return figure({
    number: 6,
    caption:
      `Every model, whatever it was trained on, placed by its success rate on task ${scoredName} (x) and its measured Op (y, ${NATS}), ` +
      `coloured by the task it was trained on. Dashed: KL_B(s‖${formatNumber(f)}). Look for models trained on n_good = ${nGood} on the curve and ` +
      `models trained on other tasks above it: their optimization is explained by another objective.${goodSetsSentence(models, tasks)}`,
    key: [{ label: `KL_B(s‖${formatNumber(f)})`, stroke: 'black', dash: '5,3' }],
    plots,
    empty: plots.length === 0 ? `No models scored on task ${scoredName}.` : undefined,
    table: {
      columns: [
        ...MODEL_COLUMNS,
        { key: 's', label: `s on ${scoredName} (fraction)` },
        { key: 'sSe', label: 's, s.e.' },
        { key: 'op', label: `Op (${NATS})` },
        { key: 'opSe', label: 'Op, s.e.' },
      ],
      rows: models.map((m) => {
        const s = scoreOn(m, nGood);
        return { ...modelCells(m), s: val(s?.s), sSe: se(s?.s), op: val(m.op), opSe: se(m.op) };
      }),
    },
  });
}

/** Per (model, scored task) points of a measure against a per-task theory value, for figures 7 and 11. */
function crossPanels(
  models: readonly ModelRow[],
  tasks: readonly number[],
  xOf: (m: ModelRow, k: number) => Est | undefined,
  yOf: (m: ModelRow) => Est,
): { pts: Pt[]; rows: Record<string, Cell>[] } {
  const pts: Pt[] = [];
  const rows: Record<string, Cell>[] = [];
  for (const m of models) {
    for (const k of tasks) {
      const xe = xOf(m, k);
      if (xe === undefined) continue;
      const x = val(xe);
      const y = val(yOf(m));
      rows.push({ ...modelCells(m), scored: k, good: goodSetOf([m], k) ?? null, x, xSe: se(xe), y, ySe: se(yOf(m)) });
      if (x !== null && y !== null)
        pts.push({
          x,
          y,
          xse: se(xe),
          yse: se(yOf(m)),
          color: trainedName(m.task),
          fx: `scored on ${taskLabel(models, k)}`,
          fy: ruleName(m.rule),
          title: modelTitle(m),
        });
    }
  }
  return { pts, rows };
}

/** The table columns of figures 7 and 11: the model, the scored task and its good set, then x and y. */
const crossColumns = (x: string, y: string): Column[] => [
  ...MODEL_COLUMNS,
  { key: 'scored', label: 'scored on (n_good)' },
  { key: 'good', label: 'good set of the scored task' },
  { key: 'x', label: `${x} (${NATS})` },
  { key: 'xSe', label: `${x}, s.e.` },
  { key: 'y', label: `${y} (${NATS})` },
  { key: 'ySe', label: `${y}, s.e.` },
];

/**
 * Figures 7 and 11: a measured quantity (y) against its theory value from each task's success rates (x),
 * one panel per scored task (columns) and RL rule (rows), with y = x.
 */
function crossObjectiveFigure(
  models: readonly ModelRow[],
  spec: {
    readonly number: number;
    readonly xOf: (m: ModelRow, k: number) => Est | undefined;
    readonly yOf: (m: ModelRow) => Est;
    readonly names: readonly [x: string, y: string];
    readonly xLabel: string;
    readonly caption: string;
  },
): string {
  const { tasks, rules } = context(models);
  const { pts, rows } = crossPanels(models, tasks, spec.xOf, spec.yOf);
  const plots =
    pts.length === 0
      ? []
      : [
          renderPlot({
            width: WIDTH,
            height: 130 + 200 * rules.length,
            marginLeft: 60,
            marginRight: 90,
            marginBottom: 45,
            grid: true,
            fx: { domain: tasks.map((k) => `scored on ${taskLabel(models, k)}`), label: null },
            fy: { domain: rules.map(ruleName), label: null },
            x: { label: `${spec.xLabel} (${NATS}) →` },
            y: { label: `↑ measured ${spec.names[1]} (${NATS})` },
            color: trainedColor(tasks),
            marks: [Plot.frame({ stroke: '#ddd' }), identityLine(pts), ...scatter(pts, { fy: true, r: 3 })],
          }),
        ];
  return figure({
    number: spec.number,
    caption: spec.caption + goodSetsSentence(models, tasks),
    key: [{ label: 'y = x', stroke: 'black', dash: '2,3', width: 1 }],
    plots,
    empty: plots.length === 0 ? NO_MODELS : undefined,
    table: { columns: crossColumns(...spec.names), rows },
  });
}

/** Figure 7: predicted (from each task's score) vs measured Op, one panel per scored task. */
export function predictedVsMeasuredOpByTask(models: readonly ModelRow[]): string {
  return crossObjectiveFigure(models, {
    number: 7,
    xOf: (m, k) => scoreOn(m, k)?.opPred,
    yOf: (m) => m.op,
    names: ['Op_pred', 'Op'],
    xLabel: "Op_pred from the score on the panel's task",
    caption:
      `Columns: the task whose score gives Op_pred = KL_B(s_k‖f_k) (x, ${NATS}); rows: RL rule; colour: the task the model was trained on. ` +
      "Look for each panel's own-task models on y = x and the others off it: this is what objective identification uses.",
  });
}

/** Points of one measure per model on a log-parameter axis plus the mean over seeds as a line. */
function paramsMarks(models: readonly ModelRow[], value: (m: ModelRow) => Est | undefined): { marks: Plot.Markish[]; groups: SeedGroup[]; n: number } {
  const pts = models.flatMap((m) => modelPoint(m, m.params, value(m)));
  const groups = overSeeds(models, value);
  const lines = groups.map((g) => ({ x: g.params, y: g.mean, color: trainedName(g.task), fx: ruleName(g.rule), task: g.task }));
  return {
    marks: [Plot.line(lines, { x: 'x', y: 'y', stroke: 'color', z: 'color', fx: 'fx', strokeWidth: 1.5 }), ...scatter(pts, { r: 2.5 })],
    groups,
    n: pts.length,
  };
}

/** Figure 8: Imp vs parameters per trained task, with the null baseline. */
export function impVsParams(models: readonly ModelRow[]): string {
  const { tasks, rules } = context(models);
  const { marks, groups, n } = paramsMarks(models, (m) => m.imp);
  const nulls = nullLevels(models, rules, (m) => m.nullImp);
  const plots =
    n === 0
      ? []
      : [
          renderPlot(
            baseOptions(rules, {
              x: { type: 'log', label: 'parameters (count, log scale) →' },
              y: { label: `↑ Imp, split-history impact (${NATS})`, zero: true },
              color: trainedColor(tasks),
              marks: [Plot.frame({ stroke: '#ddd' }), Plot.ruleY(nulls, { y: 'y', fx: 'fx', stroke: GREY, strokeDasharray: '1,3' }), ...marks],
            }),
          ),
        ];
  return figure({
    number: 8,
    caption:
      `Measured impact Imp (${NATS}) of every model (dots, ± 1 s.e.) and the mean over seeds per size (lines), one panel per RL rule. ` +
      `The grey dotted line is the null baseline's Imp (about 0.03 ${NATS} at N = 200 from finite N alone). Look for impact above the null, largest for the hardest task.`,
    key: [
      { label: 'null baseline Imp (context-blind, same N)', stroke: GREY, dash: '1,3' },
      { label: 'mean over seeds', stroke: PALETTE[0]!, width: 1.5 },
    ],
    plots,
    empty: plots.length === 0 ? NO_MODELS : undefined,
    table: { columns: groupColumns(`Imp (${NATS})`), rows: groups.map(groupCells) },
  });
}

/** Figure 9: measured Imp vs Imp_min (trained task), with y = x and a least-squares line per rule. */
export function impVsImpMin(models: readonly ModelRow[]): string {
  const { tasks, rules } = context(models);
  const pts = models.flatMap((m) => modelPoint(m, scoreOn(m, m.task)?.impMin, m.imp));
  const fits = rules.flatMap((r) => {
    const rp = pts.filter((p) => p.fx === ruleName(r)) as (Pt & { x: number })[];
    const fit = fitLine(rp);
    if (fit === null) return [];
    const xs = rp.map((p) => p.x);
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    return [
      {
        rule: r,
        ...fit,
        segment: [
          { x: lo, y: fit.intercept + fit.slope * lo, fx: ruleName(r) },
          { x: hi, y: fit.intercept + fit.slope * hi, fx: ruleName(r) },
        ],
      },
    ];
  });
  const plots =
    pts.length === 0
      ? []
      : [
          renderPlot(
            baseOptions(rules, {
              x: { label: `Imp_min = KL_B(s‖s′) on the trained task (${NATS}) →` },
              y: { label: `↑ measured Imp (${NATS})` },
              color: trainedColor(tasks),
              marks: [
                Plot.frame({ stroke: '#ddd' }),
                identityLine(pts),
                Plot.line(
                  fits.flatMap((f) => f.segment),
                  { x: 'x', y: 'y', fx: 'fx', z: 'fx', stroke: 'black', strokeWidth: 1.5 },
                ),
                ...scatter(pts),
              ],
            }),
          ),
        ];
  const fitText = fits.map((f) => `${f.rule}: Imp = ${formatNumber(f.intercept)} + ${formatNumber(f.slope)}·Imp_min (${f.n} models)`).join('; ');
  return figure({
    number: 9,
    caption:
      `Each model's measured impact (y) against the minimum impact KL_B(s‖s′) its success rates require (x), in ${NATS}, ± 1 s.e. Dotted: y = x; ` +
      `solid: least-squares fit per rule${fitText ? ` (${fitText})` : ''}. Look for every point on or above y = x (Imp ≥ Imp_min up to noise).`,
    key: [
      { label: 'y = x', stroke: 'black', dash: '2,3', width: 1 },
      { label: 'least-squares fit', stroke: 'black', width: 1.5 },
    ],
    plots,
    empty: plots.length === 0 ? NO_MODELS : undefined,
    table: {
      columns: [
        ...MODEL_COLUMNS,
        { key: 'impMin', label: `Imp_min (${NATS})` },
        { key: 'impMinSe', label: 'Imp_min, s.e.' },
        { key: 'imp', label: `Imp (${NATS})` },
        { key: 'impSe', label: 'Imp, s.e.' },
      ],
      rows: models.map((m) => {
        const s = scoreOn(m, m.task);
        return { ...modelCells(m), impMin: val(s?.impMin), impMinSe: se(s?.impMin), imp: val(m.imp), impSe: se(m.imp) };
      }),
    },
  });
}

/** Figure 10: success rate in the split-history future F′ vs parameters, per trained task. */
export function sPrimeVsParams(models: readonly ModelRow[]): string {
  const { tasks, rules } = context(models);
  const { marks, groups, n } = paramsMarks(models, (m) => scoreOn(m, m.task)?.sPrime);
  const plots =
    n === 0
      ? []
      : [
          renderPlot(
            baseOptions(rules, {
              x: { type: 'log', label: 'parameters (count, log scale) →' },
              y: { label: '↑ success rate s′ in F′ on the trained task (fraction)', domain: [0, 1] },
              color: trainedColor(tasks),
              marks: [Plot.frame({ stroke: '#ddd' }), levelMarks(taskLevels(models, tasks, 'chance'), '5,3'), ...marks],
            }),
          ),
        ];
  return figure({
    number: 10,
    caption:
      'Success rate in the split-history future F′ (actions from another context applied to every context) on the trained task, per model (dots, ± 1 s.e.) ' +
      'and mean over seeds (lines). Look for s′ near chance (dashed): a policy that reads its context gains nothing when its action is moved to another context.',
    key: tasks.map((k) => ({ label: `chance f = ${chanceLabel(models, k)}`, stroke: taskColor(tasks, k), dash: '5,3' })),
    plots,
    empty: plots.length === 0 ? NO_MODELS : undefined,
    table: { columns: groupColumns('s′ (fraction)'), rows: groups.map(groupCells) },
  });
}

/** Figure 11: cross-objective measured Imp vs Imp_min from each task's scores, one panel per scored task. */
export function crossObjectiveImpVsImpMin(models: readonly ModelRow[]): string {
  return crossObjectiveFigure(models, {
    number: 11,
    xOf: (m, k) => scoreOn(m, k)?.impMin,
    yOf: (m) => m.imp,
    names: ['Imp_min', 'Imp'],
    xLabel: "Imp_min = KL_B(s_k‖s′_k) on the panel's task",
    caption:
      `Columns: the task whose success rates (s_k, s′_k) give Imp_min (x, ${NATS}); rows: RL rule; colour: the trained task. Dotted: y = x. ` +
      'Look for every point above y = x on every task (the bound holds for any objective), tightest for the trained one.',
  });
}

/** Figures 12 and 13: a self-estimated measure vs the measured one. */
function selfVsMeasured(models: readonly ModelRow[], which: 'op' | 'imp'): string {
  const { tasks, rules } = context(models);
  const name = which === 'op' ? 'Op' : 'Imp';
  const withSelf = models.filter((m) => m.self !== null);
  const pts = withSelf.flatMap((m) => modelPoint(m, m[which], m.self?.[which]));
  const plots =
    pts.length === 0
      ? []
      : [
          renderPlot(
            baseOptions(rules, {
              x: { label: `measured ${name} (${NATS}) →` },
              y: { label: `↑ self-estimated ${name} (${NATS})` },
              color: trainedColor(tasks),
              marks: [Plot.frame({ stroke: '#ddd' }), identityLine(pts), ...scatter(pts)],
            }),
          ),
        ];
  return figure({
    number: which === 'op' ? 12 : 13,
    caption:
      `The same split-history estimator run on the model's own predicted outcome law (y) against the environment's exact law (x), ${NATS}, ± 1 s.e. ` +
      `Dotted: y = x. Look for the bias: points off the line show how far the model's picture of its own ${which === 'op' ? 'optimization' : 'impact'} is from the truth. ` +
      `The table's last two columns say where it comes from: the KL from the exact outcome law to the model's, after the actions the generator took (those its training data held) and after every action (those split history asks about); ` +
      `a model that learned a shortcut of generated data fits the first and not the second.`,
    key: [{ label: 'y = x', stroke: 'black', dash: '2,3', width: 1 }],
    plots,
    empty: plots.length === 0 ? 'No self-evaluations in these records.' : undefined,
    table: {
      columns: [
        ...MODEL_COLUMNS,
        { key: 'measured', label: `measured ${name} (${NATS})` },
        { key: 'measuredSe', label: 's.e.' },
        { key: 'self', label: `self-estimated ${name} (${NATS})` },
        { key: 'selfSe', label: 's.e.' },
        { key: 'fitGenerator', label: `outcome-law KL, generator's actions (${NATS})` },
        { key: 'fitAll', label: `outcome-law KL, all actions (${NATS})` },
      ],
      rows: withSelf.map((m) => ({
        ...modelCells(m),
        measured: val(m[which]),
        measuredSe: se(m[which]),
        self: val(m.self?.[which]),
        selfSe: se(m.self?.[which]),
        fitGenerator: m.outcomeFit?.generatorActions ?? null,
        fitAll: m.outcomeFit?.allActions ?? null,
      })),
    },
  });
}

/** Figure 12: self-estimated vs measured Op. */
export function selfVsMeasuredOp(models: readonly ModelRow[]): string {
  return selfVsMeasured(models, 'op');
}

/** Figure 13: self-estimated vs measured Imp. */
export function selfVsMeasuredImp(models: readonly ModelRow[]): string {
  return selfVsMeasured(models, 'imp');
}

/** The s.e. of `Imp − Imp_min` on the trained task (Imp and Imp_min move together over the repeats), else, in older records, Imp's. */
const excessSe = (m: ModelRow): number | null => {
  const e = scoreOn(m, m.task)?.excessImp;
  return e ? se(e) : se(m.imp);
};

/** Figure 14: impact ratio `Imp / Imp_min` and excess impact `Imp − Imp_min` vs Imp_min (trained task). */
export function impactRatioAndExcess(models: readonly ModelRow[]): string {
  const { tasks, rules } = context(models);
  const rows = models.map((m) => {
    const s = scoreOn(m, m.task);
    const min = val(s?.impMin);
    const imp = val(m.imp);
    const excess = min !== null && imp !== null ? imp - min : null;
    const ratio = min !== null && imp !== null && min > 0 ? imp / min : null;
    return { m, min, excess, ratio };
  });
  const ratioPts = rows.flatMap((r): Pt[] =>
    r.min === null || r.ratio === null
      ? []
      : [{ x: r.min, y: r.ratio, xse: null, yse: null, color: trainedName(r.m.task), fx: ruleName(r.m.rule), title: modelTitle(r.m) }],
  );
  const excessPts = rows.flatMap((r): Pt[] =>
    r.min === null || r.excess === null
      ? []
      : [{ x: r.min, y: r.excess, xse: null, yse: excessSe(r.m), color: trainedName(r.m.task), fx: ruleName(r.m.rule), title: modelTitle(r.m) }],
  );
  const undefinedRatios = rows.filter((r) => r.min !== null && val(r.m.imp) !== null && r.ratio === null).length;
  const plots: string[] = [];
  if (ratioPts.length > 0) {
    plots.push(
      renderPlot(
        baseOptions(rules, {
          height: 300,
          x: { label: `Imp_min on the trained task (${NATS}) →` },
          y: { label: '↑ impact ratio Imp / Imp_min (dimensionless)' },
          color: trainedColor(tasks),
          marks: [Plot.frame({ stroke: '#ddd' }), Plot.ruleY([1], { stroke: 'black', strokeDasharray: '2,3' }), ...scatter(ratioPts)],
        }),
      ),
    );
  }
  if (excessPts.length > 0) {
    plots.push(
      renderPlot(
        baseOptions(rules, {
          height: 300,
          x: { label: `Imp_min on the trained task (${NATS}) →` },
          y: { label: `↑ excess impact Imp − Imp_min (${NATS})` },
          color: trainedColor(tasks),
          marks: [Plot.frame({ stroke: '#ddd' }), Plot.ruleY([0], { stroke: 'black', strokeDasharray: '2,3' }), ...scatter(excessPts)],
        }),
      ),
    );
  }
  return figure({
    number: 14,
    caption:
      `Top: Imp / Imp_min (1 = the least impact any policy with these success rates could have); bottom: Imp − Imp_min in ${NATS} ` +
      `(± 1 s.e. of the difference, jackknife over the repeats; for records written before it was recorded, ± 1 s.e. of Imp). ` +
      `Look for ratios ≥ 1 and excess ≥ 0 up to noise, and for how much impact beyond the minimum each task's models have.` +
      (undefinedRatios > 0 ? ` ${undefinedRatios} model(s) with Imp_min = 0 have no ratio.` : ''),
    key: [{ label: 'ratio 1 / excess 0', stroke: 'black', dash: '2,3', width: 1 }],
    plots,
    empty: plots.length === 0 ? NO_MODELS : undefined,
    table: {
      columns: [
        ...MODEL_COLUMNS,
        { key: 'impMin', label: `Imp_min (${NATS})` },
        { key: 'imp', label: `Imp (${NATS})` },
        { key: 'ratio', label: 'Imp / Imp_min' },
        { key: 'excess', label: `Imp − Imp_min (${NATS})` },
      ],
      rows: rows.map((r) => ({ ...modelCells(r.m), impMin: r.min, imp: val(r.m.imp), ratio: r.ratio, excess: r.excess })),
    },
  });
}

/** Axis labels of known curve metrics. */
const METRIC_LABELS: Readonly<Record<string, string>> = {
  trainLoss: `training loss (${NATS} per token)`,
  testLoss: `test loss (${NATS} per token)`,
  success: 'success rate (T = 0, held out; fraction)',
  maintenanceLoss: `maintenance loss (${NATS} per token, even positions)`,
  positives: 'positive examples per round (count)',
};
const metricLabel = (m: string): string => METRIC_LABELS[m] ?? m;

/** Figure 15: training curves — pretraining loss vs step, and each RL metric vs round. */
export function trainingCurves(curves: readonly CurveRow[]): string {
  const pre = curves.filter((c) => c.stage === 'pretrain' && /loss/i.test(c.metric) && Number.isFinite(c.value));
  const rl = curves.filter((c) => c.stage === 'rl' && Number.isFinite(c.value));
  const plots: string[] = [];
  if (pre.length > 0) {
    const sizes = orderSizes(pre);
    const metrics = [...new Set(pre.map((c) => c.metric))].sort();
    plots.push(
      renderPlot({
        width: WIDTH,
        height: 300,
        marginLeft: 60,
        grid: true,
        x: { label: 'pretraining step →' },
        y: { label: `↑ loss (${NATS} per token)` },
        fx: { domain: metrics.map(metricLabel), label: null },
        color: { type: 'ordinal', domain: sizes.map((s) => `size ${s.label}`), range: PALETTE.slice(0, sizes.length), legend: true },
        marks: [
          Plot.frame({ stroke: '#ddd' }),
          Plot.line(
            pre.map((c) => ({ ...c, color: `size ${sizes.find((s) => s.size === c.size)?.label ?? c.size}`, fx: metricLabel(c.metric) })),
            { x: 'step', y: 'value', z: 'run', stroke: 'color', fx: 'fx', strokeWidth: 1.2, strokeOpacity: 0.8 },
          ),
        ],
      }),
    );
  }
  if (rl.length > 0) {
    const tasks = sortedUnique(rl.map((c) => c.task ?? 0));
    const rules = orderRules(rl.map((c) => c.rule ?? ''));
    const order = ['success', 'maintenanceLoss'];
    const metrics = [...new Set(rl.map((c) => c.metric))].sort((a, b) => {
      const ia = order.indexOf(a) < 0 ? order.length : order.indexOf(a);
      const ib = order.indexOf(b) < 0 ? order.length : order.indexOf(b);
      return ia - ib || (a < b ? -1 : a > b ? 1 : 0);
    });
    for (const metric of metrics) {
      const data = rl.filter((c) => c.metric === metric).map((c) => ({ ...c, color: trainedName(c.task ?? 0), fx: ruleName(c.rule ?? '') }));
      plots.push(
        renderPlot(
          baseOptions(rules, {
            height: 260,
            x: { label: 'RL round →' },
            y: { label: `↑ ${metricLabel(metric)}` },
            color: trainedColor(tasks),
            marks: [
              Plot.frame({ stroke: '#ddd' }),
              Plot.line(data, { x: 'step', y: 'value', z: 'run', stroke: 'color', fx: 'fx', strokeWidth: 1.2, strokeOpacity: 0.8 }),
            ],
          }),
        ),
      );
    }
  }
  return figure({
    number: 15,
    caption:
      `First: pretraining loss (${NATS} per token) vs step, one line per model, by size. Then, per RL metric, one line per fine-tuning run vs round, ` +
      `one panel per RL rule, coloured by trained task. Look for pretraining converging, RL success rising above chance and levelling, ` +
      `and the maintenance loss staying low (a rising maintenance loss means RL is wrecking the model's prediction of the environment).`,
    plots,
    empty: plots.length === 0 ? 'No training curves in these records.' : undefined,
    table: curveTable([...pre, ...rl]),
  });
}

/** Training curves as a wide table: one row per (run, step), one column per metric. */
function curveTable(curves: readonly CurveRow[]): DataTable {
  const metrics = [...new Set(curves.map((c) => c.metric))];
  const rows = new Map<string, Record<string, Cell>>();
  for (const c of curves) {
    const key = JSON.stringify([c.stage, c.run, c.step]);
    let row = rows.get(key);
    if (row === undefined) {
      row = { stage: c.stage, run: c.run, size: c.size, seed: c.seed, task: c.task, rule: c.rule, step: c.step };
      rows.set(key, row);
    }
    row[`m:${c.metric}`] = c.value;
  }
  return {
    columns: [
      { key: 'stage', label: 'stage' },
      { key: 'run', label: 'run id' },
      { key: 'size', label: 'size' },
      { key: 'seed', label: 'seed' },
      { key: 'task', label: 'task (n_good)' },
      { key: 'rule', label: 'RL rule' },
      { key: 'step', label: 'step / round' },
      ...metrics.map((m) => ({ key: `m:${m}`, label: metricLabel(m) })),
    ],
    rows: [...rows.values()],
  };
}

/** Known reference futures in display order; others follow alphabetically. */
const REFERENCE_ORDER = ['split history', 'uniform', 'untrained', 'pretrained'];

function referenceRank(name: string): number {
  if (name.startsWith('fixed')) return 0.5;
  const i = REFERENCE_ORDER.indexOf(name);
  return i < 0 ? REFERENCE_ORDER.length : i;
}

/**
 * Figure 16 (what the original lacked): Op and Imp measured against each reference future — split history
 * vs a fixed action, a uniformly random action, the untrained and the pretrained model — mean ± s.e. over seeds.
 */
export function referenceFutures(models: readonly ModelRow[]): string {
  const { tasks, rules, sizes } = context(models);
  type R = { m: ModelRow; future: string; op: Est; imp: Est };
  const all: R[] = models.flatMap((m) => [
    { m, future: 'split history', op: m.op, imp: m.imp },
    ...m.references.map((r) => ({ m, future: r.name, op: r.op, imp: r.imp })),
  ]);
  const futures = [...new Set(all.map((r) => r.future))].sort((a, b) => referenceRank(a) - referenceRank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const plots: string[] = [];
  const groupRows: Record<string, Cell>[] = [];
  for (const which of ['op', 'imp'] as const) {
    const label = new Map(sizes.map((s) => [s.size, s.label]));
    const pts: Pt[] = [];
    const n = tasks.length;
    const marks: Plot.Markish[] = [Plot.frame({ stroke: '#ddd' }), Plot.ruleY([0], { stroke: 'black', strokeOpacity: 0.4 })];
    for (const future of futures) {
      const sub = all.filter((r) => r.future === future);
      const byModel = new Map(sub.map((r) => [r.m, r[which]]));
      const groups = overSeeds(
        sub.map((r) => r.m),
        (m) => byModel.get(m),
      );
      for (const g of groups) {
        pts.push({
          x: label.get(g.size) ?? g.size,
          y: g.mean,
          xse: null,
          yse: g.se,
          color: trainedName(g.task),
          fx: future,
          fy: ruleName(g.rule),
          title: `${future}, ${g.size}: ${g.n} models`,
        });
        if (which === 'op') groupRows.push({ future, ...groupCells(g), measure: 'Op' });
        else groupRows.push({ future, ...groupCells(g), measure: 'Imp' });
      }
    }
    tasks.forEach((k, i) => {
      const dx = (i - (n - 1) / 2) * 5;
      const tp = pts.filter((p) => p.color === trainedName(k));
      marks.push(...scatter(tp, { dx, fy: true, r: 3 }));
    });
    if (pts.length === 0) continue;
    plots.push(
      renderPlot({
        width: Math.max(WIDTH, 170 * futures.length),
        height: 100 + 190 * rules.length,
        marginLeft: 60,
        marginRight: 90,
        marginBottom: 55,
        grid: true,
        fx: { domain: futures, label: null },
        fy: { domain: rules.map(ruleName), label: null },
        x: { type: 'point', domain: sizes.map((s) => s.label), label: 'model size →', padding: 0.5, tickRotate: -30 },
        y: { label: which === 'op' ? `↑ Op against the future (${NATS})` : `↑ Imp against the future (${NATS})` },
        color: trainedColor(tasks),
        marks,
      }),
    );
  }
  return figure({
    number: 16,
    caption:
      `Optimization (top) and impact (bottom), ${NATS}, of each model measured against each reference future (columns; "split history" is the ` +
      `original's F′), mean ± 1 s.e. over seeds, rows by RL rule: Op_ref = H(Q_ref) − H(Q) and Imp_ref = KL(Q‖Q_ref) against a reference future, ` +
      `mean_k H(Q′_k) − H(Q) and mean_k KL(Q‖Q′_k) against the split history (the Op and Imp of the other figures). Look for how much the choice of future changes the numbers: against the ` +
      `pretrained model the measures isolate what RL added; against a fixed or uniform action they include what pretraining already did.`,
    plots,
    empty: plots.length === 0 ? NO_MODELS : undefined,
    table: {
      columns: [{ key: 'measure', label: 'measure' }, { key: 'future', label: 'reference future' }, ...groupColumns(`value (${NATS})`)],
      rows: groupRows,
    },
  });
}

/** Identification of each rule's models (and all models), from the scores in the rows. */
export function identifyModels(models: readonly ModelRow[]): ObjectiveIdentification {
  return identifyObjective(
    models.map((m) => ({ id: m.id, trainedTask: m.task, op: val(m.op), candidates: m.scores.map((s) => ({ task: s.nGood, opPred: val(s.opPred) })) })),
  );
}

/**
 * Figure 17 (what the original lacked): objective identification — for each model the task whose
 * `Op_pred` is closest to its measured Op; the confusion matrix of trained vs identified task per rule,
 * with the accuracy.
 */
export function objectiveIdentification(models: readonly ModelRow[]): string {
  const { rules } = context(models);
  const perRule = rules.map((r) => ({ rule: r, result: identifyModels(models.filter((m) => m.rule === r)) }));
  const overall = identifyModels(models);
  const cells = perRule.flatMap(({ rule, result }) =>
    Object.entries(result.confusion).flatMap(([trained, row]) =>
      Object.entries(row).map(([identified, count]) => ({
        fx: ruleName(rule),
        trained: `n_good = ${trained}`,
        identified: identified === 'none' ? 'none' : `n_good = ${identified}`,
        count,
        diagonal: trained === identified,
      })),
    ),
  );
  const rowsDomain = [...new Set(cells.map((c) => c.trained))];
  const maxCount = Math.max(1, ...cells.map((c) => c.count));
  const colsDomain = [...new Set(cells.map((c) => c.identified))];
  const plots =
    cells.length === 0
      ? []
      : [
          renderPlot({
            width: WIDTH,
            height: 90 + 55 * rowsDomain.length,
            marginLeft: 90,
            marginBottom: 50,
            fx: { domain: rules.map(ruleName), label: null },
            x: { domain: colsDomain, label: 'identified task (closest Op_pred) →', tickRotate: 0 },
            y: { domain: rowsDomain, label: 'trained task ↓' },
            color: { type: 'linear', scheme: 'blues', domain: [0, maxCount] }, // no ramp legend: it needs a canvas; counts are written in the cells
            marks: [
              Plot.cell(cells, { x: 'identified', y: 'trained', fx: 'fx', fill: 'count', inset: 1 }),
              Plot.cell(
                cells.filter((c) => c.diagonal),
                { x: 'identified', y: 'trained', fx: 'fx', stroke: 'black', strokeWidth: 1.5, fill: 'none', inset: 1 },
              ),
              Plot.text(cells, {
                x: 'identified',
                y: 'trained',
                fx: 'fx',
                text: (c: { count: number }) => String(c.count),
                fill: (c: { count: number }) => (c.count === 0 ? '#999' : c.count > maxCount / 2 ? 'white' : 'black'),
                fontSize: 13,
              }),
            ],
          }),
        ];
  const byId = new Map(overall.models.map((r) => [r.id, r]));
  const tasks = sortedUnique(models.flatMap((m) => m.scores.map((s) => s.nGood)));
  const acc = perRule.map(({ rule, result }) => `${rule}: ${result.correct}/${result.total} = ${formatNumber(result.accuracy)}`).join('; ');
  return figure({
    number: 17,
    caption:
      `For each model, the task k whose Op_pred = KL_B(s_k‖f_k) (from its score on k) is closest to its measured Op; rows: the task it was trained ` +
      `on, columns: the task identified, outlined cells: correct. Accuracy ${overall.correct}/${overall.total} = ${formatNumber(overall.accuracy)} over all models` +
      `${acc ? ` (${acc})` : ''}. Look for counts on the diagonal: the measurement tells which reward a model was really trained on.${goodSetsSentence(models, tasks)}`,
    key: [{ label: 'correct (trained = identified)', stroke: 'black', width: 2 }],
    plots,
    empty: plots.length === 0 ? NO_MODELS : undefined,
    table: {
      columns: [
        ...MODEL_COLUMNS,
        { key: 'op', label: `Op (${NATS})` },
        ...tasks.map((k) => ({ key: `p${k}`, label: `Op_pred ${taskLabel(models, k)} (${NATS})` })),
        { key: 'identified', label: 'identified (n_good)' },
        { key: 'distance', label: `|Op − Op_pred| (${NATS})` },
        { key: 'correct', label: 'correct' },
      ],
      rows: models.map((m) => {
        const r = byId.get(m.id);
        return {
          ...modelCells(m),
          op: val(m.op),
          ...Object.fromEntries(tasks.map((k) => [`p${k}`, val(scoreOn(m, k)?.opPred)])),
          identified: r?.identifiedTask ?? null,
          distance: r?.distance ?? null,
          correct: r ? (r.correct ? 'yes' : 'no') : null,
        };
      }),
    },
  });
}

/**
 * Figure 18: differential Op and Imp (docs/method.md#differential-measures) per block branch against parameters, before RL (the
 * pretrained model, grey) and after RL (coloured by trained task), one panel per site and RL rule.
 */
export function differentialByBlock(rows: readonly DifferentialRow[]): string {
  const rules = orderRules(rows.map((r) => r.rule));
  const sites = [...new Set(rows.map((r) => r.site))].sort();
  const tasks = sortedUnique(rows.map((r) => r.task));
  const BEFORE = 'pretrained (before RL)';
  const colorOf = (r: DifferentialRow): string => (r.stage === 'before RL' ? BEFORE : trainedName(r.task));
  const color: Plot.ScaleOptions = {
    type: 'ordinal',
    domain: [BEFORE, ...tasks.map(trainedName)],
    range: [GREY, ...tasks.map((_, i) => PALETTE[i % PALETTE.length]!)],
    legend: true,
  };
  const plotOf = (pick: (r: DifferentialRow) => Est, label: string): string[] => {
    const pts: Pt[] = rows.flatMap((r) => {
      const y = val(pick(r));
      return y === null
        ? []
        : [{ x: r.params, y, xse: null, yse: se(pick(r)), color: colorOf(r), fx: r.site, fy: ruleName(r.rule), title: `${r.id} ${r.stage}: ${r.site}` }];
    });
    if (pts.length === 0) return [];
    return [
      renderPlot({
        width: WIDTH,
        height: 150 + 140 * rules.length,
        marginLeft: 60,
        marginRight: 90,
        marginBottom: 45,
        inset: 10,
        grid: true,
        fx: { domain: sites, label: null },
        fy: { domain: rules.map(ruleName), label: null },
        x: { type: 'log', label: 'parameters (count, log scale) →' },
        y: { label: `↑ ${label} (${NATS})` },
        color,
        marks: [Plot.frame({ stroke: '#ddd' }), Plot.ruleY([0], { stroke: GREY }), ...scatter(pts, { fy: true, r: 3 })],
      }),
    ];
  };
  const plots = [...plotOf((r) => r.op, 'Op_diff'), ...plotOf((r) => r.imp, 'Imp_diff')];
  return figure({
    number: 18,
    caption:
      `For each block's attention and MLP branch A (held fixed for B = ∂F/∂P), with P the window's embeddings and F the output logits: ` +
      `Op_diff = ½ ln det(BBᵀ) − ½ ln det(JJᵀ) (top) and Imp_diff (bottom), ${NATS}, mean ± 1 s.e. over contexts, before RL (grey) and after RL (by trained task). ` +
      `They measure how much a branch shapes the local sensitivity of the logits to the input, treating P as Gaussian around each context: ` +
      `Look for the change from grey to colour within a site: RL changing how that branch steers the output (compare models only within the same site). ` +
      `They are local (Jacobians at each context), not the split-history measures of the environment's future, and a value is undefined (counted, not drawn) where BBᵀ or JJᵀ is singular.`,
    plots,
    empty: plots.length === 0 ? 'No differential measures in these records (measure.differentialContexts = 0).' : undefined,
    table: {
      columns: [
        ...MODEL_COLUMNS,
        { key: 'site', label: 'site A' },
        { key: 'stage', label: 'stage' },
        { key: 'op', label: `Op_diff (${NATS})` },
        { key: 'opSe', label: 'Op_diff s.e.' },
        { key: 'imp', label: `Imp_diff (${NATS})` },
        { key: 'impSe', label: 'Imp_diff s.e.' },
        { key: 'rd', label: 'rank-deficient contexts' },
      ],
      rows: rows.map((r) => ({
        id: r.id,
        rule: r.rule,
        task: r.task,
        size: r.size,
        params: r.params,
        seed: r.seed,
        site: r.site,
        stage: r.stage,
        op: r.op.mean,
        opSe: r.op.se,
        imp: r.imp.mean,
        impSe: r.imp.se,
        rd: r.rankDeficient,
      })),
    },
  });
}

/** What the figures are drawn from. */
export interface FigureData {
  readonly pretrain: readonly PretrainRow[];
  readonly models: readonly ModelRow[];
  readonly generator: BaselineRow | null;
  readonly curves: readonly CurveRow[];
  readonly differential?: readonly DifferentialRow[];
}

/** A figure of the report: its number, its title, and how it is drawn from the data. */
export interface FigureSpec {
  readonly number: number;
  readonly title: string;
  readonly build: (data: FigureData) => string;
}

const spec = (number: number, build: (d: FigureData) => string): FigureSpec => ({ number, title: FIGURE_TITLES[number]!, build });

/** The study's figures, in the order of docs/method.md#the-study. */
export const FIGURES: readonly FigureSpec[] = [
  spec(1, (d) => lossAndSuccessVsParams(d.pretrain, d.models)),
  spec(2, (d) => successVsSize(d.models)),
  spec(3, (d) => opVsSize(d.models, d.generator)),
  spec(4, (d) => opVsSuccess(d.models)),
  spec(5, (d) => predictedVsMeasuredOp(d.models)),
  spec(6, (d) => crossObjectiveOpVsScore(d.models)),
  spec(7, (d) => predictedVsMeasuredOpByTask(d.models)),
  spec(8, (d) => impVsParams(d.models)),
  spec(9, (d) => impVsImpMin(d.models)),
  spec(10, (d) => sPrimeVsParams(d.models)),
  spec(11, (d) => crossObjectiveImpVsImpMin(d.models)),
  spec(12, (d) => selfVsMeasuredOp(d.models)),
  spec(13, (d) => selfVsMeasuredImp(d.models)),
  spec(14, (d) => impactRatioAndExcess(d.models)),
  spec(15, (d) => trainingCurves(d.curves)),
  spec(16, (d) => referenceFutures(d.models)),
  spec(17, (d) => objectiveIdentification(d.models)),
  spec(18, (d) => differentialByBlock(d.differential ?? [])),
];

/** All figures of the report, in order. */
export function allFigures(data: FigureData): string[] {
  return FIGURES.map((f) => f.build(data));
}
