/**
 * Figures of the peer measures beside Op and Imp (MEG, AUP, relative reachability; `@optimpact/peer-measures`),
 * and of the misalignment test bed. Same conventions as the study's figures: nats unless said otherwise,
 * ± 1 standard error over repeats, one panel per RL rule.
 */
import * as Plot from '@observablehq/plot';
import type { FigureData, FigureSpec, Pt } from './figures.js';
import {
  GREY,
  MODEL_COLUMNS,
  NATS,
  NO_MODELS,
  PALETTE,
  FIGURE_TITLES,
  WIDTH,
  baseOptions,
  context,
  figure,
  identifyModels,
  identityLine,
  modelCells,
  modelTitle,
  ruleName,
  scatter,
  trainedColor,
  trainedName,
} from './figures.js';
import { identifyObjective } from '@optimpact/impact-theory';
import type { ObjectiveIdentification } from '@optimpact/impact-theory';
import { formatNumber } from './internal/html.js';
import { goodSetsSentence, se, taskLabel, val } from './internal/data.js';
import { renderPlot } from './internal/render.js';
import type { Est, ModelRow, PeerRow, TestbedFigureRow } from './types.js';

type WithPeers = ModelRow & { readonly peers: PeerRow };
const withPeers = (models: readonly ModelRow[]): WithPeers[] => models.filter((m): m is WithPeers => m.peers != null);
const NO_PEERS = 'No model in these records has the peer measures (run the study with measure.peers on).';

/** Objective identification by MEG: argmin_k (MEG_F − MEG_{G_k}), i.e. the task with the largest MEG. */
export function identifyByMegModels(models: readonly ModelRow[]): ObjectiveIdentification {
  return identifyObjective(
    withPeers(models).map((m) => ({
      id: m.id,
      trainedTask: m.task,
      op: val(m.peers.megF),
      candidates: m.peers.meg.map((x) => ({ task: x.nGood, opPred: val(x.meg) })),
    })),
  );
}

/** Figure 19: MEG_F against Op, every model. */
export function megVsOp(models: readonly ModelRow[]): string {
  const ms = withPeers(models);
  const { tasks, rules } = context(ms);
  const pts = ms.flatMap((m): Pt[] => {
    const x = val(m.op),
      y = val(m.peers.megF);
    return x === null || y === null
      ? []
      : [{ x, y, xse: se(m.op), yse: se(m.peers.megF), color: trainedName(m.task), fx: ruleName(m.rule), title: modelTitle(m) }];
  });
  const plots =
    pts.length === 0
      ? []
      : [
          renderPlot(
            baseOptions(rules, {
              height: 380,
              x: { label: `split-history Op (${NATS}) →` },
              y: { label: `↑ MEG_F, goal-directedness over outcomes (${NATS})` },
              color: trainedColor(tasks),
              marks: [Plot.frame({ stroke: '#ddd' }), identityLine(pts), ...scatter(pts, { r: 4 })],
            }),
          ),
        ];
  return figure({
    number: 19,
    caption:
      `Each point is one fine-tuned model: its split-history optimization Op (x) against its maximum-entropy goal-directedness with respect to ` +
      `every utility over the outcome F, MEG_F (y), both in ${NATS} and on the same contexts, ± 1 s.e. over repeats. Look for a monotone relation: ` +
      `both measure how far the policy is from context-blind, Op through the outcome distribution, MEG_F through how well a utility over outcomes predicts the actions.`,
    key: [{ label: 'y = x', stroke: 'black', dash: '2,3', width: 1 }],
    plots,
    empty: plots.length === 0 ? (models.length === 0 ? NO_MODELS : NO_PEERS) : undefined,
    table: {
      columns: [
        ...MODEL_COLUMNS,
        { key: 'op', label: `Op (${NATS})` },
        { key: 'opSe', label: 'Op, s.e.' },
        { key: 'megF', label: `MEG_F (${NATS})` },
        { key: 'megFSe', label: 'MEG_F, s.e.' },
      ],
      rows: ms.map((m) => ({ ...modelCells(m), op: val(m.op), opSe: se(m.op), megF: val(m.peers.megF), megFSe: se(m.peers.megF) })),
    },
  });
}

/** Figure 20: the AUP penalty against each baseline, against Imp. */
export function aupVsImp(models: readonly ModelRow[]): string {
  const ms = withPeers(models);
  const { tasks, rules } = context(ms);
  const baselines = [...new Set(ms.flatMap((m) => m.peers.baselines.map((b) => b.name)))];
  const pts = ms.flatMap((m) =>
    m.peers.baselines.flatMap((b): Pt[] => {
      const x = val(m.imp),
        y = val(b.aupBefore);
      return x === null || y === null
        ? []
        : [{ x, y, xse: se(m.imp), yse: se(b.aupBefore), color: trainedName(m.task), fx: `baseline: ${b.name}`, fy: ruleName(m.rule), title: modelTitle(m) }];
    }),
  );
  const plots =
    pts.length === 0
      ? []
      : [
          renderPlot({
            width: WIDTH,
            height: 80 + 230 * rules.length,
            marginLeft: 60,
            marginBottom: 45,
            inset: 8,
            grid: true,
            fx: { domain: baselines.map((b) => `baseline: ${b}`), label: null },
            fy: { domain: rules.map(ruleName), label: null },
            x: { label: `split-history Imp (${NATS}) →` },
            y: { label: '↑ AUP penalty (dimensionless)' },
            color: trainedColor(tasks),
            marks: [Plot.frame({ stroke: '#ddd' }), ...scatter(pts, { fy: true })],
          }),
        ];
  return figure({
    number: 20,
    caption:
      `Each point is one fine-tuned model: its split-history impact Imp (x, ${NATS}) against the attainable-utility-preservation penalty ` +
      `(y: Σ_i |ΔQ_i| / Σ_i Q_i(baseline) over 32 random utilities of F, π mixed before the absolute value) against each baseline — the split history ` +
      `(the model's own actions from other contexts, as Imp), the uniform policy, the generator, the pretrained model — ± 1 s.e. Look for the same ordering of models as Imp's, panel by panel.`,
    plots,
    empty: plots.length === 0 ? (models.length === 0 ? NO_MODELS : NO_PEERS) : undefined,
    table: {
      columns: [
        ...MODEL_COLUMNS,
        { key: 'imp', label: `Imp (${NATS})` },
        ...baselines.flatMap((b) => [
          { key: `b:${b}`, label: `AUP vs ${b}, before` },
          { key: `a:${b}`, label: `AUP vs ${b}, after` },
          { key: `r:${b}`, label: `RR vs ${b}` },
          { key: `r2:${b}`, label: `two-step RR vs ${b}` },
          { key: `e:${b}`, label: `Δ empowerment vs ${b} (${NATS})` },
        ]),
      ],
      rows: ms.map((m) => ({
        ...modelCells(m),
        imp: val(m.imp),
        ...Object.fromEntries(
          m.peers.baselines.flatMap((b) => [
            [`b:${b.name}`, val(b.aupBefore)],
            [`a:${b.name}`, val(b.aupAfter)],
            [`r:${b.name}`, val(b.rr)],
            [`r2:${b.name}`, val(b.rr2)],
            [`e:${b.name}`, val(b.empowermentChange)],
          ]),
        ),
      })),
    },
  });
}

/** Figure 21: objective identification by MEG against by Op — confusion matrices per rule. */
export function identificationByMegVsOp(models: readonly ModelRow[]): string {
  const ms = withPeers(models);
  const { tasks, rules } = context(ms);
  const methods = [
    { name: 'by Op (closest Op_pred)', identify: identifyModels },
    { name: 'by MEG (largest MEG_{G_k})', identify: identifyByMegModels },
  ];
  const results = methods.flatMap((method) => rules.map((rule) => ({ method: method.name, rule, result: method.identify(ms.filter((m) => m.rule === rule)) })));
  const cells = results.flatMap(({ method, rule, result }) =>
    Object.entries(result.confusion).flatMap(([trained, row]) =>
      Object.entries(row).map(([identified, count]) => ({
        fx: ruleName(rule),
        fy: method,
        trained: `n_good = ${trained}`,
        identified: identified === 'none' ? 'none' : `n_good = ${identified}`,
        count,
        diagonal: trained === identified,
      })),
    ),
  );
  const maxCount = Math.max(1, ...cells.map((c) => c.count));
  const plots =
    cells.length === 0
      ? []
      : [
          renderPlot({
            width: WIDTH,
            height: 80 + 2 * (40 + 45 * new Set(cells.map((c) => c.trained)).size),
            marginLeft: 90,
            marginRight: 150,
            marginBottom: 50,
            fx: { domain: rules.map(ruleName), label: null },
            fy: { domain: methods.map((m) => m.name), label: null },
            x: { domain: [...new Set(cells.map((c) => c.identified))], label: 'identified task →' },
            y: { domain: [...new Set(cells.map((c) => c.trained))], label: 'trained task ↓' },
            color: { type: 'linear', scheme: 'blues', domain: [0, maxCount] },
            marks: [
              Plot.cell(cells, { x: 'identified', y: 'trained', fx: 'fx', fy: 'fy', fill: 'count', inset: 1 }),
              Plot.cell(
                cells.filter((c) => c.diagonal),
                { x: 'identified', y: 'trained', fx: 'fx', fy: 'fy', stroke: 'black', strokeWidth: 1.5, fill: 'none', inset: 1 },
              ),
              Plot.text(cells, {
                x: 'identified',
                y: 'trained',
                fx: 'fx',
                fy: 'fy',
                text: (c: { count: number }) => String(c.count),
                fill: (c: { count: number }) => (c.count === 0 ? '#999' : c.count > maxCount / 2 ? 'white' : 'black'),
                fontSize: 13,
              }),
            ],
          }),
        ];
  const acc = results.map(({ method, rule, result }) => `${method}, ${rule}: ${result.correct}/${result.total} = ${formatNumber(result.accuracy)}`).join('; ');
  const byOp = new Map(identifyModels(ms).models.map((r) => [r.id, r.identifiedTask]));
  return figure({
    number: 21,
    caption:
      `Rows: the task each model was trained on; columns: the task identified — top, the task whose Op_pred is closest to the measured Op; bottom, ` +
      `the task whose indicator utility explains the most of the model's goal-directedness, argmin_k (MEG_F − MEG_{G_k}). Outlined cells are correct. ${acc}.${goodSetsSentence(ms, tasks)}`,
    key: [{ label: 'correct (trained = identified)', stroke: 'black', width: 2 }],
    plots,
    empty: plots.length === 0 ? (models.length === 0 ? NO_MODELS : NO_PEERS) : undefined,
    table: {
      columns: [
        ...MODEL_COLUMNS,
        { key: 'byOp', label: 'identified by Op (n_good)' },
        { key: 'byMeg', label: 'identified by MEG (n_good)' },
        ...(ms[0]?.peers.meg ?? []).map((x) => ({ key: `m${x.nGood}`, label: `MEG ${taskLabel(ms, x.nGood)} (${NATS})` })),
        { key: 'megF', label: `MEG_F (${NATS})` },
      ],
      rows: ms.map((m) => ({
        ...modelCells(m),
        byOp: byOp.get(m.id) ?? null,
        byMeg: m.peers.identifiedTask,
        ...Object.fromEntries(m.peers.meg.map((x) => [`m${x.nGood}`, val(x.meg)])),
        megF: val(m.peers.megF),
      })),
    },
  });
}

/** Figure 22: the utility over outcomes w* that MEG_F infers, per model. */
export function inferredUtilities(models: readonly ModelRow[]): string {
  const ms = withPeers(models).sort((a, b) => a.rule.localeCompare(b.rule) || a.task - b.task || a.params - b.params || a.seed - b.seed);
  const { rules } = context(ms);
  const cells = ms.flatMap((m) => {
    const scale = Math.max(1e-12, ...m.peers.w.map(Math.abs));
    return m.peers.w.map((w, v) => ({ fx: ruleName(m.rule), model: `${m.id}`, outcome: String(v), w, shape: w / scale }));
  });
  const plots =
    cells.length === 0
      ? []
      : [
          renderPlot({
            width: WIDTH,
            height: 60 + 16 * Math.max(...rules.map((r) => ms.filter((m) => m.rule === r).length)),
            marginLeft: 150,
            marginBottom: 40,
            fx: { domain: rules.map(ruleName), label: null },
            x: { label: 'outcome F →', domain: [...new Set(cells.map((c) => c.outcome))] },
            y: { label: null, domain: ms.map((m) => m.id) },
            color: { type: 'linear', scheme: 'RdBu', domain: [-1, 1] },
            marks: [
              Plot.cell(cells, { x: 'outcome', y: 'model', fx: 'fx', fill: 'shape', inset: 0.5, title: (c: { w: number }) => `w* = ${formatNumber(c.w)}` }),
            ],
          }),
        ];
  return figure({
    number: 22,
    caption:
      `One row per fine-tuned model (sorted by rule, trained task, size, seed), one column per outcome: the maximiser w* of MEG_F, centred and scaled to ` +
      `its largest magnitude (blue +1: most preferred, red −1: least). Look for each task's good set in blue on its rows: w* says which outcomes the model ` +
      `pursues, not only whether it pursues its task. A deterministic policy's w* is large (its supremum lies at infinity); the table has the raw values.`,
    plots,
    empty: plots.length === 0 ? (models.length === 0 ? NO_MODELS : NO_PEERS) : undefined,
    table: {
      columns: [...MODEL_COLUMNS, ...(ms[0]?.peers.w ?? []).map((_, v) => ({ key: `w${v}`, label: `w*(${v})` }))],
      rows: ms.map((m) => ({ ...modelCells(m), ...Object.fromEntries(m.peers.w.map((w, v) => [`w${v}`, w])) })),
    },
  });
}

/** Figure 23: the misalignment test bed — which measure sees which kind of misalignment. */
export function misalignmentTestbed(rows: readonly TestbedFigureRow[]): string {
  const measures: { key: keyof TestbedFigureRow; label: string }[] = [
    { key: 'excessOp', label: `Op − Op_pred (${NATS})` },
    { key: 'excessImp', label: `Imp − Imp_min (${NATS})` },
    { key: 'megGap', label: `MEG_F − MEG_task (${NATS})` },
    { key: 'aupSplitHistory', label: 'AUP vs split history' },
    { key: 'aupUniform', label: 'AUP vs uniform' },
  ];
  const names = rows.map((r) => r.name);
  const plots =
    rows.length === 0
      ? []
      : measures.map(({ key, label }, i) => {
          // a measure undefined for a case (e.g. Imp_min at s' ∈ {0, 1}) is not drawn: 0 would read as aligned
          const pts = rows.flatMap((r) => {
            const y = val(r[key] as Est);
            return y === null ? [] : [{ x: r.name, y, se: se(r[key] as Est) }];
          });
          return renderPlot({
            width: WIDTH / 2 - 10,
            height: 220,
            marginLeft: 55,
            marginBottom: 55,
            grid: true,
            x: { domain: names, label: null, tickRotate: -20 },
            y: { label: `↑ ${label}`, zero: true },
            marks: [
              Plot.ruleY([0], { stroke: GREY }),
              Plot.ruleX(
                pts.filter((p) => p.se !== null),
                {
                  x: 'x',
                  y1: (p: { y: number; se: number }) => p.y - p.se,
                  y2: (p: { y: number; se: number }) => p.y + p.se,
                  stroke: PALETTE[i % PALETTE.length],
                },
              ),
              Plot.dot(pts, { x: 'x', y: 'y', fill: PALETTE[i % PALETTE.length], r: 4 }),
            ],
          });
        });
  return figure({
    number: 23,
    caption:
      `Synthetic policies at equal success (0.75 on n_good = 4): aligned (for successes and against failures without bias); for only some successes; ` +
      `against only some failures; crossed (for some failures, against some successes); the original's 85:15 example (success 0.85, chance 0.75); ` +
      `and, apart, a goal-blind policy (its action a hash of the context: success at chance). ` +
      `Each panel is one measure, ± 1 s.e. over repeats drawn from one pool of contexts (conditional on it; for Op − Op_pred and Imp − Imp_min the jackknife s.e. of the difference); ` +
      `a measure undefined for a case is left out. Look for the aligned policy at 0 in the first three panels and every other above it: excess ` +
      `optimization, excess impact and the MEG gap reveal misalignment; AUP grows too, but has no aligned level to compare with, and sees the goal-blind policy's context dependence as it sees goal pursuit.`,
    plots,
    empty: rows.length === 0 ? 'No test-bed rows.' : undefined,
    table: {
      columns: [
        { key: 'name', label: 'case' },
        { key: 'description', label: 'what it does' },
        { key: 'task', label: 'task' },
        ...measures.map((m) => ({ key: m.key, label: m.label })),
        ...(rows[0]?.w ?? []).map((_, v) => ({ key: `w${v}`, label: `w*(${v})` })),
      ],
      rows: rows.map((r) => ({
        name: r.name,
        description: r.description,
        task: r.task,
        ...Object.fromEntries(measures.map((m) => [m.key, val(r[m.key] as Est)])),
        ...Object.fromEntries(r.w.map((w, v) => [`w${v}`, w])),
      })),
    },
  });
}

/** The peer measures' figures of a study (19–22), drawn when its records have peer measures (empty otherwise). */
export const PEER_FIGURES: readonly FigureSpec[] = (
  [
    [19, megVsOp],
    [20, aupVsImp],
    [21, identificationByMegVsOp],
    [22, inferredUtilities],
  ] as const
).map(([number, build]) => ({ number, title: FIGURE_TITLES[number]!, build: (d: FigureData) => (withPeers(d.models).length === 0 ? '' : build(d.models)) }));

/** The peer figures of a study (19–22), in order; none when its records have no peer measures. */
export function peerFigures(models: readonly ModelRow[]): string[] {
  return PEER_FIGURES.map((f) => f.build({ pretrain: [], models, generator: null, curves: [] })).filter((html) => html !== '');
}
