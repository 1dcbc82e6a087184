import {
  allFigures,
  impactRatioAndExcess,
  csvStem,
  FIGURES,
  crossObjectiveImpVsImpMin,
  crossObjectiveOpVsScore,
  lossAndSuccessVsParams,
  objectiveIdentification,
  opVsSuccess,
  predictedVsMeasuredOp,
  predictedVsMeasuredOpByTask,
  impVsImpMin,
  selfVsMeasuredOp,
} from './figures.js';
import type { FigureData } from './figures.js';
import { fixtureDifferential, fixtureRows } from './figures.fixture.js';
import { fitLine } from './internal/data.js';
import { escapeHtml } from './internal/html.js';
import type { ModelRow } from './types.js';

const { pretrain, models, generator, curves } = fixtureRows();
const differential = fixtureDifferential(models);
const data: FigureData = { pretrain, models, generator, curves, differential };

/** The additive environment's tasks (n_good 1, 2, 3 of 6 outcomes). */
const additive = (() => {
  const rows = fixtureRows({ tasks: [1, 2, 3], outcomes: 6 });
  return { ...rows, differential: fixtureDifferential(rows.models) };
})();

const count = (html: string, re: RegExp): number => (html.match(re) ?? []).length;

describe('figure builders (snapshots of the static HTML/SVG)', () => {
  test('the time zone is pinned for deterministic output', () => {
    expect(process.env.TZ).toBe('UTC');
  });

  test('the registry numbers the figures 1–18 in order', () => {
    expect(FIGURES.map((f) => f.number)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
  });

  for (const { number: n, title, build } of FIGURES) {
    test(`figure ${n}: ${title}`, () => {
      const html = build(data);
      expect(html).toBe(build(data)); // deterministic
      expect(html).toContain(`id="fig-${String(n).padStart(2, '0')}"`);
      expect(html).toContain(`<strong>Figure ${n}. ${escapeHtml(title)}</strong>`);
      expect(html).toContain(`download="${csvStem(n, title)}.csv"`);
      expect(html).toMatch(/<figcaption><strong>Figure \d+\. [^<]+<\/strong> .*Look for/s);
      expect(html).toContain('<svg');
      expect(html).toContain('<details class="data">');
      expect(html).toContain('href="data:text/csv;charset=utf-8;base64,');
      expect(html).not.toMatch(/<script/i);
      expect(html).toMatchSnapshot();
    });
  }

  test('scatter figures draw one dot per model and label axes in nats', () => {
    const html = predictedVsMeasuredOp(models);
    expect(count(html, /<g aria-label="dot"/g)).toBe(1);
    expect(count(html, /<circle/g)).toBe(models.length); // only the dot mark draws circles
    expect(html).toContain('measured Op (nats)');
    expect(html).toContain('Op_pred = KL_B(s‖f)');
    expect(html).toContain('rule: exact');
    expect(html).toContain('rule: positive');
  });

  test('theory curves: one KL_B(s‖f) line per task in figure 4, and y = x lines where called for', () => {
    const fig4 = opVsSuccess(models);
    expect(fig4).toContain('KL_B(s‖2/8)');
    expect(fig4).toContain('KL_B(s‖6/8)');
    for (const fig of [predictedVsMeasuredOp(models), predictedVsMeasuredOpByTask(models), impVsImpMin(models), selfVsMeasuredOp(models)]) {
      expect(fig).toContain('y = x');
    }
  });

  test('on the additive environment (tasks 1–3 of 6 outcomes) every figure draws, with its chance lines', () => {
    for (const { number: n, build } of FIGURES) {
      const html = build(additive);
      expect([n, html.includes('class="empty"')]).toEqual([n, false]);
      expect([n, html.includes('<svg')]).toEqual([n, true]);
    }
    expect(lossAndSuccessVsParams(additive.pretrain, additive.models)).toContain('chance f = 1/6');
    expect(crossObjectiveOpVsScore(additive.models)).toContain('success rate on task n_good = 2 (fraction)'); // no good sets recorded: n_good alone
    expect(opVsSuccess(additive.models)).toContain('KL_B(s‖3/6)');
  });

  test('the cross-objective and identification figures name each task with the good set its rows record', () => {
    const sixWithout3: Record<number, number[]> = { 2: [0, 1], 4: [0, 1, 2, 3], 6: [0, 2, 4, 5, 6, 7] };
    const variant = fixtureRows({ tasks: [2, 4, 6], outcomes: 8, good: sixWithout3 }).models;
    const sentence = 'Good sets G (the outcomes counted as success): n_good = 2: {0,1}; n_good = 4: {0,1,2,3}; n_good = 6: {0,2,4,5,6,7}.';
    const csvHead = (html: string): string =>
      Buffer.from(/base64,([^"]+)"/.exec(html)![1]!, 'base64')
        .toString('utf8')
        .split('\r\n')[0]!;
    const fig6 = crossObjectiveOpVsScore(variant, 6);
    expect(fig6).toContain('success rate on task n_good = 6: {0,2,4,5,6,7} (fraction)');
    expect(csvHead(fig6)).toContain('"s on n_good = 6: {0,2,4,5,6,7} (fraction)"');
    for (const html of [fig6, predictedVsMeasuredOpByTask(variant), crossObjectiveImpVsImpMin(variant), objectiveIdentification(variant)])
      expect(html).toContain(sentence);
    expect(predictedVsMeasuredOpByTask(variant)).toContain('scored on n_good = 6: {0,2,4,5,6,7}');
    expect(csvHead(objectiveIdentification(variant))).toContain('"Op_pred n_good = 6: {0,2,4,5,6,7} (nats)"');
    // the default rows record the nested sets, named the same way; rows without sets name n_good alone
    expect(predictedVsMeasuredOpByTask(models)).toContain('scored on n_good = 6: {0,1,2,3,4,5}');
    expect(predictedVsMeasuredOpByTask(additive.models)).not.toContain('Good sets G');
    // rows of studies with different sets merged: each set is shown, none hidden
    const merged = [...models.filter((m) => m.rule === 'exact'), ...variant.filter((m) => m.rule === 'positive')];
    expect(predictedVsMeasuredOpByTask(merged)).toContain('n_good = 6: {0,1,2,3,4,5} or {0,2,4,5,6,7}');
  });

  test('figure 6 defaults to the middle task the models were scored on', () => {
    expect(crossObjectiveOpVsScore(models)).toBe(crossObjectiveOpVsScore(models, 4));
  });

  test('every builder copes with no data', () => {
    const html = allFigures({ pretrain: [], models: [], generator: null, curves: [] });
    expect(html).toHaveLength(18);
    for (const f of html) {
      expect(f).toContain('class="empty"');
      expect(f).not.toContain('<svg class');
    }
  });

  test('strings from the data are escaped, never markup', () => {
    const evil = `<script>alert("x")</script>'&</svg>`;
    const hostile: ModelRow[] = models.map((m) => ({ ...m, id: `${m.id}${evil}`, rule: m.rule === 'exact' ? `exact${evil}` : m.rule }));
    for (const html of allFigures({ pretrain, models: hostile, generator, curves: curves.map((c) => ({ ...c, run: `${c.run}${evil}` })) })) {
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toContain("</svg>'&");
    }
    const fig5 = predictedVsMeasuredOp(hostile);
    expect(fig5).toContain('&lt;script&gt;');
  });
});

describe('fitLine', () => {
  it('gives the least-squares line and the correlation computed by hand', () => {
    const exact = fitLine([0, 1, 2].map((x) => ({ x, y: 1 + 2 * x })))!;
    expect(exact.slope).toBeCloseTo(2, 12);
    expect(exact.intercept).toBeCloseTo(1, 12);
    expect(exact.r).toBeCloseTo(1, 12);
    // (0,0), (1,2), (2,1): Sxx = 2, Sxy = 1, Syy = 2, so slope 1/2, intercept 1/2, r = 1/2
    const noisy = fitLine([
      { x: 0, y: 0 },
      { x: 1, y: 2 },
      { x: 2, y: 1 },
    ])!;
    expect([noisy.slope, noisy.intercept, noisy.r, noisy.n]).toEqual([0.5, 0.5, 0.5, 3]);
    expect(
      fitLine([
        { x: 1, y: 0 },
        { x: 1, y: 2 },
      ]),
    ).toBeNull();
  });
});

describe('figure 14 excess impact', () => {
  // every model's score on its own task with `excessImp` recorded at s.e. `se` (undefined: a record from before it was kept)
  const withExcessSe = (se: (m: ModelRow) => number | undefined): ModelRow[] =>
    models.map((m) => ({
      ...m,
      scores: m.scores.map((s) => {
        const e = s.nGood === m.task ? se(m) : undefined;
        return e === undefined ? s : { ...s, excessImp: { mean: (m.imp.mean ?? 0) - (s.impMin.mean ?? 0), se: e } };
      }),
    }));

  it("draws the difference's own s.e. where the record keeps it, and Imp's s.e. where it does not", () => {
    const older = impactRatioAndExcess(withExcessSe(() => undefined));
    expect(impactRatioAndExcess(withExcessSe((m) => m.imp.se ?? undefined))).toBe(older);
    expect(impactRatioAndExcess(withExcessSe((m) => (m.imp.se ?? 0) / 4))).not.toBe(older);
  });
});
