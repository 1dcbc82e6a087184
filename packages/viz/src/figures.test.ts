import {
  allFigures,
  crossObjectiveImpVsImpMin,
  differentialByBlock,
  crossObjectiveOpVsScore,
  impactRatioAndExcess,
  impVsImpMin,
  impVsParams,
  lossAndSuccessVsParams,
  objectiveIdentification,
  opVsSize,
  opVsSuccess,
  predictedVsMeasuredOp,
  predictedVsMeasuredOpByTask,
  referenceFutures,
  selfVsMeasuredImp,
  selfVsMeasuredOp,
  sPrimeVsParams,
  successVsSize,
  trainingCurves,
} from './figures.js';
import { fixtureDifferential, fixtureRows } from './figures.fixture.js';
import type { ModelRow } from './types.js';

const { pretrain, models, generator, curves } = fixtureRows();
const differential = fixtureDifferential(models);

/** Every builder, numbered as in docs/method.md#the-study, applied to the fixture rows. */
const BUILDERS: [number, string, () => string][] = [
  [1, 'lossAndSuccessVsParams', () => lossAndSuccessVsParams(pretrain, models)],
  [2, 'successVsSize', () => successVsSize(models)],
  [3, 'opVsSize', () => opVsSize(models, generator)],
  [4, 'opVsSuccess', () => opVsSuccess(models)],
  [5, 'predictedVsMeasuredOp', () => predictedVsMeasuredOp(models)],
  [6, 'crossObjectiveOpVsScore', () => crossObjectiveOpVsScore(models, 4)],
  [7, 'predictedVsMeasuredOpByTask', () => predictedVsMeasuredOpByTask(models)],
  [8, 'impVsParams', () => impVsParams(models)],
  [9, 'impVsImpMin', () => impVsImpMin(models)],
  [10, 'sPrimeVsParams', () => sPrimeVsParams(models)],
  [11, 'crossObjectiveImpVsImpMin', () => crossObjectiveImpVsImpMin(models)],
  [12, 'selfVsMeasuredOp', () => selfVsMeasuredOp(models)],
  [13, 'selfVsMeasuredImp', () => selfVsMeasuredImp(models)],
  [14, 'impactRatioAndExcess', () => impactRatioAndExcess(models)],
  [15, 'trainingCurves', () => trainingCurves(curves)],
  [16, 'referenceFutures', () => referenceFutures(models)],
  [17, 'objectiveIdentification', () => objectiveIdentification(models)],
  [18, 'differentialByBlock', () => differentialByBlock(differential)],
];

const count = (html: string, re: RegExp): number => (html.match(re) ?? []).length;

describe('figure builders (snapshots of the static HTML/SVG)', () => {
  test('the time zone is pinned for deterministic output', () => {
    expect(process.env.TZ).toBe('UTC');
  });

  for (const [n, name, build] of BUILDERS) {
    test(`figure ${n}: ${name}`, () => {
      const html = build();
      expect(html).toBe(build()); // deterministic
      expect(html).toContain(`id="fig-${String(n).padStart(2, '0')}"`);
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
      expect(html).not.toContain('</svg>\'&');
    }
    const fig5 = predictedVsMeasuredOp(hostile);
    expect(fig5).toContain('&lt;script&gt;');
  });
});
