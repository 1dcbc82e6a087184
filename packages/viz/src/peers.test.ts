import { fixtureRows } from './figures.fixture.js';
import { aupVsImp, identificationByMegVsOp, identifyByMegModels, inferredUtilities, megVsOp, misalignmentTestbed, peerFigures } from './peers.js';
import type { Est, ModelRow, PeerRow, TestbedFigureRow } from './types.js';

const e = (mean: number, se = 0.01): Est => ({ mean, se });
/** Peer rows that make each model look goal-directed towards its trained task, except the n_good = 6 models, which look like n_good = 4 ones. */
function withPeers(m: ModelRow): ModelRow {
  const looksLike = m.task === 6 ? 4 : m.task;
  const peers: PeerRow = {
    megF: e((m.op.mean ?? 0) * 1.1),
    meg: [2, 4, 6].map((k) => ({ nGood: k, meg: e(k === looksLike ? (m.op.mean ?? 0) : 0.01) })),
    identifiedTask: looksLike,
    w: Array.from({ length: 8 }, (_, v) => (v < looksLike ? 1 : -1)),
    baselines: ['split-history', 'uniform'].map((name) => ({ name, aupBefore: e(0.2), aupAfter: e(0.4), rr: e(0.03), rr2: e(0.05), empowermentChange: null })),
  };
  return { ...m, peers };
}

const models = fixtureRows().models.map(withPeers);

describe('peer figures', () => {
  it('each renders its number, panels and one table row per model', () => {
    for (const [n, html] of [
      [19, megVsOp(models)],
      [20, aupVsImp(models)],
      [21, identificationByMegVsOp(models)],
      [22, inferredUtilities(models)],
    ] as const) {
      expect(html).toContain(`id="fig-${n}"`);
      expect(html).toContain('<svg');
      expect(html.match(/<tr>/g)?.length).toBe(models.length + 1);
    }
    expect(peerFigures(models)).toHaveLength(4);
  });

  it('identification by MEG reads the largest MEG_{G_k}', () => {
    const ident = identifyByMegModels(models);
    expect(ident.total).toBe(models.length);
    expect(ident.correct).toBe(models.filter((m) => m.task !== 6).length);
    expect(ident.confusion['6']?.['4']).toBe(models.filter((m) => m.task === 6).length);
  });

  it('without peer measures there are no peer figures, and a builder says why', () => {
    const plain = fixtureRows().models;
    expect(peerFigures(plain)).toEqual([]);
    expect(megVsOp(plain)).toContain('measure.peers');
  });

  it('the test-bed figure has one panel per measure and one row per case', () => {
    const rows: TestbedFigureRow[] = ['aligned', 'crossed'].map((name, i) => ({
      name,
      description: name,
      task: 'n_good=4',
      excessOp: e(0.5 * i),
      excessImp: e(0.4 * i),
      megGap: e(0.3 * i),
      aupSplitHistory: e(0.1 + i * 0.1),
      aupUniform: e(0.1),
      w: [1, 1, 1, 1, -1, -1, -1, -1],
    }));
    const html = misalignmentTestbed(rows);
    expect(html).toContain('id="fig-23"');
    expect(html.match(/<svg/g)?.length).toBe(5);
    expect(html.match(/<tr>/g)?.length).toBe(3);
  });
});
