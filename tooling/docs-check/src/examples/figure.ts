// tooling/docs-check/src/examples/figure.ts
import * as Plot from '@observablehq/plot';
import type { ModelRow } from '@optimpact/viz';
import { dataBlock, escapeHtml } from '@optimpact/viz';
import { JSDOM } from 'jsdom';

/**
 * A figure is a function from the report's plain rows to one static `<figure>`: here, how far each model
 * lies above the theory on its own task, Op − Op_pred (nats), against its parameter count, with its data
 * table. Plot renders to SVG in Node through a jsdom document; no script reaches the page.
 */
export function opAboveTheory(models: readonly ModelRow[]): string {
  const points = models.flatMap((m) => {
    const own = m.scores.find((t) => t.nGood === m.task);
    return m.op.mean === null || own?.opPred.mean == null
      ? []
      : [{ id: m.id, params: m.params, task: `n_good = ${m.task}`, excess: m.op.mean - own.opPred.mean }];
  });
  const svg = Plot.plot({
    document: new JSDOM('').window.document,
    x: { type: 'log', label: 'parameters →' },
    y: { label: '↑ Op − Op_pred (nats)' },
    color: { legend: true },
    marks: [Plot.ruleY([0]), Plot.dot(points, { x: 'params', y: 'excess', stroke: 'task', title: 'id' })],
  }).outerHTML;
  const table = {
    columns: [
      { key: 'id', label: 'model' },
      { key: 'task', label: 'task' },
      { key: 'excess', label: 'Op − Op_pred (nats)' },
    ],
    rows: points.map((p) => ({ id: p.id, task: p.task, excess: p.excess })),
  };
  return `<figure id="op-above-theory"><figcaption>${escapeHtml('Op − Op_pred on the own task, per model')}</figcaption>${svg}${dataBlock(table, 'op-above-theory')}</figure>`;
}
