import { identifyObjective, identifyTask } from './identify.js';

const cands = (a: number | null, b: number | null, c: number | null) => [
  { task: 2, opPred: a },
  { task: 4, opPred: b },
  { task: 6, opPred: c },
];

describe('identifyTask', () => {
  test('picks the task whose Op_pred is closest to Op', () => {
    expect(identifyTask(0.6, cands(1.2, 0.62, 0.25))).toEqual({ task: 4, distance: expect.closeTo(0.02, 12) });
    expect(identifyTask(1.0, cands(1.2, 0.62, 0.25))?.task).toBe(2);
    expect(identifyTask(0.0, cands(1.2, 0.62, 0.25))?.task).toBe(6);
  });

  test('ties go to the smallest n_good whatever the order', () => {
    expect(identifyTask(0.5, cands(0.6, 0.4, 2))?.task).toBe(2);
    expect(identifyTask(0.5, [...cands(0.6, 0.4, 2)].reverse())?.task).toBe(2);
  });

  test('skips undefined Op_pred; null when nothing is defined', () => {
    expect(identifyTask(0.5, cands(null, Number.NaN, 3))?.task).toBe(6);
    expect(identifyTask(0.5, cands(null, null, null))).toBeNull();
    expect(identifyTask(null, cands(1, 2, 3))).toBeNull();
    expect(identifyTask(0.5, [])).toBeNull();
  });
});

describe('identifyObjective', () => {
  test('accuracy and confusion[trained][identified] with every row and column', () => {
    const r = identifyObjective([
      { id: 'a', trainedTask: 2, op: 1.1, candidates: cands(1.0, 0.3, 0.1) },
      { id: 'b', trainedTask: 4, op: 0.9, candidates: cands(1.0, 0.3, 0.1) },
      { id: 'c', trainedTask: 4, op: 0.35, candidates: cands(1.0, 0.3, 0.1) },
      { id: 'd', trainedTask: 6, op: 0.12, candidates: cands(1.0, 0.3, 0.1) },
    ]);
    expect(r.total).toBe(4);
    expect(r.correct).toBe(3);
    expect(r.accuracy).toBe(0.75);
    expect(r.confusion).toEqual({
      '2': { '2': 1, '4': 0, '6': 0 },
      '4': { '2': 1, '4': 1, '6': 0 },
      '6': { '2': 0, '4': 0, '6': 1 },
    });
    expect(r.models.map((m) => [m.id, m.identifiedTask, m.correct])).toEqual([
      ['a', 2, true],
      ['b', 2, false],
      ['c', 4, true],
      ['d', 6, true],
    ]);
  });

  test('unidentifiable models count as wrong, in a "none" column', () => {
    const r = identifyObjective([
      { id: 'a', trainedTask: 2, op: null, candidates: cands(1, 0.5, 0.2) },
      { id: 'b', trainedTask: 2, op: 1, candidates: cands(1, 0.5, 0.2) },
    ]);
    expect(r.accuracy).toBe(0.5);
    expect(r.confusion['2']).toEqual({ '2': 1, '4': 0, '6': 0, none: 1 });
    expect(r.models[0]).toMatchObject({ identifiedTask: null, distance: null, correct: false });
  });

  test('no models: accuracy 0 over 0, empty confusion', () => {
    expect(identifyObjective([])).toEqual({ models: [], correct: 0, total: 0, accuracy: 0, confusion: {} });
  });

  test('the confusion matrix does not depend on the order of the models', () => {
    const ms = [
      { id: 'a', trainedTask: 6, op: 0.2, candidates: cands(1.0, 0.3, 0.1) },
      { id: 'b', trainedTask: 2, op: 0.8, candidates: cands(1.0, 0.3, 0.1) },
      { id: 'c', trainedTask: 4, op: 0.3, candidates: cands(1.0, 0.3, 0.1) },
    ];
    const a = identifyObjective(ms);
    const b = identifyObjective([...ms].reverse());
    expect(JSON.stringify(b.confusion)).toBe(JSON.stringify(a.confusion));
    expect(b.accuracy).toBe(a.accuracy);
  });
});
