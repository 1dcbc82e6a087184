/**
 * The report: one static HTML file with every figure of the study (docs/method.md#the-study), the reference-future and
 * objective-identification analyses, the baselines, and the runs' configuration and provenance. It opens
 * from disk with no server, no network and no script (a Content-Security-Policy forbids scripts outright),
 * and every string from the records is escaped.
 */
import type { EstimateJson, StudySummary } from '@optimpact/core';
import { seCoversText } from '@optimpact/core';
import { dataBlock, escapeHtml, FIGURES, formatNumber, goodSetOf, identifyModels, orderRules, PEER_FIGURES, taskLabel } from '@optimpact/viz';
import type { Cell, Column, DataTable } from '@optimpact/viz';
import type { AnyRecord, StudyData } from '@optimpact/records';
import { figureRows } from './rows.js';
import type { FigureRows } from './rows.js';

// -------------------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------------------

const h = escapeHtml;
const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A plain (non-collapsible) table, escaped. */
function plainTable(columns: readonly Column[], rows: readonly Readonly<Record<string, Cell>>[]): string {
  const head = columns.map((c) => `<th scope="col">${h(c.label)}</th>`).join('');
  const body = rows
    .map(
      (r) =>
        `<tr>${columns
          .map((c) => {
            const v = r[c.key] ?? null;
            return typeof v === 'string' ? `<td>${h(v)}</td>` : `<td class="num">${h(formatNumber(v))}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('\n');
  return `<table class="data"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** `mean ± se` of an estimate, for text. */
function pm(e: EstimateJson | undefined): string {
  if (e === undefined) return '—';
  if (e.mean === null) return e.undefined !== undefined ? `undefined (${e.undefined})` : '—';
  return e.se === null ? formatNumber(e.mean) : `${formatNumber(e.mean)} ± ${formatNumber(e.se)}`;
}

/** A config value for display: strings as they are, anything else as JSON. */
function showValue(v: unknown): string {
  if (typeof v === 'string') return v;
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s;
}

/** The distinct values of `f` over the records, sorted, joined. */
function distinct(records: readonly AnyRecord[], f: (r: AnyRecord) => string): string[] {
  return [...new Set(records.map(f))].sort(byString);
}

/** A unit's seconds: its `total` where recorded (a fine-tuning's `rl` and `measure` are parts of it), else the sum of its parts. */
const totalSeconds = (r: AnyRecord): number => r.timings['total'] ?? Object.values(r.timings).reduce((a, x) => a + x, 0);

function kindOf(r: AnyRecord): string {
  return r.kind === 'baseline' ? `baseline (${r.name})` : r.kind === 'failed' ? `failed (${showValue(r.unit)})` : r.kind;
}

// -------------------------------------------------------------------------------------------------
// sections
// -------------------------------------------------------------------------------------------------

function overview(data: StudyData, all: readonly AnyRecord[], rows: FigureRows): string {
  const ident = identifyModels(rows.models);
  const perRule = orderRules(rows.models.map((m) => m.rule)).map((rule) => [rule, identifyModels(rows.models.filter((m) => m.rule === rule))] as const);
  const ok = data.finetune.filter((r) => r.status === 'success');
  const sizes = [...new Map(ok.map((r) => [r.size, r.params])).entries()].sort((a, b) => a[1] - b[1]);
  const seeds = [...new Set(data.pretrain.map((r) => r.seed))].sort((a, b) => a - b);
  const tasks = [...new Set(ok.map((r) => r.task))].sort((a, b) => a - b);
  const rules = [...new Set(ok.map((r) => r.rule))].sort(byString);
  const failed = all.filter((r) => r.status !== 'success');
  const s = data.summaries;
  const field = (f: (x: StudySummary) => string): string => (s.length === 0 ? '—' : [...new Set(s.map(f))].join(', '));
  const elapsed = s.reduce((a, x) => a + x.elapsedSeconds, 0);
  const gen = data.baselines.find((b) => b.name === 'generator' && b.status === 'success');
  // every task the models were scored on, named with the good set its records give
  const scored = [...new Set(rows.models.flatMap((m) => m.scores.map((x) => x.nGood)))]
    .sort((a, b) => a - b)
    .filter((k) => goodSetOf(rows.models, k) !== undefined);
  const items: [string, string][] = [
    ['preset', field((x) => x.preset)],
    ['environment', field((x) => x.environment)],
    ['backend', `${field((x) => x.backend)}; kernels ${distinct(all, kernelsOf).join(', ') || '—'}`],
    ['elapsed', s.length === 0 ? '—' : `${formatNumber(elapsed)} s${s.length > 1 ? ` (sum over ${s.length} summaries)` : ''}`],
    ['sizes', sizes.map(([size, p]) => `${size} (${p} parameters)`).join(', ') || '—'],
    ['seeds (pretrained models)', seeds.join(', ') || '—'],
    ['tasks (n_good)', tasks.join(', ') || '—'],
    [
      'good sets G (outcomes counted as success)',
      scored.map((k) => taskLabel(rows.models, k)).join('; ') || 'not recorded (records written before good sets were)',
    ],
    ['RL rules', rules.join(', ') || '—'],
    [
      'error bars (± 1 s.e.)',
      `one model's measures: ${[...new Set(data.finetune.map((r) => seCoversText(r.measurement.seCovers ?? 'repeats within the fixed test set', r.measurement.repeats)))].sort(byString).join('; ') || '—'}; ` +
        `a mean over seeds: s.e. over the seeds (covers the training seeds and the context draws); differential measures: s.e. over independently drawn contexts`,
    ],
    [
      'runs',
      `${all.length} records: ${data.pretrain.length} pretraining, ${data.finetune.length} fine-tuning, ${data.baselines.length} baselines, ${data.failed.length} failed units${failed.length ? `; ${failed.length} not successful (listed under Runs, left out of the figures)` : ''}`,
    ],
    ["generator's self-optimization", gen ? `Op ${pm(gen.measurement.op)} nats, Imp ${pm(gen.measurement.imp)} nats` : 'not measured'],
    [
      'objective identification',
      [...perRule, ['all rules', ident] as const]
        .map(([rule, r]) => `${rule}: ${r.correct} of ${r.total} models (accuracy ${formatNumber(r.accuracy)})`)
        .join('; '),
    ],
  ];
  return `<section id="overview"><h2>Overview</h2><dl class="facts">${items.map(([k, v]) => `<dt>${h(k)}</dt><dd>${h(v)}</dd>`).join('')}</dl></section>`;
}

function identificationCheck(data: StudyData, rows: FigureRows): string {
  if (data.summaries.length !== 1) return '';
  const summary = data.summaries[0]!;
  const lines = Object.values(summary.objectiveIdentificationByRule)
    .sort((a, b) => byString(a.rule, b.rule))
    .map((sum) => {
      const ident = identifyModels(rows.models.filter((m) => m.rule === sum.rule));
      const same = Math.abs(sum.accuracy - ident.accuracy) < 1e-12 && JSON.stringify(sortKeys(sum.confusion)) === JSON.stringify(sortKeys(ident.confusion));
      return same
        ? `<li class="check ok">rule ${h(sum.rule)}: summary.json’s objective identification (accuracy ${h(formatNumber(sum.accuracy))}) agrees with the one recomputed here from the run records.</li>`
        : `<li class="check warn">${h(`rule ${sum.rule}: summary.json says accuracy ${formatNumber(sum.accuracy)}, confusion ${JSON.stringify(sortKeys(sum.confusion))}; recomputed from the run records: accuracy ${formatNumber(ident.accuracy)}, confusion ${JSON.stringify(sortKeys(ident.confusion))}.`)}</li>`;
    });
  return lines.length ? `<ul class="checks">${lines.join('')}</ul>` : '';
}

function sortKeys(o: Readonly<Record<string, Readonly<Record<string, number>>>>): [string, [string, number][]][] {
  return Object.entries(o)
    .sort((a, b) => byString(a[0], b[0]))
    .map(([k, row]) => [k, Object.entries(row).sort((a, b) => byString(a[0], b[0]))]);
}

function baselinesSection(data: StudyData): string {
  const rows = data.baselines.map((b) => {
    const m = b.measurement;
    const cells: Record<string, Cell> = {
      name: b.name,
      id: b.id,
      status: b.status,
      policy: m.policy,
      contexts: m.contexts,
      repeats: m.repeats,
      op: m.op.mean,
      opSe: m.op.se,
      imp: m.imp.mean,
      impSe: m.imp.se,
      nullOp: m.nullBaseline.op.mean,
      nullImp: m.nullBaseline.imp.mean,
    };
    for (const t of m.tasks) cells[`s${t.nGood}`] = t.s.mean;
    return cells;
  });
  const tasks = [...new Set(data.baselines.flatMap((b) => b.measurement.tasks.map((t) => t.nGood)))].sort((a, b) => a - b);
  const table: DataTable = {
    columns: [
      { key: 'name', label: 'policy name' },
      { key: 'id', label: 'run id' },
      { key: 'status', label: 'status' },
      { key: 'policy', label: 'measured policy' },
      { key: 'contexts', label: 'contexts N' },
      { key: 'repeats', label: 'repeats' },
      { key: 'op', label: 'Op (nats)' },
      { key: 'opSe', label: 'Op, s.e.' },
      { key: 'imp', label: 'Imp (nats)' },
      { key: 'impSe', label: 'Imp, s.e.' },
      { key: 'nullOp', label: 'null Op (nats)' },
      { key: 'nullImp', label: 'null Imp (nats)' },
      ...tasks.map((k) => ({ key: `s${k}`, label: `s on n_good = ${k}` })),
    ],
    rows,
  };
  return (
    `<section id="baselines"><h2>Baselines and reference policies</h2>` +
    `<p>Policies measured for reference with the same estimator: the generator's self-optimization (the floor every model should reach) and built-in policies. Op and Imp in nats, ± s.e. over repeats.</p>` +
    (rows.length === 0 ? '<p class="empty">No baseline records.</p>' : plainTable(table.columns, table.rows) + dataBlock(table, 'baselines')) +
    `</section>`
  );
}

function runsSection(all: readonly AnyRecord[], unfinished: readonly string[]): string {
  const table: DataTable = {
    columns: [
      { key: 'id', label: 'run id' },
      { key: 'kind', label: 'kind' },
      { key: 'status', label: 'status' },
      { key: 'seed', label: 'seed' },
      { key: 'size', label: 'size' },
      { key: 'task', label: 'task (n_good)' },
      { key: 'rule', label: 'RL rule' },
      { key: 'created', label: 'created' },
      { key: 'commit', label: 'git commit' },
      { key: 'dirty', label: 'dirty' },
      { key: 'backend', label: 'backend' },
      { key: 'kernels', label: 'kernels' },
      { key: 'seconds', label: 'time (s)' },
      { key: 'error', label: 'error' },
    ],
    rows: all.map((r) => ({
      id: r.id,
      kind: kindOf(r),
      status: r.status,
      seed: r.seed,
      size: r.kind === 'pretrain' || r.kind === 'finetune' ? r.size : null,
      task: r.kind === 'finetune' ? r.task : null,
      rule: r.kind === 'finetune' ? r.rule : null,
      created: r.provenance.created,
      commit: r.provenance.git.commit ?? 'unknown',
      dirty: r.provenance.git.dirty ? 'yes' : 'no',
      backend: r.provenance.backend,
      kernels: kernelsOf(r),
      seconds: totalSeconds(r),
      error: r.error?.message ?? null,
    })),
  };
  const failed = all.filter((r) => r.status !== 'success');
  const failures = failed.length
    ? `<ul class="failures">${failed.map((r) => `<li><strong>${h(r.id)}</strong> (${h(r.status)})${r.error ? `: ${h(r.error.message)}<details><summary>stack</summary><pre>${h(r.error.stack)}</pre></details>` : ''}</li>`).join('')}</ul>`
    : '';
  // As for the study, a record without its checksum is unfinished: named, not read.
  const open = unfinished.length
    ? `<p>${unfinished.length} unfinished (no .sha256 beside run.json), not shown: ${unfinished.map((f) => h(f)).join(', ')}</p>`
    : '';
  return `<section id="runs"><h2>Runs</h2><p>${all.length} run records (only successful runs are drawn).</p>${failures}${open}${dataBlock(table, 'runs')}</section>`;
}

function configSection(all: readonly AnyRecord[]): string {
  const kinds = distinct(all, kindOfConfig);
  const parts = kinds.map((kind) => {
    const recs = all.filter((r) => kindOfConfig(r) === kind);
    const keys = [...new Set(recs.flatMap((r) => Object.keys(r.config)))].sort(byString);
    const rows = keys.map((k) => {
      const values = [...new Set(recs.map((r) => (k in r.config ? showValue(r.config[k]) : '(absent)')))].sort(byString);
      return { key: k, values: values.join(' | '), n: values.length };
    });
    const seeds = [...new Set(recs.map((r) => r.seed))].sort((a, b) => a - b);
    return (
      `<h3>${h(kind)} (${recs.length} runs; seeds ${h(seeds.join(', '))})</h3>` +
      (rows.length === 0
        ? '<p class="empty">No configuration recorded.</p>'
        : plainTable(
            [
              { key: 'key', label: 'key' },
              { key: 'values', label: 'values (distinct, | between)' },
              { key: 'n', label: 'distinct' },
            ],
            rows,
          ))
    );
  });
  return `<section id="configuration"><h2>Configuration</h2><p>The resolved configuration of every stage, key by key, with the distinct values over the runs of each kind.</p>${parts.join('\n')}</section>`;
}

function kindOfConfig(r: AnyRecord): string {
  return r.kind === 'finetune' ? `finetune (rule ${r.rule})` : r.kind;
}

/** The build of the wasm kernels a record ran on (provenance.kernels), as the report names it. */
function kernelsOf(r: AnyRecord): string {
  const k = r.provenance.kernels;
  return k === undefined ? 'not recorded' : k === null ? 'none (not wasm)' : k;
}

const FMA_NOTE =
  'fma (relaxed-SIMD multiply-add) may round differently on another CPU, so its numbers may differ across CPUs (never between runs on one); simd gives the same numbers on every CPU';

function provenanceSection(all: readonly AnyRecord[]): string {
  const count = (f: (r: AnyRecord) => string): string =>
    distinct(all, f)
      .map((v) => `${v} (${all.filter((r) => f(r) === v).length} runs)`)
      .join('; ');
  const facts: [string, string][] = [
    ['git commit', count((r) => `${r.provenance.git.commit ?? 'unknown'}${r.provenance.git.dirty ? ' (dirty)' : ''}`)],
    ['TF.js backend', count((r) => r.provenance.backend)],
    ['wasm kernels', count(kernelsOf) + (all.some((r) => r.provenance.kernels === 'fma') ? `. ${FMA_NOTE}` : '')],
    ['Node.js', count((r) => r.provenance.node)],
    ['platform', count((r) => r.provenance.platform)],
    ['record format', count((r) => `version ${r.formatVersion}`)],
    [
      'created',
      all.length
        ? `${[...all].map((r) => r.provenance.created).sort(byString)[0]} … ${[...all]
            .map((r) => r.provenance.created)
            .sort(byString)
            .at(-1)}`
        : '—',
    ],
  ];
  const names = [...new Set(all.flatMap((r) => Object.keys(r.provenance.packages)))].sort(byString);
  const versions = names.map((n) => ({
    name: n,
    versions: distinct(
      all.filter((r) => n in r.provenance.packages),
      (r) => r.provenance.packages[n] ?? '',
    ).join(', '),
  }));
  return (
    `<section id="provenance"><h2>Provenance</h2><dl class="facts">${facts.map(([k, v]) => `<dt>${h(k)}</dt><dd>${h(v || '—')}</dd>`).join('')}</dl>` +
    `<h3>Package versions</h3>${
      versions.length
        ? plainTable(
            [
              { key: 'name', label: 'package' },
              { key: 'versions', label: 'versions' },
            ],
            versions,
          )
        : '<p class="empty">None recorded.</p>'
    }</section>`
  );
}

const STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1000px; padding: 1em 1.5em 4em; color: #222; background: #fff; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
nav ol { columns: 2; }
figure.study-figure { margin: 2.5em 0; padding-top: 0.5em; border-top: 1px solid #eee; }
figcaption { margin-bottom: 0.6em; max-width: 60em; }
.line-key { display: flex; flex-wrap: wrap; gap: 0.3em 1.2em; font-size: 12px; margin: 0.3em 0; }
.key-item { display: inline-flex; align-items: center; gap: 0.4em; }
.plot { margin: 0.5em 0; overflow-x: auto; }
details.data { margin: 0.5em 0; }
details.data summary { cursor: pointer; color: #345; }
table.data { border-collapse: collapse; font-size: 12px; margin: 0.5em 0; }
table.data th, table.data td { border: 1px solid #ddd; padding: 2px 6px; text-align: left; vertical-align: top; }
table.data td.num { text-align: right; font-variant-numeric: tabular-nums; }
textarea.csv { width: 100%; font: 11px ui-monospace, monospace; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2em 1em; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
.check.ok { color: #2a6b2a; }
.check.warn { color: #a33; font-weight: 600; }
ul.checks { list-style: none; padding: 0; }
.empty { color: #777; font-style: italic; }
pre { white-space: pre-wrap; font-size: 11px; }
`;

// -------------------------------------------------------------------------------------------------
// report
// -------------------------------------------------------------------------------------------------

/**
 * The report as one self-contained HTML document. Deterministic: the same records give the same bytes
 * (no timestamps, no paths of the input directories), whatever directories they were read from.
 */
export function buildReport(data: StudyData): string {
  const all: AnyRecord[] = [...data.pretrain, ...data.finetune, ...data.baselines, ...data.failed].sort((a, b) => byString(a.id, b.id));
  const rows = figureRows(data);
  // every figure of the registry, in order; the peer measures' only when the records have them
  const figures = [...FIGURES, ...PEER_FIGURES].map((f) => ({ ...f, html: f.build(rows) })).filter((f) => f.html !== '');
  const title = `optimpact study report${data.summaries.length ? ` — ${[...new Set(data.summaries.map((s) => s.preset))].join(', ')}` : ''}`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${h(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<header><h1>${h(title)}</h1>`,
    '<p>Optimization (Op) and impact (Imp) of tiny transformers fine-tuned by RL, measured by the split-history method and compared with closed-form theory. ' +
      'All measures in nats (natural log); error bars ± 1 standard error; models trained with different RL rules are shown side by side, never mixed. ' +
      'Each figure has its data table (open “Data”; copy it, or download the CSV).</p></header>',
    overview(data, all, rows),
    identificationCheck(data, rows),
    `<nav id="contents"><h2>Figures</h2><ol>${figures.map((f) => `<li value="${f.number}"><a href="#fig-${String(f.number).padStart(2, '0')}">${h(f.title)}</a></li>`).join('')}</ol>` +
      `<p><a href="#baselines">Baselines</a> · <a href="#runs">Runs</a> · <a href="#configuration">Configuration</a> · <a href="#provenance">Provenance</a></p></nav>`,
    '<main>',
    ...figures.map((f) => f.html),
    '</main>',
    baselinesSection(data),
    runsSection(all, data.unfinished),
    configSection(all),
    provenanceSection(all),
    '<footer><p>Rebuild this file from the run records with <code>optimpact report --runs DIR… --out FILE</code>.</p></footer>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
